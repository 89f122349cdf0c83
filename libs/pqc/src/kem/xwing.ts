import { createHash } from 'node:crypto';
import { asBytes, concatBytes, zeroize } from '../bytes';
import { assertLength } from '../errors';
import { assertMlKem768EncapsulationKey } from '../provider/checks';
import { ML_KEM_768, X25519, type PqcProvider } from '../provider/types';
import { keypairFromDecapsulationKey, type Kem, type KemDecapsulationKey } from './types';

/**
 * X-Wing (draft-connolly-cfrg-xwing-kem, the version with the 32-byte seed as private key and
 * the label last in the combiner): ML-KEM-768 + X25519, combined with SHA3-256.
 */
export const XWING = Object.freeze({
  seedLength: 32,
  publicKeyLength: ML_KEM_768.publicKeyLength + X25519.keyLength, // 1216
  ciphertextLength: ML_KEM_768.ciphertextLength + X25519.keyLength, // 1120
  randomnessLength: 64,
});

// XWingLabel = "\.//^\" (6 ASCII bytes).
const XWING_LABEL = Uint8Array.from([0x5c, 0x2e, 0x2f, 0x2f, 0x5e, 0x5c]);

function combiner(ssM: Uint8Array, ssX: Uint8Array, ctX: Uint8Array, pkX: Uint8Array): Uint8Array {
  const ss = asBytes(createHash('sha3-256').update(ssM).update(ssX).update(ctX).update(pkX).update(XWING_LABEL).digest());
  zeroize(ssM, ssX);
  return ss;
}

function checkPublicKey(publicKey: Uint8Array): void {
  assertLength(publicKey, XWING.publicKeyLength, 'X-Wing public key');
  assertMlKem768EncapsulationKey(publicKey.subarray(0, ML_KEM_768.publicKeyLength), 'X-Wing ML-KEM-768 public key');
}

export function createXWing(provider: PqcProvider): Kem {
  function decapsulationKey(seed: Uint8Array): KemDecapsulationKey {
    assertLength(seed, XWING.seedLength, 'X-Wing seed');
    // expandDecapsulationKey: SHAKE256(seed, 96) = d || z || sk_X.
    const expanded = asBytes(createHash('shake256', { outputLength: 96 }).update(seed).digest());
    const mlKem = provider.mlKem768.decapsulationKey(expanded.subarray(0, 64));
    const x25519 = provider.x25519.privateKey(expanded.subarray(64, 96));
    zeroize(expanded);
    const pkX = x25519.publicKey;
    return {
      publicKey: concatBytes(mlKem.publicKey, pkX),
      decapsulate(ciphertext: Uint8Array): Uint8Array {
        assertLength(ciphertext, XWING.ciphertextLength, 'X-Wing ciphertext');
        const ctX = ciphertext.subarray(ML_KEM_768.ciphertextLength);
        const ssM = mlKem.decapsulate(ciphertext.subarray(0, ML_KEM_768.ciphertextLength));
        let ssX: Uint8Array;
        try {
          ssX = x25519.sharedSecret(ctX);
        } catch (error) {
          zeroize(ssM);
          throw error;
        }
        return combiner(ssM, ssX, ctX, pkX);
      },
      destroy(): void {
        mlKem.destroy();
        x25519.destroy();
      },
    };
  }

  return Object.freeze({
    name: 'X-Wing',
    seedLength: XWING.seedLength,
    publicKeyLength: XWING.publicKeyLength,
    ciphertextLength: XWING.ciphertextLength,
    sharedSecretLength: 32,
    encapsulationRandomnessLength: XWING.randomnessLength,
    checkPublicKey,
    keypairFromSeed: (seed: Uint8Array) => keypairFromDecapsulationKey(decapsulationKey, seed),
    encapsulate(publicKey: Uint8Array, randomness?: Uint8Array) {
      checkPublicKey(publicKey);
      if (randomness !== undefined) assertLength(randomness, XWING.randomnessLength, 'X-Wing encapsulation randomness');
      const pkX = publicKey.subarray(ML_KEM_768.publicKeyLength);
      // eseed = m (32, for ML-KEM) || ek_X (32, the ephemeral X25519 private key).
      const ephemeral = randomness ? provider.x25519.privateKey(randomness.subarray(32, 64)) : provider.x25519.generate();
      try {
        const ctX = ephemeral.publicKey;
        const ssX = ephemeral.sharedSecret(pkX);
        let ml: { ciphertext: Uint8Array; sharedSecret: Uint8Array };
        try {
          ml = provider.mlKem768.encapsulate(publicKey.subarray(0, ML_KEM_768.publicKeyLength), randomness?.subarray(0, 32));
        } catch (error) {
          zeroize(ssX);
          throw error;
        }
        return { ciphertext: concatBytes(ml.ciphertext, ctX), sharedSecret: combiner(ml.sharedSecret, ssX, ctX, pkX) };
      } finally {
        ephemeral.destroy();
      }
    },
    decapsulationKey,
  });
}
