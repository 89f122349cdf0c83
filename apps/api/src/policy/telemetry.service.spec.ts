import * as path from 'node:path';
import { Logger } from '@nestjs/common';
import { Registry } from 'prom-client';
import { loadEnv } from '../env/env.loader';
import { Clock } from '../lifecycle/clock';
import { PolicyMetrics } from './policy.metrics';
import { BUCKET_MS, TelemetryRecord } from './telemetry.aggregate';
import { TelemetryAggregateEntity } from './telemetry.entity';
import { TelemetryRepository } from './telemetry.repository';
import { MAX_UNFLUSHED_CLOSED_BUCKETS, TelemetryService } from './telemetry.service';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..');
const T0 = 1_767_225_600_000; // a bucket boundary (2026-01-01T00:00:00Z)

class PinnedClock extends Clock {
  at = T0;

  override now(): number {
    return this.at;
  }
}

/** A store that can go away: while `down`, every add fails as a lost database connection would. */
class FlakyStore {
  down = false;
  readonly rows: TelemetryAggregateEntity[] = [];

  async add(row: TelemetryAggregateEntity): Promise<void> {
    if (this.down) throw new Error('connection refused');
    this.rows.push(row);
  }
}

const record = (contributor: string): TelemetryRecord => ({
  tenant: 'tenant-a', contributor, model: 'tiny-mlp', outcome: 'ok', seconds: 0.01, inputBytes: 8, outputBytes: 4,
});

describe('TelemetryService while the database is away', () => {
  let clock: PinnedClock;
  let store: FlakyStore;
  let registry: Registry;
  let service: TelemetryService;
  const sample = async (name: string) => (await registry.getSingleMetric(name)!.get()).values;

  beforeEach(() => {
    jest.spyOn(Logger.prototype, 'error').mockImplementation();
    const { settings } = loadEnv(REPO_ROOT, { TELEMETRY_PSEUDONYM_KEY: 'ab'.repeat(32), TELEMETRY_K_ANONYMITY: '2' });
    clock = new PinnedClock();
    store = new FlakyStore();
    registry = new Registry();
    service = new TelemetryService(settings, clock, store as unknown as TelemetryRepository, new PolicyMetrics(registry));
  });
  afterEach(() => jest.restoreAllMocks());

  /** One window: two contributors send, then the window closes and a flush runs. */
  async function window(i: number): Promise<void> {
    clock.at = T0 + i * BUCKET_MS;
    service.record(record('key-1'));
    service.record(record('key-2'));
    clock.at = T0 + (i + 1) * BUCKET_MS;
    await service.flush();
  }

  it('still exports each closed window from memory, keeps a bounded backlog and counts what it drops', async () => {
    store.down = true;
    await window(0);
    expect(await sample('nf_telemetry_requests')).toEqual([{ labels: { tenant: service.pseudonyms.tenant('tenant-a') }, value: 2 }]);
    expect(await sample('nf_telemetry_flush_failures_total')).toEqual([expect.objectContaining({ value: 1 })]);

    for (let i = 1; i < 6; i++) await window(i);
    // Windows 0..5 closed unstored; the newest MAX_UNFLUSHED_CLOSED_BUCKETS stay, the rest were dropped.
    expect(await sample('nf_telemetry_dropped_buckets_total')).toEqual([expect.objectContaining({ value: 6 - MAX_UNFLUSHED_CLOSED_BUCKETS })]);
    expect(service.exportedTenantLabels).toBe(1);

    store.down = false;
    await service.flush();
    expect(store.rows.map((r) => [(r.bucketStart - T0) / BUCKET_MS, r.requests, r.contributors])).toEqual([
      [3, 2, 2],
      [4, 2, 2],
      [5, 2, 2],
    ]);
    await service.flush();
    expect(store.rows).toHaveLength(3); // stored buckets are forgotten, not written twice
    expect(await sample('nf_telemetry_dropped_buckets_total')).toEqual([expect.objectContaining({ value: 3 })]);
  });

  it('drops nothing when the database comes back within the backlog', async () => {
    store.down = true;
    for (let i = 0; i < MAX_UNFLUSHED_CLOSED_BUCKETS; i++) await window(i);
    store.down = false;
    await service.flush();
    expect(store.rows).toHaveLength(MAX_UNFLUSHED_CLOSED_BUCKETS);
    expect(await sample('nf_telemetry_dropped_buckets_total')).toEqual([expect.objectContaining({ value: 0 })]);
  });
});
