import { createXWing } from '../kem/xwing';
import { nobleProvider } from '../provider/noble';
import { describeEachProvider } from '../testing/providers';
import { describeWithVectors, hex, toHexString } from '../testing/vectors';

/**
 * Once per provider. Key generation from the seed and decapsulation of the vector's ciphertext run
 * on both. The ct/ss encapsulation known answers need the vector's eseed, which only noble takes;
 * native is asserted to refuse it and instead encapsulates to the vector's public key itself, and
 * that ciphertext must decapsulate to the same secret under the vector's private key with noble and
 * with native.
 */

interface XWingVector { seed: string; eseed: string; sk: string; pk: string; ct: string; ss: string }

const nobleXWing = createXWing(nobleProvider);

describeWithVectors<XWingVector[]>(
  'X-Wing draft vectors through the project KEM',
  'xwing/test-vectors.json',
  (vectors) => {
    it('has the 3 published vectors', () => expect(vectors).toHaveLength(3));
    const cases = vectors.map((v, i) => [i, v] as const);

    describeEachProvider(({ provider, callerRandomness }) => {
      const xwing = createXWing(provider);

      if (!callerRandomness) {
        it('refuses the vectors\' eseed, so the ct/ss encapsulation known answers run on noble only', () => {
          const [, v] = cases[0];
          expect(() => xwing.encapsulate(hex(v.pk), hex(v.eseed))).toThrow('does not support');
        });
      }

      it.each(cases)('vector %i', (_i, v) => {
        expect(v.sk).toBe(v.seed); // this draft version: the private key is the seed
        const { publicKey, secretKey } = xwing.keypairFromSeed(hex(v.seed));
        expect(toHexString(publicKey)).toBe(v.pk);
        expect(toHexString(secretKey)).toBe(v.sk);

        const dk = xwing.decapsulationKey(hex(v.sk));
        expect(toHexString(dk.decapsulate(hex(v.ct)))).toBe(v.ss);

        if (callerRandomness) {
          const { ciphertext, sharedSecret } = xwing.encapsulate(hex(v.pk), hex(v.eseed));
          expect(toHexString(ciphertext)).toBe(v.ct);
          expect(toHexString(sharedSecret)).toBe(v.ss);
        } else {
          const { ciphertext, sharedSecret } = xwing.encapsulate(hex(v.pk));
          expect(dk.decapsulate(ciphertext)).toEqual(sharedSecret);
          const nobleDk = nobleXWing.decapsulationKey(hex(v.sk));
          expect(nobleDk.decapsulate(ciphertext)).toEqual(sharedSecret);
          nobleDk.destroy();
        }
        dk.destroy();
      });
    });
  },
  (v) => v.length,
);
