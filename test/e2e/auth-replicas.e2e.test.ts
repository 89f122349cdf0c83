import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { newAdminPassword } from '../support/admins';
import { startTestApp, TestApp } from '../support/app';
import { tempDir } from '../support/env';
import { createSchema, describePostgres, POSTGRES_URL } from '../support/postgres';

jest.setTimeout(60_000);

const statusCounts = (responses: { status: number }[]) => responses.reduce<Record<string, number>>((c, r) => ({ ...c, [r.status]: (c[r.status] ?? 0) + 1 }), {});

/**
 * Two instances of the service sharing one Postgres schema, as replicas would. Login limits are
 * counted in the database: whichever replica a guess reaches, the same limits hold, for known and
 * unknown names alike. TRUST_PROXY=loopback lets each test act as its own client address.
 */
describePostgres('login limits across two replicas sharing Postgres', () => {
  let schema: Awaited<ReturnType<typeof createSchema>>;
  let one: TestApp;
  let two: TestApp;

  const login = (t: TestApp, client: string, name: string, password: string) =>
    t.http.post('/auth/login').set('X-Forwarded-For', client).send({ name, password });

  beforeAll(async () => {
    schema = await createSchema();
    const shared = tempDir('nf-replicas-');
    mkdirSync(path.join(shared, 'data'), { recursive: true });
    const env = {
      DATABASE_URL: `${POSTGRES_URL}?options=${encodeURIComponent(`-c search_path=${schema.schema}`)}`,
      DATA_DIR: path.join(shared, 'data'),
      VAULT_PQC_KEY_PATH: path.join(shared, 'keystore'),
      VAULT_PQC_KEK: 'ab'.repeat(32),
      PQC_WORKERS: '1',
      TRUST_PROXY: 'loopback',
      AUTH_LOGIN_MAX_FAILURES: '5',
      AUTH_LOGIN_IP_MAX_FAILURES: '8',
    };
    // Started one after the other: the first creates the keystore and the first admin.
    one = await startTestApp(env);
    two = await startTestApp(env);
  });
  afterAll(async () => {
    await one?.close();
    await two?.close();
    await schema?.drop();
  });

  it('after 5 failures on replica 1, a known and an unknown name answer alike on replica 2', async () => {
    const password = await newAdminPassword(one, 'alice');
    for (let i = 0; i < 5; i++) {
      await login(one, '203.0.113.1', 'alice', `wrong-${i}`).expect(401);
      await login(one, '203.0.113.2', 'ghost', `wrong-${i}`).expect(401);
    }
    const known = await login(two, '203.0.113.3', 'alice', password).expect(429);
    const unknown = await login(two, '203.0.113.3', 'ghost', 'anything').expect(429);
    expect(unknown.body.message).toBe(known.body.message);
    expect(Math.abs(Number(unknown.headers['retry-after']) - Number(known.headers['retry-after']))).toBeLessThanOrEqual(5);
    await login(one, '203.0.113.3', 'ghost', 'anything').expect(429);
  });

  it('100 guesses at once split across both replicas, the right password at #70: 5 password checks, not signed in, locked on both', async () => {
    const password = await newAdminPassword(one, 'dora');
    const guesses = Array.from({ length: 100 }, (_, i) => login(i % 2 ? two : one, '203.0.113.4', 'dora', i === 69 ? password : `wrong-${i}`));
    expect(statusCounts(await Promise.all(guesses))).toEqual({ 401: 5, 429: 95 });
    await login(one, '203.0.113.5', 'dora', password).expect(429);
    await login(two, '203.0.113.5', 'dora', password).expect(429);
  });

  it('the per-address limit is one limit across replicas, also under concurrency', async () => {
    const password = await newAdminPassword(two, 'erin');
    const guesses = Array.from({ length: 60 }, (_, i) => login(i % 2 ? two : one, '203.0.113.6', `nobody${i}`, 'guess'));
    const answers = await Promise.all(guesses);
    expect(statusCounts(answers)).toEqual({ 401: 8, 429: 52 });
    for (const refused of answers.filter((a) => a.status === 429)) expect(refused.body.message).toMatch(/this address/);
    await login(one, '203.0.113.6', 'erin', password).expect(429);
    await login(two, '203.0.113.6', 'erin', password).expect(429);
    await login(two, '203.0.113.7', 'erin', password).expect(200);
  });
});
