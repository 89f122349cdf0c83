import { handshake } from '@nf/pqc';
import { AdminClient, newAdmin } from '../support/admins';
import { startTestApp, TestApp } from '../support/app';

const text = (s: string) => new TextEncoder().encode(s);

/** A PQC session belongs to the API key that made it. */
describe('PQC sessions bound to their API key', () => {
  let t: TestApp;
  let keys: { key: string; id: string }[];
  let admin: AdminClient;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await newAdmin(t, 'binder');
    const tenant = (await admin.post('/auth/tenants', { name: 'bound' }).expect(201)).body;
    keys = [];
    for (let i = 0; i < 2; i++) keys.push((await admin.post(`/auth/tenants/${tenant.id}/api-keys`).expect(201)).body);
  });
  afterAll(async () => {
    await t.close();
  });

  const echo = (sealed: object, key?: string) =>
    fetch(`${t.url}/pqc/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: JSON.stringify(sealed),
    });

  it('serves the session to its own key only: another key or none gets 404 unknown_session, and nothing is consumed', async () => {
    const [mine, other] = keys;
    const session = await handshake(t.url, { apiKey: mine.key });
    const sealed = session.seal(text('bound'));

    for (const key of [other.key, undefined]) {
      const refused = await echo(sealed, key);
      expect(refused.status).toBe(404);
      expect(await refused.json()).toMatchObject({ code: 'unknown_session' });
    }
    const ok = await echo(sealed, mine.key);
    expect(ok.status).toBe(200);
    expect(new TextDecoder().decode(session.open(await ok.json()))).toBe('bound');
  });

  it('ends with its key: after revocation neither the key nor another one opens it', async () => {
    const [, second] = keys;
    const session = await handshake(t.url, { apiKey: second.key });
    expect((await echo(session.seal(text('before')), second.key)).status).toBe(200);
    await admin.delete(`/auth/api-keys/${second.id}`).expect(200);
    expect((await echo(session.seal(text('after')), second.key)).status).toBe(401); // the key itself is refused
    for (const key of [keys[0].key, undefined]) expect((await echo(session.seal(text('after')), key)).status).toBe(404);
  });

  it('an anonymous session (simulation) is not usable with a key either', async () => {
    const session = await handshake(t.url);
    expect((await echo(session.seal(text('anon')), keys[0].key)).status).toBe(404);
    expect((await echo(session.seal(text('anon')))).status).toBe(200);
  });
});
