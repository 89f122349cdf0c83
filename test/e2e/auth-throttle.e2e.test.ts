import { AuditService } from '../../apps/api/src/audit/audit.service';
import { FAILED_LOGIN_TOP, FailedLoginAuditService } from '../../apps/api/src/auth/failed-login-audit.service';
import { Clock } from '../../apps/api/src/lifecycle/clock';
import { newAdmin, newAdminPassword } from '../support/admins';
import { startTestApp, TestApp } from '../support/app';

jest.setTimeout(60_000);

/** How many answers had each status. */
function statusCounts(responses: { status: number }[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of responses) counts[r.status] = (counts[r.status] ?? 0) + 1;
  return counts;
}

/** nf_auth_logins_total for one outcome: bad_credentials counts the password checks that failed. */
async function logins(t: TestApp, outcome: string): Promise<number> {
  const text = (await t.http.get('/metrics').expect(200)).text;
  return Number(new RegExp(`^nf_auth_logins_total\\{outcome="${outcome}"\\} (\\d+)$`, 'm').exec(text)![1]);
}

/** Moves the clock the login rules read (by this much from now on); restored after each test. */
function moveClock(t: TestApp, offsetMs: number): void {
  jest.spyOn(t.app.get(Clock), 'now').mockImplementation(() => Date.now() + offsetMs);
}

afterEach(() => jest.restoreAllMocks());

describe('login limits under concurrent guesses', () => {
  let t: TestApp;
  let password: string;

  beforeAll(async () => {
    t = await startTestApp({ PQC_WORKERS: '1', AUTH_LOGIN_MAX_FAILURES: '5', AUTH_LOGIN_IP_MAX_FAILURES: '30', AUTH_LOCKOUT_MINUTES: '15' });
    password = await newAdminPassword(t, 'alice');
  });
  afterAll(async () => {
    await t.close();
  });

  it('200 guesses at once, the right password at #150: not signed in, at most 5 password checks, the account locked', async () => {
    const checksBefore = await logins(t, 'bad_credentials');
    const guesses = Array.from({ length: 200 }, (_, i) => (i === 149 ? password : `wrong-guess-${i}`));
    const answers = await Promise.all(guesses.map((guess) => t.http.post('/auth/login').send({ name: 'alice', password: guess })));
    expect(statusCounts(answers)).toEqual({ 401: 5, 429: 195 });
    expect((await logins(t, 'bad_credentials')) - checksBefore).toBe(5);
    for (const refused of answers.filter((a) => a.status === 429)) expect(refused.body.message).toMatch(/locked/);

    const after = await t.http.post('/auth/login').send({ name: 'alice', password }).expect(429);
    expect(Number(after.headers['retry-after'])).toBeGreaterThan(14 * 60);
  });

  it('200 guesses at once at different names from one address: exactly the address limit reaches a password check', async () => {
    moveClock(t, 16 * 60_000); // past the previous test's lock and window
    const checksBefore = await logins(t, 'bad_credentials');
    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => t.http.post('/auth/login').send({ name: `user${i}`, password: 'guess' })));
    expect(statusCounts(answers)).toEqual({ 401: 30, 429: 170 });
    for (const refused of answers.filter((a) => a.status === 429)) expect(refused.body.message).toMatch(/this address/);
    expect((await logins(t, 'bad_credentials')) - checksBefore).toBe(30);
    await t.http.post('/auth/login').send({ name: 'alice', password }).expect(429); // the address is locked for everyone behind it
    moveClock(t, 32 * 60_000);
    await t.http.post('/auth/login').send({ name: 'alice', password }).expect(200);
  });
});

describe('refused logins and the audit log', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ PQC_WORKERS: '1', AUTH_LOGIN_MAX_FAILURES: '3', AUTH_LOGIN_IP_MAX_FAILURES: '10' });
  });
  afterAll(async () => {
    await t.close();
  });

  const head = async () => (await t.app.get(AuditService).list({ limit: 1 }))[0].seq;

  it('300 refused logins sign no audit entry on the way; a flush writes a bounded number that add up to 300', async () => {
    const admin = await newAdmin(t, 'bob');
    const failures = t.app.get(FailedLoginAuditService);
    await failures.flush(); // what the sign-ins above left
    const before = await head();

    const flood = Array.from({ length: 300 }, (_, i) => t.http.post('/auth/login').send({ name: i % 3 ? `ghost${i % 40}` : 'bob', password: `guess-${i}` }));
    const [answers, tenant] = await Promise.all([Promise.all(flood), admin.post('/auth/tenants', { name: 'during-the-flood' })]);
    expect(tenant.status).toBe(201);
    expect(answers.every((a) => a.status === 401 || a.status === 429)).toBe(true);
    // Nothing but the admin's action was appended: no refusal waited for (or made anyone wait for) a signature.
    expect(await head()).toBe(before + 1);
    expect((await t.app.get(AuditService).list({ limit: 1 }))[0].action).toBe('tenant_created');
    expect(failures.pending).toBe(300);

    await failures.flush();
    const written = (await t.app.get(AuditService).list({ limit: 50 })).filter((e) => e.seq > before + 1);
    expect(written.length).toBeGreaterThan(0);
    expect(written.length).toBeLessThanOrEqual(FAILED_LOGIN_TOP + 1);
    expect(written.every((e) => e.action === 'login_failed' && e.actor.type === 'anonymous')).toBe(true);
    expect(written.reduce((n, e) => n + (e.details as { attempts: number }).attempts, 0)).toBe(300);
    const forBob = written.filter((e) => e.target === `admin:${admin.id}`);
    expect(forBob.length).toBeGreaterThan(0);
    expect(JSON.stringify(written)).not.toMatch(/guess-\d|ghost\d/); // neither passwords nor the unknown names tried
    expect(failures.pending).toBe(0);
  });

  it('a lock being set is recorded with the failure that set it', async () => {
    const failures = t.app.get(FailedLoginAuditService);
    moveClock(t, 16 * 60_000);
    for (let i = 0; i < 3; i++) await t.http.post('/auth/login').send({ name: 'carol-unknown', password: 'x' }).expect(401);
    await t.http.post('/auth/login').send({ name: 'carol-unknown', password: 'x' }).expect(429);
    const before = await head();
    await failures.flush();
    const written = (await t.app.get(AuditService).list({ limit: 10 })).filter((e) => e.seq > before).map((e) => e.details);
    expect(written).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ reason: 'bad_credentials', accountKnown: false, attempts: 3, accountLocks: 1, addressLocks: 0 }),
        expect.objectContaining({ reason: 'locked', attempts: 1 }),
      ]),
    );
  });
});
