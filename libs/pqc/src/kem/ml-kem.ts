import { assertMlKem768EncapsulationKey } from '../provider/checks';
import { ML_KEM_768, type PqcProvider } from '../provider/types';
import { keypairFromDecapsulationKey, type Kem } from './types';

/** Plain ML-KEM-768 (the PQC_MODE=pqc suite). */
export function createMlKem768(provider: PqcProvider): Kem {
  const decapsulationKey = (seed: Uint8Array) => provider.mlKem768.decapsulationKey(seed);
  return Object.freeze({
    name: 'ML-KEM-768',
    seedLength: ML_KEM_768.seedLength,
    publicKeyLength: ML_KEM_768.publicKeyLength,
    ciphertextLength: ML_KEM_768.ciphertextLength,
    sharedSecretLength: 32,
    encapsulationRandomnessLength: ML_KEM_768.randomnessLength,
    checkPublicKey: (publicKey: Uint8Array) => assertMlKem768EncapsulationKey(publicKey),
    keypairFromSeed: (seed: Uint8Array) => keypairFromDecapsulationKey(decapsulationKey, seed),
    encapsulate: (publicKey: Uint8Array, randomness?: Uint8Array) =>
      provider.mlKem768.encapsulate(publicKey, randomness),
    decapsulationKey,
  });
}
