import { createHash } from 'node:crypto';
import { nobleProvider } from '../provider/noble';
import { ML_KEM_768 } from '../provider/types';

/**
 * C2SP/CCTV ML-KEM accumulated test, split into independent slices: run i only depends on its
 * own window of the SHAKE128 input stream, so slices can be computed in parallel and their
 * outputs absorbed in order afterwards.
 */
export const MLKEM_ACCUMULATED = Object.freeze({
  inputPerRun: 32 + 32 + 32 + ML_KEM_768.ciphertextLength, // d, z, m, invalid ct
  outputPerRun: ML_KEM_768.publicKeyLength + ML_KEM_768.expandedKeyLength + ML_KEM_768.ciphertextLength + 32 + 32,
});

export function shake128Stream(totalBytes: number): (length: number) => Uint8Array {
  // Native SHAKE has no incremental squeeze, so draw the whole (deterministic) stream up front.
  const stream = createHash('shake128', { outputLength: totalBytes }).digest();
  let offset = 0;
  return (length) => {
    const out = stream.subarray(offset, offset + length);
    offset += length;
    if (out.length !== length) throw new Error('accumulated stream exhausted');
    return out;
  };
}

/** Runs [start, start + count) and returns their concatenated accumulator input: ek || dk || ct || K || K'. */
export function mlKemAccumulatedSlice({ start, count }: { start: number; count: number }): Uint8Array {
  const draw = shake128Stream((start + count) * MLKEM_ACCUMULATED.inputPerRun);
  draw(start * MLKEM_ACCUMULATED.inputPerRun);
  const out = new Uint8Array(count * MLKEM_ACCUMULATED.outputPerRun);
  let offset = 0;
  const put = (bytes: Uint8Array) => {
    out.set(bytes, offset);
    offset += bytes.length;
  };
  const { mlKem768 } = nobleProvider;
  for (let i = 0; i < count; i++) {
    const dk = mlKem768.decapsulationKey(draw(64)); // d || z
    const { ciphertext, sharedSecret } = mlKem768.encapsulate(dk.publicKey, draw(32));
    if (Buffer.compare(dk.decapsulate(ciphertext), sharedSecret) !== 0) {
      throw new Error(`run ${start + i}: decapsulation does not match encapsulation`);
    }
    const rejected = dk.decapsulate(draw(ML_KEM_768.ciphertextLength));
    put(dk.publicKey);
    put(dk.expandedKey());
    put(ciphertext);
    put(sharedSecret);
    put(rejected);
    dk.destroy();
  }
  return out;
}
