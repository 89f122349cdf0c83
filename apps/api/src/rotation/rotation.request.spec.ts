import { auditInput, requestHash, SYSTEM } from './rotation.request';
import { RotationRequestEntity } from './rotation.entities';

const rotate = {
  id: '7d6f2b9e-3c4a-4f1e-9b8d-2a5c6e7f8a90',
  kind: 'rotate' as const,
  reason: 'quarterly rotation, ticket OPS-7',
  targetKeyVersion: 4,
  graceSeconds: 86400,
  minVersion: null,
};
const minVersion = { ...rotate, kind: 'min-version' as const, targetKeyVersion: 3, graceSeconds: 0, minVersion: 2 };

describe('requestHash: what an approval binds to', () => {
  it('keeps the v1 hash of a key rotation (requests made before kinds existed still recompute)', () => {
    // sha256("neural-fabric/rotation-request/v1\n" + {"id","reason","targetKeyVersion","graceSeconds"} as JSON)
    expect(requestHash(rotate)).toBe('d7db466773c7e23062507fa46570bcf2a93b7f48ea537debe311567fa5c57141');
  });

  it('binds the kind and the minimum of a min-version request', () => {
    const hash = requestHash(minVersion);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).not.toBe(requestHash({ ...minVersion, minVersion: 3 }));
    expect(hash).not.toBe(requestHash({ ...minVersion, reason: `${minVersion.reason}.` }));
    expect(hash).not.toBe(requestHash({ ...minVersion, kind: 'rotate' }));
  });
});

describe('auditInput', () => {
  const entity = (r: typeof rotate | typeof minVersion) => ({ ...r, requestHash: requestHash(r) }) as RotationRequestEntity;

  it('names the request, its hash and the key version it started from', () => {
    expect(auditInput({ id: 'a1', name: 'ann' }, 'rotation_approved', entity(rotate), { approvals: 1 })).toEqual({
      actor: { type: 'admin', id: 'a1', name: 'ann' },
      action: 'rotation_approved',
      target: `rotation:${rotate.id}`,
      details: { approvals: 1, requestHash: requestHash(rotate) },
      keyVersionBefore: 3,
      keyVersionAfter: undefined,
    });
  });

  it('adds kind and minimum for a min-version request, and marks the system as such', () => {
    expect(auditInput(SYSTEM, 'key_min_version_set', entity(minVersion), { before: 1, after: 2 }, 3)).toMatchObject({
      actor: { type: 'system', id: 'system' },
      details: { before: 1, after: 2, kind: 'min-version', minVersion: 2 },
      keyVersionBefore: 3,
      keyVersionAfter: 3,
    });
  });
});
