import { equalBytes, utf8 } from '../bytes';
import { PqcProtocolError } from '../errors';
import { fromHex } from '../encoding';
import { LABELS } from '../labels';
import { selectProvider } from '../provider/select';
import type { PqcProvider } from '../provider/types';
import { toMillis, type Instant } from '../time';
import {
  bundleFingerprint,
  bundleFingerprintBytes,
  bundleSignedBytes,
  identityFingerprint,
  identityFingerprintBytes,
  keyTransitionSignedBytes,
} from './canonical';
import type { KeyBundle } from './types';

export interface VerifyBundleOptions {
  readonly now: Instant;
  /** Expected identity (lowercase hex SHA-256 of an ML-DSA-65 identity public key), e.g. from configuration. */
  readonly pin?: string;
  /** Older bundles through which the pinned identity may have handed over to this one (GET /pqc/handshake/chain). */
  readonly chain?: readonly KeyBundle[];
  readonly provider?: PqcProvider;
}

export interface VerifiedBundle {
  /** The bundle fingerprint, which the hello binds to. */
  readonly bundleSha256: string;
  /** The bundle's identity pin, to pin from now on. */
  readonly identitySha256: string;
  /** With a pin: the key version whose identity matched it (lower than the bundle's after a rotation). */
  readonly pinnedVersion?: number;
}

/** Checks pin, signature and validity window (§4.3). */
export function verifyBundle(bundle: KeyBundle, options: VerifyBundleOptions): VerifiedBundle {
  const provider = options.provider ?? selectProvider();
  const pinnedVersion = options.pin === undefined ? undefined : checkIdentityPin(bundle, options.pin, options.chain ?? [], provider);
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
  return { bundleSha256: bundleFingerprint(bundle), identitySha256: identityFingerprint(bundle), ...(pinnedVersion === undefined ? {} : { pinnedVersion }) };
}

/**
 * Verifies that `next` carries a valid hand-over signature from the identity key of `trusted`,
 * the bundle (or just the key version and identity) the caller already trusts. Does not check
 * `next`'s own signature or validity: call verifyBundle for that.
 */
export function verifyKeyTransition(
  next: KeyBundle,
  trusted: Pick<KeyBundle, 'keyVersion' | 'identityPublicKey'>,
  provider: PqcProvider = selectProvider(),
): void {
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

/**
 * Checks `bundle` against an identity pin (§4.3): either its own identity is the pinned one, or
 * the pinned identity handed over to it through `previous` cross-signatures, one version at a
 * time, with the older bundles taken from `chain` (GET /pqc/handshake/chain). The path is found
 * by key versions first and its signatures are verified only when it reaches the pin, so a chain
 * that cannot help costs no signature verification.
 *
 * Returns the key version whose identity matched the pin.
 */
function checkIdentityPin(bundle: KeyBundle, pin: string, chain: readonly KeyBundle[], provider: PqcProvider): number {
  const pinned = fromHex(pin, 'pin', 32);
  if (equalBytes(pinned, identityFingerprintBytes(bundle))) return bundle.keyVersion;

  const byVersion = new Map(chain.map((b) => [b.keyVersion, b]));
  const path: KeyBundle[] = [bundle];
  let current = bundle;
  while (current.previous !== undefined && path.length <= chain.length) {
    const older = byVersion.get(current.previous.keyVersion);
    if (older === undefined || older.keyVersion >= current.keyVersion) break;
    path.push(older);
    if (equalBytes(pinned, identityFingerprintBytes(older))) {
      for (let i = 0; i + 1 < path.length; i++) verifyKeyTransition(path[i], path[i + 1], provider);
      return older.keyVersion;
    }
    current = older;
  }
  if (equalBytes(pinned, bundleFingerprintBytes(bundle))) {
    throw new PqcProtocolError(
      'pin_mismatch',
      'the pin is this bundle\'s fingerprint, which changes whenever the bundle is re-signed; pin the identity (sha256 of GET /pqc/handshake) instead',
    );
  }
  throw new PqcProtocolError('pin_mismatch', 'the bundle identity is not the pinned one, and no key transition leads to it from the pinned identity');
}
