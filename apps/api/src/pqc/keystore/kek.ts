import { createCipheriv, createDecipheriv, createHmac, createSecretKey, hkdfSync, KeyObject, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { Logger } from '@nestjs/common';
import { decodeKey32 } from '../../env/env.schema';
import { Settings } from '../../env/env.schema';
import { writeFileAtomic } from './atomic-file';

export const DEV_KEK_FILE = 'pqc-dev.kek';

const IV_LENGTH = 12;
const TAG_LENGTH = 16;

/** Raised when stored secrets cannot be used; always names the file and never shows key material. */
export class KeystoreError extends Error {}

/**
 * The key-encryption key and the subkeys derived from it (HKDF-SHA-256, one label per use),
 * so the KEK itself never encrypts anything directly.
 */
export class Kek {
  /**
   * Subkeys by label, derived once: every session write seals under one, and node:crypto takes a
   * KeyObject without the argument probing (thrown and caught errors) that a raw key costs it.
   */
  private readonly subkeys = new Map<string, KeyObject>();

  private constructor(private readonly key: Buffer) {}

  static fromBytes(key: Uint8Array): Kek {
    if (key.length !== 32) throw new KeystoreError('the key-encryption key must be 32 bytes');
    return new Kek(Buffer.from(key));
  }

  private subkey(label: string): KeyObject {
    let subkey = this.subkeys.get(label);
    if (subkey === undefined) {
      const bytes = Buffer.from(hkdfSync('sha256', this.key, Buffer.alloc(0), `neural-fabric/kek/${label}`, 32));
      subkey = createSecretKey(bytes);
      bytes.fill(0);
      this.subkeys.set(label, subkey);
    }
    return subkey;
  }

  /** AES-256-GCM under a purpose-bound subkey; iv || ciphertext || tag. The AAD binds the context. */
  seal(purpose: string, plaintext: Uint8Array, aad: string): Buffer {
    const iv = randomBytes(IV_LENGTH);
    const cipher = createCipheriv('aes-256-gcm', this.subkey(purpose), iv).setAAD(Buffer.from(aad));
    return Buffer.concat([iv, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  }

  /**
   * Returns undefined when the key is wrong or the data was altered: callers name the source.
   * The result is a plain Uint8Array (not a Buffer, whose slice() aliases) so callers may zero it.
   */
  open(purpose: string, sealed: Uint8Array, aad: string): Uint8Array | undefined {
    if (sealed.length < IV_LENGTH + TAG_LENGTH) return undefined;
    const buf = Buffer.from(sealed);
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.subkey(purpose), buf.subarray(0, IV_LENGTH))
        .setAAD(Buffer.from(aad))
        .setAuthTag(buf.subarray(buf.length - TAG_LENGTH));
      const plain = Buffer.concat([decipher.update(buf.subarray(IV_LENGTH, buf.length - TAG_LENGTH)), decipher.final()]);
      const copy = new Uint8Array(plain);
      plain.fill(0);
      return copy;
    } catch {
      return undefined;
    }
  }

  mac(purpose: string, data: string): string {
    return createHmac('sha256', this.subkey(purpose)).update(data).digest('base64url');
  }

  verifyMac(purpose: string, data: string, mac: string): boolean {
    const expected = Buffer.from(this.mac(purpose, data));
    const given = Buffer.from(mac);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }
}

/**
 * VAULT_PQC_KEK, else VAULT_PQC_KEK_FILE, else (simulation only; the env check refuses production
 * without one) a development KEK generated once under DATA_DIR with a loud warning.
 */
export function resolveKek(settings: Settings, logger = new Logger('Kek')): Kek {
  const { kek, kekFile } = settings.vault;
  if (kek) return Kek.fromBytes(decodeKey32(kek)!);
  if (kekFile) return Kek.fromBytes(readKekFile(kekFile, settings.mode));

  const devFile = path.join(settings.dataDir, DEV_KEK_FILE);
  if (!existsSync(devFile)) {
    mkdirSync(settings.dataDir, { recursive: true, mode: 0o700 });
    writeFileAtomic(devFile, `${randomBytes(32).toString('hex')}\n`);
    logger.warn(
      `NO VAULT_PQC_KEK CONFIGURED: generated a development key-encryption key at ${devFile} (mode 0600). ` +
        'Anyone who can read that file can decrypt the keystore. Simulation only: production refuses to start without a KEK.',
    );
  } else {
    logger.warn(`using the development key-encryption key at ${devFile} (simulation only)`);
  }
  return Kek.fromBytes(readKekFile(devFile, settings.mode));
}

function readKekFile(file: string, mode: Settings['mode']): Buffer {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new KeystoreError(`cannot read the key-encryption key file ${file}: ${(error as NodeJS.ErrnoException).code}`);
  }
  const key = decodeKey32(text);
  if (!key) throw new KeystoreError(`the key-encryption key file ${file} must hold 32 bytes as 64 hex characters or base64`);
  if ((statSync(file).mode & 0o077) !== 0) {
    const message = `the key-encryption key file ${file} is readable by group or others (chmod 600 it)`;
    if (mode === 'production') throw new KeystoreError(message);
    new Logger('Kek').warn(message);
  }
  return key;
}
