import { Logger } from '@nestjs/common';
import { createBundle, KeyBundle, MlDsaSigningKey, parseBundle, PqcProtocolError, SuiteId, verifyBundle, verifyKeyTransition } from '@nf/pqc';
import { KeystoreError } from './kek';
import type { KeystoreBackend } from './keystore-backend';

/** Clients get this much slack on notBefore, for their clocks. */
export const CLOCK_SLACK_MS = 5 * 60 * 1000;

export interface VersionKeys {
  readonly version: number;
  readonly kemPublicKey: Uint8Array;
  readonly identityKey: MlDsaSigningKey;
}

/**
 * Signs a version's bundle for [now - slack, now + validity]. With `previous` (the version before
 * it), the previous identity cross-signs it (§4.4 key transition): at a rotation, and again at
 * every renewal, because the statement covers the bundle's validity window.
 */
export function signKeyBundle(suite: SuiteId, keys: VersionKeys, now: number, validityMs: number, previous?: VersionKeys): KeyBundle {
  return createBundle({
    suite,
    keyVersion: keys.version,
    kemPublicKey: keys.kemPublicKey,
    identityKey: keys.identityKey,
    notBefore: now - CLOCK_SLACK_MS,
    notAfter: now + validityMs,
    previous: previous && { keyVersion: previous.version, identityKey: previous.identityKey },
  });
}

/** A bundle is re-signed when a third of its validity remains. */
export function renewalDue(bundle: KeyBundle, now: number, validityMs: number): boolean {
  return now >= Date.parse(bundle.notAfter) - validityMs / 3;
}

/**
 * The stored bundle if it can be served as it is, or undefined when it must be (re-)signed: none
 * stored, due for renewal, or missing the cross-signature from `previous` (a renewal that dropped
 * it). A bundle that does not verify, or that certifies other keys than the seeds', is an error:
 * the keystore was altered.
 */
export function servableBundle(stored: unknown, keys: VersionKeys, now: number, validityMs: number, previous?: VersionKeys): KeyBundle | undefined {
  if (stored === undefined) return undefined;
  let bundle: KeyBundle;
  try {
    bundle = parseBundle(stored);
    verifyBundle(bundle, { now: Math.max(now, Date.parse(bundle.notBefore)) });
  } catch (error) {
    if (error instanceof PqcProtocolError) throw new KeystoreError(`the stored ${describe(stored)} bundle of key version ${keys.version} does not verify (${error.message})`);
    throw error;
  }
  if (
    bundle.keyVersion !== keys.version ||
    !sameBytes(bundle.kemPublicKey, keys.kemPublicKey) ||
    !sameBytes(bundle.identityPublicKey, keys.identityKey.publicKey)
  ) {
    throw new KeystoreError(`the stored bundle of key version ${keys.version} does not belong to its seeds`);
  }
  if (renewalDue(bundle, now, validityMs)) return undefined;
  if (previous && !crossSignedBy(bundle, previous)) return undefined;
  return bundle;
}

/**
 * The stored bundles of the versions from the minimum version up to (not including) `below`,
 * oldest first: what a client walks from an older pinned identity (GET /pqc/handshake/chain).
 */
export function keyChain(backend: KeystoreBackend, suite: SuiteId, below: number, logger: Logger): KeyBundle[] {
  const chain: KeyBundle[] = [];
  for (const { version } of backend.versions()) {
    if (version >= below || version < backend.minVersion) continue;
    try {
      const stored = backend.bundle(version, suite);
      if (stored !== undefined) chain.push(parseBundle(stored));
    } catch (error) {
      logger.warn(`the stored bundle of key version ${version} is left out of the key chain: ${(error as Error).message}`);
    }
  }
  return chain.sort((a, b) => a.keyVersion - b.keyVersion);
}

function crossSignedBy(bundle: KeyBundle, previous: VersionKeys): boolean {
  try {
    verifyKeyTransition(bundle, { keyVersion: previous.version, identityPublicKey: previous.identityKey.publicKey });
    return true;
  } catch (error) {
    if (error instanceof PqcProtocolError) return false;
    throw error;
  }
}

function describe(stored: unknown): string {
  const suite = (stored as { suite?: unknown })?.suite;
  return typeof suite === 'string' && suite.length <= 32 ? suite : 'unknown suite';
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}
