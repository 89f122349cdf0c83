import { createPrivateKey, createPublicKey, diffieHellman, randomBytes, type KeyObject } from 'node:crypto';
import { asBytes, concatBytes, isAllZero, zeroize } from '../bytes';
import { PqcProtocolError, assertLength } from '../errors';
import { toBase64Url } from '../encoding';
import { importQuietly } from './key-import';
import { X25519, type X25519Primitive, type X25519PrivateKey } from './types';

// RFC 8410 PKCS#8 header for a raw X25519 private key. Node 20 has no raw private-key import and
// JWK import needs the public key we do not have yet, so seeded keys go through DER.
const PKCS8_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20,
]);

// Any 32 bytes: Node ignores a private JWK's `x` (see generate()).
const JWK_X_PLACEHOLDER = toBase64Url(new Uint8Array(32));

// JWK is the fast path for public keys: OpenSSL 3's DER decoder costs ~10x more per key, which
// matters on the per-handshake path.
function importPublicKey(publicKey: Uint8Array): KeyObject {
  const x = toBase64Url(publicKey);
  return importQuietly(() => createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x }, format: 'jwk' }));
}

function exportPublicKey(key: KeyObject): Uint8Array {
  const { x } = createPublicKey(key).export({ format: 'jwk' });
  if (typeof x !== 'string') throw new Error('X25519 public key export failed');
  return asBytes(Buffer.from(x, 'base64url'));
}

function weak(): PqcProtocolError {
  return new PqcProtocolError('weak_x25519', 'X25519 shared secret is all zero (low-order public key)');
}

function wrap(privateKey: KeyObject): X25519PrivateKey {
  let key: KeyObject | undefined = privateKey;
  return {
    publicKey: exportPublicKey(privateKey),
    sharedSecret(peerPublicKey: Uint8Array): Uint8Array {
      if (key === undefined) throw new Error('X25519 private key was destroyed');
      assertLength(peerPublicKey, X25519.keyLength, 'X25519 public key');
      let shared: Uint8Array;
      try {
        shared = asBytes(diffieHellman({ privateKey: key, publicKey: importPublicKey(peerPublicKey) }));
      } catch (error) {
        // OpenSSL refuses to return the all-zero output itself.
        if ((error as { code?: string }).code === 'ERR_OSSL_FAILED_DURING_DERIVATION') throw weak();
        throw error;
      }
      if (isAllZero(shared)) throw weak();
      return shared;
    },
    destroy(): void {
      // KeyObject memory is owned by OpenSSL; dropping the reference is all JS can do.
      key = undefined;
    },
  };
}

/**
 * X25519 is native in every Node this project supports, so both providers share this one
 * implementation. Policy (documented in the protocol spec): accept every 32-byte public key as
 * RFC 7748 defines it (non-canonical and twist points included) and reject only an all-zero
 * shared secret, which is what a low-order point produces.
 */
export const nodeX25519: X25519Primitive = Object.freeze({
  privateKey(secret: Uint8Array): X25519PrivateKey {
    assertLength(secret, X25519.keyLength, 'X25519 private key');
    const der = Buffer.from(concatBytes(PKCS8_PREFIX, secret));
    try {
      return wrap(importQuietly(() => createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })));
    } finally {
      zeroize(der);
    }
  },
  /**
   * 32 random bytes imported as a JWK. Not generateKeyPairSync: on Node 20 its key-generation job,
   * finalised by a garbage collection that the JWK export of the same key can trigger, locks the
   * key's mutex the export already holds, and the thread deadlocks for good (seen here within 5,000
   * to 74,000 generate + export pairs). An import creates no such job. Node derives the public key
   * from `d` and ignores `x` when importing a private JWK, so `x` is a placeholder (x25519.spec.ts
   * checks the result against the PKCS#8 import); measured here 18k imports + exports/s against 2k/s
   * through PKCS#8, which matters because every handshake makes an ephemeral key.
   */
  generate(): X25519PrivateKey {
    const secret = randomBytes(X25519.keyLength);
    try {
      const d = secret.toString('base64url');
      return wrap(importQuietly(() => createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d, x: JWK_X_PLACEHOLDER }, format: 'jwk' })));
    } finally {
      zeroize(secret);
    }
  },
});
