import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { AuditService } from '../../apps/api/src/audit/audit.service';
import { newAdmin } from '../support/admins';
import { startTestApp, TestApp } from '../support/app';
import { tempDir } from '../support/env';
import { createSchema, describePostgres, POSTGRES_URL } from '../support/postgres';

jest.setTimeout(60_000);

/**
 * Two instances of the service sharing one Postgres database and one keystore volume, as
 * replicas would. Concurrent approvals that both reach quorum must execute the rotation once.
 */
describePostgres('rotation across two replicas sharing Postgres', () => {
  let schema: Awaited<ReturnType<typeof createSchema>>;
  let replicas: TestApp[];

  beforeAll(async () => {
    schema = await createSchema();
    const shared = tempDir('nf-replicas-');
    mkdirSync(path.join(shared, 'data'), { recursive: true });
    const env = {
      DATABASE_URL: `${POSTGRES_URL}?options=${encodeURIComponent(`-c search_path=${schema.schema}`)}`,
      DATA_DIR: path.join(shared, 'data'),
      VAULT_PQC_KEY_PATH: path.join(shared, 'keystore'),
      VAULT_PQC_KEK: 'ab'.repeat(32),
      ROTATION_APPROVALS_REQUIRED: '2',
      PQC_WORKERS: '1',
    };
    // Started one after the other: the first creates the keystore and the first admin.
    replicas = [await startTestApp(env), await startTestApp(env)];
  });
  afterAll(async () => {
    for (const replica of replicas ?? []) await replica.close();
    await schema?.drop();
  });

  it('executes exactly once when the last two approvals land on different replicas at the same time', async () => {
    const [one, two] = replicas;
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

    // The other replica picks the new key version up from the shared keystore.
    const deadline = Date.now() + 10_000;
    let seen = 0;
    while (Date.now() < deadline && seen !== 2) {
      seen = (await two.http.get('/pqc/handshake').expect(200)).body.bundle.keyVersion;
      if (seen !== 2) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(seen).toBe(2);
  });
});
