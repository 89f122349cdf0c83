import { randomBytes } from 'node:crypto';
import { ml_kem768_x25519 } from '@noble/post-quantum/hybrid.js';
import { nobleProvider } from '../provider/noble';
import { expectCode, flipBit } from '../testing/expect-code';
import { createMlKem768 } from './ml-kem';
import { createXWing } from './xwing';

const seed = (n: number) => Uint8Array.from(randomBytes(n));
const kems = [createXWing(nobleProvider), createMlKem768(nobleProvider)];

describe.each(kems.map((kem) => [kem.name, kem] as const))('%s', (_name, kem) => {
  it('round-trips and derives the same key pair from the same seed', () => {
    const s = seed(kem.seedLength);
    const dk = kem.decapsulationKey(s);
    expect(kem.keypairFromSeed(s)).toEqual({ publicKey: dk.publicKey, secretKey: s });
    expect(dk.publicKey).toHaveLength(kem.publicKeyLength);
    const { ciphertext, sharedSecret } = kem.encapsulate(dk.publicKey);
    expect(ciphertext).toHaveLength(kem.ciphertextLength);
    expect(sharedSecret).toHaveLength(32);
    expect(dk.decapsulate(ciphertext)).toEqual(sharedSecret);
  });

  it('is deterministic given encapsulation randomness', () => {
    const dk = kem.decapsulationKey(seed(kem.seedLength));
    const r = seed(kem.encapsulationRandomnessLength);
    expect(kem.encapsulate(dk.publicKey, r)).toEqual(kem.encapsulate(dk.publicKey, r));
  });

  it('gives an unrelated secret for a tampered ML-KEM ciphertext (implicit rejection)', () => {
    const dk = kem.decapsulationKey(seed(kem.seedLength));
    const { ciphertext, sharedSecret } = kem.encapsulate(dk.publicKey);
    expect(dk.decapsulate(flipBit(ciphertext, 5))).not.toEqual(sharedSecret);
  });

  it('rejects wrong lengths everywhere', () => {
    const dk = kem.decapsulationKey(seed(kem.seedLength));
    expectCode(() => kem.decapsulationKey(seed(kem.seedLength + 1)), 'bad_length');
    expectCode(() => kem.encapsulate(dk.publicKey.subarray(1)), 'bad_length');
    expectCode(() => kem.encapsulate(Uint8Array.of(...dk.publicKey, 0)), 'bad_length');
    expectCode(() => dk.decapsulate(new Uint8Array(kem.ciphertextLength - 1)), 'bad_length');
    expectCode(() => dk.decapsulate(new Uint8Array(kem.ciphertextLength + 1)), 'bad_length');
    expectCode(() => kem.encapsulate(dk.publicKey, seed(kem.encapsulationRandomnessLength - 1)), 'bad_length');
  });

  it('rejects an ML-KEM key that fails the modulus check', () => {
    const pk = kem.decapsulationKey(seed(kem.seedLength)).publicKey.slice();
    pk[0] = 0xff;
    pk[1] |= 0x0f; // first coefficient = 4095
    expectCode(() => kem.checkPublicKey(pk), 'bad_encapsulation_key');
    expectCode(() => kem.encapsulate(pk), 'bad_encapsulation_key');
  });
});

describe('X-Wing specifics', () => {
  const xwing = createXWing(nobleProvider);

  it('matches noble X-Wing as-is in both directions', () => {
    const s = seed(32);
    const ours = xwing.decapsulationKey(s);
    expect(ours.publicKey).toEqual(ml_kem768_x25519.keygen(s).publicKey);
    const theirs = ml_kem768_x25519.encapsulate(ours.publicKey);
    expect(ours.decapsulate(theirs.cipherText)).toEqual(theirs.sharedSecret);
    const mine = xwing.encapsulate(ours.publicKey);
    expect(ml_kem768_x25519.decapsulate(mine.ciphertext, s)).toEqual(mine.sharedSecret);
  });

  it('rejects a low-order X25519 part: ciphertext on decapsulation, public key on encapsulation', () => {
    const dk = xwing.decapsulationKey(seed(32));
    const ct = xwing.encapsulate(dk.publicKey).ciphertext;
    ct.fill(0, 1088);
    expectCode(() => dk.decapsulate(ct), 'weak_x25519');
    const pk = dk.publicKey.slice();
    pk.fill(0, 1184);
    expectCode(() => xwing.encapsulate(pk), 'weak_x25519');
  });
});
