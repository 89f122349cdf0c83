import { AuditService } from '../../apps/api/src/audit/audit.service';
import { SESSION_COOKIE } from '../../apps/api/src/auth/admin-sessions.service';
import { newAdminPassword } from '../support/admins';
import { startTestApp, TestApp } from '../support/app';

jest.setTimeout(60_000);

/** A sign-in as seen through a proxy that says the client is `client` and came over `proto`. */
const viaProxy = (t: TestApp, client: string, body: object, proto?: string) => {
  const req = t.http.post('/auth/login').set('X-Forwarded-For', client);
  return (proto ? req.set('X-Forwarded-Proto', proto) : req).send(body);
};

const sessionCookie = (res: { headers: Record<string, unknown> }) => (res.headers['set-cookie'] as string[]).find((c) => c.startsWith(`${SESSION_COOKIE}=`))!;

const LIMITS = { PQC_WORKERS: '1', AUTH_LOGIN_MAX_FAILURES: '10', AUTH_LOGIN_IP_MAX_FAILURES: '3' };

describe('behind a trusted proxy (TRUST_PROXY=loopback: the test client connects from 127.0.0.1)', () => {
  let t: TestApp;
  let password: string;

  beforeAll(async () => {
    t = await startTestApp({ ...LIMITS, TRUST_PROXY: 'loopback' });
    password = await newAdminPassword(t, 'admin2');
  });
  afterAll(async () => {
    await t.close();
  });

  it('each forwarded client has its own address limit: one client guessing does not lock the admin out', async () => {
    for (let i = 0; i < 3; i++) await viaProxy(t, '203.0.113.66', { name: `guess${i}`, password: 'x' }).expect(401);
    const blocked = await viaProxy(t, '203.0.113.66', { name: 'admin2', password }).expect(429);
    expect(blocked.body.message).toMatch(/this address/);
    await viaProxy(t, '198.51.100.7', { name: 'admin2', password }).expect(200);
    // The forwarded address is what the audit log records.
    const [signedIn] = await t.app.get(AuditService).list({ action: 'login_succeeded', limit: 1 });
    expect(signedIn.details).toEqual({ ip: '198.51.100.7', actorRole: 'admin' });
  });

  it('takes the client from the right end of X-Forwarded-For (what the trusted proxy added), not what the client wrote', async () => {
    // The client claims to be 192.0.2.1; the proxy appended the address it really saw.
    for (let i = 0; i < 3; i++) await viaProxy(t, `192.0.2.${i + 1}, 203.0.113.99`, { name: `spoof${i}`, password: 'x' }).expect(401);
    await viaProxy(t, '192.0.2.50, 203.0.113.99', { name: 'admin2', password }).expect(429);
  });

  it('sets Secure on the session cookie when the proxy says https, not when it says http', async () => {
    expect(sessionCookie(await viaProxy(t, '198.51.100.8', { name: 'admin2', password }, 'https').expect(200))).toMatch(/; Secure$/);
    expect(sessionCookie(await viaProxy(t, '198.51.100.8', { name: 'admin2', password }, 'http').expect(200))).not.toMatch(/Secure/);
  });
});

describe('X-Forwarded-* from a peer that is not a trusted proxy', () => {
  let t: TestApp;
  let password: string;

  beforeAll(async () => {
    t = await startTestApp({ ...LIMITS, TRUST_PROXY: '10.9.9.9' });
    password = await newAdminPassword(t, 'admin3');
  });
  afterAll(async () => {
    await t.close();
  });

  it('are ignored: every claimed client shares the peer\'s limit, and http stays http', async () => {
    expect(sessionCookie(await viaProxy(t, '198.51.100.8', { name: 'admin3', password }, 'https').expect(200))).not.toMatch(/Secure/);
    for (let i = 0; i < 3; i++) await viaProxy(t, `203.0.113.${i + 1}`, { name: `guess${i}`, password: 'x' }).expect(401);
    await viaProxy(t, '198.51.100.7', { name: 'admin3', password }).expect(429);
  });
});

describe('TRUST_PROXY as a hop count (the nearest peers, whatever their address)', () => {
  let t: TestApp;
  let password: string;

  beforeAll(async () => {
    t = await startTestApp({ ...LIMITS, TRUST_PROXY: '2' });
    password = await newAdminPassword(t, 'admin4');
  });
  afterAll(async () => {
    await t.close();
  });

  it('believes X-Forwarded-* from the nearest two peers: the client is the address the second proxy saw', async () => {
    // Peers: the test client (hop 0), 203.0.113.99 (hop 1, trusted), 192.0.2.1 (hop 2: the client); 6.6.6.6 is what
    // the client wrote itself, which trusting more than two hops would take.
    expect(sessionCookie(await viaProxy(t, '6.6.6.6, 192.0.2.1, 203.0.113.99', { name: 'admin4', password }, 'https').expect(200))).toMatch(/; Secure$/);
    const [signedIn] = await t.app.get(AuditService).list({ action: 'login_succeeded', limit: 1 });
    expect(signedIn.details).toEqual({ ip: '192.0.2.1', actorRole: 'admin' });
  });
});
