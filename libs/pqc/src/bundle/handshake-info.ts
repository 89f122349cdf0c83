import { PqcProtocolError } from '../errors';
import { expectObject, expectString } from '../json';
import type { PqcProvider } from '../provider/types';
import type { SuiteId } from '../suite';
import { bundleFingerprint } from './canonical';
import { encodeBundle, parseBundle } from './codec';
import type { KeyBundle, KeyBundleJson } from './types';

/** Body of GET {base}/pqc/handshake. */
export interface HandshakeInfoJson {
  status: string;
  algorithm: SuiteId;
  sha256: string;
  bundle: KeyBundleJson;
}

export function createHandshakeInfo(bundle: KeyBundle): HandshakeInfoJson {
  return { status: 'ok', algorithm: bundle.suite, sha256: bundleFingerprint(bundle), bundle: encodeBundle(bundle) };
}

/**
 * The advertised sha256 and algorithm are redundant with the bundle; they must agree with it,
 * otherwise something between us and the key owner is rewriting the response.
 */
export function parseHandshakeInfo(json: unknown, provider?: PqcProvider): { bundle: KeyBundle; sha256: string } {
  const record = expectObject(json, 'handshake info', ['status', 'algorithm', 'sha256', 'bundle']);
  expectString(record.status, 'handshake info status');
  const bundle = parseBundle(record.bundle, provider);
  if (record.algorithm !== bundle.suite) {
    throw new PqcProtocolError('suite_mismatch', 'handshake info algorithm does not match the bundle suite');
  }
  const sha256 = bundleFingerprint(bundle);
  if (record.sha256 !== sha256) {
    throw new PqcProtocolError('bundle_mismatch', 'handshake info sha256 does not match the bundle fingerprint');
  }
  return { bundle, sha256 };
}
