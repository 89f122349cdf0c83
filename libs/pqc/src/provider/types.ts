/**
 * The narrow surface the protocol needs from a PQC implementation. Secret keys are opaque
 * handles created from seeds (the FIPS 203/204 canonical private-key form), so a native
 * implementation can keep them inside OpenSSL and a JS one can cache expanded keys.
 *
 * Caller-supplied `randomness` exists for known-answer tests and the documented worked example;
 * production callers omit it. Providers that cannot honour it throw instead of ignoring it.
 */

export interface KemEncapsulation {
  readonly ciphertext: Uint8Array;
  readonly sharedSecret: Uint8Array;
}

export interface MlKemDecapsulationKey {
  readonly publicKey: Uint8Array;
  decapsulate(ciphertext: Uint8Array): Uint8Array;
  /** FIPS 203 expanded decapsulation key (2400 bytes): dkPKE || ek || H(ek) || z. */
  expandedKey(): Uint8Array;
  destroy(): void;
}

export interface MlKem768Primitive {
  /** seed = d || z (64 bytes), FIPS 203 ML-KEM.KeyGen_internal. */
  decapsulationKey(seed: Uint8Array): MlKemDecapsulationKey;
  /** Performs the FIPS 203 encapsulation-key modulus check before anything else. */
  encapsulate(publicKey: Uint8Array, randomness?: Uint8Array): KemEncapsulation;
}

export interface MlDsaSigningKey {
  readonly publicKey: Uint8Array;
  /** FIPS 204 ML-DSA.Sign with context; `randomness` is the 32-byte rnd (all zero = deterministic). */
  sign(message: Uint8Array, context: Uint8Array, randomness?: Uint8Array): Uint8Array;
  destroy(): void;
}

export interface MlDsa65Primitive {
  /** seed = xi (32 bytes), FIPS 204 ML-DSA.KeyGen_internal. */
  signingKey(seed: Uint8Array): MlDsaSigningKey;
  /** Never throws on malformed input: anything that is not a valid signature is `false`. */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, context: Uint8Array): boolean;
}

export interface X25519PrivateKey {
  readonly publicKey: Uint8Array;
  /** RFC 7748 X25519; throws PqcProtocolError('weak_x25519') on an all-zero result. */
  sharedSecret(peerPublicKey: Uint8Array): Uint8Array;
  destroy(): void;
}

export interface X25519Primitive {
  /** From a 32-byte secret: long-term keys and known-answer tests (slower import path). */
  privateKey(secret: Uint8Array): X25519PrivateKey;
  /** Fresh ephemeral key generated natively: the per-handshake path. */
  generate(): X25519PrivateKey;
}

export interface PqcProvider {
  readonly name: 'noble' | 'native';
  readonly mlKem768: MlKem768Primitive;
  readonly mlDsa65: MlDsa65Primitive;
  readonly x25519: X25519Primitive;
}

export const ML_KEM_768 = Object.freeze({
  seedLength: 64,
  publicKeyLength: 1184,
  ciphertextLength: 1088,
  expandedKeyLength: 2400,
  sharedSecretLength: 32,
  randomnessLength: 32,
});

export const ML_DSA_65 = Object.freeze({
  seedLength: 32,
  publicKeyLength: 1952,
  signatureLength: 3309,
  randomnessLength: 32,
  maxContextLength: 255,
});

export const X25519 = Object.freeze({ keyLength: 32 });
