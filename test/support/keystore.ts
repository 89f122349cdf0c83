import { createBundle, encodeBundle, getSuite, KeyBundle, nobleProvider, SuiteId } from '@nf/pqc';
import { kemSeedFor } from '../../apps/api/src/pqc/keystore/kem-seed';

export const DAY = 24 * 3600 * 1000;

/**
 * Stores a version's bundle as if it had been signed `ageDays` ago (30 days' validity), cross-signed
 * by the version before it unless told otherwise: how a keystore looks when its bundle falls due. Works on the file and the database keystore.
 */
export async function storeAgedBundle(
  store: { seeds(version: number): { kem: Uint8Array; identity: Uint8Array }; saveBundle(version: number, suite: string, bundle: unknown): unknown },
  suite: SuiteId,
  version: number,
  ageDays: number,
  options: { crossSigned?: boolean } = {},
): Promise<KeyBundle> {
  const identity = (v: number) => nobleProvider.mlDsa65.signingKey(store.seeds(v).identity);
  const signedAt = Date.now() - ageDays * DAY;
  const bundle = createBundle({
    suite,
    keyVersion: version,
    kemPublicKey: getSuite(suite).kem.decapsulationKey(kemSeedFor(suite, store.seeds(version).kem)).publicKey,
    identityKey: identity(version),
    notBefore: signedAt - 5 * 60_000,
    notAfter: signedAt + 30 * DAY,
    previous: version > 1 && options.crossSigned !== false ? { keyVersion: version - 1, identityKey: identity(version - 1) } : undefined,
  });
  await store.saveBundle(version, suite, encodeBundle(bundle));
  return bundle;
}
