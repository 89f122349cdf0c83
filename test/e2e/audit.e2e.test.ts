import { getSuite, parseHandshakeInfo } from '@nf/pqc';
import { AUDIT_SIGNATURE_CONTEXT, canonicalJson, entryHash } from '../../apps/api/src/audit/audit.hash';
import { AuditEntryView } from '../../apps/api/src/audit/audit.service';
import { SESSION_COOKIE } from '../../apps/api/src/auth/admin-sessions.service';
import { AdminClient, newAdmin } from '../support/admins';
import { startTestApp, TestApp } from '../support/app';

jest.setTimeout(60_000);

describe('audit routes', () => {
  let t: TestApp;
  let alice: AdminClient;
  let viewer: AdminClient;

  beforeAll(async () => {
    t = await startTestApp({ PQC_WORKERS: '1' });
    [alice, viewer] = [await newAdmin(t, 'alice'), await newAdmin(t, 'vera', 'viewer')];
  });
  afterAll(async () => {
    await t.close();
  });

  it('needs a signed-in admin or viewer', async () => {
    await t.http.get('/audit').expect(401);
    await t.http.get('/audit/verify').expect(401);
    await t.http.get('/audit/facets').expect(401);
    await t.http.get('/audit').set('Cookie', `${SESSION_COOKIE}=forged`).expect(401);
  });

  it('lists every field, newest first, and each entry checks offline against the published identity key', async () => {
    const res = await viewer.get('/audit').expect(200);
    const entries = res.body.entries as AuditEntryView[];
    expect(entries.length).toBeGreaterThanOrEqual(4); // two accounts created, logins, password changes
    expect(entries.map((e) => e.seq)).toEqual([...entries.map((e) => e.seq)].sort((a, b) => b - a));
    expect(entries.map((e) => e.action)).toEqual(expect.arrayContaining(['admin_created', 'login_succeeded', 'password_changed']));

    const { bundle } = parseHandshakeInfo((await t.http.get('/pqc/handshake').expect(200)).body);
    const mlDsa = getSuite(bundle.suite).provider.mlDsa65;
    const ascending = [...entries].reverse();
    ascending.forEach((e, i) => {
      expect(e.prevHash).toBe(i === 0 ? '0'.repeat(64) : ascending[i - 1].hash);
      const hash = entryHash({
        seq: e.seq, at: e.at, actorType: e.actor.type, actorId: e.actor.id, actorName: e.actor.name, action: e.action,
        target: e.target, details: canonicalJson(e.details), keyVersionBefore: e.keyVersionBefore, keyVersionAfter: e.keyVersionAfter,
        prevHash: e.prevHash,
      });
      expect(hash).toBe(e.hash);
      expect(e.sigKeyVersion).toBe(bundle.keyVersion);
      const ok = mlDsa.verify(bundle.identityPublicKey, Buffer.from(e.hash, 'hex'), Buffer.from(e.signature, 'base64url'), new TextEncoder().encode(AUDIT_SIGNATURE_CONTEXT));
      expect(ok).toBe(true);
    });
    expect(JSON.stringify(entries)).not.toMatch(/pw-[0-9a-f]{24}/); // the chosen passwords never appear
  });

  it('filters and pages by seq', async () => {
    const logins = (await alice.get('/audit?action=login_succeeded').expect(200)).body.entries as AuditEntryView[];
    expect(logins.length).toBeGreaterThan(0);
    expect(new Set(logins.map((e) => e.action))).toEqual(new Set(['login_succeeded']));
    expect(((await alice.get(`/audit?actorId=${viewer.id}`).expect(200)).body.entries as AuditEntryView[]).every((e) => e.actor.id === viewer.id)).toBe(true);

    const first = (await alice.get('/audit?limit=2').expect(200)).body;
    expect(first.entries).toHaveLength(2);
    expect(first.nextBeforeSeq).toBe(first.entries[1].seq);
    const second = (await alice.get(`/audit?limit=2&beforeSeq=${first.nextBeforeSeq}`).expect(200)).body;
    expect(second.entries[0].seq).toBe(first.nextBeforeSeq - 1);
    expect((await alice.get(`/audit?since=${Date.now() + 60_000}`).expect(200)).body).toEqual({ entries: [], total: 0, newer: 0 });
  });

  it('pages both ways and says where the page lies among the matching entries', async () => {
    const head = (await alice.get('/audit?limit=1').expect(200)).body;
    const total = head.entries[0].seq;
    expect(head).toMatchObject({ total, newer: 0, nextBeforeSeq: total });
    const first = (await alice.get('/audit?limit=2').expect(200)).body;
    const second = (await alice.get(`/audit?limit=2&beforeSeq=${first.nextBeforeSeq}`).expect(200)).body;
    expect(second).toMatchObject({ total, newer: 2 });
    // Back to the newer page: the entries just above the second page's first, newest first.
    const back = (await alice.get(`/audit?limit=2&afterSeq=${second.entries[0].seq}`).expect(200)).body;
    expect(back.entries.map((e: AuditEntryView) => e.seq)).toEqual(first.entries.map((e: AuditEntryView) => e.seq));
    expect(back).toMatchObject({ total, newer: 0 });
    // The oldest page has no older one.
    const oldest = (await alice.get('/audit?limit=2&afterSeq=0').expect(200)).body;
    expect(oldest.entries.map((e: AuditEntryView) => e.seq)).toEqual([2, 1]);
    expect(oldest).toMatchObject({ total, newer: total - 2 });
    expect(oldest.nextBeforeSeq).toBeUndefined();
    // Counts follow the filters.
    const logins = (await alice.get('/audit?action=login_succeeded&limit=1').expect(200)).body;
    expect(logins.total).toBe((await alice.get('/audit?action=login_succeeded&limit=500').expect(200)).body.entries.length);
  });

  it("shows an account's role at the time, filters by actor name, and offers the names and actions found", async () => {
    // Defect: a viewer's sign-in showed as "(admin)", the actor's type; the role is recorded with the entry now.
    const [veraLogin] = (await alice.get('/audit?action=login_succeeded&actorName=vera&limit=1').expect(200)).body.entries as AuditEntryView[];
    expect(veraLogin.actor).toEqual({ type: 'admin', id: viewer.id, name: 'vera', role: 'viewer' });
    expect(veraLogin.details.actorRole).toBe('viewer');
    const [aliceLogin] = (await alice.get('/audit?action=login_succeeded&actorName=alice&limit=1').expect(200)).body.entries as AuditEntryView[];
    expect(aliceLogin.actor).toMatchObject({ name: 'alice', role: 'admin' });
    const byName = (await alice.get('/audit?actorName=vera&limit=500').expect(200)).body.entries as AuditEntryView[];
    expect(byName.length).toBeGreaterThan(0);
    expect(byName.every((e) => e.actor.name === 'vera')).toBe(true);
    // Entries by the CLI carry no account role.
    const [created] = (await alice.get('/audit?action=admin_created&limit=1').expect(200)).body.entries as AuditEntryView[];
    expect(created.actor).toMatchObject({ type: 'cli', role: null });

    const facets = (await viewer.get('/audit/facets').expect(200)).body;
    expect(facets.actions).toEqual([...facets.actions].sort());
    expect(facets.actions).toEqual(expect.arrayContaining(['admin_created', 'login_succeeded', 'password_changed']));
    expect(facets.actors).toEqual(expect.arrayContaining([{ type: 'admin', name: 'alice' }, { type: 'admin', name: 'vera' }, { type: 'cli', name: 'test' }]));
  });

  it('sends slim pages on request, and any one entry in full', async () => {
    const full = await viewer.get('/audit?limit=50').expect(200);
    const summary = await viewer.get('/audit?limit=50&view=summary').expect(200);
    expect(summary.body.entries.map((e: AuditEntryView) => e.seq)).toEqual(full.body.entries.map((e: AuditEntryView) => e.seq));
    for (const entry of summary.body.entries) expect(Object.keys(entry).sort()).toEqual(['action', 'actor', 'at', 'details', 'keyVersionAfter', 'keyVersionBefore', 'seq', 'target']);
    expect(summary.text.length).toBeLessThan(full.text.length / 5);
    const [newest] = full.body.entries as AuditEntryView[];
    expect((await viewer.get(`/audit/${newest.seq}`).expect(200)).body).toEqual(newest);
    await viewer.get(`/audit/${newest.seq + 1000}`).expect(404);
    await viewer.get('/audit/abc').expect(404);
    // Beyond what the seq column holds (a 32-bit integer on Postgres): refused, never queried.
    await viewer.get('/audit/99999999999').expect(404);
    expect((await viewer.get('/audit?afterSeq=3000000000').expect(400)).body.errors).toHaveProperty('afterSeq');
    expect((await viewer.get('/audit?beforeSeq=3000000000').expect(400)).body.errors).toHaveProperty('beforeSeq');
    await viewer.get('/audit?view=tiny').expect(400);
    await t.http.get(`/audit/${newest.seq}`).expect(401);
  });

  it('rejects invalid filters, keyed by field', async () => {
    const res = await viewer.get('/audit?limit=0&since=yesterday&bogus=1').expect(400);
    expect(Object.keys(res.body.errors).sort()).toEqual(['bogus', 'limit', 'since']);
  });

  it('verifies the chain and exports the result and the entry counts as metrics', async () => {
    const before = Date.now();
    const res = await viewer.get('/audit/verify').expect(200);
    const total = (await viewer.get('/audit?limit=1').expect(200)).body.entries[0].seq;
    expect(res.body).toEqual({ ok: true, entries: total, checkedAt: expect.any(Number) });
    expect(res.body.checkedAt).toBeGreaterThanOrEqual(before);
    expect(res.body.checkedAt).toBeLessThanOrEqual(Date.now());
    const metrics = (await t.http.get('/metrics').expect(200)).text;
    expect(metrics).toMatch(/^nf_audit_chain_ok 1$/m);
    expect(metrics).toMatch(/^nf_audit_entries_total\{action="login_succeeded"\} [1-9]\d*$/m);
    expect(metrics).toMatch(/^nf_audit_entries_total\{action="other"\} \d+$/m); // present before its first use
  });
});
