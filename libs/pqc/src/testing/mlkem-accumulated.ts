import { createHash } from 'node:crypto';
import { getNativeProvider } from '../provider/native';
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

/**
 * Accumulator input of a slice, ek || dk || ct || K || K' per run. `noble` is all noble. `native`
 * (when asked for) takes ek, K and K' from the native provider: the same d || z and ciphertexts go
 * through its key generation and decapsulation (implicit rejection included). It cannot export the
 * expanded dk or take the stream's m, so dk and ct are noble's; the stream still hashes to the
 * published value only if every native ek, K and K' is right.
 */
export interface MlKemAccumulatedSlice {
  readonly noble: Uint8Array;
  readonly native?: Uint8Array;
}

/** Runs [start, start + count); with `native`, the native provider must be present. */
export function mlKemAccumulatedSlice({ start, count, native = false }: { start: number; count: number; native?: boolean }): MlKemAccumulatedSlice {
  const nativeProvider = native ? getNativeProvider() : undefined;
  if (native && nativeProvider === undefined) throw new Error('the native provider is not available on this Node');
  const draw = shake128Stream((start + count) * MLKEM_ACCUMULATED.inputPerRun);
  draw(start * MLKEM_ACCUMULATED.inputPerRun);
  const size = count * MLKEM_ACCUMULATED.outputPerRun;
  const nobleOut = new Uint8Array(size);
  const nativeOut = nativeProvider ? new Uint8Array(size) : undefined;
  let offset = 0;
  const { mlKem768 } = nobleProvider;
  for (let i = 0; i < count; i++) {
    const seed = draw(64); // d || z
    const dk = mlKem768.decapsulationKey(seed);
    const { ciphertext, sharedSecret } = mlKem768.encapsulate(dk.publicKey, draw(32));
    if (Buffer.compare(dk.decapsulate(ciphertext), sharedSecret) !== 0) {
      throw new Error(`run ${start + i}: decapsulation does not match encapsulation`);
    }
    const invalid = draw(ML_KEM_768.ciphertextLength);
    const expanded = dk.expandedKey();
    const nobleRun = [dk.publicKey, expanded, ciphertext, sharedSecret, dk.decapsulate(invalid)];
    dk.destroy();
    const runOffset = offset;
    for (const bytes of nobleRun) {
      nobleOut.set(bytes, offset);
      offset += bytes.length;
    }
    if (nativeProvider && nativeOut) {
      const nativeDk = nativeProvider.mlKem768.decapsulationKey(seed);
      const nativeRun = [nativeDk.publicKey, expanded, ciphertext, nativeDk.decapsulate(ciphertext), nativeDk.decapsulate(invalid)];
      nativeDk.destroy();
      let at = runOffset;
      for (const bytes of nativeRun) {
        nativeOut.set(bytes, at);
        at += bytes.length;
      }
    }
  }
  return nativeOut ? { noble: nobleOut, native: nativeOut } : { noble: nobleOut };
}
