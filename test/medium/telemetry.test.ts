import * as path from 'node:path';
import { Client } from 'pg';
import { Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../apps/api/src/database/database.options';
import { runMigrations } from '../../apps/api/src/database/migrator';
import { Clock } from '../../apps/api/src/lifecycle/clock';
import { TELEMETRY_COLUMN_ALLOW_LIST } from '../../apps/api/src/policy/policy.checks';
import { PolicyMetrics } from '../../apps/api/src/policy/policy.metrics';
import { BUCKET_MS, TelemetryRecord } from '../../apps/api/src/policy/telemetry.aggregate';
import { TelemetryAggregateEntity } from '../../apps/api/src/policy/telemetry.entity';
import { TelemetryRepository } from '../../apps/api/src/policy/telemetry.repository';
import { TelemetryService } from '../../apps/api/src/policy/telemetry.service';
import { tempDir, testEnv } from '../support/env';
import { createSchema, describePostgres, POSTGRES_URL } from '../support/postgres';

const DAY_MS = 24 * 3600 * 1000;
const T0 = 1_767_225_600_000; // 2026-01-01T00:00:00Z, a bucket boundary

/** The clock the service reads; tests move it instead of waiting. */
class PinnedClock extends Clock {
  constructor(public at: number) {
    super();
  }

  override now(): number {
    return this.at;
  }
}

const PRODUCTION = { NEURAL_FABRIC_MODE: 'production', SIMULATION_MODE: 'false', GPU_DRIVER_MOCK: 'false', VAULT_PQC_KEK: 'ab'.repeat(32) };

function telemetryOn(ds: DataSource, mode: 'simulation' | 'production', clock: PinnedClock, overrides: Record<string, string> = {}) {
  const { settings } = testEnv({
    ...(mode === 'production' ? PRODUCTION : {}),
    TELEMETRY_PSEUDONYM_KEY: 'cd'.repeat(32),
    TELEMETRY_K_ANONYMITY: '2',
    TELEMETRY_EXPORT_TOP_TENANTS: '1',
    ...overrides,
  });
  const registry = new Registry();
  const service = new TelemetryService(settings, clock, new TelemetryRepository(ds), new PolicyMetrics(registry));
  return { service, registry };
}

/** The table's primary key columns in key order, as the database has them. */
async function primaryKey(ds: DataSource): Promise<string[]> {
  const table = ds.getMetadata(TelemetryAggregateEntity).tablePath;
  if (ds.options.type !== 'postgres') {
    const columns = (await ds.query(`PRAGMA table_info("${table}")`)) as { name: string; pk: number }[];
    return columns.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
  }
  const rows = (await ds.query(
    `SELECT a.attname AS name FROM pg_index i, unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord), pg_attribute a
     WHERE i.indrelid = $1::regclass AND i.indisprimary AND a.attrelid = i.indrelid AND a.attnum = k.attnum ORDER BY k.ord`,
    [table],
  )) as { name: string }[];
  return rows.map((r) => r.name);
}

const record = (over: Partial<TelemetryRecord> = {}): TelemetryRecord => ({
  tenant: 'tenant-a', model: 'tiny-mlp', outcome: 'ok', seconds: 0.01, inputBytes: 64, outputBytes: 12, ...over,
});

function telemetryContract(connect: () => Promise<DataSource>) {
  let ds: DataSource;
  const rows = () => ds.getRepository(TelemetryAggregateEntity).find({ order: { bucketStart: 'ASC' } });

  beforeEach(async () => {
    ds = await connect();
    await runMigrations(ds);
  });
  afterEach(async () => {
    await ds.destroy();
  });

  it('has exactly the columns the P1 allow-list names', async () => {
    await expect(new TelemetryRepository(ds).storedColumns().then((c) => c.sort())).resolves.toEqual([...TELEMETRY_COLUMN_ALLOW_LIST].sort());
  });

  it('is indexed by its primary key only, bucket_start leading (the purge range uses it)', async () => {
    expect(await primaryKey(ds)).toEqual(['bucket_start', 'tenant_pseudonym', 'model']);
    const runner = ds.createQueryRunner();
    try {
      const table = await runner.getTable(ds.getMetadata(TelemetryAggregateEntity).tablePath);
      expect(table?.indices.map((i) => i.columnNames)).toEqual([]);
    } finally {
      await runner.release();
    }
  });

  it('flushes one row per tenant, model and bucket; later flushes and other replicas add to it', async () => {
    const clock = new PinnedClock(T0 + 1000);
    const { service } = telemetryOn(ds, 'simulation', clock);
    for (let i = 0; i < 3; i++) service.record(record({ contributor: `key-${i}` }));
    await service.flush();
    service.record(record({ outcome: 'error', seconds: 0.2, contributor: 'key-0' }));
    service.record(record({ model: 'small-mlp' }));
    await service.flush();
    await service.flush(); // nothing new: nothing added

    const replica = telemetryOn(ds, 'simulation', clock).service;
    replica.record(record({ contributor: 'key-9' }));
    await replica.flush();

    const stored = await rows();
    expect(stored).toHaveLength(2);
    const tiny = stored.find((r) => r.model === 'tiny-mlp')!;
    expect(tiny).toMatchObject({ bucketStart: T0, requests: 5, errors: 1, contributors: 3, latencyLe25ms: 4, latencyLe250ms: 5, latencyUsSum: 240_000, receivedBytes: 320, sentBytes: 60 });
    expect(tiny.tenantPseudonym).toBe(service.pseudonyms.tenant('tenant-a'));
    expect(JSON.stringify(stored)).not.toMatch(/tenant-a|key-\d/);
  });

  it('exports a closed window with k-anonymity and a bounded tenant label', async () => {
    const clock = new PinnedClock(T0);
    const { service, registry } = telemetryOn(ds, 'simulation', clock);
    for (const contributor of ['k1', 'k2', 'k3', 'k1']) service.record(record({ tenant: 'tenant-big', contributor }));
    for (const contributor of ['k1', 'k2']) service.record(record({ tenant: 'tenant-mid', contributor }));
    service.record(record({ tenant: 'tenant-lone', contributor: 'k1' }));
    await service.flush();
    expect(await registry.getSingleMetricAsString('nf_telemetry_requests')).not.toMatch(/nf_telemetry_requests\{/);

    clock.at = T0 + BUCKET_MS;
    await service.flush();
    const exposition = await registry.metrics();
    expect(exposition).toContain(`nf_telemetry_requests{tenant="${service.pseudonyms.tenant('tenant-big')}"} 4`);
    expect(exposition).toContain('nf_telemetry_requests{tenant="other"} 2');
    expect(exposition).toMatch(/^nf_telemetry_suppressed_tenants 1$/m);
    expect(exposition).not.toContain(service.pseudonyms.tenant('tenant-lone'));
    expect(exposition).not.toMatch(/tenant-(big|mid|lone)/);
    expect(service.exportedTenantLabels).toBe(2);

    clock.at = T0 + 2 * BUCKET_MS; // a quiet window empties the export
    await service.flush();
    expect(await registry.getSingleMetricAsString('nf_telemetry_requests')).not.toMatch(/nf_telemetry_requests\{/);
  });

  it.each([
    ['simulation', 7, [2 * DAY_MS]],
    ['production', 30, [8 * DAY_MS, 2 * DAY_MS]],
  ] as const)('purges aggregates past retention in %s (%i days)', async (mode, _days, kept) => {
    const clock = new PinnedClock(T0);
    const { service, registry } = telemetryOn(ds, mode, clock);
    for (const age of [31 * DAY_MS, 8 * DAY_MS, 2 * DAY_MS]) {
      clock.at = T0 - age;
      service.record(record());
      await service.flush();
    }
    clock.at = T0;
    await expect(service.purge()).resolves.toBe(3 - kept.length);
    expect((await rows()).map((r) => T0 - r.bucketStart)).toEqual(kept);
    expect(await registry.getSingleMetricAsString('nf_telemetry_purged_aggregates_total')).toMatch(new RegExp(`_total ${3 - kept.length}$`, 'm'));
  });
}

const connect = (options: Parameters<typeof dataSourceOptions>[0], schema?: string) =>
  new DataSource({ ...dataSourceOptions(options, { schema }), entities: [TelemetryAggregateEntity] }).initialize();

describe('telemetry store on SQLite', () => {
  telemetryContract(() => connect({ type: 'sqlite', path: path.join(tempDir(), 'telemetry.sqlite') }));
});

describePostgres('telemetry store on PostgreSQL', () => {
  let schema: Awaited<ReturnType<typeof createSchema>>;
  beforeEach(async () => {
    schema = await createSchema();
  });
  afterEach(async () => {
    await schema.drop();
  });

  telemetryContract(() => connect({ type: 'postgres', url: POSTGRES_URL }, schema.schema));

  it('lets one replica purge at a time: a replica that finds the lock taken skips the round', async () => {
    const ds = await connect({ type: 'postgres', url: POSTGRES_URL }, schema.schema);
    const other = new Client({ connectionString: POSTGRES_URL });
    await other.connect();
    try {
      await runMigrations(ds);
      const clock = new PinnedClock(T0 - 8 * DAY_MS);
      const { service } = telemetryOn(ds, 'simulation', clock);
      service.record(record());
      await service.flush();
      clock.at = T0;

      await other.query('BEGIN');
      await other.query('SELECT pg_advisory_xact_lock($1)', [0x4e460005]); // another replica is purging
      await expect(service.purge()).resolves.toBeUndefined();
      expect(await ds.getRepository(TelemetryAggregateEntity).count()).toBe(1);
      await other.query('COMMIT');
      await expect(service.purge()).resolves.toBe(1);
      expect(await ds.getRepository(TelemetryAggregateEntity).count()).toBe(0);
    } finally {
      await other.end();
      await ds.destroy();
    }
  });
});
