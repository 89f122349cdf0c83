import { createHash } from 'node:crypto';
import { nobleProvider } from '../provider/noble';
import { SUITES } from '../suite';
import { expectCode, flipBit } from '../testing/expect-code';
import { DAY, T0, makeServer } from '../testing/fixtures';
import { bundleCanonicalBytes, bundleFingerprint, identityFingerprint } from './canonical';
import { encodeBundle, parseBundle } from './codec';
import { createBundle } from './create';
import { createHandshakeInfo, createKeyChain, parseHandshakeInfo, parseKeyChain } from './handshake-info';
import type { KeyBundle } from './types';
import { verifyBundle, verifyKeyTransition } from './verify';

describe.each(SUITES)('bundle (%s)', (suite) => {
  const server = makeServer(suite);
  const { bundle } = server;

  it('survives JSON encoding with the same fingerprint', () => {
    const json = JSON.parse(JSON.stringify(encodeBundle(bundle)));
    const parsed = parseBundle(json, nobleProvider);
    expect(parsed).toEqual(bundle);
    expect(bundleFingerprint(parsed)).toBe(server.sha256);
    expect(server.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('verifies, and pins to its identity: SHA-256 of the raw identity public key', () => {
    const pin = createHash('sha256').update(bundle.identityPublicKey).digest('hex');
    expect(identityFingerprint(bundle)).toBe(pin);
    expect(verifyBundle(bundle, { now: T0, pin, provider: nobleProvider })).toEqual({ bundleSha256: server.sha256, identitySha256: pin, pinnedVersion: 7 });
  });

  it('rejects a wrong pin, and explains a pin that is the bundle fingerprint', () => {
    expectCode(() => verifyBundle(bundle, { now: T0, pin: 'ab'.repeat(32), provider: nobleProvider }), 'pin_mismatch');
    expect(() => verifyBundle(bundle, { now: T0, pin: server.sha256, provider: nobleProvider })).toThrow(/changes whenever the bundle is re-signed/);
  });

  it('rejects outside its validity window', () => {
    expectCode(() => verifyBundle(bundle, { now: T0 + 31 * DAY, provider: nobleProvider }), 'bundle_expired');
    expectCode(() => verifyBundle(bundle, { now: T0 - 2 * DAY, provider: nobleProvider }), 'bundle_expired');
  });

  it.each([
    ['signature', (b: KeyBundle): KeyBundle => ({ ...b, signature: flipBit(b.signature, 100) })],
    ['keyVersion', (b: KeyBundle): KeyBundle => ({ ...b, keyVersion: b.keyVersion + 1 })],
    ['notAfter', (b: KeyBundle): KeyBundle => ({ ...b, notAfter: new Date(T0 + 365 * DAY).toISOString() })],
    ['kemPublicKey', (b: KeyBundle): KeyBundle => ({ ...b, kemPublicKey: flipBit(b.kemPublicKey, 1170) })],
  ])('detects a tampered %s via the signature', (_field, tamper) => {
    const tampered = tamper(bundle);
    expect(bundleFingerprint(tampered)).not.toBe(server.sha256);
    expectCode(() => verifyBundle(tampered, { now: T0, provider: nobleProvider }), 'bundle_signature');
  });
});

describe('the identity pin across re-signing', () => {
  const server = makeServer('X-Wing+ML-DSA-65');
  // Plain SHA-256 over the key, as any client computes it.
  const pin = createHash('sha256').update(server.bundle.identityPublicKey).digest('hex');
  const renewed = createBundle({
    suite: 'X-Wing+ML-DSA-65',
    keyVersion: 7,
    kemPublicKey: server.decapsulationKey.publicKey,
    identityKey: server.identityKey,
    notBefore: T0 + 20 * DAY,
    notAfter: T0 + 50 * DAY,
  });

  it('survives the renewal of the same key version, though the bundle fingerprint changes', () => {
    expect(bundleFingerprint(renewed)).not.toBe(server.sha256);
    expect(() => verifyBundle(server.bundle, { now: T0, pin, provider: nobleProvider })).not.toThrow();
    expect(() => verifyBundle(renewed, { now: T0 + 21 * DAY, pin, provider: nobleProvider })).not.toThrow();
  });

  it('does not accept another identity with the same KEM key', () => {
    const other = makeServer('X-Wing+ML-DSA-65', { label: 'other identity' });
    const impostor = createBundle({
      suite: 'X-Wing+ML-DSA-65',
      keyVersion: 7,
      kemPublicKey: server.decapsulationKey.publicKey,
      identityKey: other.identityKey,
      notBefore: T0,
      notAfter: T0 + DAY,
    });
    expectCode(() => verifyBundle(impostor, { now: T0, pin, provider: nobleProvider }), 'pin_mismatch');
  });
});

describe('bundle parsing is strict', () => {
  const json = encodeBundle(makeServer('X-Wing+ML-DSA-65').bundle) as unknown as Record<string, unknown>;
  const parse = (patch: Record<string, unknown>) => () => parseBundle({ ...json, ...patch }, nobleProvider);

  it.each([
    ['an unknown member', { extra: 1 }, 'bad_encoding'],
    ['a missing member', { signature: undefined }, 'bad_encoding'],
    ['another version', { v: 2 }, 'unsupported_version'],
    ['an unknown suite', { suite: 'RSA' }, 'suite_mismatch'],
    ['a fractional key version', { keyVersion: 1.5 }, 'bad_encoding'],
    ['a short KEM key', { kemPublicKey: (json.kemPublicKey as string).slice(4) }, 'bad_length'],
    ['padded base64', { signature: `${json.signature as string}=` }, 'bad_encoding'],
    ['a non-UTC time', { notBefore: '2025-06-01T12:00:00+02:00' }, 'bad_encoding'],
    ['a time without milliseconds', { notAfter: '2025-06-01T12:00:00Z' }, 'bad_encoding'],
    ['an impossible date', { notAfter: '2025-02-30T12:00:00.000Z' }, 'bad_encoding'],
    ['an empty window', { notAfter: json.notBefore }, 'bad_encoding'],
    ['a previous version that is not older', { previous: { keyVersion: json.keyVersion, signature: json.signature } }, 'bad_encoding'],
  ] as const)('rejects %s', (_name, patch, code) => {
    expectCode(parse(patch), code);
  });

  it('applies the modulus check to the KEM key', () => {
    const pk = Buffer.from(json.kemPublicKey as string, 'base64url');
    pk[0] = 0xff;
    pk[1] |= 0x0f;
    expectCode(parse({ kemPublicKey: pk.toString('base64url') }), 'bad_encapsulation_key');
  });
});

describe('key transition', () => {
  const old = makeServer('X-Wing+ML-DSA-65', { keyVersion: 1, label: 'old' });
  const fresh = makeServer('X-Wing+ML-DSA-65', { keyVersion: 2, label: 'new' });
  const next = createBundle({
    suite: 'X-Wing+ML-DSA-65',
    keyVersion: 2,
    kemPublicKey: fresh.decapsulationKey.publicKey,
    identityKey: fresh.identityKey,
    notBefore: T0,
    notAfter: T0 + DAY,
    previous: { keyVersion: 1, identityKey: old.identityKey },
  });

  it('is verified against the previously trusted bundle and survives encoding', () => {
    const parsed = parseBundle(JSON.parse(JSON.stringify(encodeBundle(next))), nobleProvider);
    expect(parsed.previous?.keyVersion).toBe(1);
    expect(() => verifyKeyTransition(parsed, old.bundle, nobleProvider)).not.toThrow();
    expect(() => verifyBundle(parsed, { now: T0, provider: nobleProvider })).not.toThrow();
  });

  it('does not change the fingerprint (previous is outside the canonical bytes)', () => {
    const { previous: _previous, ...withoutPrevious } = next;
    expect(bundleCanonicalBytes(next)).toEqual(bundleCanonicalBytes(withoutPrevious));
  });

  it('rejects a statement from another key, a forged signature, a version mismatch, or none', () => {
    expectCode(() => verifyKeyTransition(next, { ...old.bundle, identityPublicKey: fresh.identityKey.publicKey }, nobleProvider), 'bundle_signature');
    expectCode(
      () => verifyKeyTransition({ ...next, previous: { keyVersion: 1, signature: flipBit(next.previous!.signature, 9) } }, old.bundle, nobleProvider),
      'bundle_signature',
    );
    expectCode(() => verifyKeyTransition(next, { ...old.bundle, keyVersion: 0 }, nobleProvider), 'unknown_key_version');
    expectCode(() => verifyKeyTransition(fresh.bundle, old.bundle, nobleProvider), 'bundle_signature');
  });

  const third = makeServer('X-Wing+ML-DSA-65', { keyVersion: 3, label: 'third' });
  const v3 = (options: { previous?: boolean; notBefore?: number } = {}) =>
    createBundle({
      suite: 'X-Wing+ML-DSA-65',
      keyVersion: 3,
      kemPublicKey: third.decapsulationKey.publicKey,
      identityKey: third.identityKey,
      notBefore: options.notBefore ?? T0,
      notAfter: (options.notBefore ?? T0) + 30 * DAY,
      previous: options.previous === false ? undefined : { keyVersion: 2, identityKey: fresh.identityKey },
    });
  const chain = parseKeyChain(JSON.parse(JSON.stringify(createKeyChain([old.bundle, next]))), nobleProvider);

  it('a client pinned to an older identity follows the chain to the served bundle, two rotations on', () => {
    const served = v3();
    expectCode(() => verifyBundle(served, { now: T0, pin: old.pin, provider: nobleProvider }), 'pin_mismatch');
    expect(verifyBundle(served, { now: T0, pin: old.pin, chain, provider: nobleProvider })).toMatchObject({ identitySha256: third.pin, pinnedVersion: 1 });
    expect(verifyBundle(served, { now: T0, pin: fresh.pin, chain, provider: nobleProvider })).toMatchObject({ pinnedVersion: 2 });
  });

  it('a renewal re-signed with its cross-signature keeps older pins working; one without it breaks them', () => {
    const renewed = v3({ notBefore: T0 + 20 * DAY });
    expect(() => verifyBundle(renewed, { now: T0 + 21 * DAY, pin: old.pin, chain, provider: nobleProvider })).not.toThrow();
    const dropped = v3({ previous: false, notBefore: T0 + 20 * DAY });
    expectCode(() => verifyBundle(dropped, { now: T0 + 21 * DAY, pin: old.pin, chain, provider: nobleProvider }), 'pin_mismatch');
    // Its own identity still verifies, so clients that pinned version 3 itself are not affected.
    expect(() => verifyBundle(dropped, { now: T0 + 21 * DAY, pin: third.pin, provider: nobleProvider })).not.toThrow();
  });

  it('a cross-signature carried over from an earlier signing of the bundle does not verify', () => {
    const renewed = v3({ notBefore: T0 + 20 * DAY });
    const carried = { ...renewed, previous: v3().previous };
    expectCode(() => verifyBundle(carried, { now: T0 + 21 * DAY, pin: old.pin, chain, provider: nobleProvider }), 'bundle_signature');
  });

  it('a forged link on the way to the pin is bundle_signature; a chain that never reaches the pin costs no verification', () => {
    const served = v3();
    const forged = [old.bundle, { ...next, previous: { keyVersion: 1, signature: flipBit(next.previous!.signature, 3) } }];
    expectCode(() => verifyBundle(served, { now: T0, pin: old.pin, chain: forged, provider: nobleProvider }), 'bundle_signature');
    const verify = jest.fn((...args: Parameters<typeof nobleProvider.mlDsa65.verify>) => nobleProvider.mlDsa65.verify(...args));
    const counting = { ...nobleProvider, mlDsa65: { ...nobleProvider.mlDsa65, verify } };
    expectCode(() => verifyBundle(served, { now: T0, pin: 'cd'.repeat(32), chain: forged, provider: counting }), 'pin_mismatch');
    expect(verify).not.toHaveBeenCalled();
  });

  it('refuses to create a transition from a newer version', () => {
    expect(() =>
      createBundle({
        suite: 'X-Wing+ML-DSA-65',
        keyVersion: 2,
        kemPublicKey: fresh.decapsulationKey.publicKey,
        identityKey: fresh.identityKey,
        notBefore: T0,
        notAfter: T0 + DAY,
        previous: { keyVersion: 2, identityKey: old.identityKey },
      }),
    ).toThrow(RangeError);
  });
});

describe('handshake info (GET /pqc/handshake body)', () => {
  const server = makeServer('ML-KEM-768+ML-DSA-65');
  const info = JSON.parse(JSON.stringify(createHandshakeInfo(server.bundle)));

  it('round-trips: sha256 is the identity pin, bundleSha256 the bundle fingerprint', () => {
    expect(info).toMatchObject({ status: 'ok', algorithm: 'ML-KEM-768+ML-DSA-65', sha256: server.pin, bundleSha256: server.sha256 });
    expect(parseHandshakeInfo(info, nobleProvider)).toEqual({ bundle: server.bundle, sha256: server.pin, bundleSha256: server.sha256 });
  });

  it('rejects an advertised hash or algorithm that disagrees with the bundle', () => {
    expectCode(() => parseHandshakeInfo({ ...info, sha256: '00'.repeat(32) }, nobleProvider), 'bundle_mismatch');
    expectCode(() => parseHandshakeInfo({ ...info, bundleSha256: server.pin }, nobleProvider), 'bundle_mismatch');
    expectCode(() => parseHandshakeInfo({ ...info, algorithm: 'X-Wing+ML-DSA-65' }, nobleProvider), 'suite_mismatch');
  });
});
