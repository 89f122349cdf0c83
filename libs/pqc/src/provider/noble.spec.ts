import { randomBytes } from 'node:crypto';
import { expectCode } from '../testing/expect-code';
import { nobleProvider } from './noble';

const seed = (n: number) => Uint8Array.from(randomBytes(n));

describe('noble provider', () => {
  it('ML-KEM: decapsulation key round trip, stable across calls, destroyable', () => {
    const dk = nobleProvider.mlKem768.decapsulationKey(seed(64));
    const { ciphertext, sharedSecret } = nobleProvider.mlKem768.encapsulate(dk.publicKey);
    expect(dk.decapsulate(ciphertext)).toEqual(sharedSecret);
    expect(dk.decapsulate(ciphertext)).toEqual(sharedSecret);
    expect(dk.expandedKey()).toHaveLength(2400);
    dk.destroy();
    expect(() => dk.decapsulate(ciphertext)).toThrow('destroyed');
  });

  it('ML-KEM: enforces sizes', () => {
    expectCode(() => nobleProvider.mlKem768.decapsulationKey(seed(63)), 'bad_length');
    const dk = nobleProvider.mlKem768.decapsulationKey(seed(64));
    expectCode(() => dk.decapsulate(new Uint8Array(1087)), 'bad_length');
    expectCode(() => nobleProvider.mlKem768.encapsulate(dk.publicKey, seed(31)), 'bad_length');
  });

  it('ML-DSA: context separates signatures; bad inputs verify as false', () => {
    const key = nobleProvider.mlDsa65.signingKey(seed(32));
    const msg = Uint8Array.of(1, 2, 3);
    const sig = key.sign(msg, Uint8Array.of(7));
    expect(nobleProvider.mlDsa65.verify(key.publicKey, msg, sig, Uint8Array.of(7))).toBe(true);
    expect(nobleProvider.mlDsa65.verify(key.publicKey, msg, sig, Uint8Array.of(8))).toBe(false);
    expect(nobleProvider.mlDsa65.verify(key.publicKey, msg, sig.subarray(1), Uint8Array.of(7))).toBe(false);
    expect(nobleProvider.mlDsa65.verify(key.publicKey.subarray(1), msg, sig, Uint8Array.of(7))).toBe(false);
    expect(nobleProvider.mlDsa65.verify(key.publicKey, msg, sig, new Uint8Array(256))).toBe(false);
    expectCode(() => key.sign(msg, new Uint8Array(256)), 'bad_length');
  });

  it('ML-DSA: deterministic with zero randomness, hedged otherwise', () => {
    const key = nobleProvider.mlDsa65.signingKey(seed(32));
    const msg = Uint8Array.of(1);
    const empty = new Uint8Array(0);
    expect(key.sign(msg, empty, new Uint8Array(32))).toEqual(key.sign(msg, empty, new Uint8Array(32)));
    expect(key.sign(msg, empty)).not.toEqual(key.sign(msg, empty));
    key.destroy();
    expect(() => key.sign(msg, empty)).toThrow('destroyed');
  });
});
