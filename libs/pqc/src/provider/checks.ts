import { PqcProtocolError, assertLength } from '../errors';
import { ML_DSA_65, ML_KEM_768 } from './types';

const Q = 3329;
const ENCODED_T_LENGTH = 1152; // 3 polynomials x 256 coefficients x 12 bits

/**
 * FIPS 203 §7.2 encapsulation-key modulus check: ByteEncode12(ByteDecode12(ek)) must equal ek,
 * which is the same as every packed 12-bit coefficient being < q. Done here rather than trusting
 * each backend, so every provider rejects exactly the same keys.
 */
export function assertMlKem768EncapsulationKey(publicKey: Uint8Array, what = 'ML-KEM-768 encapsulation key'): void {
  assertLength(publicKey, ML_KEM_768.publicKeyLength, what);
  for (let i = 0; i < ENCODED_T_LENGTH; i += 3) {
    const b0 = publicKey[i];
    const b1 = publicKey[i + 1];
    const b2 = publicKey[i + 2];
    const c0 = b0 | ((b1 & 0x0f) << 8);
    const c1 = (b1 >> 4) | (b2 << 4);
    if (c0 >= Q || c1 >= Q) {
      throw new PqcProtocolError(
        'bad_encapsulation_key',
        `${what} fails the FIPS 203 modulus check (coefficient ${c0 >= Q ? (i / 3) * 2 : (i / 3) * 2 + 1} >= q)`,
      );
    }
  }
}

export function assertMlDsaContext(context: Uint8Array): void {
  if (context.length > ML_DSA_65.maxContextLength) {
    throw new PqcProtocolError('bad_length', `ML-DSA context must be at most 255 bytes, got ${context.length}`);
  }
}

/** Shared verify pre-checks: malformed sizes are simply "not a valid signature". */
export function mlDsaVerifyInputsWellFormed(publicKey: Uint8Array, signature: Uint8Array, context: Uint8Array): boolean {
  return (
    publicKey.length === ML_DSA_65.publicKeyLength &&
    signature.length === ML_DSA_65.signatureLength &&
    context.length <= ML_DSA_65.maxContextLength
  );
}

export function assertOptionalRandomness(randomness: Uint8Array | undefined, length: number, what: string): void {
  if (randomness !== undefined) assertLength(randomness, length, what);
}
