import { handshake, parseHandshakeInfo, PqcSession, verifyKeyTransition } from '@nf/pqc';
import { AuditService } from '../../apps/api/src/audit/audit.service';
import { Clock } from '../../apps/api/src/lifecycle/clock';
import { AdminClient, newAdmin } from '../support/admins';
import { startTestApp, TestApp } from '../support/app';

jest.setTimeout(60_000);

const text = (s: string) => new TextEncoder().encode(s);

function echo(t: TestApp, session: PqcSession, message: string) {
  return t.http.post('/pqc/echo').send(session.seal(text(message)));
}

/** Requests a rotation as `requester` and approves it as `approver`; returns the executed request. */
async function rotate(requester: AdminClient, approver: AdminClient, graceSeconds?: number) {
  const created = await requester.post('/pqc/rotations', { reason: 'scheduled quarterly rotation', graceSeconds }).expect(201);
  const approved = await approver.post(`/pqc/rotations/${created.body.id}/approve`, { requestHash: created.body.requestHash }).expect(200);
  expect(approved.body.status).toBe('EXECUTED');
  return approved.body;
}

/** Asks for a new minimum key version as `requester` and approves it as `approver`. */
async function setMinVersion(requester: AdminClient, approver: AdminClient, minVersion: number) {
  const created = await requester.put('/pqc/keys/min-version', { minVersion, reason: `minimum key version to ${minVersion}` }).expect(202);
  expect(created.body).toMatchObject({ kind: 'min-version', status: 'PENDING', minVersion });
  const approved = await approver.post(`/pqc/rotations/${created.body.id}/approve`, { requestHash: created.body.requestHash }).expect(200);
  expect(approved.body).toMatchObject({ kind: 'min-version', status: 'EXECUTED', minVersion });
}

describe('key rotation under the two-person rule', () => {
  let t: TestApp;
  let alice: AdminClient;
  let bob: AdminClient;
  let carol: AdminClient;
  let viewer: AdminClient;

  beforeAll(async () => {
    t = await startTestApp({ PQC_WORKERS: '1' });
    [alice, bob, carol, viewer] = [await newAdmin(t, 'alice'), await newAdmin(t, 'bob'), await newAdmin(t, 'carol'), await newAdmin(t, 'vera', 'viewer')];
  });
  afterAll(async () => {
    await t.close();
  });

  it('two admins rotate: new fingerprint, cross-signed by the old identity, old sessions keep working', async () => {
    const before = (await t.http.get('/pqc/handshake').expect(200)).body;
    const oldSession = await handshake(t.url, { pin: before.sha256 });

    const created = await alice.post('/pqc/rotations', { reason: 'suspected exposure of a backup' }).expect(201);
    expect(created.body).toMatchObject({ status: 'PENDING', targetKeyVersion: 2, approvalsRequired: 1, requester: { id: alice.id, name: 'alice' } });

    // While it waits, /metrics says when it expires unanswered (what the "about to expire" alert reads).
    const waiting = (await t.http.get('/metrics')).text;
    expect(waiting).toContain(`nf_key_rotation_pending_expiry_timestamp_seconds ${created.body.expiresAt / 1000}\n`);

    // The requester can never approve their own request.
    const self = await alice.post(`/pqc/rotations/${created.body.id}/approve`, { requestHash: created.body.requestHash }).expect(403);
    expect(self.body.message).toMatch(/requester cannot approve/);
    // A viewer sees requests but cannot vote.
    await viewer.get(`/pqc/rotations/${created.body.id}`).expect(200);
    await viewer.post(`/pqc/rotations/${created.body.id}/approve`, { requestHash: created.body.requestHash }).expect(403);

    const approved = await bob.post(`/pqc/rotations/${created.body.id}/approve`, { requestHash: created.body.requestHash }).expect(200);
    expect(approved.body).toMatchObject({ status: 'EXECUTED', keyVersionAfter: 2, approvals: [{ admin: { id: bob.id, name: 'bob' } }] });

    const after = (await t.http.get('/pqc/handshake').expect(200)).body;
    expect(after.sha256).not.toBe(before.sha256);
    expect(after.bundle.keyVersion).toBe(2);
    // Clients that pinned v1 can verify the transition statement v1 -> v2.
    expect(() => verifyKeyTransition(parseHandshakeInfo(after).bundle, parseHandshakeInfo(before).bundle)).not.toThrow();

    // Inside the grace window the session made under v1 still works; new handshakes get v2,
    // also for an SDK client still pinned to v1's identity (it follows the cross-signature).
    expect((await echo(t, oldSession, 'still here').expect(200)).status).toBe(200);
    expect((await handshake(t.url, { pin: after.sha256 })).keyVersion).toBe(2);
    const repinned: string[] = [];
    expect((await handshake(t.url, { pin: before.sha256, onRepin: (pin) => repinned.push(pin) })).keyVersion).toBe(2);
    expect(repinned).toEqual([after.sha256]);

    const keys = (await viewer.get('/pqc/keys').expect(200)).body;
    expect(keys).toMatchObject({ activeVersion: 2, sha256: after.sha256, bundleSha256: after.bundleSha256, bundleNotAfter: after.bundle.notAfter });
    type Row = { version: number; state: string; identitySha256: string; fingerprint: string };
    expect(keys.versions.map((v: Row) => [v.version, v.state, v.identitySha256, v.fingerprint])).toEqual([
      [1, 'verify-only', before.sha256, before.bundleSha256],
      [2, 'active', after.sha256, after.bundleSha256],
    ]);
    const metrics = (await t.http.get('/metrics')).text;
    expect(metrics).toMatch(/^nf_key_rotation_requests_total\{outcome="executed"\} 1$/m);
    expect(metrics).toMatch(/^nf_key_rotation_pending 0$/m);
    expect(metrics).toMatch(/^nf_key_rotation_pending_expiry_timestamp_seconds 0$/m);
    expect(metrics).toContain(`nf_key_bundle_expiry_timestamp_seconds ${Date.parse(after.bundle.notAfter) / 1000}\n`);
    expect(metrics).toMatch(/^nf_pqc_active_key_version 2$/m);
  });

  it('one vote per admin, any rejection ends it, only the requester cancels, one open request at a time', async () => {
    const r = (await alice.post('/pqc/rotations', { reason: 'testing the refusal paths' }).expect(201)).body;
    await alice.post('/pqc/rotations', { reason: 'a second one while the first is open' }).expect(409);
    await bob.post(`/pqc/rotations/${r.id}/cancel`).expect(403);
    // A rejection says why: without a reason it is refused, naming the field, and nothing changes.
    const noReason = await carol.post(`/pqc/rotations/${r.id}/reject`, { requestHash: r.requestHash }).expect(400);
    expect(Object.keys(noReason.body.errors)).toEqual(['reason']);
    await carol.post(`/pqc/rotations/${r.id}/reject`, { requestHash: r.requestHash, reason: 'too short' }).expect(400);
    expect((await carol.get(`/pqc/rotations/${r.id}`).expect(200)).body.status).toBe('PENDING');
    const rejected = await carol.post(`/pqc/rotations/${r.id}/reject`, { requestHash: r.requestHash, reason: 'no change window this week' }).expect(200);
    expect(rejected.body.status).toBe('REJECTED');
    expect(rejected.body.decidedAt).toEqual(expect.any(Number));
    expect(rejected.body.rejections).toEqual([{ admin: { id: carol.id, name: 'carol' }, at: expect.any(Number), reason: 'no change window this week' }]);
    // The audit entry keeps the reason and the rejecting admin's role at the time.
    const [entry] = (await carol.get(`/audit?action=rotation_rejected&actorId=${carol.id}`).expect(200)).body.entries;
    expect(entry).toMatchObject({ actor: { name: 'carol', role: 'admin' }, target: `rotation:${r.id}`, details: { reason: 'no change window this week' } });
    await bob.post(`/pqc/rotations/${r.id}/approve`, { requestHash: r.requestHash }).expect(409);

    const c = (await alice.post('/pqc/rotations', { reason: 'to be cancelled by its requester' }).expect(201)).body;
    expect((await alice.post(`/pqc/rotations/${c.id}/cancel`).expect(200)).body.status).toBe('CANCELLED');
  });

  it('binds approvals to the exact request: a changed request needs fresh approval', async () => {
    const settingsQuorum2 = await startTestApp({ PQC_WORKERS: '1', ROTATION_APPROVALS_REQUIRED: '2' });
    try {
      const [a, b, c] = [await newAdmin(settingsQuorum2, 'ann'), await newAdmin(settingsQuorum2, 'ben'), await newAdmin(settingsQuorum2, 'cid')];
      const r = (await a.post('/pqc/rotations', { reason: 'two approvals needed here' }).expect(201)).body;
      expect((await b.post(`/pqc/rotations/${r.id}/approve`, { requestHash: r.requestHash }).expect(200)).body.status).toBe('PENDING');
      await b.post(`/pqc/rotations/${r.id}/approve`, { requestHash: r.requestHash }).expect(409); // one vote per admin

      const amended = (await a.patch(`/pqc/rotations/${r.id}`, { reason: 'two approvals needed, new reason' }).expect(200)).body;
      expect(amended.requestHash).not.toBe(r.requestHash);
      expect(amended.approvals).toEqual([]); // ben's vote was for the old request
      await c.post(`/pqc/rotations/${r.id}/approve`, { requestHash: r.requestHash }).expect(409); // stale view refused
      expect((await c.post(`/pqc/rotations/${r.id}/approve`, { requestHash: amended.requestHash }).expect(200)).body.status).toBe('PENDING');
      expect((await b.post(`/pqc/rotations/${r.id}/approve`, { requestHash: amended.requestHash }).expect(200)).body.status).toBe('EXECUTED');
    } finally {
      await settingsQuorum2.close();
    }
  });
});

describe('request expiry and key versions like Vault Transit (fake clock)', () => {
  let t: TestApp;
  let alice: AdminClient;
  let bob: AdminClient;

  beforeAll(async () => {
    // Admin sessions must outlive the clock jump past the request TTL.
    t = await startTestApp({ PQC_WORKERS: '1', ROTATION_REQUEST_TTL_HOURS: '1', AUTH_SESSION_IDLE_MINUTES: '120' });
    [alice, bob] = [await newAdmin(t, 'alice'), await newAdmin(t, 'bob')];
  });
  afterAll(async () => {
    await t.close();
  });

  it('an unanswered request expires and then counts as rejected', async () => {
    const clock = t.app.get(Clock);
    const r = (await alice.post('/pqc/rotations', { reason: 'nobody will answer this one' }).expect(201)).body;
    const now = Date.now();
    const spy = jest.spyOn(clock, 'now').mockReturnValue(now + 3600_000 + 1);
    try {
      const late = await bob.post(`/pqc/rotations/${r.id}/approve`, { requestHash: r.requestHash }).expect(410);
      expect(late.body.message).toMatch(/expired/);
      expect((await bob.get(`/pqc/rotations/${r.id}`).expect(200)).body.status).toBe('EXPIRED');
    } finally {
      spy.mockRestore();
    }
  });

  it('sessions at v1..v5 all work inside the grace window, fail below a raised minimum, work again when it is lowered', async () => {
    const sessions: PqcSession[] = [await handshake(t.url, {})];
    for (let version = 2; version <= 5; version++) {
      await rotate(alice, bob);
      sessions.push(await handshake(t.url, {}));
    }
    expect(sessions.map((s) => s.keyVersion)).toEqual([1, 2, 3, 4, 5]);
    for (const s of sessions) await echo(t, s, `v${s.keyVersion}`).expect(200);

    // One admin alone changes nothing: the minimum is a request like a rotation, and its requester cannot approve it.
    const alone = (await alice.put('/pqc/keys/min-version', { minVersion: 3, reason: 'retire the first two key versions' }).expect(202)).body;
    expect(alone).toMatchObject({ kind: 'min-version', status: 'PENDING', minVersion: 3, targetKeyVersion: 5, graceSeconds: 0 });
    await alice.post(`/pqc/rotations/${alone.id}/approve`, { requestHash: alone.requestHash }).expect(403);
    for (const s of sessions) await echo(t, s, `v${s.keyVersion}`).expect(200);
    expect((await bob.get('/pqc/keys').expect(200)).body.minVersion).toBe(1);
    await alice.post(`/pqc/rotations/${alone.id}/cancel`).expect(200);

    await setMinVersion(alice, bob, 3);
    expect((await bob.get('/pqc/keys').expect(200)).body.minVersion).toBe(3);
    for (const s of sessions) {
      const res = await echo(t, s, `v${s.keyVersion}`);
      expect([s.keyVersion, res.status]).toEqual([s.keyVersion, s.keyVersion < 3 ? 410 : 200]);
    }
    await setMinVersion(bob, alice, 1);
    for (const s of sessions) await echo(t, s, `v${s.keyVersion}`).expect(200);
    const above = await alice.put('/pqc/keys/min-version', { minVersion: 6, reason: 'above the active version' }).expect(400);
    expect(above.body.message).toMatch(/from 1 to the active key version 5/);
    await alice.put('/pqc/keys/min-version', { minVersion: 2 }).expect(400); // no reason

    const audit = t.app.get(AuditService);
    const set = await audit.list({ action: 'key_min_version_set' });
    expect(set.map((e) => [e.actor.type, e.details.before, e.details.after])).toEqual([
      ['system', 3, 1],
      ['system', 1, 3],
    ]);
  });

  it('a session under a version past its grace window is refused', async () => {
    const session = await handshake(t.url, {});
    await rotate(alice, bob, 1);
    await echo(t, session, 'inside').expect(200);
    await new Promise((r) => setTimeout(r, 1100));
    expect((await echo(t, session, 'after').expect(410)).body.code).toBe('session_expired');
  });
});
