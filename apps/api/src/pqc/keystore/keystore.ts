import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from './atomic-file';
import { Kek, KeystoreError } from './kek';
import { assertOneActive, KEYSTORE_FORMAT, KeySeeds, KeyVersionRecord, manifestMac, manifestMacValid, openSeeds, sealSeeds } from './keystore-format';

export { KEYSTORE_FORMAT } from './keystore-format';
export type { KeySeeds, KeyState, KeyVersionRecord } from './keystore-format';

export const MANIFEST = 'manifest.json';
const KEY_FILE = /^v\d+\.json$/;

interface Manifest {
  format: typeof KEYSTORE_FORMAT;
  versions: KeyVersionRecord[];
  /** Versions below this serve nothing, not even existing sessions (Vault's min_decryption_version). */
  minVersion: number;
  mac: string;
}

interface VersionFile {
  format: typeof KEYSTORE_FORMAT;
  version: number;
  createdAt: string;
  /** AES-256-GCM(iv || ct || tag) of kem seed || identity seed, bound to the version by AAD. */
  seeds: string;
  /** Signed public bundles by suite id; public, and each verifiable against the seeds. */
  bundles: Record<string, unknown>;
}

const versionFileName = (version: number) => `v${String(version).padStart(6, '0')}.json`;

/** A version as stored: sealed seeds and bundles, copied verbatim when the keystore moves to another backend. */
export interface StoredVersion {
  version: number;
  createdAt: string;
  sealedSeeds: string;
  bundles: Record<string, unknown>;
}

/**
 * Versioned keystore directory: one encrypted file per key version plus a MAC'd manifest of
 * states. Every problem is an error that names the file; nothing is ever silently regenerated
 * over existing keys (that would orphan every session and pinned client).
 */
export class Keystore {
  private readonly seedCache = new Map<number, KeySeeds>();

  private constructor(
    readonly dir: string,
    private readonly kek: Kek,
    private manifest: Manifest,
  ) {}

  /**
   * Whether `dir` holds no keystore at all: no manifest and no key file (or no directory). Opening
   * such a directory creates a new keystore, which callers allow only on a first start.
   */
  static isAbsent(dir: string): boolean {
    if (existsSync(path.join(dir, MANIFEST))) return false;
    try {
      return !readdirSync(dir).some((f) => KEY_FILE.test(f));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
      throw new KeystoreError(`cannot read the keystore directory ${dir}: ${(error as NodeJS.ErrnoException).code}`);
    }
  }

  /** Opens the keystore; an empty or missing directory is initialised with version 1, active. */
  static open(dir: string, kek: Kek, now = new Date()): { keystore: Keystore; created: boolean } {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const manifestFile = path.join(dir, MANIFEST);
    if (!existsSync(manifestFile)) {
      const strays = readdirSync(dir).filter((f) => KEY_FILE.test(f));
      if (strays.length) {
        throw new KeystoreError(`${manifestFile} is missing but ${dir} holds key files (${strays.join(', ')}); refusing to start rather than replace keys`);
      }
      const keystore = new Keystore(dir, kek, { format: KEYSTORE_FORMAT, versions: [], minVersion: 1, mac: '' });
      const version = keystore.createVersionFile(now);
      keystore.writeManifest([{ version, state: 'active', createdAt: now.toISOString() }], 1);
      return { keystore, created: true };
    }
    const keystore = new Keystore(dir, kek, readManifest(manifestFile, kek));
    for (const record of keystore.manifest.versions) {
      if (record.state !== 'retired') keystore.seeds(record.version); // fail at start-up, not on first use
    }
    return { keystore, created: false };
  }

  versions(): KeyVersionRecord[] {
    return this.manifest.versions.map((v) => ({ ...v }));
  }

  get minVersion(): number {
    return this.manifest.minVersion;
  }

  manifestMtimeMs(): number {
    return statSync(path.join(this.dir, MANIFEST)).mtimeMs;
  }

  /** Changes when a version's bundles are re-signed (0 when the file is gone: reading it will say so). */
  versionMtimeMs(version: number): number {
    try {
      return statSync(this.versionFile(version)).mtimeMs;
    } catch {
      return 0;
    }
  }

  /** Re-reads the manifest (another replica sharing this directory may have rotated). */
  reload(): void {
    this.manifest = readManifest(path.join(this.dir, MANIFEST), this.kek);
  }

  active(): KeyVersionRecord {
    return { ...this.manifest.versions.find((v) => v.state === 'active')! };
  }

  record(version: number): KeyVersionRecord | undefined {
    const found = this.manifest.versions.find((v) => v.version === version);
    return found && { ...found };
  }

  seeds(version: number): KeySeeds {
    const cached = this.seedCache.get(version);
    if (cached) return cached;
    const file = this.versionFile(version);
    const seeds = openSeeds(this.kek, version, readVersionFile(file, version).seeds);
    if (!seeds) throw new KeystoreError(`${file} cannot be decrypted: wrong VAULT_PQC_KEK, or the file was altered or truncated`);
    this.seedCache.set(version, seeds);
    return seeds;
  }

  /** The version as stored, secrets still sealed. */
  storedVersion(version: number): StoredVersion {
    const data = readVersionFile(this.versionFile(version), version);
    return { version, createdAt: data.createdAt, sealedSeeds: data.seeds, bundles: data.bundles };
  }

  /** The manifest as stored, MAC included (it verified when read). */
  storedManifest(): { versions: KeyVersionRecord[]; minVersion: number; mac: string } {
    return { versions: this.versions(), minVersion: this.manifest.minVersion, mac: this.manifest.mac };
  }

  bundle(version: number, suite: string): unknown | undefined {
    return readVersionFile(this.versionFile(version), version).bundles[suite];
  }

  saveBundle(version: number, suite: string, bundle: unknown): void {
    const file = this.versionFile(version);
    const data = readVersionFile(file, version);
    writeFileAtomic(file, JSON.stringify({ ...data, bundles: { ...data.bundles, [suite]: bundle } }, null, 2));
  }

  /**
   * Writes fresh seeds as the next version's file, not yet listed in the manifest: until a
   * manifest write lists it, it is invisible, so a crash here changes nothing (a later attempt
   * overwrites the orphan).
   */
  createVersionFile(now = new Date()): number {
    const version = Math.max(0, ...this.manifest.versions.map((v) => v.version)) + 1;
    const seeds = randomBytes(64);
    const file: VersionFile = {
      format: KEYSTORE_FORMAT,
      version,
      createdAt: now.toISOString(),
      seeds: sealSeeds(this.kek, version, seeds),
      bundles: {},
    };
    seeds.fill(0);
    this.seedCache.delete(version);
    writeFileAtomic(this.versionFile(version), JSON.stringify(file, null, 2));
    return version;
  }

  /** Replaces version states (and the minimum version) in one atomic manifest write: exactly one active, always. */
  writeManifest(versions: KeyVersionRecord[], minVersion = this.manifest.minVersion): void {
    assertOneActive(versions, path.join(this.dir, MANIFEST));
    const manifest: Manifest = {
      format: KEYSTORE_FORMAT,
      versions,
      minVersion,
      mac: manifestMac(this.kek, versions, minVersion),
    };
    writeFileAtomic(path.join(this.dir, MANIFEST), JSON.stringify(manifest, null, 2));
    this.manifest = manifest;
  }

  private versionFile(version: number): string {
    return path.join(this.dir, versionFileName(version));
  }
}

function parseJsonFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new KeystoreError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code}`);
  }
  try {
    const value = JSON.parse(text);
    if (value && typeof value === 'object' && !Array.isArray(value)) return value;
  } catch {
    // fall through: reported below with the file name
  }
  throw new KeystoreError(`${file} is corrupted or truncated (not a JSON object)`);
}

function readManifest(file: string, kek: Kek): Manifest {
  const data = parseJsonFile(file) as Partial<Manifest>;
  if (data.format !== KEYSTORE_FORMAT || !Array.isArray(data.versions) || typeof data.minVersion !== 'number' || typeof data.mac !== 'string') {
    throw new KeystoreError(`${file} is not a ${KEYSTORE_FORMAT} manifest`);
  }
  if (!manifestMacValid(kek, data.versions, data.minVersion, data.mac)) {
    throw new KeystoreError(`${file} fails its integrity check: wrong VAULT_PQC_KEK, or the manifest was altered`);
  }
  assertOneActive(data.versions, file);
  return data as Manifest;
}

function readVersionFile(file: string, version: number): VersionFile {
  const data = parseJsonFile(file) as Partial<VersionFile>;
  if (data.format !== KEYSTORE_FORMAT || data.version !== version || typeof data.seeds !== 'string' || typeof data.bundles !== 'object') {
    throw new KeystoreError(`${file} is not a ${KEYSTORE_FORMAT} key file for version ${version}`);
  }
  return data as VersionFile;
}
