import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../apps/api/src/database/database.options';
import { MIGRATIONS } from '../../apps/api/src/database/migrations';
import { runMigrations } from '../../apps/api/src/database/migrator';
import { InstanceEntity } from '../../apps/api/src/instance/instance.entity';
import { tempDir } from '../support/env';
import { createSchema, describePostgres, POSTGRES_URL } from '../support/postgres';

type Connect = () => Promise<DataSource>;

/** The same contract for every backend: real migrations, then the repository against real tables. */
function databaseContract(connect: Connect) {
  let ds: DataSource;
  beforeEach(async () => {
    ds = await connect();
  });
  afterEach(async () => {
    await ds.destroy();
  });

  it('applies every migration once, in order, and a second run finds nothing to do', async () => {
    expect(await runMigrations(ds)).toEqual(MIGRATIONS.map((m) => m.name));
    expect(await runMigrations(ds)).toEqual([]);
  });

  it('stores and reads instances, newest first, with epoch milliseconds intact', async () => {
    await runMigrations(ds);
    const repo = ds.getRepository(InstanceEntity);
    const base = 1_764_201_600_123;
    for (const [i, id] of [randomUUID(), randomUUID()].entries()) {
      await repo.insert({ id, version: '8.1.1', mode: 'simulation', envHash: 'a'.repeat(64), hostname: 'h', startedAt: base + i });
    }
    const rows = await repo.find({ order: { startedAt: 'DESC' } });
    expect(rows.map((r) => r.startedAt)).toEqual([base + 1, base]);
    expect(typeof rows[0].startedAt).toBe('number');
  });

  it('reverts every migration', async () => {
    await runMigrations(ds);
    for (let i = 0; i < MIGRATIONS.length; i++) await ds.undoLastMigration();
    expect(await ds.createQueryRunner().hasTable('nf_instance')).toBe(false);
  });
}

const connect = (options: Parameters<typeof dataSourceOptions>[0], schema?: string) =>
  new DataSource({ ...dataSourceOptions(options, { schema }), entities: [InstanceEntity] }).initialize();

describe('SQLite (embedded default)', () => {
  databaseContract(() => connect({ type: 'sqlite', path: path.join(tempDir(), 'nf.sqlite') }));
});

describePostgres('PostgreSQL', () => {
  let schema: Awaited<ReturnType<typeof createSchema>>;
  beforeEach(async () => {
    schema = await createSchema();
  });
  afterEach(async () => {
    await schema.drop();
  });

  databaseContract(() => connect({ type: 'postgres', url: POSTGRES_URL }, schema.schema));

  it('lets exactly one of several replicas starting together apply the migrations', async () => {
    const replicas = await Promise.all([1, 2, 3].map(() => connect({ type: 'postgres', url: POSTGRES_URL }, schema.schema)));
    try {
      const applied = await Promise.all(replicas.map((ds) => runMigrations(ds)));
      expect(applied.filter((names) => names.length > 0)).toEqual([MIGRATIONS.map((m) => m.name)]);
    } finally {
      await Promise.all(replicas.map((ds) => ds.destroy()));
    }
  });
});
