import type { PqcErrorCode } from '../errors';
import { createMlKem768 } from '../kem/ml-kem';
import { expectCode } from '../testing/expect-code';
import { nobleProvider } from '../provider/noble';
import { describeWithVectors, hex, toHexString, wycheproofCount, type WycheproofFile } from '../testing/vectors';

// Through the project's Kem layer (the one the handshake uses), not through noble directly.
const kem = createMlKem768(nobleProvider);

interface DecapsTest { tcId: number; comment?: string; seed: string; ek?: string; c: string; K: string; result: 'valid' | 'invalid' }
interface EncapsTest { tcId: number; comment?: string; flags: string[]; ek: string; m: string; c: string; K: string; result: 'valid' | 'invalid' }

describeWithVectors<WycheproofFile<{ tests: DecapsTest[] }>>(
  'Wycheproof ML-KEM-768 keygen + decapsulation',
  'wycheproof/mlkem_768_test.json',
  (file) => {
    const tests = file.testGroups.flatMap((g) => g.tests);
    it('covers every case in the file', () => expect(tests).toHaveLength(wycheproofCount(file)));

    it.each(tests.filter((t) => t.result === 'valid').map((t) => [t.tcId, t] as const))('valid tcId %i', (_id, t) => {
      const dk = kem.decapsulationKey(hex(t.seed));
      expect(toHexString(dk.publicKey)).toBe(t.ek);
      expect(toHexString(dk.decapsulate(hex(t.c)))).toBe(t.K);
      dk.destroy();
    });

    it.each(tests.filter((t) => t.result === 'invalid').map((t) => [t.tcId, t] as const))('invalid tcId %i is rejected', (_id, t) => {
      // Invalid cases here are malformed sizes: a wrong-length seed or ciphertext.
      expectCode(() => kem.decapsulationKey(hex(t.seed)).decapsulate(hex(t.c)), 'bad_length');
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

    it.each(tests.filter((t) => t.result === 'valid').map((t) => [t.tcId, t] as const))('valid tcId %i', (_id, t) => {
      const { ciphertext, sharedSecret } = kem.encapsulate(hex(t.ek), hex(t.m));
      expect(toHexString(ciphertext)).toBe(t.c);
      expect(toHexString(sharedSecret)).toBe(t.K);
    });

    it.each(tests.filter((t) => t.result === 'invalid').map((t) => [t.tcId, t] as const))('invalid tcId %i is rejected', (_id, t) => {
      const ek = hex(t.ek);
      const expected: PqcErrorCode = ek.length === 1184 ? 'bad_encapsulation_key' : 'bad_length';
      expectCode(() => kem.checkPublicKey(ek), expected);
      expectCode(() => kem.encapsulate(ek, hex(t.m)), expected);
    });
  },
  wycheproofCount,
);
