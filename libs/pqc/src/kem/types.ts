import type { KemEncapsulation } from '../provider/types';

export type KemName = 'X-Wing' | 'ML-KEM-768';

export interface KemDecapsulationKey {
  readonly publicKey: Uint8Array;
  decapsulate(ciphertext: Uint8Array): Uint8Array;
  destroy(): void;
}

export interface KemKeyPair {
  readonly publicKey: Uint8Array;
  /** The seed: both X-Wing and ML-KEM define the seed as the canonical private key. */
  readonly secretKey: Uint8Array;
}

/**
 * What the handshake needs from a KEM. Input checks (lengths, ML-KEM modulus check, X25519
 * all-zero output) happen inside, so callers cannot forget them.
 */
export interface Kem {
  readonly name: KemName;
  readonly seedLength: number;
  readonly publicKeyLength: number;
  readonly ciphertextLength: number;
  readonly sharedSecretLength: 32;
  /** Length of the optional deterministic `randomness` argument of encapsulate (KATs only). */
  readonly encapsulationRandomnessLength: number;
  /** Throws bad_length / bad_encapsulation_key; lets servers reject before doing any work. */
  checkPublicKey(publicKey: Uint8Array): void;
  keypairFromSeed(seed: Uint8Array): KemKeyPair;
  encapsulate(publicKey: Uint8Array, randomness?: Uint8Array): KemEncapsulation;
  /** Create once, reuse: caches the expanded key material for fast repeated decapsulation. */
  decapsulationKey(seed: Uint8Array): KemDecapsulationKey;
}

export function keypairFromDecapsulationKey(
  decapsulationKey: (seed: Uint8Array) => KemDecapsulationKey,
  seed: Uint8Array,
): KemKeyPair {
  const dk = decapsulationKey(seed);
  const publicKey = dk.publicKey;
  dk.destroy();
  return { publicKey, secretKey: seed.slice() };
}
