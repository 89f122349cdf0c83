import { ml_dsa65 } from '@noble/post-quantum/ml-dsa.js';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { zeroize } from '../bytes';
import { assertLength } from '../errors';
import {
  assertMlDsaContext,
  assertMlKem768EncapsulationKey,
  assertOptionalRandomness,
  mlDsaVerifyInputsWellFormed,
} from './checks';
import {
  ML_DSA_65,
  ML_KEM_768,
  type MlDsaSigningKey,
  type MlKemDecapsulationKey,
  type PqcProvider,
} from './types';
import { nodeX25519 } from './x25519';

function destroyed(what: string): Error {
  return new Error(`${what} was destroyed`);
}

function mlKemDecapsulationKey(seed: Uint8Array): MlKemDecapsulationKey {
  assertLength(seed, ML_KEM_768.seedLength, 'ML-KEM-768 seed');
  const { publicKey, secretKey } = ml_kem768.keygen(seed);
  // prepare() caches the expanded public matrix A, which decapsulation's re-encryption needs;
  // doing that once per key instead of once per handshake is most of the server-side speedup.
  const prepared = ml_kem768.prepare(publicKey);
  let live = true;
  return {
    publicKey: prepared.publicKey,
    decapsulate(ciphertext: Uint8Array): Uint8Array {
      if (!live) throw destroyed('ML-KEM-768 decapsulation key');
      assertLength(ciphertext, ML_KEM_768.ciphertextLength, 'ML-KEM-768 ciphertext');
      return prepared.decapsulate(ciphertext, secretKey);
    },
    expandedKey(): Uint8Array {
      if (!live) throw destroyed('ML-KEM-768 decapsulation key');
      return secretKey.slice();
    },
    destroy(): void {
      live = false;
      zeroize(secretKey);
      prepared.clean();
    },
  };
}

function mlDsaSigningKey(seed: Uint8Array): MlDsaSigningKey {
  assertLength(seed, ML_DSA_65.seedLength, 'ML-DSA-65 seed');
  const { publicKey, secretKey } = ml_dsa65.keygen(seed);
  let live = true;
  return {
    publicKey,
    sign(message: Uint8Array, context: Uint8Array, randomness?: Uint8Array): Uint8Array {
      if (!live) throw destroyed('ML-DSA-65 signing key');
      assertMlDsaContext(context);
      assertOptionalRandomness(randomness, ML_DSA_65.randomnessLength, 'ML-DSA-65 signing randomness');
      return ml_dsa65.sign(message, secretKey, { context, extraEntropy: randomness });
    },
    destroy(): void {
      live = false;
      zeroize(secretKey);
    },
  };
}

export const nobleProvider: PqcProvider = Object.freeze({
  name: 'noble',
  mlKem768: Object.freeze({
    decapsulationKey: mlKemDecapsulationKey,
    encapsulate(publicKey: Uint8Array, randomness?: Uint8Array) {
      assertMlKem768EncapsulationKey(publicKey);
      assertOptionalRandomness(randomness, ML_KEM_768.randomnessLength, 'ML-KEM-768 encapsulation randomness');
      const { cipherText, sharedSecret } = ml_kem768.encapsulate(publicKey, randomness);
      return { ciphertext: cipherText, sharedSecret };
    },
  }),
  mlDsa65: Object.freeze({
    signingKey: mlDsaSigningKey,
    verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, context: Uint8Array): boolean {
      if (!mlDsaVerifyInputsWellFormed(publicKey, signature, context)) return false;
      try {
        return ml_dsa65.verify(signature, message, publicKey, { context });
      } catch {
        return false;
      }
    },
  }),
  x25519: nodeX25519,
});
