import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Kek, KeystoreError } from './kek';
import { Keystore } from './keystore';

const newDir = () => path.join(mkdtempSync(path.join(tmpdir(), 'nf-ks-')), 'keystore');
const kek = Kek.fromBytes(randomBytes(32));

describe('Keystore', () => {
  it('initialises an empty directory with version 1 active, files 0600, seeds never in plain text', () => {
    const dir = newDir();
    const { keystore, created } = Keystore.open(dir, kek);
    expect(created).toBe(true);
    expect(keystore.versions()).toEqual([{ version: 1, state: 'active', createdAt: expect.any(String) }]);
    const seeds = keystore.seeds(1);
    expect([seeds.kem.length, seeds.identity.length]).toEqual([32, 32]);
    for (const file of ['manifest.json', 'v000001.json']) {
      expect(statSync(path.join(dir, file)).mode & 0o777).toBe(0o600);
      const content = readFileSync(path.join(dir, file));
      expect(content.includes(Buffer.from(seeds.kem))).toBe(false);
      expect(content.toString().includes(Buffer.from(seeds.kem).toString('base64url'))).toBe(false);
    }
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('reopens with the same seeds and bundles', () => {
    const dir = newDir();
    const first = Keystore.open(dir, kek).keystore;
    first.saveBundle(1, 'X-Wing+ML-DSA-65', { example: true });
    const again = Keystore.open(dir, kek);
    expect(again.created).toBe(false);
    expect(again.keystore.seeds(1)).toEqual(first.seeds(1));
    expect(again.keystore.bundle(1, 'X-Wing+ML-DSA-65')).toEqual({ example: true });
  });

  it('adds a version invisibly until one manifest write lists it, keeping exactly one active', () => {
    const dir = newDir();
    const keystore = Keystore.open(dir, kek).keystore;
    const version = keystore.createVersionFile();
    expect(version).toBe(2);
    expect(Keystore.open(dir, kek).keystore.versions().map((v) => v.version)).toEqual([1]); // a crash here: still v1 only
    expect(() => keystore.writeManifest(keystore.versions().map((v) => ({ ...v, state: 'verify-only' as const })))).toThrow(/exactly one active/);
    const createdAt = new Date().toISOString();
    keystore.writeManifest([{ ...keystore.active(), state: 'verify-only' }, { version, state: 'active', createdAt }], 2);
    const reopened = Keystore.open(dir, kek).keystore;
    expect(reopened.versions().map((v) => [v.version, v.state])).toEqual([
      [1, 'verify-only'],
      [2, 'active'],
    ]);
    expect(reopened.minVersion).toBe(2);
    expect(reopened.seeds(2)).toEqual(keystore.seeds(2));
  });

  describe('refuses to start, naming the file, rather than replacing keys', () => {
    let dir: string;
    beforeEach(() => {
      dir = newDir();
      Keystore.open(dir, kek);
    });

    it('with a wrong KEK', () => {
      expect(() => Keystore.open(dir, Kek.fromBytes(randomBytes(32)))).toThrow(
        new KeystoreError(`${path.join(dir, 'manifest.json')} fails its integrity check: wrong VAULT_PQC_KEK, or the manifest was altered`),
      );
    });

    it('with a truncated key file', () => {
      const file = path.join(dir, 'v000001.json');
      writeFileSync(file, readFileSync(file).subarray(0, 100));
      expect(() => Keystore.open(dir, kek)).toThrow(`${file} is corrupted or truncated`);
    });

    it('with altered sealed seeds', () => {
      const file = path.join(dir, 'v000001.json');
      const data = JSON.parse(readFileSync(file, 'utf8'));
      const sealed = Buffer.from(data.seeds, 'base64url');
      sealed[20] ^= 1;
      writeFileSync(file, JSON.stringify({ ...data, seeds: sealed.toString('base64url') }));
      expect(() => Keystore.open(dir, kek)).toThrow(`${file} cannot be decrypted`);
    });

    it('with a key file swapped in from another version', () => {
      Keystore.open(dir, kek).keystore.createVersionFile();
      const v2 = JSON.parse(readFileSync(path.join(dir, 'v000002.json'), 'utf8'));
      writeFileSync(path.join(dir, 'v000001.json'), JSON.stringify({ ...v2, version: 1 }));
      expect(() => Keystore.open(dir, kek)).toThrow(`${path.join(dir, 'v000001.json')} cannot be decrypted`);
    });

    it('with an altered manifest (a state changed by hand)', () => {
      const file = path.join(dir, 'manifest.json');
      const data = JSON.parse(readFileSync(file, 'utf8'));
      data.versions[0].verifyUntil = '2999-01-01T00:00:00.000Z';
      writeFileSync(file, JSON.stringify(data));
      expect(() => Keystore.open(dir, kek)).toThrow(/fails its integrity check/);
    });

    it('with key files but no manifest', () => {
      rmSync(path.join(dir, 'manifest.json'));
      expect(() => Keystore.open(dir, kek)).toThrow(/manifest\.json is missing but .* holds key files \(v000001\.json\)/);
    });
  });
});

describe('Kek', () => {
  it('binds sealed data to its purpose and associated data', () => {
    const sealed = kek.seal('a', Buffer.from('secret'), 'ctx');
    expect(Buffer.from(kek.open('a', sealed, 'ctx')!).toString()).toBe('secret');
    expect(kek.open('b', sealed, 'ctx')).toBeUndefined();
    expect(kek.open('a', sealed, 'other')).toBeUndefined();
    expect(kek.open('a', sealed.subarray(0, 10), 'ctx')).toBeUndefined();
  });
});
