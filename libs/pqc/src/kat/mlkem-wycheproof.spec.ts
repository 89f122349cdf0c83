import type { PqcErrorCode } from '../errors';
import { createMlKem768 } from '../kem/ml-kem';
import { nobleProvider } from '../provider/noble';
import { ML_KEM_768 } from '../provider/types';
import { expectCode } from '../testing/expect-code';
import { describeEachProvider } from '../testing/providers';
import { describeWithVectors, hex, toHexString, wycheproofCount, type WycheproofFile } from '../testing/vectors';

/**
 * Through the project's Kem layer (the one the handshake uses), once per provider.
 *
 * What runs where:
 * - keygen + decapsulation file: every case on both providers (seed -> ek, c -> K, malformed sizes
 *   rejected). On a provider without caller randomness (native), each valid case also checks that its
 *   own encapsulation to the vector's ek decapsulates to the same key under noble and under itself.
 * - encapsulation file: the c/K known answers need the vector's m, which only a provider taking caller
 *   randomness (noble) accepts; native is asserted to refuse m, then runs every valid key through its
 *   own encapsulation (the key is accepted, output well-formed) and every invalid key (modulus check
 *   and sizes) as a rejection with the same code. The file holds no decapsulation keys, so a native
 *   encapsulation to these keys cannot be decapsulated here.
 */

interface DecapsTest { tcId: number; comment?: string; seed: string; ek?: string; c: string; K: string; result: 'valid' | 'invalid' }
interface EncapsTest { tcId: number; comment?: string; flags: string[]; ek: string; m: string; c: string; K: string; result: 'valid' | 'invalid' }

const nobleKem = createMlKem768(nobleProvider);

describeWithVectors<WycheproofFile<{ tests: DecapsTest[] }>>(
  'Wycheproof ML-KEM-768 keygen + decapsulation',
  'wycheproof/mlkem_768_test.json',
  (file) => {
    const tests = file.testGroups.flatMap((g) => g.tests);
    it('covers every case in the file', () => expect(tests).toHaveLength(wycheproofCount(file)));
    const valid = tests.filter((t) => t.result === 'valid').map((t) => [t.tcId, t] as const);
    const invalid = tests.filter((t) => t.result === 'invalid').map((t) => [t.tcId, t] as const);

    describeEachProvider(({ provider, callerRandomness }) => {
      const kem = createMlKem768(provider);

      it.each(valid)('valid tcId %i', (_id, t) => {
        const dk = kem.decapsulationKey(hex(t.seed));
        expect(toHexString(dk.publicKey)).toBe(t.ek);
        expect(toHexString(dk.decapsulate(hex(t.c)))).toBe(t.K);
        if (!callerRandomness) {
          // Its own (randomized) encapsulation to the vector's key, accepted by noble as well.
          const { ciphertext, sharedSecret } = kem.encapsulate(dk.publicKey);
          expect(dk.decapsulate(ciphertext)).toEqual(sharedSecret);
          const nobleDk = nobleKem.decapsulationKey(hex(t.seed));
          expect(nobleDk.decapsulate(ciphertext)).toEqual(sharedSecret);
          nobleDk.destroy();
        }
        dk.destroy();
      });

      it.each(invalid)('invalid tcId %i is rejected', (_id, t) => {
        // Invalid cases here are malformed sizes: a wrong-length seed or ciphertext.
        expectCode(() => kem.decapsulationKey(hex(t.seed)).decapsulate(hex(t.c)), 'bad_length');
      });
    });
  },
  wycheproofCount,
);

describeWithVectors<WycheproofFile<{ tests: EncapsTest[] }>>(
  'Wycheproof ML-KEM-768 encapsulation (incl. modulus check)',
  'wycheproof/mlkem_768_encaps_test.json',
  (file) => {
    const tests = file.testGroups.flatMap((g) => g.tests);
    it('covers every case in the file', () => expect(tests).toHaveLength(wycheproofCount(file)));
    const valid = tests.filter((t) => t.result === 'valid').map((t) => [t.tcId, t] as const);
    const invalid = tests.filter((t) => t.result === 'invalid').map((t) => [t.tcId, t] as const);

    describeEachProvider(({ provider, callerRandomness }) => {
      const kem = createMlKem768(provider);

      if (callerRandomness) {
        it.each(valid)('valid tcId %i', (_id, t) => {
          const { ciphertext, sharedSecret } = kem.encapsulate(hex(t.ek), hex(t.m));
          expect(toHexString(ciphertext)).toBe(t.c);
          expect(toHexString(sharedSecret)).toBe(t.K);
        });
      } else {
        it('refuses the vectors\' m, so the c/K known answers run on noble only', () => {
          const [, t] = valid[0];
          expect(() => kem.encapsulate(hex(t.ek), hex(t.m))).toThrow('does not support');
        });

        it.each(valid)('valid tcId %i: the key is accepted by its own encapsulation', (_id, t) => {
          const first = kem.encapsulate(hex(t.ek));
          const second = kem.encapsulate(hex(t.ek));
          expect(first.ciphertext).toHaveLength(ML_KEM_768.ciphertextLength);
          expect(first.sharedSecret).toHaveLength(ML_KEM_768.sharedSecretLength);
          expect(first.sharedSecret).not.toEqual(second.sharedSecret);
        });
      }

      it.each(invalid)('invalid tcId %i is rejected', (_id, t) => {
        const ek = hex(t.ek);
        const expected: PqcErrorCode = ek.length === ML_KEM_768.publicKeyLength ? 'bad_encapsulation_key' : 'bad_length';
        expectCode(() => kem.checkPublicKey(ek), expected);
        expectCode(() => kem.encapsulate(ek, callerRandomness ? hex(t.m) : undefined), expected);
      });
    });
  },
  wycheproofCount,
);
