import { PqcProtocolError } from '../errors';
import { expectObject, expectString } from '../json';
import type { PqcProvider } from '../provider/types';
import type { SuiteId } from '../suite';
import { bundleFingerprint, identityFingerprint } from './canonical';
import { encodeBundle, parseBundle } from './codec';
import type { KeyBundle, KeyBundleJson } from './types';

/** Body of GET {base}/pqc/handshake. */
export interface HandshakeInfoJson {
  status: string;
  algorithm: SuiteId;
  /** The identity pin: SHA-256 of bundle.identityPublicKey (what clients pin; stable across re-signing). */
  sha256: string;
  /** The bundle fingerprint (what a hello binds to; changes whenever the bundle is re-signed). */
  bundleSha256: string;
  bundle: KeyBundleJson;
}

export function createHandshakeInfo(bundle: KeyBundle): HandshakeInfoJson {
  return {
    status: 'ok',
    algorithm: bundle.suite,
    sha256: identityFingerprint(bundle),
    bundleSha256: bundleFingerprint(bundle),
    bundle: encodeBundle(bundle),
  };
}

/**
 * The advertised algorithm and hashes are redundant with the bundle; they must agree with it,
 * otherwise something between us and the key owner is rewriting the response.
 */
export function parseHandshakeInfo(json: unknown, provider?: PqcProvider): { bundle: KeyBundle; sha256: string; bundleSha256: string } {
  const record = expectObject(json, 'handshake info', ['status', 'algorithm', 'sha256', 'bundleSha256', 'bundle']);
  expectString(record.status, 'handshake info status');
  const bundle = parseBundle(record.bundle, provider);
  if (record.algorithm !== bundle.suite) {
    throw new PqcProtocolError('suite_mismatch', 'handshake info algorithm does not match the bundle suite');
  }
  const sha256 = identityFingerprint(bundle);
  if (record.sha256 !== sha256) {
    throw new PqcProtocolError('bundle_mismatch', 'handshake info sha256 does not match the bundle identity key');
  }
  const bundleSha256 = bundleFingerprint(bundle);
  if (record.bundleSha256 !== bundleSha256) {
    throw new PqcProtocolError('bundle_mismatch', 'handshake info bundleSha256 does not match the bundle fingerprint');
  }
  return { bundle, sha256, bundleSha256 };
}

/** Most bundles a key chain may hold: bounds the work a client does for one. */
export const MAX_KEY_CHAIN = 64;

/** Body of GET {base}/pqc/handshake/chain: bundles of older key versions, oldest first. */
export interface KeyChainJson {
  bundles: KeyBundleJson[];
}

export function createKeyChain(bundles: readonly KeyBundle[]): KeyChainJson {
  return { bundles: bundles.slice(-MAX_KEY_CHAIN).map(encodeBundle) };
}

/** Structural parsing only: the links are verified by verifyBundle, and only on the path to the pin. */
export function parseKeyChain(json: unknown, provider?: PqcProvider): KeyBundle[] {
  const record = expectObject(json, 'key chain', ['bundles']);
  if (!Array.isArray(record.bundles) || record.bundles.length > MAX_KEY_CHAIN) {
    throw new PqcProtocolError('bad_encoding', `key chain bundles must be an array of at most ${MAX_KEY_CHAIN} bundles`);
  }
  return record.bundles.map((b) => parseBundle(b, provider));
}
