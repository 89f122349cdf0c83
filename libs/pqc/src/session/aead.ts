import { createCipheriv, createDecipheriv, type CipherGCMTypes } from 'node:crypto';
import { asBytes, concatBytes } from '../bytes';
import { PqcProtocolError } from '../errors';

export const AEAD_CIPHERS = Object.freeze(['aes-256-gcm', 'chacha20-poly1305'] as const);
export type AeadCipher = (typeof AEAD_CIPHERS)[number];
export const DEFAULT_AEAD_CIPHER: AeadCipher = 'aes-256-gcm';

export const AEAD_NONCE_LENGTH = 12;
export const AEAD_TAG_LENGTH = 16;

export function isAeadCipher(value: unknown): value is AeadCipher {
  return typeof value === 'string' && (AEAD_CIPHERS as readonly string[]).includes(value);
}

// Node types only list the GCM-style ciphers by name; chacha20-poly1305 has the same AEAD API.
const nodeName = (cipher: AeadCipher) => cipher as CipherGCMTypes;

export function aeadSeal(cipher: AeadCipher, key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
  const c = createCipheriv(nodeName(cipher), key, nonce, { authTagLength: AEAD_TAG_LENGTH });
  c.setAAD(aad, { plaintextLength: plaintext.length });
  const body = concatBytes(c.update(plaintext), c.final());
  return concatBytes(body, c.getAuthTag());
}

export function aeadOpen(cipher: AeadCipher, key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array {
  if (sealed.length < AEAD_TAG_LENGTH) throw new PqcProtocolError('decrypt_failed', 'ciphertext is shorter than the tag');
  const bodyLength = sealed.length - AEAD_TAG_LENGTH;
  const d = createDecipheriv(nodeName(cipher), key, nonce, { authTagLength: AEAD_TAG_LENGTH });
  d.setAuthTag(sealed.subarray(bodyLength));
  d.setAAD(aad, { plaintextLength: bodyLength });
  const head = d.update(sealed.subarray(0, bodyLength));
  try {
    return asBytes(concatBytes(head, d.final()));
  } catch {
    head.fill(0);
    throw new PqcProtocolError('decrypt_failed', 'sealed message failed authentication');
  }
}
