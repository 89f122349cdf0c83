import { createHash } from 'node:crypto';
import { getSuite, SuiteId } from '@nf/pqc';

/**
 * The keystore keeps one 32-byte KEM seed per version. X-Wing takes it as is (its private key
 * is a 32-byte seed); ML-KEM-768 alone (PQC_MODE=pqc) needs d || z, 64 bytes, expanded here
 * with SHAKE-256 under a label so the two suites never share key material.
 */
export function kemSeedFor(suite: SuiteId, seed: Uint8Array): Uint8Array {
  const { kem } = getSuite(suite);
  if (kem.seedLength === seed.length) return seed;
  return new Uint8Array(
    createHash('shake256', { outputLength: kem.seedLength }).update('neural-fabric/keystore/ml-kem-768-seed').update(seed).digest(),
  );
}
