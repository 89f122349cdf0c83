import { randomBytes } from 'node:crypto';
import { x25519 } from '@noble/curves/ed25519.js';
import { expectCode } from '../testing/expect-code';
import { nodeX25519 } from './x25519';

describe('native X25519 wrapper', () => {
  it('agrees with an independent implementation', () => {
    const a = Uint8Array.from(randomBytes(32));
    const b = Uint8Array.from(randomBytes(32));
    const key = nodeX25519.privateKey(a);
    expect(key.publicKey).toEqual(x25519.getPublicKey(a));
    expect(key.sharedSecret(x25519.getPublicKey(b))).toEqual(x25519.getSharedSecret(b, x25519.getPublicKey(a)));
  });

  it('rejects low-order points (all-zero output) and wrong sizes', () => {
    const key = nodeX25519.privateKey(Uint8Array.from(randomBytes(32)));
    expectCode(() => key.sharedSecret(new Uint8Array(32)), 'weak_x25519');
    expectCode(() => key.sharedSecret(Uint8Array.of(1, ...new Uint8Array(31))), 'weak_x25519');
    expectCode(() => key.sharedSecret(new Uint8Array(31)), 'bad_length');
    expectCode(() => nodeX25519.privateKey(new Uint8Array(33)), 'bad_length');
  });

  it('refuses use after destroy', () => {
    const key = nodeX25519.privateKey(Uint8Array.from(randomBytes(32)));
    key.destroy();
    expect(() => key.sharedSecret(key.publicKey)).toThrow('destroyed');
  });
});

describe('native X25519 ephemeral generation', () => {
  it('yields fresh keys that agree with their peer', () => {
    const a = nodeX25519.generate();
    const b = nodeX25519.generate();
    expect(a.publicKey).toHaveLength(32);
    expect(a.publicKey).not.toEqual(b.publicKey);
    expect(a.sharedSecret(b.publicKey)).toEqual(b.sharedSecret(a.publicKey));
  });

  it('publishes the public key of the private scalar it holds (checked by an independent implementation)', () => {
    for (let i = 0; i < 20; i++) {
      const generated = nodeX25519.generate();
      const peer = Uint8Array.from(randomBytes(32));
      expect(generated.sharedSecret(x25519.getPublicKey(peer))).toEqual(x25519.getSharedSecret(peer, generated.publicKey));
    }
  });
});
