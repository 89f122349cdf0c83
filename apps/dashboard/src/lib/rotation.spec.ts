import type { KeysView, RotationView } from '@nf/contracts';
import { decisionSummary, rejectionReasonProblem, rotationActions, rotationTitle, voteConsequences } from './rotation';

const NOW = Date.UTC(2026, 10, 27, 10, 0, 0);
const alice = { id: 'a-1', name: 'alice', role: 'admin' as const };
const bob = { id: 'b-2', name: 'bob', role: 'admin' as const };
const vera = { id: 'v-3', name: 'vera', role: 'viewer' as const };

const rotation = (overrides: Partial<RotationView> = {}): RotationView => ({
  id: 'r-1',
  status: 'PENDING',
  kind: 'rotate',
  reason: 'scheduled quarterly rotation',
  requester: { id: alice.id, name: alice.name },
  targetKeyVersion: 3,
  minVersion: null,
  graceSeconds: 86_400,
  requestHash: 'f'.repeat(64),
  approvalsRequired: 1,
  approvals: [],
  rejections: [],
  createdAt: NOW - 60_000,
  expiresAt: NOW + 3_600_000,
  decidedAt: null,
  executedAt: null,
  keyVersionAfter: null,
  error: null,
  ...overrides,
});
const keys: KeysView = { activeVersion: 2, minVersion: 1, algorithm: 'X-Wing+ML-DSA-65', sha256: '0123456789abcdef'.repeat(4), bundleSha256: 'fedcba9876543210'.repeat(4), bundleNotAfter: '2026-12-27T10:00:00.000Z', versions: [] };

describe('rotationActions', () => {
  it('lets another admin approve or reject', () => {
    expect(rotationActions(rotation(), bob, NOW)).toEqual({ approve: true, reject: true, cancel: false });
  });

  it('never lets the requester approve their own request; they may cancel it', () => {
    const actions = rotationActions(rotation(), alice, NOW);
    expect(actions).toMatchObject({ approve: false, reject: false, cancel: true });
    expect(actions.note).toMatch(/another admin must approve/);
  });

  it('gives a viewer no buttons at all, and says why', () => {
    const actions = rotationActions(rotation(), vera, NOW);
    expect(actions).toMatchObject({ approve: false, reject: false, cancel: false });
    expect(actions.note).toMatch(/admin role/);
  });

  it('offers nothing once the admin voted, the request expired or it is decided', () => {
    expect(rotationActions(rotation({ approvalsRequired: 2, approvals: [{ admin: { id: bob.id, name: 'bob' }, at: NOW }] }), bob, NOW)).toMatchObject({
      approve: false,
      note: 'You already voted on this request.',
    });
    expect(rotationActions(rotation({ expiresAt: NOW }), bob, NOW)).toMatchObject({ approve: false, note: 'This request expired unanswered.' });
    expect(rotationActions(rotation({ status: 'EXECUTED' }), bob, NOW)).toEqual({ approve: false, reject: false, cancel: false });
  });
});

describe('voteConsequences: what the confirmation says will change', () => {
  it('an approval that completes the quorum: new active version, grace window, new fingerprint, bound hash', () => {
    const lines = voteConsequences(rotation(), keys, 'approve', NOW);
    expect(lines).toEqual([
      'This approval completes the quorum (1 of 1): the rotation executes at once.',
      'Key version 3 is created and becomes active: new handshakes use it.',
      'Key version 2 becomes verify-only for 1 d (until about 2026-11-28 10:00:00 UTC): existing sessions keep working, then it retires.',
      'The identity clients pin changes (now 0123456789abcdef…); pinned clients follow the old identity\'s cross-signature to the new one.',
      'Your vote is bound to request hash ffffffffffffffff…; if the request changes, it no longer counts.',
    ]);
  });

  it('an approval short of the quorum says nothing executes yet', () => {
    const lines = voteConsequences(rotation({ approvalsRequired: 2 }), keys, 'approve', NOW);
    expect(lines[0]).toBe('This is approval 1 of 2: nothing executes yet.');
  });

  it('warns when another rotation already moved the active version', () => {
    const lines = voteConsequences(rotation(), { ...keys, activeVersion: 3 }, 'approve', NOW);
    expect(lines).toContain('Warning: key version 3 is active now, not 2; the rotation will fail as overtaken.');
  });

  it('a rejection changes nothing in the keystore', () => {
    expect(voteConsequences(rotation(), keys, 'reject', NOW)).toEqual([
      'The request ends as REJECTED; no other vote can revive it.',
      'Key version 2 stays active. The keystore does not change.',
    ]);
  });
});

describe('min-version requests', () => {
  const minVersion = (min: number, overrides: Partial<RotationView> = {}) =>
    rotation({ kind: 'min-version', minVersion: min, targetKeyVersion: 2, graceSeconds: 0, ...overrides });

  it('are titled by what they set', () => {
    expect(rotationTitle(minVersion(2))).toBe('Set the minimum key version to 2');
    expect(rotationTitle(rotation())).toBe('Rotate to key version 3');
  });

  it('say which versions stop serving when the minimum rises, and which serve again when it falls', () => {
    expect(voteConsequences(minVersion(2), keys, 'approve', NOW)).toEqual([
      'This approval completes the quorum (1 of 1): the change applies at once.',
      'Key versions 1..1 stop serving at once: every session made under them ends.',
      'Your vote is bound to request hash ffffffffffffffff…; if the request changes, it no longer counts.',
    ]);
    expect(voteConsequences(minVersion(1), { ...keys, minVersion: 2 }, 'approve', NOW)[1]).toBe(
      'Key versions 1..1 serve again: their sessions work again while inside their grace windows.',
    );
    expect(voteConsequences(minVersion(2, { approvalsRequired: 2 }), keys, 'approve', NOW)[0]).toBe('This is approval 1 of 2: nothing changes yet.');
    expect(voteConsequences(minVersion(2), keys, 'reject', NOW)).toEqual([
      'The request ends as REJECTED; no other vote can revive it.',
      'The minimum key version stays 1.',
    ]);
  });

  it('tell the requester a change, not a rotation, awaits another admin', () => {
    expect(rotationActions(minVersion(2), alice, NOW).note).toBe('You requested this change: another admin must approve it.');
  });
});

describe('the decision record', () => {
  it('requires a reason of 10 to 500 characters to reject', () => {
    expect(rejectionReasonProblem('  no  ')).toBe('Say why in at least 10 characters (2 so far).');
    expect(rejectionReasonProblem('no change window this week')).toBeUndefined();
    expect(rejectionReasonProblem('x'.repeat(501))).toBe('At most 500 characters (501).');
  });

  it('names every decider with the time and a rejection with its reason', () => {
    const at = Date.UTC(2026, 10, 27, 10, 5, 0);
    expect(
      decisionSummary(
        rotation({ status: 'REJECTED', approvals: [{ admin: { id: bob.id, name: 'bob' }, at }], rejections: [{ admin: { id: 'c', name: 'carol' }, at, reason: 'freeze week' }] }),
      ),
    ).toEqual(['approved by bob at 2026-11-27 10:05:00 UTC', 'rejected by carol at 2026-11-27 10:05:00 UTC: “freeze week”']);
    expect(decisionSummary(rotation({ status: 'EXPIRED' }))).toEqual(['expired unanswered']);
    expect(decisionSummary(rotation({ status: 'CANCELLED' }))).toEqual(['cancelled by alice']);
  });
});
