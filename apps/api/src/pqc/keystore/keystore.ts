import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from './atomic-file';
import { Kek, KeystoreError } from './kek';

export const KEYSTORE_FORMAT = 'nf-keystore/v1';
const MANIFEST = 'manifest.json';
const SEED_PURPOSE = 'keystore-seeds';
const MANIFEST_PURPOSE = 'keystore-manifest';

export type KeyState = 'active' | 'verify-only' | 'retired';

export interface KeyVersionRecord {
  version: number;
  state: KeyState;
  createdAt: string;
  /** verify-only versions keep serving existing sessions until then. */
  verifyUntil?: string;
}

/** The only secrets: two 32-byte seeds per version; expanded keys are derived in memory. */
export interface KeySeeds {
  /** X-Wing seed (draft-connolly-cfrg-xwing-kem private key). */
  kem: Uint8Array;
  /** ML-DSA-65 key generation seed (FIPS 204 xi). */
  identity: Uint8Array;
}

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
const seedAad = (version: number) => `${KEYSTORE_FORMAT} seeds version=${version}`;
const manifestMacInput = (versions: KeyVersionRecord[], minVersion: number) => JSON.stringify({ format: KEYSTORE_FORMAT, versions, minVersion });

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

  /** Opens the keystore; an empty or missing directory is initialised with version 1, active. */
  static open(dir: string, kek: Kek, now = new Date()): { keystore: Keystore; created: boolean } {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const manifestFile = path.join(dir, MANIFEST);
    if (!existsSync(manifestFile)) {
      const strays = readdirSync(dir).filter((f) => /^v\d+\.json$/.test(f));
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
    const data = readVersionFile(file, version);
    const plain = this.kek.open(SEED_PURPOSE, Buffer.from(data.seeds, 'base64url'), seedAad(version));
    if (!plain || plain.length !== 64) {
      throw new KeystoreError(`${file} cannot be decrypted: wrong VAULT_PQC_KEK, or the file was altered or truncated`);
    }
    const seeds = { kem: plain.slice(0, 32), identity: plain.slice(32) };
    plain.fill(0);
    this.seedCache.set(version, seeds);
    return seeds;
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
      seeds: this.kek.seal(SEED_PURPOSE, seeds, seedAad(version)).toString('base64url'),
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
      mac: this.kek.mac(MANIFEST_PURPOSE, manifestMacInput(versions, minVersion)),
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
  if (!kek.verifyMac(MANIFEST_PURPOSE, manifestMacInput(data.versions, data.minVersion), data.mac)) {
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

function assertOneActive(versions: KeyVersionRecord[], file: string): void {
  const active = versions.filter((v) => v.state === 'active').length;
  if (active !== 1) throw new KeystoreError(`${file} must have exactly one active key version (found ${active})`);
}
