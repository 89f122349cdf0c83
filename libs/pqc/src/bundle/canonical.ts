import { createHash } from 'node:crypto';
import { asBytes } from '../bytes';
import { encodeFields, toHex, u32be, u8 } from '../encoding';
import { LABELS } from '../labels';
import type { KeyBundle, UnsignedBundle } from './types';

function tbsFields(bundle: UnsignedBundle) {
  return [
    LABELS.bundle,
    u8(bundle.v),
    bundle.suite,
    u32be(bundle.keyVersion),
    bundle.kemPublicKey,
    bundle.identityPublicKey,
    bundle.notBefore,
    bundle.notAfter,
  ];
}

/** The exact bytes the identity key signs (ML-DSA context = LABELS.bundle). */
export function bundleSignedBytes(bundle: UnsignedBundle): Uint8Array {
  return encodeFields(tbsFields(bundle));
}

/**
 * Signed bytes plus the signature. `previous` is deliberately outside: it is verified on its own
 * against an already-trusted key, so attaching or stripping it does not change the fingerprint.
 */
export function bundleCanonicalBytes(bundle: KeyBundle): Uint8Array {
  return encodeFields([...tbsFields(bundle), bundle.signature]);
}

export function bundleFingerprintBytes(bundle: KeyBundle): Uint8Array {
  return asBytes(createHash('sha256').update(bundleCanonicalBytes(bundle)).digest());
}

/**
 * Lowercase hex SHA-256 of the canonical encoding: names one signed bundle (a hello binds to it).
 * It changes whenever the bundle is re-signed, so it is not what clients pin (identityFingerprint).
 */
export function bundleFingerprint(bundle: KeyBundle): string {
  return toHex(bundleFingerprintBytes(bundle));
}

export function identityFingerprintBytes(bundle: Pick<KeyBundle, 'identityPublicKey'>): Uint8Array {
  return asBytes(createHash('sha256').update(bundle.identityPublicKey).digest());
}

/**
 * The identity pin: lowercase hex SHA-256 of the raw ML-DSA-65 identity public key (like an SPKI
 * pin). It stays the same while a key version's bundle is re-signed; a rotation hands it over to
 * the next identity through the bundle's `previous` cross-signature.
 */
export function identityFingerprint(bundle: Pick<KeyBundle, 'identityPublicKey'>): string {
  return toHex(identityFingerprintBytes(bundle));
}

/** What the previous identity key signs (ML-DSA context = LABELS.keyTransition). */
export function keyTransitionSignedBytes(previousKeyVersion: number, bundle: UnsignedBundle): Uint8Array {
  return encodeFields([LABELS.keyTransition, u32be(previousKeyVersion), bundleSignedBytes(bundle)]);
}
