import { randomUUID } from 'node:crypto';
import { getDataSourceToken, getRepositoryToken } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { AuditService } from '../../apps/api/src/audit/audit.service';
import { Clock } from '../../apps/api/src/lifecycle/clock';
import { KeyService } from '../../apps/api/src/pqc/keystore/key.service';
import { RotationVoteEntity } from '../../apps/api/src/rotation/rotation.entities';
import { RotationService } from '../../apps/api/src/rotation/rotation.service';
import { AdminClient, newAdmin } from '../support/admins';
import { startTestApp, TestApp } from '../support/app';

jest.setTimeout(60_000);

const FAULT = 'injected fault: the process died here';

/**
 * A crash between the statements of one rotation step, made deterministic: a fault injected at a
 * chosen statement (the audit signature, or the database refusing one UPDATE) stands in for kill -9
 * there. Each step must then have happened completely or not at all, so a retry finishes it.
 * test/e2e/rotation-crash.e2e.test.ts kills a real process at random moments of the same steps.
 */
describe('a fault inside a rotation step leaves it done or undone, never half done', () => {
  let t: TestApp;
  let alice: AdminClient;
  let bob: AdminClient;
  let keys: KeyService;
  let audit: AuditService;
  let dataSource: DataSource;

  beforeAll(async () => {
    t = await startTestApp({ PQC_WORKERS: '1' });
    [alice, bob] = [await newAdmin(t, 'alice'), await newAdmin(t, 'bob')];
    keys = t.app.get(KeyService);
    audit = t.app.get(AuditService);
    dataSource = t.app.get<DataSource>(getDataSourceToken());
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    // Each case starts with no open request, whatever the one before left.
    for (const open of (await alice.get('/pqc/rotations?status=PENDING').expect(200)).body) await alice.post(`/pqc/rotations/${open.id}/cancel`);
  });
  afterAll(async () => {
    await t.close();
  });

  const entries = async (id: string, action: string) =>
    (await audit.list({ action, limit: 500 })).filter((entry) => entry.target === `rotation:${id}`);
  /** The next `skip` audit signatures succeed, the one after fails as if the process died there. */
  const failSignature = (skip = 0) => {
    const real = keys.signWithIdentity.bind(keys);
    let calls = 0;
    return jest.spyOn(keys, 'signWithIdentity').mockImplementation((message, context) => {
      if (calls++ === skip) throw new Error(FAULT);
      return real(message, context);
    });
  };
  const requestRotation = async (reason = 'rotation under fault injection') =>
    (await alice.post('/pqc/rotations', { reason }).expect(201)).body as { id: string; requestHash: string };
  const approve = (r: { id: string; requestHash: string }) => bob.post(`/pqc/rotations/${r.id}/approve`, { requestHash: r.requestHash });

  it('approval: a vote whose audit entry was never written is not kept, and the approver can retry', async () => {
    const r = await requestRotation();
    failSignature();
    await approve(r).expect(500);
    jest.restoreAllMocks();

    expect((await bob.get(`/pqc/rotations/${r.id}`).expect(200)).body).toMatchObject({ status: 'PENDING', approvals: [] });
    expect(await entries(r.id, 'rotation_approved')).toEqual([]);
    expect((await approve(r).expect(200)).body.status).toBe('EXECUTED');
    expect(await entries(r.id, 'rotation_approved')).toHaveLength(1);
  });

  it('approval: when the move to APPROVED fails, neither the vote nor its audit entry is kept, and the retry executes', async () => {
    const r = await requestRotation();
    await dataSource.query(
      `CREATE TRIGGER nf_test_fault BEFORE UPDATE OF status ON nf_rotation_request WHEN NEW.status = 'APPROVED' BEGIN SELECT RAISE(ABORT, '${FAULT}'); END`,
    );
    try {
      await approve(r).expect(500);
    } finally {
      await dataSource.query('DROP TRIGGER nf_test_fault');
    }
    expect((await bob.get(`/pqc/rotations/${r.id}`).expect(200)).body).toMatchObject({ status: 'PENDING', approvals: [] });
    expect(await entries(r.id, 'rotation_approved')).toEqual([]);
    expect((await approve(r).expect(200)).body.status).toBe('EXECUTED');
    expect(await entries(r.id, 'rotation_approved')).toHaveLength(1);
  });

  it('request: no PENDING request exists without its rotation_requested entry', async () => {
    failSignature();
    await alice.post('/pqc/rotations', { reason: 'the first try fails to be audited' }).expect(500);
    jest.restoreAllMocks();
    const r = await requestRotation('the second try goes through');
    expect(await entries(r.id, 'rotation_requested')).toHaveLength(1);
    expect((await alice.get('/pqc/rotations').expect(200)).body.filter((x: { status: string }) => x.status === 'PENDING')).toHaveLength(1);
    await alice.post(`/pqc/rotations/${r.id}/cancel`).expect(200);
  });

  it('execution: an outcome whose audit entry failed stays EXECUTING, and recovery records it once the lease lapses', async () => {
    const r = await requestRotation();
    const from = keys.active().version;
    failSignature(1); // rotation_approved is signed; the outcome's entry is not
    await approve(r);
    jest.restoreAllMocks();
    expect(keys.active().version).toBe(from + 1); // the keystore write itself happened

    const clock = t.app.get(Clock);
    const later = Date.now() + 3600_000;
    jest.spyOn(clock, 'now').mockReturnValue(later);
    await t.app.get(RotationService).sweep();
    jest.restoreAllMocks();
    expect((await bob.get(`/pqc/rotations/${r.id}`).expect(200)).body).toMatchObject({ status: 'EXECUTED', keyVersionAfter: from + 1 });
    const outcome = [...(await entries(r.id, 'rotation_executed')), ...(await entries(r.id, 'rotation_recovered'))];
    expect(outcome.map((e) => [e.action, e.details.outcome])).toEqual([['rotation_recovered', 'completed']]);
  });

  it('a request left PENDING with its quorum met (by an older version of the service) is finished by the sweep', async () => {
    const r = await requestRotation();
    const from = keys.active().version;
    // What a crash between the vote and the transition used to leave: the vote, nothing else.
    await t.app.get<Repository<RotationVoteEntity>>(getRepositoryToken(RotationVoteEntity)).insert({
      id: randomUUID(),
      requestId: r.id,
      adminId: bob.id,
      adminName: 'bob',
      decision: 'approve',
      requestHash: r.requestHash,
      createdAt: Date.now(),
    });
    await t.app.get(RotationService).sweep();
    expect((await bob.get(`/pqc/rotations/${r.id}`).expect(200)).body).toMatchObject({ status: 'EXECUTED', keyVersionAfter: from + 1 });
    const [approved] = await entries(r.id, 'rotation_approved');
    expect(approved).toMatchObject({ actor: { type: 'system' }, details: { recovered: true, approvals: [bob.id] } });
    expect(await entries(r.id, 'rotation_executed')).toHaveLength(1);
  });
});
