import * as path from 'node:path';
import { DataSource } from 'typeorm';
import { isUniqueViolation } from '../../apps/api/src/database/columns';
import { dataSourceOptions } from '../../apps/api/src/database/database.options';
import { runMigrations } from '../../apps/api/src/database/migrator';
import { HandshakeRows, SessionRow } from '../../apps/api/src/pqc/sessions/handshake-rows';
import { PqcReplayEntity, PqcSessionEntity } from '../../apps/api/src/pqc/sessions/session.entities';
import { tempDir } from '../support/env';
import { createSchema, describePostgres, POSTGRES_URL } from '../support/postgres';

type Connect = () => Promise<DataSource>;

/** What the promise was rejected with (undefined when it was not). */
const rejection = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error);

const session = (id: string, apiKeyId: string | null): SessionRow => ({
  id,
  apiKeyId,
  keyVersion: 3,
  suite: 'X-Wing+ML-DSA-65',
  transcriptSha256: 'ab'.repeat(32),
  sealedState: 'c2VhbGVk',
  revision: 0,
  createdAt: 1_764_201_600_123,
  expiresAt: 1_764_205_200_123,
});

/** The handshake's two inserts, on every backend, read back through the entities TypeORM maps. */
function handshakeRowsContract(connect: Connect) {
  let ds: DataSource;
  let rows: HandshakeRows;
  beforeEach(async () => {
    ds = await connect();
    await runMigrations(ds);
    rows = new HandshakeRows(ds);
  });
  afterEach(async () => {
    await ds.destroy();
  });

  it('claims a replay key once; a second claim is a unique violation, as through the repository', async () => {
    await rows.insertReplay({ replayKey: 'f0'.repeat(32), expiresAt: 1_764_201_720_000 });
    const again = await rejection(rows.insertReplay({ replayKey: 'f0'.repeat(32), expiresAt: 1_764_201_780_000 }));
    expect(isUniqueViolation(again)).toBe(true);
    expect(await ds.getRepository(PqcReplayEntity).find()).toEqual([{ replayKey: 'f0'.repeat(32), expiresAt: 1_764_201_720_000 }]);
  });

  it('stores sessions with every column, anonymous ones included', async () => {
    await rows.insertSession(session('s1', 'key-1'));
    await rows.insertSession(session('s2', null));
    expect(isUniqueViolation(await rejection(rows.insertSession(session('s1', 'key-1'))))).toBe(true);
    const stored = await ds.getRepository(PqcSessionEntity).find({ order: { id: 'ASC' } });
    expect(stored).toEqual([session('s1', 'key-1'), session('s2', null)].map((s) => Object.assign(new PqcSessionEntity(), s)));
  });
}

const connect = (options: Parameters<typeof dataSourceOptions>[0], schema?: string) =>
  new DataSource({ ...dataSourceOptions(options, { schema }), entities: [PqcSessionEntity, PqcReplayEntity] }).initialize();

describe('HandshakeRows on SQLite', () => {
  handshakeRowsContract(() => connect({ type: 'sqlite', path: path.join(tempDir(), 'nf.sqlite') }));

  describe('group commit (the inserts of one event-loop turn share a transaction)', () => {
    let ds: DataSource;
    let rows: HandshakeRows;
    beforeEach(async () => {
      ds = await connect({ type: 'sqlite', path: path.join(tempDir(), 'nf.sqlite') });
      await runMigrations(ds);
      rows = new HandshakeRows(ds);
    });
    afterEach(async () => {
      await ds.destroy();
    });

    it('fails only the row that violates a constraint; its neighbours commit', async () => {
      const keys = ['a1', 'b2', 'a1', 'c3'].map((k) => k.repeat(32));
      const results = await Promise.all(keys.map((replayKey) => rejection(rows.insertReplay({ replayKey, expiresAt: 1 }))));
      expect(results.map((r) => (r === undefined ? 'ok' : isUniqueViolation(r) ? 'replay' : r))).toEqual(['ok', 'ok', 'replay', 'ok']);
      const stored = await ds.getRepository(PqcReplayEntity).find({ order: { replayKey: 'ASC' } });
      expect(stored.map((r) => r.replayKey)).toEqual(['a1', 'b2', 'c3'].map((k) => k.repeat(32)));
    });

    it('commits nothing of a batch that meets any other error, and reports it to every caller', async () => {
      await ds.query('DROP TABLE "nf_pqc_session"');
      const results = await Promise.all([
        rejection(rows.insertReplay({ replayKey: 'd4'.repeat(32), expiresAt: 1 })),
        rejection(rows.insertSession(session('s1', null))),
      ]);
      expect(results.map((r) => (r as Error | undefined)?.message)).toEqual([expect.stringContaining('no such table'), expect.stringContaining('no such table')]);
      expect(await ds.getRepository(PqcReplayEntity).count()).toBe(0);
      await rows.insertReplay({ replayKey: 'e5'.repeat(32), expiresAt: 1 });
      expect(await ds.getRepository(PqcReplayEntity).count()).toBe(1);
    });
  });
});

describePostgres('HandshakeRows on PostgreSQL (in a schema of its own)', () => {
  let schema: Awaited<ReturnType<typeof createSchema>>;
  beforeEach(async () => {
    schema = await createSchema();
  });
  afterEach(async () => {
    await schema.drop();
  });
  handshakeRowsContract(() => connect({ type: 'postgres', url: POSTGRES_URL }, schema.schema));
});
