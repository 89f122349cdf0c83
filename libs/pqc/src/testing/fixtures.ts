import { createHash } from 'node:crypto';
import { bundleFingerprint, identityFingerprint } from '../bundle/canonical';
import { createBundle } from '../bundle/create';
import type { KeyBundle } from '../bundle/types';
import type { KemDecapsulationKey } from '../kem/types';
import { nobleProvider } from '../provider/noble';
import type { MlDsaSigningKey, PqcProvider } from '../provider/types';
import type { RandomSource } from '../random';
import { getSuite, type SuiteId } from '../suite';

export const T0 = Date.parse('2025-06-01T12:00:00.000Z');
export const DAY = 24 * 60 * 60 * 1000;

/** Deterministic byte stream (SHAKE256 of a label), for reproducible tests and examples. */
export function deterministicRandom(label: string): RandomSource {
  let counter = 0;
  return (length) => {
    const out = createHash('shake256', { outputLength: length }).update(`${label}/${counter++}`).digest();
    return Uint8Array.from(out);
  };
}

export interface ServerFixture {
  readonly suite: SuiteId;
  readonly bundle: KeyBundle;
  /** The bundle fingerprint (what a hello binds to). */
  readonly sha256: string;
  /** The identity pin. */
  readonly pin: string;
  readonly decapsulationKey: KemDecapsulationKey;
  readonly identityKey: MlDsaSigningKey;
}

export function makeServer(
  suiteId: SuiteId,
  options: { keyVersion?: number; provider?: PqcProvider; notBefore?: number; notAfter?: number; label?: string } = {},
): ServerFixture {
  const provider = options.provider ?? nobleProvider;
  const random = deterministicRandom(options.label ?? `server/${suiteId}`);
  const suite = getSuite(suiteId, provider);
  const decapsulationKey = suite.kem.decapsulationKey(random(suite.kem.seedLength));
  const identityKey = provider.mlDsa65.signingKey(random(32));
  const bundle = createBundle({
    suite: suiteId,
    keyVersion: options.keyVersion ?? 7,
    kemPublicKey: decapsulationKey.publicKey,
    identityKey,
    notBefore: options.notBefore ?? T0 - DAY,
    notAfter: options.notAfter ?? T0 + 30 * DAY,
  });
  return { suite: suiteId, bundle, sha256: bundleFingerprint(bundle), pin: identityFingerprint(bundle), decapsulationKey, identityKey };
}
