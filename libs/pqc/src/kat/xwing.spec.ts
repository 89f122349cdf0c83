import { createXWing } from '../kem/xwing';
import { nobleProvider } from '../provider/noble';
import { describeWithVectors, hex, toHexString } from '../testing/vectors';

interface XWingVector { seed: string; eseed: string; sk: string; pk: string; ct: string; ss: string }

const xwing = createXWing(nobleProvider);

describeWithVectors<XWingVector[]>(
  'X-Wing draft vectors through the project KEM',
  'xwing/test-vectors.json',
  (vectors) => {
    it('has the 3 published vectors', () => expect(vectors).toHaveLength(3));

    it.each(vectors.map((v, i) => [i, v] as const))('vector %i', (_i, v) => {
      expect(v.sk).toBe(v.seed); // this draft version: the private key is the seed
      const { publicKey, secretKey } = xwing.keypairFromSeed(hex(v.seed));
      expect(toHexString(publicKey)).toBe(v.pk);
      expect(toHexString(secretKey)).toBe(v.sk);

      const { ciphertext, sharedSecret } = xwing.encapsulate(hex(v.pk), hex(v.eseed));
      expect(toHexString(ciphertext)).toBe(v.ct);
      expect(toHexString(sharedSecret)).toBe(v.ss);

      const dk = xwing.decapsulationKey(hex(v.sk));
      expect(toHexString(dk.decapsulate(hex(v.ct)))).toBe(v.ss);
      dk.destroy();
    });
  },
  (v) => v.length,
);
