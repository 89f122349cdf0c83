import { Pseudonymizer } from './pseudonym';
import { BUCKET_MS, latencyP95Seconds, selectExports, TelemetryAggregator, TelemetryInputError, TelemetryRecord, TenantWindow } from './telemetry.aggregate';

const T0 = 1_767_225_600_000; // a bucket boundary (2026-01-01T00:00:00Z)
const pseudonyms = new Pseudonymizer(Buffer.alloc(32, 7), 'setting');
const record = (over: Partial<TelemetryRecord> = {}): TelemetryRecord => ({
  tenant: 'tenant-a',
  model: 'tiny-mlp',
  outcome: 'ok',
  seconds: 0.02,
  inputBytes: 100,
  outputBytes: 40,
  ...over,
});

describe('TelemetryAggregator', () => {
  it('adds records per bucket, tenant pseudonym and model, with a cumulative latency histogram', () => {
    const agg = new TelemetryAggregator(pseudonyms);
    agg.add(record({ seconds: 0.004 }), T0);
    agg.add(record({ seconds: 0.2, outcome: 'deadline' }), T0 + 1000);
    agg.add(record({ seconds: 20, model: 'other-model' }), T0 + 2000);
    agg.add(record({ tenant: 'tenant-b' }), T0 + BUCKET_MS);
    const rows = agg.pending().map((p) => p.row);
    expect(rows).toHaveLength(3);
    const tiny = rows.find((r) => r.model === 'tiny-mlp' && r.bucketStart === T0)!;
    expect(tiny).toMatchObject({
      tenantPseudonym: pseudonyms.tenant('tenant-a'),
      requests: 2,
      errors: 1,
      contributors: 1,
      latencyLe5ms: 1,
      latencyLe25ms: 1,
      latencyLe100ms: 1,
      latencyLe250ms: 2,
      latencyLe10000ms: 2,
      latencyUsSum: 204_000,
      receivedBytes: 200,
      sentBytes: 80,
    });
    expect(rows.find((r) => r.model === 'other-model')!.latencyLe10000ms).toBe(0);
    expect(rows.find((r) => r.bucketStart === T0 + BUCKET_MS)!.tenantPseudonym).toBe(pseudonyms.tenant('tenant-b'));
    expect(JSON.stringify(rows)).not.toContain('tenant-a');
  });

  it('hands out only what was not flushed yet', () => {
    const agg = new TelemetryAggregator(pseudonyms);
    agg.add(record(), T0);
    const [first] = agg.pending();
    agg.add(record(), T0 + 1); // arrives while the first flush is on its way
    first.done();
    expect(agg.pending().map((p) => p.row.requests)).toEqual([1]);
    agg.pending().forEach((p) => p.done());
    expect(agg.pending()).toEqual([]);
    expect(agg.window(T0)[0].requests).toBe(2);
  });

  it('counts distinct contributors per tenant across models, and forgets closed buckets', () => {
    const agg = new TelemetryAggregator(pseudonyms);
    for (const contributor of ['k1', 'k2', 'k2', 'k3']) agg.add(record({ contributor }), T0);
    agg.add(record({ contributor: 'k1', model: 'other-model' }), T0);
    agg.add(record({ contributor: 'k4', model: 'other-model' }), T0);
    expect(agg.window(T0)).toEqual([expect.objectContaining({ tenant: pseudonyms.tenant('tenant-a'), requests: 6, contributors: 4 })]);
    expect(agg.pending().map((p) => p.row.contributors).sort()).toEqual([2, 3]);
    agg.pending().forEach((p) => p.done());
    expect(agg.releaseBefore(T0 + BUCKET_MS, 0)).toBe(0);
    expect(agg.window(T0)).toEqual([]);
  });

  it('keeps the newest closed buckets the store lacks, drops older ones, and never the open one', () => {
    const agg = new TelemetryAggregator(pseudonyms);
    for (let i = 0; i < 5; i++) agg.add(record(), T0 + i * BUCKET_MS);
    agg.pending().find((p) => p.row.bucketStart === T0 + BUCKET_MS)!.done(); // stored: forgotten, not counted as dropped
    expect(agg.releaseBefore(T0 + 4 * BUCKET_MS, 2)).toBe(1);
    expect(agg.pending().map((p) => (p.row.bucketStart - T0) / BUCKET_MS).sort()).toEqual([2, 3, 4]);
    expect(agg.window(T0)).toEqual([]);
    expect(agg.window(T0 + BUCKET_MS)).toEqual([]);
  });

  it('counts a tenant without contributor ids as one contributor', () => {
    const agg = new TelemetryAggregator(pseudonyms);
    for (let i = 0; i < 20; i++) agg.add(record(), T0);
    expect(agg.window(T0)[0].contributors).toBe(1);
  });

  it.each([
    ['an empty tenant', { tenant: '' }],
    ['a model name that is not a repository name', { model: '../etc/passwd' }],
    ['a negative duration', { seconds: -1 }],
    ['a non-finite byte count', { inputBytes: Number.POSITIVE_INFINITY }],
  ])('refuses %s without echoing the values', (_what, over) => {
    const agg = new TelemetryAggregator(pseudonyms);
    expect(() => agg.add(record(over), T0)).toThrow(TelemetryInputError);
    expect(() => agg.add(record(over), T0)).not.toThrow(/passwd|Infinity/);
    expect(agg.pending()).toEqual([]);
  });

  it('keeps no field a record carries beyond the typed ones', () => {
    const agg = new TelemetryAggregator(pseudonyms);
    agg.add({ ...record(), userId: 'sentinel-user', input: [1.2345] } as TelemetryRecord, T0);
    expect(JSON.stringify(agg.pending().map((p) => p.row))).not.toMatch(/sentinel-user|1\.2345/);
  });
});

describe('selectExports', () => {
  const tenant = (name: string, requests: number, contributors: number): TenantWindow => ({
    tenant: name,
    contributors,
    requests,
    errors: 1,
    latencyLe: [0, 0, requests, requests, requests, requests, requests],
    latencyUsSum: 0,
    receivedBytes: 10 * requests,
    sentBytes: requests,
  });

  it('leaves out tenants under k contributors and sums those beyond the top N as "other"', () => {
    const window = [tenant('a', 50, 11), tenant('b', 500, 30), tenant('c', 5, 10), tenant('d', 20, 12), tenant('e', 10, 11)];
    const { rows, suppressed } = selectExports(window, 11, 2);
    expect(suppressed).toBe(1);
    expect(rows.map((r) => [r.tenant, r.requests, r.receivedBytes])).toEqual([
      ['b', 500, 5000],
      ['a', 50, 500],
      ['other', 30, 300],
    ]);
    expect(rows.some((r) => 'contributors' in r)).toBe(false);
  });

  it('exports nothing when no tenant reaches k', () => {
    expect(selectExports([tenant('a', 100, 10)], 11, 10)).toEqual({ rows: [], suppressed: 1 });
  });

  it('reports the latency p95 as the upper bound of its bucket', () => {
    expect(latencyP95Seconds(tenant('a', 20, 11))).toBe(0.1);
    expect(latencyP95Seconds({ ...tenant('a', 0, 11) })).toBeUndefined();
  });
});
