import { randomUUID } from 'node:crypto';
import { existsSync, renameSync } from 'node:fs';
import * as path from 'node:path';
import { register } from 'prom-client';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../apps/api/src/database/database.options';
import { runMigrations } from '../../apps/api/src/database/migrator';
import { Settings } from '../../apps/api/src/env/env.schema';
import { ProbeRegistry } from '../../apps/api/src/health/probe-registry';
import { DatabaseKeystore, MANIFEST_TABLE, VERSION_TABLE } from '../../apps/api/src/pqc/keystore/database-keystore';
import { Kek } from '../../apps/api/src/pqc/keystore/kek';
import { KeyService } from '../../apps/api/src/pqc/keystore/key.service';
import { Keystore } from '../../apps/api/src/pqc/keystore/keystore';
import { KeystoreLock } from '../../apps/api/src/pqc/keystore/keystore-lock';
import { KEYSTORE_ENTITIES, KeystoreManifestEntity, KeystoreRecordEntity, KeystoreVersionEntity } from '../../apps/api/src/pqc/keystore/keystore.entities';
import { tempDir, testEnv } from '../support/env';
import { createSchema, describePostgres, POSTGRES_URL } from '../support/postgres';

jest.setTimeout(60_000);

const KEK = 'c3'.repeat(32);

interface Backend {
  database: Settings['database'];
  schema?: string;
}

/**
 * The database keystore and the keystore record on a real database with real migrations, and
 * KeyService on top as the service runs it (its lock included).
 */
function keystoreContract(backend: () => Backend, options: { replicas: boolean }) {
  const sources: DataSource[] = [];
  const services: KeyService[] = [];

  const connect = async (): Promise<DataSource> => {
    const { database, schema } = backend();
    const ds = await new DataSource({ ...dataSourceOptions(database, { schema }), entities: KEYSTORE_ENTITIES }).initialize();
    sources.push(ds);
    await runMigrations(ds);
    return ds;
  };
  const settingsFor = (overrides: Record<string, string> = {}) =>
    testEnv({ VAULT_PQC_KEYSTORE: 'database', VAULT_PQC_KEK: KEK, PQC_BUNDLE_VALIDITY_DAYS: '30', ...overrides }).settings;
  const start = async (ds: DataSource, overrides: Record<string, string> = {}): Promise<KeyService> => {
    const keys = new KeyService(settingsFor(overrides), new ProbeRegistry(), ds, new KeystoreLock(ds));
    services.push(keys);
    await keys.onModuleInit();
    return keys;
  };

  beforeEach(() => register.clear());
  afterEach(async () => {
    services.splice(0).forEach((k) => k.onApplicationShutdown());
    await Promise.all(sources.splice(0).map((ds) => ds.destroy()));
  });

  it('creates the keystore on a first start, records it, and reopens it with the same keys', async () => {
    const ds = await connect();
    const first = await start(ds);
    const { identitySha256, bundleSha256, version } = first.active();
    expect(version).toBe(1);
    expect(await ds.getRepository(KeystoreRecordEntity).findOneByOrFail({ slot: 1 })).toMatchObject({ backend: 'database', identityVersion: 1, identitySha256 });
    const row = await ds.getRepository(KeystoreVersionEntity).findOneByOrFail({ version: 1 });
    expect(row.sealedSeeds).not.toContain(Buffer.from(first.active().seeds.identity).toString('base64url'));

    const again = await start(ds);
    expect(again.active()).toMatchObject({ version: 1, identitySha256, bundleSha256 });
    expect(again.active().seeds).toEqual(first.active().seeds);
  });

  it('refuses a wrong KEK, naming the table, and changes nothing', async () => {
    const ds = await connect();
    await start(ds);
    const before = await ds.getRepository(KeystoreManifestEntity).findOneByOrFail({ slot: 1 });
    await expect(start(ds, { VAULT_PQC_KEK: 'd4'.repeat(32) })).rejects.toThrow(`${MANIFEST_TABLE} fails its integrity check: wrong VAULT_PQC_KEK`);
    await expect(DatabaseKeystore.open(ds, Kek.fromBytes(Buffer.alloc(32, 7)))).rejects.toThrow(MANIFEST_TABLE);
    expect(await ds.getRepository(KeystoreManifestEntity).findOneByOrFail({ slot: 1 })).toEqual(before);
  });

  it('refuses a manifest altered behind the MAC, and a version row altered behind its AEAD', async () => {
    const ds = await connect();
    const keys = await start(ds);
    await keys.rotate(1, 3600_000);
    const manifests = ds.getRepository(KeystoreManifestEntity);
    const stored = await manifests.findOneByOrFail({ slot: 1 });
    // Someone with database access makes the old version active again.
    const swapped = stored.versions.replace('"verify-only"', '"ACTIVE"').replace('"active"', '"verify-only"').replace('"ACTIVE"', '"active"');
    await manifests.update({ slot: 1 }, { versions: swapped });
    await expect(start(ds)).rejects.toThrow(`${MANIFEST_TABLE} fails its integrity check`);
    await manifests.update({ slot: 1 }, { versions: stored.versions });

    const versions = ds.getRepository(KeystoreVersionEntity);
    const v1 = await versions.findOneByOrFail({ version: 1 });
    const v2 = await versions.findOneByOrFail({ version: 2 });
    await versions.update({ version: 2 }, { sealedSeeds: v1.sealedSeeds }); // version 1's seeds passed off as version 2's
    await expect(start(ds)).rejects.toThrow(`${VERSION_TABLE} row for key version 2 cannot be decrypted`);
    await versions.update({ version: 2 }, { sealedSeeds: v2.sealedSeeds });
    await expect(start(ds)).resolves.toBeDefined();
  });

  it('refuses to start when the keystore rows are gone but the database recorded a keystore', async () => {
    const ds = await connect();
    const { identitySha256 } = (await start(ds)).active();
    await ds.getRepository(KeystoreManifestEntity).createQueryBuilder().delete().execute();
    await ds.getRepository(KeystoreVersionEntity).createQueryBuilder().delete().execute();
    const refused = start(ds);
    await expect(refused).rejects.toThrow(`the database keystore is missing (${MANIFEST_TABLE} and ${VERSION_TABLE} are empty`);
    await expect(refused).rejects.toThrow(identitySha256);
    expect(await ds.getRepository(KeystoreManifestEntity).count()).toBe(0);
  });

  it('refuses to create a keystore in a database with history but no record of one', async () => {
    const ds = await connect();
    const tenants = ds.driver.buildTableName('nf_tenant', backend().schema);
    await ds.createQueryBuilder().insert().into(tenants).values({ id: randomUUID(), name: 'acme', created_at: Date.now() }).execute();
    await expect(start(ds)).rejects.toThrow(/the database keystore is missing .* but the database holds tenants \(no record of its keystore\)/);
    expect(await ds.getRepository(KeystoreManifestEntity).count()).toBe(0);
  });

  it('refuses a keystore that belongs to another database', async () => {
    const ds = await connect();
    await start(ds);
    await ds.getRepository(KeystoreRecordEntity).update({ slot: 1 }, { identitySha256: 'ee'.repeat(32) });
    await expect(start(ds)).rejects.toThrow(/belongs to another database: its key version 1 identity is sha256 [0-9a-f]{64}, but this database records key version 1 identity sha256 (ee){32}/);
  });

  it('refuses to replace a file keystore moved away, naming the directory, and creates nothing', async () => {
    const ds = await connect();
    const dir = path.join(tempDir(), 'keystore');
    const { identitySha256 } = (await start(ds, { VAULT_PQC_KEYSTORE: 'file', VAULT_PQC_KEY_PATH: dir })).active();
    renameSync(dir, `${dir}.moved`);
    const refused = start(ds, { VAULT_PQC_KEYSTORE: 'file', VAULT_PQC_KEY_PATH: dir });
    await expect(refused).rejects.toThrow(`the keystore ${dir} is missing (no ${path.join(dir, 'manifest.json')} and no key files), but the database records the file keystore ${dir}`);
    await expect(refused).rejects.toThrow(identitySha256);
    expect(existsSync(dir)).toBe(false);
    renameSync(`${dir}.moved`, dir);
    expect((await start(ds, { VAULT_PQC_KEYSTORE: 'file', VAULT_PQC_KEY_PATH: dir })).active().identitySha256).toBe(identitySha256);
  });

  it('imports a file keystore when switching to the database backend, nothing re-encrypted', async () => {
    const ds = await connect();
    const dir = path.join(tempDir(), 'keystore');
    const files = await start(ds, { VAULT_PQC_KEYSTORE: 'file', VAULT_PQC_KEY_PATH: dir });
    await files.rotate(1, 3600_000);
    const before = files.active();
    const rows = await start(ds, { VAULT_PQC_KEY_PATH: dir });
    expect(rows.active()).toMatchObject({ version: 2, identitySha256: before.identitySha256, bundleSha256: before.bundleSha256 });
    expect((await ds.getRepository(KeystoreVersionEntity).findOneByOrFail({ version: 2 })).sealedSeeds).toBe(
      Keystore.open(dir, Kek.fromBytes(Buffer.from(KEK, 'hex'))).keystore.storedVersion(2).sealedSeeds,
    );
    expect(await ds.getRepository(KeystoreRecordEntity).findOneByOrFail({ slot: 1 })).toMatchObject({ backend: 'database', identityVersion: 1 });
  });

  it('leaves an interrupted rotation invisible: its orphan row is never served and the next rotation replaces it', async () => {
    const ds = await connect();
    const keys = await start(ds);
    const kek = Kek.fromBytes(Buffer.from(KEK, 'hex'));
    const crashed = (await DatabaseKeystore.open(ds, kek))!;
    await crashed.createVersion(new Date()); // the executor died before the manifest write
    const orphan = await ds.getRepository(KeystoreVersionEntity).findOneByOrFail({ version: 2 });
    expect((await DatabaseKeystore.open(ds, kek))!.versions().map((v) => v.version)).toEqual([1]);

    await expect(keys.rotate(1, 3600_000)).resolves.toEqual({ from: 1, to: 2 });
    const rotated = await ds.getRepository(KeystoreVersionEntity).findOneByOrFail({ version: 2 });
    expect(rotated.sealedSeeds).not.toBe(orphan.sealedSeeds);
    expect((await start(ds)).active()).toMatchObject({ version: 2, bundleSha256: keys.active().bundleSha256 });
  });

  it('refuses a write based on a revision another writer has moved on from', async () => {
    const ds = await connect();
    await start(ds);
    const kek = Kek.fromBytes(Buffer.from(KEK, 'hex'));
    const [mine, stale] = [(await DatabaseKeystore.open(ds, kek))!, (await DatabaseKeystore.open(ds, kek))!];
    await mine.writeManifest(mine.versions(), 1);
    await expect(stale.createVersion(new Date())).rejects.toThrow(`${MANIFEST_TABLE} changed under this write`);
    await expect(stale.writeManifest(stale.versions(), 1)).rejects.toThrow('changed under this write');
    expect(await ds.getRepository(KeystoreVersionEntity).count()).toBe(1);
  });

  // Replicas mean Postgres: SQLite has one process per database file (its driver waits for a lock synchronously).
  if (options.replicas) it('rotates exactly once when two replicas on their own data sources rotate at the same time', async () => {
    const [a, b] = [await connect(), await connect()];
    const one = await start(a);
    const two = await start(b);
    const outcomes = await Promise.allSettled([one.rotate(1, 3600_000), two.rotate(1, 3600_000)]);
    expect(outcomes.filter((o) => o.status === 'fulfilled').map((o) => (o as PromiseFulfilledResult<unknown>).value)).toEqual([{ from: 1, to: 2 }]);
    expect(outcomes.filter((o) => o.status === 'rejected').map((o) => String((o as PromiseRejectedResult).reason))).toEqual([
      expect.stringMatching(/active key version is 2, not 1: the rotation was overtaken/),
    ]);
    await Promise.all([one.refresh(), two.refresh()]);
    expect(one.versions().map((v) => [v.version, v.state])).toEqual([
      [1, 'verify-only'],
      [2, 'active'],
    ]);
    expect(two.active().bundleSha256).toBe(one.active().bundleSha256);
    expect(await a.getRepository(KeystoreVersionEntity).count()).toBe(2);
  });
}

describe('database keystore on SQLite', () => {
  let file: string;
  beforeEach(() => {
    file = path.join(tempDir('nf-ks-db-'), 'nf.sqlite');
  });
  keystoreContract(() => ({ database: { type: 'sqlite', path: file } }), { replicas: false });
});

describePostgres('database keystore on PostgreSQL', () => {
  let schema: Awaited<ReturnType<typeof createSchema>>;
  beforeEach(async () => {
    schema = await createSchema();
  });
  afterEach(async () => {
    await schema.drop();
  });
  keystoreContract(() => ({ database: { type: 'postgres', url: POSTGRES_URL }, schema: schema.schema }), { replicas: true });
});
