import { equalBytes, utf8 } from '../bytes';
import { PqcProtocolError } from '../errors';
import { fromHex } from '../encoding';
import { LABELS } from '../labels';
import { selectProvider } from '../provider/select';
import type { PqcProvider } from '../provider/types';
import { toMillis, type Instant } from '../time';
import { bundleFingerprint, bundleFingerprintBytes, bundleSignedBytes, keyTransitionSignedBytes } from './canonical';
import type { KeyBundle } from './types';

export interface VerifyBundleOptions {
  readonly now: Instant;
  /** Expected fingerprint (lowercase hex SHA-256), e.g. from configuration. */
  readonly pin?: string;
  readonly provider?: PqcProvider;
}

/** Checks pin, signature and validity window; returns the fingerprint the handshake binds to. */
export function verifyBundle(bundle: KeyBundle, options: VerifyBundleOptions): { sha256: string } {
  const provider = options.provider ?? selectProvider();
  if (options.pin !== undefined) {
    const pin = fromHex(options.pin, 'pin', 32);
    if (!equalBytes(pin, bundleFingerprintBytes(bundle))) {
      throw new PqcProtocolError('pin_mismatch', 'bundle fingerprint does not match the pinned sha256');
    }
  }
  const signed = bundleSignedBytes(bundle);
  if (!provider.mlDsa65.verify(bundle.identityPublicKey, signed, bundle.signature, utf8(LABELS.bundle))) {
    throw new PqcProtocolError('bundle_signature', 'bundle signature does not verify under its identity key');
  }
  const now = toMillis(options.now);
  if (now < Date.parse(bundle.notBefore)) {
    throw new PqcProtocolError('bundle_expired', `bundle is not valid before ${bundle.notBefore}`);
  }
  if (now >= Date.parse(bundle.notAfter)) {
    throw new PqcProtocolError('bundle_expired', `bundle expired at ${bundle.notAfter}`);
  }
  return { sha256: bundleFingerprint(bundle) };
}

/**
 * Verifies that `next` carries a valid hand-over signature from the identity key of `trusted`,
 * the bundle the caller already trusts. Does not check `next`'s own signature or validity:
 * call verifyBundle for that.
 */
export function verifyKeyTransition(next: KeyBundle, trusted: KeyBundle, provider: PqcProvider = selectProvider()): void {
  if (next.previous === undefined) {
    throw new PqcProtocolError('bundle_signature', 'bundle carries no key-transition signature');
  }
  if (next.previous.keyVersion !== trusted.keyVersion || next.keyVersion <= trusted.keyVersion) {
    throw new PqcProtocolError(
      'unknown_key_version',
      `key transition is from version ${next.previous.keyVersion} but the trusted bundle is version ${trusted.keyVersion}`,
    );
  }
  const signed = keyTransitionSignedBytes(next.previous.keyVersion, next);
  if (!provider.mlDsa65.verify(trusted.identityPublicKey, signed, next.previous.signature, utf8(LABELS.keyTransition))) {
    throw new PqcProtocolError('bundle_signature', 'key-transition signature does not verify under the previous identity key');
  }
}
