import { randomBytes } from 'node:crypto';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { expectCode } from '../testing/expect-code';
import { assertMlKem768EncapsulationKey } from './checks';

function withCoefficient(publicKey: Uint8Array, index: number, value: number): Uint8Array {
  const out = publicKey.slice();
  const byte = Math.floor(index / 2) * 3;
  if (index % 2 === 0) {
    out[byte] = value & 0xff;
    out[byte + 1] = (out[byte + 1] & 0xf0) | (value >> 8);
  } else {
    out[byte + 1] = (out[byte + 1] & 0x0f) | ((value & 0x0f) << 4);
    out[byte + 2] = value >> 4;
  }
  return out;
}

describe('ML-KEM-768 encapsulation key modulus check', () => {
  const { publicKey } = ml_kem768.keygen(randomBytes(64));

  it('accepts a real key and boundary value q-1 in every slot parity', () => {
    expect(() => assertMlKem768EncapsulationKey(publicKey)).not.toThrow();
    expect(() => assertMlKem768EncapsulationKey(withCoefficient(publicKey, 0, 3328))).not.toThrow();
    expect(() => assertMlKem768EncapsulationKey(withCoefficient(publicKey, 767, 3328))).not.toThrow();
  });

  it.each([
    [0, 3329],
    [1, 3329],
    [766, 4095],
    [767, 3329],
  ])('rejects coefficient %i = %i', (index, value) => {
    expectCode(() => assertMlKem768EncapsulationKey(withCoefficient(publicKey, index, value)), 'bad_encapsulation_key');
  });

  it('does not look at rho (the last 32 bytes)', () => {
    const key = publicKey.slice();
    key.fill(0xff, 1152);
    expect(() => assertMlKem768EncapsulationKey(key)).not.toThrow();
  });

  it('rejects wrong sizes', () => {
    expectCode(() => assertMlKem768EncapsulationKey(publicKey.subarray(1)), 'bad_length');
  });
});
