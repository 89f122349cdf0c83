import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { loadEnv } from '../../env/env.loader';
import { createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { DEV_KEK_FILE, Kek, KeystoreError, resolveKek } from './kek';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..', '..');
const quiet = { warn: jest.fn(), log: jest.fn() } as never;

function settings(overrides: Record<string, string>) {
  const dir = mkdtempSync(path.join(tmpdir(), 'nf-kek-'));
  return { dir, settings: loadEnv(REPO_ROOT, { DATA_DIR: dir, VAULT_PQC_KEY_PATH: path.join(dir, 'keystore'), ...overrides }).settings };
}

describe('resolveKek', () => {
  it('generates a development KEK once in simulation, mode 0600, and reuses it', () => {
    const { dir, settings: s } = settings({});
    const a = resolveKek(s, quiet);
    const file = path.join(dir, DEV_KEK_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const b = resolveKek(s, quiet);
    const sealed = a.seal('p', Buffer.from('x'), 'aad');
    expect(b.open('p', sealed, 'aad')).toEqual(new Uint8Array(Buffer.from('x')));
    expect(readFileSync(file, 'utf8').trim()).toMatch(/^[0-9a-f]{64}$/);
  });

  it('reads VAULT_PQC_KEK_FILE and refuses a group-readable one in production', () => {
    const { dir } = settings({});
    const kekFile = path.join(dir, 'kek');
    writeFileSync(kekFile, 'cd'.repeat(32));
    chmodSync(kekFile, 0o640);
    const prod = loadEnv(REPO_ROOT, {
      NEURAL_FABRIC_MODE: 'production',
      SIMULATION_MODE: 'false',
      GPU_DRIVER_MOCK: 'false',
      DATA_DIR: dir,
      VAULT_PQC_KEY_PATH: path.join(dir, 'keystore'),
      VAULT_PQC_KEK_FILE: kekFile,
      TELEMETRY_PSEUDONYM_KEY: 'ef'.repeat(32),
      TLS_ENABLED: 'false',
    }).settings;
    expect(() => resolveKek(prod, quiet)).toThrow(new KeystoreError(`the key-encryption key file ${kekFile} is readable by group or others (chmod 600 it)`));
    chmodSync(kekFile, 0o600);
    expect(() => resolveKek(prod, quiet)).not.toThrow();
  });

  it('names a KEK file that does not hold a key, without echoing its content', () => {
    const { dir } = settings({});
    const kekFile = path.join(dir, 'kek');
    writeFileSync(kekFile, 'not-a-key', { mode: 0o600 });
    const s = settings({ VAULT_PQC_KEK_FILE: kekFile }).settings;
    expect(() => resolveKek(s, quiet)).toThrow(`the key-encryption key file ${kekFile} must hold 32 bytes as 64 hex characters or base64`);
  });
});

describe('Kek sealing', () => {
  const key = randomBytes(32);
  const kek = Kek.fromBytes(key);

  it('is iv || AES-256-GCM ciphertext || tag under HKDF-SHA-256(KEK, "neural-fabric/kek/" + purpose), on every call', () => {
    const subkey = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'neural-fabric/kek/p', 32));
    for (const text of ['first', 'second', 'third']) {
      const sealed = kek.seal('p', Buffer.from(text), 'aad');
      const decipher = createDecipheriv('aes-256-gcm', subkey, sealed.subarray(0, 12)).setAAD(Buffer.from('aad')).setAuthTag(sealed.subarray(sealed.length - 16));
      expect(Buffer.concat([decipher.update(sealed.subarray(12, sealed.length - 16)), decipher.final()]).toString()).toBe(text);
      expect(kek.open('p', sealed, 'aad')).toEqual(new Uint8Array(Buffer.from(text)));
    }
  });

  it('keeps purposes and contexts apart', () => {
    const sealed = kek.seal('p', Buffer.from('x'), 'aad');
    expect(kek.open('q', sealed, 'aad')).toBeUndefined();
    expect(kek.open('p', sealed, 'other')).toBeUndefined();
    expect(kek.mac('p', 'data')).not.toBe(kek.mac('q', 'data'));
    expect(kek.verifyMac('p', 'data', kek.mac('p', 'data'))).toBe(true);
  });
});
