import { Kek, KeystoreError } from './kek';

/**
 * What every keystore backend stores, and how: the same seed encryption (AES-256-GCM under a KEK
 * subkey, AAD bound to the version) and the same manifest MAC, whether in files or in rows, so a
 * keystore moves between backends without re-encryption.
 */
export const KEYSTORE_FORMAT = 'nf-keystore/v1';
const SEED_PURPOSE = 'keystore-seeds';
const MANIFEST_PURPOSE = 'keystore-manifest';

export type KeyState = 'active' | 'verify-only' | 'retired';

export interface KeyVersionRecord {
  version: number;
  state: KeyState;
  createdAt: string;
  /** verify-only versions keep serving existing sessions until then. */
  verifyUntil?: string;
}

/** The only secrets: two 32-byte seeds per version; expanded keys are derived in memory. */
export interface KeySeeds {
  /** X-Wing seed (draft-connolly-cfrg-xwing-kem private key). */
  kem: Uint8Array;
  /** ML-DSA-65 key generation seed (FIPS 204 xi). */
  identity: Uint8Array;
}

const seedAad = (version: number) => `${KEYSTORE_FORMAT} seeds version=${version}`;
const manifestMacInput = (versions: KeyVersionRecord[], minVersion: number) => JSON.stringify({ format: KEYSTORE_FORMAT, versions, minVersion });

/** kem seed || identity seed (64 bytes), sealed for `version`: base64url. */
export function sealSeeds(kek: Kek, version: number, seeds: Uint8Array): string {
  return kek.seal(SEED_PURPOSE, seeds, seedAad(version)).toString('base64url');
}

/** The seeds, or undefined for a wrong KEK, an altered or truncated value, or another version's seeds. */
export function openSeeds(kek: Kek, version: number, sealed: string): KeySeeds | undefined {
  const plain = kek.open(SEED_PURPOSE, Buffer.from(sealed, 'base64url'), seedAad(version));
  if (!plain || plain.length !== 64) return undefined;
  const seeds = { kem: plain.slice(0, 32), identity: plain.slice(32) };
  plain.fill(0);
  return seeds;
}

export function manifestMac(kek: Kek, versions: KeyVersionRecord[], minVersion: number): string {
  return kek.mac(MANIFEST_PURPOSE, manifestMacInput(versions, minVersion));
}

export function manifestMacValid(kek: Kek, versions: KeyVersionRecord[], minVersion: number, mac: string): boolean {
  return kek.verifyMac(MANIFEST_PURPOSE, manifestMacInput(versions, minVersion), mac);
}

/** `where` names the file or table in the error. */
export function assertOneActive(versions: KeyVersionRecord[], where: string): void {
  const active = versions.filter((v) => v.state === 'active').length;
  if (active !== 1) throw new KeystoreError(`${where} must have exactly one active key version (found ${active})`);
}
