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
 * against an already-trusted key, and leaving it out keeps the pin stable for clients that do
 * not track key transitions.
 */
export function bundleCanonicalBytes(bundle: KeyBundle): Uint8Array {
  return encodeFields([...tbsFields(bundle), bundle.signature]);
}

export function bundleFingerprintBytes(bundle: KeyBundle): Uint8Array {
  return asBytes(createHash('sha256').update(bundleCanonicalBytes(bundle)).digest());
}

/** Lowercase hex SHA-256 of the canonical encoding: the value clients pin. */
export function bundleFingerprint(bundle: KeyBundle): string {
  return toHex(bundleFingerprintBytes(bundle));
}

/** What the previous identity key signs (ML-DSA context = LABELS.keyTransition). */
export function keyTransitionSignedBytes(previousKeyVersion: number, bundle: UnsignedBundle): Uint8Array {
  return encodeFields([LABELS.keyTransition, u32be(previousKeyVersion), bundleSignedBytes(bundle)]);
}
