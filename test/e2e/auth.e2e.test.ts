import { existsSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { Logger } from '@nestjs/common';
import { createClientHello, parseHandshakeInfo } from '@nf/pqc';
import { AdminAccountsService, INITIAL_PASSWORD_FILE } from '../../apps/api/src/auth/admin-accounts.service';
import { SESSION_COOKIE } from '../../apps/api/src/auth/admin-sessions.service';
import { Clock } from '../../apps/api/src/lifecycle/clock';
import { SETTINGS } from '../../apps/api/src/env/env.module';
import { Settings } from '../../apps/api/src/env/env.schema';
import { startTestApp, TestApp } from '../support/app';

jest.setTimeout(60_000);

const KEK_HEX = 'ab'.repeat(32);

interface Session {
  cookie: string;
  csrf: string;
  body: { admin: { id: string; name: string; role: string }; mustChangePassword: boolean; csrfToken: string };
}

async function login(t: TestApp, name: string, password: string): Promise<Session> {
  const res = await t.http.post('/auth/login').send({ name, password }).expect(200);
  const setCookie = res.headers['set-cookie'] as unknown as string[];
  const cookie = setCookie.find((c) => c.startsWith(`${SESSION_COOKIE}=`))!.split(';')[0];
  return { cookie, csrf: res.body.csrfToken, body: res.body };
}

const as = (t: TestApp, s: Session) => ({
  get: (p: string) => t.http.get(p).set('Cookie', s.cookie),
  post: (p: string, body: object = {}) => t.http.post(p).set('Cookie', s.cookie).set('x-csrf-token', s.csrf).send(body),
  delete: (p: string) => t.http.delete(p).set('Cookie', s.cookie).set('x-csrf-token', s.csrf),
});

/** A signed-in account whose forced first password change is done. */
async function account(t: TestApp, name: string, role: 'admin' | 'viewer'): Promise<{ session: Session; password: string }> {
  const { password: oneTime } = await t.app.get(AdminAccountsService).create(name, role, { type: 'cli', name: 'test' });
  const first = await login(t, name, oneTime);
  const password = `${name}-chosen-password`;
  await as(t, first).post('/auth/password', { current: oneTime, new: password }).expect(204);
  return { session: await login(t, name, password), password };
}

async function helloBody(t: TestApp): Promise<Record<string, unknown>> {
  const info = await t.http.get('/pqc/handshake').expect(200);
  const { bundle } = parseHandshakeInfo(info.body);
  return { ...createClientHello({ bundle, now: Date.now() }).hello };
}

/** Moves the auth clock; restored after each test. */
function timeTravel(t: TestApp): (offsetMs: number) => void {
  let offset = 0;
  jest.spyOn(t.app.get(Clock), 'now').mockImplementation(() => Date.now() + offset);
  return (ms) => (offset = ms);
}

afterEach(() => jest.restoreAllMocks());

describe('admin authentication (simulation mode)', () => {
  let t: TestApp;
  let settings: Settings;
  let warnings: string[];
  let admin: Session;
  let adminPassword: string;

  beforeAll(async () => {
    warnings = [];
    const spy = jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => void warnings.push(String(message)));
    t = await startTestApp({ PQC_WORKERS: '1', AUTH_SESSION_MAX_HOURS: '1' });
    spy.mockRestore();
    settings = t.app.get<Settings>(SETTINGS);
  });
  afterAll(async () => {
    await t.close();
  });

  describe('first start', () => {
    const file = () => path.join(settings.dataDir, INITIAL_PASSWORD_FILE);

    it('creates "admin" with a random one-time password, printed once and written to a 0600 file', () => {
      expect(statSync(file()).mode & 0o777).toBe(0o600);
      const password = readFileSync(file(), 'utf8').trim();
      expect(password).toMatch(/^[A-Za-z0-9_-]{24}$/);
      const printed = warnings.filter((w) => w.includes(password));
      expect(printed).toHaveLength(1);
      expect(printed[0]).toMatch(/INITIAL ADMIN PASSWORD.*name=admin/);
    });

    it('no default credential works, and unknown name and wrong password answer alike', async () => {
      const answers = [];
      for (const [name, password] of [['admin', 'admin'], ['admin', 'changeme'], ['root', 'admin']]) {
        const res = await t.http.post('/auth/login').send({ name, password }).expect(401);
        answers.push(res.body.message);
      }
      expect(new Set(answers)).toEqual(new Set(['invalid name or password']));
    });

    it('refuses malformed login bodies with 400 keyed by field', async () => {
      const res = await t.http.post('/auth/login').send({ name: 'admin' }).expect(400);
      expect(res.body.errors).toHaveProperty('password');
      await t.http.post('/auth/login').send({ name: 'admin', password: 'x', extra: 1 }).expect(400);
    });

    it('signs in with the file password, allows nothing but the password change, then removes the file', async () => {
      const oneTime = readFileSync(file(), 'utf8').trim();
      const first = await login(t, 'admin', oneTime);
      expect(first.body).toMatchObject({ admin: { name: 'admin', role: 'admin' }, mustChangePassword: true, csrfToken: expect.any(String) });
      expect(first.body.admin.id).toMatch(/^[0-9a-f-]{36}$/);

      for (const res of [await as(t, first).get('/auth/me'), await as(t, first).get('/auth/tenants'), await as(t, first).post('/auth/tenants', { name: 'x' })]) {
        expect(res.status).toBe(403);
        expect(res.body.message).toMatch(/password change required/);
      }
      const short = await as(t, first).post('/auth/password', { current: oneTime, new: 'short' }).expect(400);
      expect(short.body.errors).toHaveProperty('new');
      await as(t, first).post('/auth/password', { current: oneTime, new: oneTime }).expect(400);
      for (const weak of [' '.repeat(12), 'passwordpassword', 'password1234', 'iloveyou1234']) {
        const refused = await as(t, first).post('/auth/password', { current: oneTime, new: weak }).expect(400);
        expect(refused.body.errors.new).toMatch(/too easy to guess/);
      }
      const wrong = await as(t, first).post('/auth/password', { current: 'not-the-password', new: 'a-new-password-1' }).expect(400);
      expect(wrong.body.errors).toHaveProperty('current');
      expect(existsSync(file())).toBe(true);

      adminPassword = 'admin-chosen-password-1';
      await as(t, first).post('/auth/password', { current: oneTime, new: adminPassword }).expect(204);
      expect(existsSync(file())).toBe(false);
      expect((await as(t, first).get('/auth/me').expect(200)).body.mustChangePassword).toBe(false);

      await t.http.post('/auth/login').send({ name: 'admin', password: oneTime }).expect(401);
      admin = await login(t, 'admin', adminPassword);
      expect(admin.body.mustChangePassword).toBe(false);
    });

    it('tells anyone the run mode (for the sign-in page), and nothing else', async () => {
      const res = await t.http.get('/auth/mode').expect(200);
      expect(res.body).toEqual({ mode: 'simulation', simulationMode: true, gpuDriverMock: true });
    });

    it('does not bootstrap again once an admin exists', async () => {
      await expect(t.app.get(AdminAccountsService).bootstrap()).resolves.toBe(false);
      expect(existsSync(file())).toBe(false);
    });
  });

  describe('sessions', () => {
    it('sets an HttpOnly, SameSite=Strict, Path=/ cookie (not Secure over plain HTTP) and no-store', async () => {
      const res = await t.http.post('/auth/login').send({ name: 'admin', password: adminPassword }).expect(200);
      const cookie = (res.headers['set-cookie'] as unknown as string[])[0];
      expect(cookie).toMatch(new RegExp(`^${SESSION_COOKIE}=[A-Za-z0-9_-]{43}; Path=/; HttpOnly; SameSite=Strict$`));
      expect(res.headers['cache-control']).toBe('no-store');
    });

    it('GET /auth/me answers the admin and the same CSRF token as login', async () => {
      const me = await as(t, admin).get('/auth/me').expect(200);
      expect(me.body).toMatchObject({ admin: admin.body.admin, csrfToken: admin.csrf, mustChangePassword: false });
    });

    it('401 without a session, with a forged one, and after logout', async () => {
      await t.http.get('/auth/me').expect(401);
      await t.http.get('/auth/me').set('Cookie', `${SESSION_COOKIE}=${'A'.repeat(43)}`).expect(401);
      const s = await login(t, 'admin', adminPassword);
      await t.http.post('/auth/logout').set('Cookie', s.cookie).expect(403); // no CSRF header
      const out = await as(t, s).post('/auth/logout').expect(204);
      expect((out.headers['set-cookie'] as unknown as string[])[0]).toMatch(new RegExp(`^${SESSION_COOKIE}=; .*Max-Age=0`));
      await as(t, s).get('/auth/me').expect(401);
      await as(t, admin).get('/auth/me').expect(200); // other sessions unaffected
    });

    it('refuses state changes without the right CSRF header (403) but allows reads', async () => {
      const noHeader = await t.http.post('/auth/tenants').set('Cookie', admin.cookie).send({ name: 'csrf-test' }).expect(403);
      expect(noHeader.body.message).toMatch(/x-csrf-token/);
      await t.http.post('/auth/tenants').set('Cookie', admin.cookie).set('x-csrf-token', 'A'.repeat(43)).send({ name: 'csrf-test' }).expect(403);
      const other = await login(t, 'admin', adminPassword);
      await t.http.post('/auth/tenants').set('Cookie', admin.cookie).set('x-csrf-token', other.csrf).send({ name: 'csrf-test' }).expect(403);
      await t.http.get('/auth/tenants').set('Cookie', admin.cookie).expect(200);
      expect((await as(t, admin).get('/auth/tenants')).body.map((x: { name: string }) => x.name)).not.toContain('csrf-test');
    });

    it('a viewer reads but cannot change; an admin can', async () => {
      const { session: viewer } = await account(t, 'vera', 'viewer');
      expect(viewer.body.admin.role).toBe('viewer');
      await as(t, viewer).get('/auth/tenants').expect(200);
      const denied = await as(t, viewer).post('/auth/tenants', { name: 'by-viewer' }).expect(403);
      expect(denied.body.message).toMatch(/admin role/);
      await as(t, admin).post('/auth/tenants', { name: 'by-admin' }).expect(201);
    });

    it('changing the password ends the account\'s other sessions', async () => {
      const { session: a, password } = await account(t, 'paul', 'admin');
      const b = await login(t, 'paul', password);
      await as(t, a).post('/auth/password', { current: password, new: 'paul-second-password' }).expect(204);
      await as(t, a).get('/auth/me').expect(200);
      await as(t, b).get('/auth/me').expect(401);
    });

    it('expires after the idle timeout', async () => {
      const move = timeTravel(t);
      const s = await login(t, 'admin', adminPassword);
      move(settings.auth.sessionIdleMs - 60_000);
      await as(t, s).get('/auth/me').expect(200);
      move(2 * settings.auth.sessionIdleMs - 120_000); // idle clock restarted by the last request
      await as(t, s).get('/auth/me').expect(200);
      move(3 * settings.auth.sessionIdleMs);
      const res = await as(t, s).get('/auth/me').expect(401);
      expect(res.body.message).toMatch(/expired/);
    });

    it('expires at the absolute limit however active', async () => {
      const move = timeTravel(t);
      const s = await login(t, 'admin', adminPassword);
      const step = settings.auth.sessionIdleMs / 2;
      let at = 0;
      for (; at + step < settings.auth.sessionMaxMs; at += step) {
        move(at);
        await as(t, s).get('/auth/me').expect(200);
      }
      move(settings.auth.sessionMaxMs);
      await as(t, s).get('/auth/me').expect(401);
    });
  });

  describe('tenants and API keys', () => {
    let tenantId: string;
    let key: string;
    let keyId: string;

    it('creates a tenant and an API key shown once (the list shows only its prefix)', async () => {
      const tenant = await as(t, admin).post('/auth/tenants', { name: 'acme' }).expect(201);
      tenantId = tenant.body.id;
      expect(tenantId).toMatch(/^[0-9a-f-]{36}$/);
      await as(t, admin).post('/auth/tenants', { name: 'acme' }).expect(409);
      await as(t, admin).post('/auth/tenants', { name: 'anonymous' }).expect(409);
      expect((await as(t, admin).post('/auth/tenants', { name: 'Not Valid!' }).expect(400)).body.errors).toHaveProperty('name');

      const created = await as(t, admin).post(`/auth/tenants/${tenantId}/api-keys`).expect(201);
      ({ key, id: keyId } = created.body);
      expect(key).toMatch(/^nf_[A-Za-z0-9_-]{43}$/);
      expect(created.body).toMatchObject({ tenantId, prefix: key.slice(0, 9), revokedAt: null });

      const list = await as(t, admin).get('/auth/tenants').expect(200);
      expect(JSON.stringify(list.body)).not.toContain(key);
      expect(list.body.find((x: { id: string }) => x.id === tenantId).apiKeys).toEqual([
        { id: keyId, tenantId, prefix: key.slice(0, 9), createdAt: expect.any(Number), revokedAt: null },
      ]);
    });

    it('answers 400 for a malformed id and 404 for an unknown one', async () => {
      await as(t, admin).post('/auth/tenants/not-a-uuid/api-keys').expect(400);
      await as(t, admin).post('/auth/tenants/0b8e5a4c-3a55-4b7e-9d39-3f8f2f0f1a11/api-keys').expect(404);
      await as(t, admin).delete('/auth/api-keys/0b8e5a4c-3a55-4b7e-9d39-3f8f2f0f1a11').expect(404);
    });

    it('a Bearer key works on POST /pqc/handshake', async () => {
      const res = await t.http.post('/pqc/handshake').set('Authorization', `Bearer ${key}`).send(await helloBody(t)).expect(200);
      expect(res.body.sessionId).toEqual(expect.any(String));
    });

    it('without a header simulation allows the anonymous tenant', async () => {
      await t.http.post('/pqc/handshake').send(await helloBody(t)).expect(200);
    });

    it.each([
      ['an unknown key', () => `Bearer nf_${'A'.repeat(43)}`],
      ['a malformed key', () => 'Bearer not-a-key'],
      ['another scheme', () => 'Basic dXNlcjpwYXNz'],
    ])('%s is 401 even in simulation', async (_name, header) => {
      const res = await t.http.post('/pqc/handshake').set('Authorization', header()).send(await helloBody(t)).expect(401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
      await t.http.post('/pqc/echo').set('Authorization', header()).send({}).expect(401);
    });

    it('a revoked key is 401 at once (and revoking is admin-only)', async () => {
      const { session: viewer } = await account(t, 'victor', 'viewer');
      await as(t, viewer).delete(`/auth/api-keys/${keyId}`).expect(403);
      const revoked = await as(t, admin).delete(`/auth/api-keys/${keyId}`).expect(200);
      expect(revoked.body.revokedAt).toEqual(expect.any(Number));
      const res = await t.http.post('/pqc/handshake').set('Authorization', `Bearer ${key}`).send(await helloBody(t)).expect(401);
      expect(res.body.message).toBe('API key revoked');
    });

    it('counts logins and key checks by outcome', async () => {
      const metrics = (await t.http.get('/metrics').expect(200)).text;
      expect(metrics).toMatch(/^nf_auth_logins_total\{outcome="ok"\} [1-9]\d*$/m);
      expect(metrics).toMatch(/^nf_auth_logins_total\{outcome="bad_credentials"\} [1-9]\d*$/m);
      for (const outcome of ['ok', 'anonymous', 'invalid', 'revoked']) {
        expect(metrics).toMatch(new RegExp(`^nf_auth_api_key_checks_total\\{outcome="${outcome}"\\} [1-9]\\d*$`, 'm'));
      }
    });
  });
});

describe('login throttling', () => {
  let t: TestApp;
  let password: string;

  beforeAll(async () => {
    t = await startTestApp({ PQC_WORKERS: '1', AUTH_LOGIN_MAX_FAILURES: '3', AUTH_LOCKOUT_MINUTES: '15', AUTH_LOGIN_IP_MAX_FAILURES: '7' });
    ({ password } = await t.app.get(AdminAccountsService).create('alice', 'admin', { type: 'cli', name: 'test' }));
  });
  afterAll(async () => {
    await t.close();
  });

  it('locks an account after 3 failures: 429 with Retry-After even for the right password, then unlocks', async () => {
    const move = timeTravel(t);
    for (let i = 0; i < 3; i++) await t.http.post('/auth/login').send({ name: 'alice', password: 'wrong-guess' }).expect(401);
    const locked = await t.http.post('/auth/login').send({ name: 'alice', password }).expect(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(14 * 60);
    expect(Number(locked.headers['retry-after'])).toBeLessThanOrEqual(15 * 60);
    expect(locked.body.message).toMatch(/locked/);
    move(15 * 60_000 + 1000);
    await t.http.post('/auth/login').send({ name: 'alice', password }).expect(200);
  });

  it('an unknown name locks the same way, so the lock does not reveal which accounts exist', async () => {
    const move = timeTravel(t);
    move(16 * 60_000); // the previous test's failures have left the address window
    for (let i = 0; i < 3; i++) await t.http.post('/auth/login').send({ name: 'ghost', password: 'x' }).expect(401);
    const res = await t.http.post('/auth/login').send({ name: 'ghost', password: 'x' }).expect(429);
    expect(res.body.message).toMatch(/locked/);
  });

  it('limits failures per client address across accounts', async () => {
    const move = timeTravel(t);
    move(16 * 60_000); // 3 failures of the previous test are in the window
    for (let i = 0; i < 4; i++) await t.http.post('/auth/login').send({ name: `user${i}`, password: 'x' }).expect(401);
    const res = await t.http.post('/auth/login').send({ name: 'alice', password }).expect(429);
    expect(res.body.message).toMatch(/this address/);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    move(32 * 60_000);
    await t.http.post('/auth/login').send({ name: 'alice', password }).expect(200);
    const metrics = (await t.http.get('/metrics')).text;
    expect(metrics).toMatch(/^nf_auth_logins_total\{outcome="locked"\} [1-9]\d*$/m);
    expect(metrics).toMatch(/^nf_auth_logins_total\{outcome="rate_limited"\} [1-9]\d*$/m);
  });
});

describe('API consumers in production mode', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ NEURAL_FABRIC_MODE: 'production', SIMULATION_MODE: 'false', GPU_DRIVER_MOCK: 'false', VAULT_PQC_KEK: KEK_HEX, PQC_WORKERS: '1' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('needs a key: no header is 401, a valid key works', async () => {
    const res = await t.http.post('/pqc/handshake').send(await helloBody(t)).expect(401);
    expect(res.body.message).toMatch(/API key required/);
    await t.http.post('/pqc/echo').send({}).expect(401);

    const accounts = t.app.get(AdminAccountsService);
    const { password } = await accounts.create('ops', 'admin', { type: 'cli', name: 'test' });
    const first = await login(t, 'ops', password);
    const setCookie = (await t.http.post('/auth/login').send({ name: 'ops', password }).expect(200)).headers['set-cookie'] as unknown as string[];
    expect(setCookie[0]).toMatch(/; Secure$/); // production: Secure even over plain HTTP (TLS ends in front of the service)
    await as(t, first).post('/auth/password', { current: password, new: 'ops-chosen-password' }).expect(204);
    const tenant = await as(t, first).post('/auth/tenants', { name: 'prod-tenant' }).expect(201);
    const { key } = (await as(t, first).post(`/auth/tenants/${tenant.body.id}/api-keys`).expect(201)).body;
    await t.http.post('/pqc/handshake').set('Authorization', `Bearer ${key}`).send(await helloBody(t)).expect(200);
  });
});
