import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { handshake, parseHandshakeInfo, verifyKeyTransition } from '@nf/pqc';
import { DataSource } from 'typeorm';
import { AuditService } from '../../apps/api/src/audit/audit.service';
import { dataSourceOptions } from '../../apps/api/src/database/database.options';
import { DatabaseKeystore } from '../../apps/api/src/pqc/keystore/database-keystore';
import { Kek } from '../../apps/api/src/pqc/keystore/kek';
import { KeyService } from '../../apps/api/src/pqc/keystore/key.service';
import { KEYSTORE_ENTITIES, KeystoreManifestEntity } from '../../apps/api/src/pqc/keystore/keystore.entities';
import { newAdmin } from '../support/admins';
import { startTestApp, TestApp } from '../support/app';
import { tempDir } from '../support/env';
import { storeAgedBundle } from '../support/keystore';
import { createSchema, describePostgres, POSTGRES_URL } from '../support/postgres';

jest.setTimeout(60_000);

const KEK = 'ab'.repeat(32);

interface Info {
  sha256: string;
  bundleSha256: string;
  algorithm: 'X-Wing+ML-DSA-65';
  bundle: { keyVersion: number; notBefore: string; previous?: { keyVersion: number } };
}

/**
 * Two instances of the service sharing one Postgres database as replicas would, and nothing else:
 * the keystore is in the database (VAULT_PQC_KEYSTORE=database), each has its own data directory.
 * Concurrent approvals that both reach quorum must execute the rotation once; a bundle due for
 * renewal on both at once is re-signed once, and both serve it.
 */
describePostgres('rotation across two replicas sharing only Postgres (database keystore)', () => {
  let schema: Awaited<ReturnType<typeof createSchema>>;
  let replicas: TestApp[];
  let dirs: string[];
  let v1: Info;

  beforeAll(async () => {
    schema = await createSchema();
    dirs = [tempDir('nf-replica-'), tempDir('nf-replica-')];
    const envFor = (dir: string) => ({
      DATABASE_URL: `${POSTGRES_URL}?options=${encodeURIComponent(`-c search_path=${schema.schema}`)}`,
      DATA_DIR: path.join(dir, 'data'),
      VAULT_PQC_KEYSTORE: 'database',
      VAULT_PQC_KEY_PATH: path.join(dir, 'data', 'keystore'),
      VAULT_PQC_KEK: KEK,
      PQC_BUNDLE_VALIDITY_DAYS: '30',
      ROTATION_APPROVALS_REQUIRED: '2',
      PQC_WORKERS: '1',
    });
    // Started one after the other: the first creates the keystore and the first admin.
    replicas = [await startTestApp(envFor(dirs[0])), await startTestApp(envFor(dirs[1]))];
    v1 = (await replicas[1].http.get('/pqc/handshake').expect(200)).body;
  });
  afterAll(async () => {
    for (const replica of replicas ?? []) await replica.close();
    await schema?.drop();
  });

  it('executes exactly once when the last two approvals land on different replicas at the same time', async () => {
    const [one, two] = replicas;
    expect((await one.http.get('/pqc/handshake').expect(200)).body.sha256).toBe(v1.sha256);
    expect(dirs.map((dir) => existsSync(path.join(dir, 'data', 'keystore')))).toEqual([false, false]);

    const alice = await newAdmin(one, 'alice');
    const bobOnOne = await newAdmin(one, 'bob');
    const carolOnTwo = await newAdmin(two, 'carol');

    const r = (await alice.post('/pqc/rotations', { reason: 'concurrent approval drill' }).expect(201)).body;
    const [bob, carol] = await Promise.all([
      bobOnOne.post(`/pqc/rotations/${r.id}/approve`, { requestHash: r.requestHash }),
      carolOnTwo.post(`/pqc/rotations/${r.id}/approve`, { requestHash: r.requestHash }),
    ]);
    expect([bob.status, carol.status]).toEqual([200, 200]);

    const final = (await alice.get(`/pqc/rotations/${r.id}`).expect(200)).body;
    expect(final).toMatchObject({ status: 'EXECUTED', keyVersionAfter: 2 });
    expect(final.approvals).toHaveLength(2);

    const versions = (await alice.get('/pqc/keys').expect(200)).body.versions;
    expect(versions.map((v: { version: number; state: string }) => [v.version, v.state])).toEqual([
      [1, 'verify-only'],
      [2, 'active'],
    ]);
    const executed = await one.app.get(AuditService).list({ action: 'rotation_executed' });
    expect(executed).toHaveLength(1);

    // The other replica notices the database keystore's new revision by itself (it polls).
    const deadline = Date.now() + 10_000;
    let seen = 0;
    while (Date.now() < deadline && seen !== 2) {
      seen = (await two.http.get('/pqc/handshake').expect(200)).body.bundle.keyVersion;
      if (seen !== 2) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(seen).toBe(2);
  });

  it('renews a due bundle once when both replicas renew together; clients pinned before keep handshaking with both', async () => {
    const [one, two] = replicas;
    await two.app.get(KeyService).refresh();
    const before: Info = (await two.http.get('/pqc/handshake').expect(200)).body;
    expect(before.bundle.keyVersion).toBe(2);

    // Version 2's bundle as both replicas would find it 25 of its 30 days after signing: due.
    const ds = await new DataSource({ ...dataSourceOptions({ type: 'postgres', url: POSTGRES_URL }, { schema: schema.schema }), entities: KEYSTORE_ENTITIES }).initialize();
    let revision: number;
    try {
      const aged = await storeAgedBundle((await DatabaseKeystore.open(ds, Kek.fromBytes(Buffer.from(KEK, 'hex'))))!, before.algorithm, 2, 25);
      revision = (await ds.getRepository(KeystoreManifestEntity).findOneByOrFail({ slot: 1 })).revision;

      await Promise.all(replicas.map((r) => r.app.get(KeyService).refresh()));
      const [a, b]: Info[] = await Promise.all(replicas.map(async (r) => (await r.http.get('/pqc/handshake').expect(200)).body));
      expect(a.bundleSha256).toBe(b.bundleSha256);
      expect([a.sha256, b.sha256]).toEqual([before.sha256, before.sha256]);
      expect(a.bundleSha256).not.toBe(before.bundleSha256);
      expect(a.bundle.notBefore).not.toBe(aged.notBefore);
      expect(a.bundle.previous).toEqual(expect.objectContaining({ keyVersion: 1 }));
      expect(() => verifyKeyTransition(parseHandshakeInfo(a).bundle, parseHandshakeInfo(v1).bundle)).not.toThrow();
      // One replica signed; the other, waiting on the keystore lock, found that bundle and served it.
      expect((await ds.getRepository(KeystoreManifestEntity).findOneByOrFail({ slot: 1 })).revision).toBe(revision + 1);
    } finally {
      await ds.destroy();
    }

    for (const replica of [one, two]) {
      expect((await handshake(replica.url, { pin: before.sha256 })).keyVersion).toBe(2);
      expect((await handshake(replica.url, { pin: v1.sha256 })).keyVersion).toBe(2);
    }
  });

  it('verifies at once, on the other replica, audit entries signed by a version rotated in moments ago', async () => {
    const [one, two] = replicas;
    const [dave, erin, frank] = [await newAdmin(one, 'dave'), await newAdmin(one, 'erin'), await newAdmin(one, 'frank')];
    const watcher = await newAdmin(two, 'grace');
    const before = two.app.get(KeyService).active().version;
    const r = (await dave.post('/pqc/rotations', { reason: 'rotated on replica one only' }).expect(201)).body;
    await erin.post(`/pqc/rotations/${r.id}/approve`, { requestHash: r.requestHash }).expect(200);
    await frank.post(`/pqc/rotations/${r.id}/approve`, { requestHash: r.requestHash }).expect(200);
    expect((await dave.get(`/pqc/rotations/${r.id}`).expect(200)).body).toMatchObject({ status: 'EXECUTED', keyVersionAfter: before + 1 });
    // Replica two has not polled the keystore since; its chain walk meets entries signed by the new version.
    expect(two.app.get(KeyService).active().version).toBe(before);
    expect((await watcher.get('/audit/verify').expect(200)).body).toMatchObject({ ok: true });
  });
});
