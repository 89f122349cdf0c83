import { randomBytes } from 'node:crypto';
import { DataSource, EntityManager, MoreThanOrEqual } from 'typeorm';
import { Kek, KeystoreError } from './kek';
import type { KeystoreBackend } from './keystore-backend';
import { KEYSTORE_SLOT, KeystoreManifestEntity, KeystoreVersionEntity } from './keystore.entities';
import type { Keystore } from './keystore';
import { assertOneActive, KEYSTORE_FORMAT, KeySeeds, KeyVersionRecord, manifestMac, manifestMacValid, openSeeds, sealSeeds } from './keystore-format';

export const MANIFEST_TABLE = 'nf_keystore_manifest';
export const VERSION_TABLE = 'nf_keystore_version';

interface Manifest {
  versions: KeyVersionRecord[];
  minVersion: number;
  revision: number;
}

interface VersionRow {
  createdAt: string;
  sealedSeeds: string;
  bundles: Record<string, unknown>;
}

/**
 * The keystore in the database (VAULT_PQC_KEYSTORE=database), so replicas on Postgres need no
 * shared volume: one row per key version (seeds sealed under the KEK exactly as in the files,
 * signed bundles) and one manifest row (states, minimum version, the files' MAC, a revision).
 * Every write (a new version's row, a bundle, the manifest) is a transaction that also moves the
 * manifest's revision on from the one last read, so a writer that did not hold the keystore lock
 * fails instead of overwriting; replicas poll the revision.
 * Errors name the table and never show key material.
 */
export class DatabaseKeystore implements KeystoreBackend {
  readonly kind = 'database';
  readonly location = `${MANIFEST_TABLE}, ${VERSION_TABLE}`;
  private manifest: Manifest = { versions: [], minVersion: 1, revision: 0 };
  private rows = new Map<number, VersionRow>();
  private readonly seedCache = new Map<number, KeySeeds>();

  private constructor(
    private readonly dataSource: DataSource,
    private readonly kek: Kek,
  ) {}

  /** The keystore, or undefined when the database holds none (no manifest row and no version row). */
  static async open(dataSource: DataSource, kek: Kek): Promise<DatabaseKeystore | undefined> {
    const keystore = new DatabaseKeystore(dataSource, kek);
    if (!(await keystore.load())) return undefined;
    for (const record of keystore.manifest.versions) {
      if (record.state !== 'retired') keystore.seeds(record.version); // fail at start-up, not on first use
    }
    return keystore;
  }

  /** A new keystore with version 1 active, in one transaction; fails if another one got there first. */
  static async create(dataSource: DataSource, kek: Kek, now = new Date()): Promise<DatabaseKeystore> {
    const seeds = randomBytes(64);
    const row: KeystoreVersionEntity = { version: 1, createdAt: now.toISOString(), sealedSeeds: sealSeeds(kek, 1, seeds), bundles: '{}' };
    seeds.fill(0);
    const versions: KeyVersionRecord[] = [{ version: 1, state: 'active', createdAt: now.toISOString() }];
    await dataSource.transaction(async (em) => {
      await em.getRepository(KeystoreVersionEntity).insert(row);
      await em.getRepository(KeystoreManifestEntity).insert(manifestRow(kek, versions, 1, 1));
    });
    return (await DatabaseKeystore.open(dataSource, kek))!;
  }

  /** Copies a file keystore as it is stored (sealed seeds, bundles, manifest MAC): same KEK, nothing re-encrypted. */
  static async importFrom(dataSource: DataSource, kek: Kek, files: Keystore): Promise<DatabaseKeystore> {
    const { versions, minVersion, mac } = files.storedManifest();
    const rows = versions.map((v) => files.storedVersion(v.version));
    await dataSource.transaction(async (em) => {
      await em.getRepository(KeystoreVersionEntity).insert(rows.map((r) => ({ ...r, bundles: JSON.stringify(r.bundles) })));
      await em.getRepository(KeystoreManifestEntity).insert({ ...manifestRow(kek, versions, minVersion, 1), mac });
    });
    return (await DatabaseKeystore.open(dataSource, kek))!;
  }

  get minVersion(): number {
    return this.manifest.minVersion;
  }

  versions(): KeyVersionRecord[] {
    return this.manifest.versions.map((v) => ({ ...v }));
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
    const seeds = openSeeds(this.kek, version, this.row(version).sealedSeeds);
    if (!seeds) {
      throw new KeystoreError(`${VERSION_TABLE} row for key version ${version} cannot be decrypted: wrong VAULT_PQC_KEK, or the row was altered`);
    }
    this.seedCache.set(version, seeds);
    return seeds;
  }

  bundle(version: number, suite: string): unknown | undefined {
    return this.row(version).bundles[suite];
  }

  async changeToken(): Promise<string> {
    const row = await this.dataSource.getRepository(KeystoreManifestEntity).findOne({ where: { slot: KEYSTORE_SLOT }, select: { revision: true } });
    return row ? String(row.revision) : 'missing';
  }

  async reload(): Promise<void> {
    if (!(await this.load())) throw new KeystoreError(`${MANIFEST_TABLE} lost its row: the database keystore is gone`);
  }

  async createVersion(now: Date): Promise<number> {
    const version = Math.max(0, ...this.manifest.versions.map((v) => v.version)) + 1;
    const seeds = randomBytes(64);
    const row: KeystoreVersionEntity = { version, createdAt: now.toISOString(), sealedSeeds: sealSeeds(this.kek, version, seeds), bundles: '{}' };
    seeds.fill(0);
    await this.write(async (em) => {
      // Rows at or above it are orphans of an interrupted rotation: never listed, so never used.
      await em.getRepository(KeystoreVersionEntity).delete({ version: MoreThanOrEqual(version) });
      await em.getRepository(KeystoreVersionEntity).insert(row);
    });
    this.seedCache.delete(version);
    this.rows.set(version, { createdAt: row.createdAt, sealedSeeds: row.sealedSeeds, bundles: {} });
    return version;
  }

  async saveBundle(version: number, suite: string, bundle: unknown): Promise<void> {
    const bundles = { ...this.row(version).bundles, [suite]: bundle };
    await this.write(async (em) => {
      await em.getRepository(KeystoreVersionEntity).update({ version }, { bundles: JSON.stringify(bundles) });
    });
    this.rows.set(version, { ...this.row(version), bundles });
  }

  async writeManifest(versions: KeyVersionRecord[], minVersion = this.manifest.minVersion): Promise<void> {
    assertOneActive(versions, MANIFEST_TABLE);
    await this.write(async (em) => {
      const { versions: json, mac } = manifestRow(this.kek, versions, minVersion, 0);
      await em.getRepository(KeystoreManifestEntity).update({ slot: KEYSTORE_SLOT }, { versions: json, minVersion, mac });
    });
    this.manifest = { ...this.manifest, versions: versions.map((v) => ({ ...v })), minVersion };
  }

  /** One transaction that also moves the revision on, provided it is still the one last read. */
  private async write(change: (em: EntityManager) => Promise<void>): Promise<void> {
    const expected = this.manifest.revision;
    await this.dataSource.transaction(async (em) => {
      const moved = await em
        .getRepository(KeystoreManifestEntity)
        .update({ slot: KEYSTORE_SLOT, revision: expected }, { revision: expected + 1, updatedAt: Date.now() });
      if (!moved.affected) {
        throw new KeystoreError(`${MANIFEST_TABLE} changed under this write (revision ${expected} is gone): written without the keystore lock? Nothing was changed`);
      }
      await change(em);
    });
    this.manifest = { ...this.manifest, revision: expected + 1 };
  }

  private row(version: number): VersionRow {
    const row = this.rows.get(version);
    if (!row) throw new KeystoreError(`${VERSION_TABLE} has no row for key version ${version}`);
    return row;
  }

  /**
   * Reads the manifest, then every version row; false when there is no keystore at all. In that
   * order a listed version's row is always there (rows are written before the manifest lists them).
   */
  private async load(): Promise<boolean> {
    const [manifestRows, versionRows] = await this.dataSource.transaction(async (em) => [
      await em.getRepository(KeystoreManifestEntity).findBy({ slot: KEYSTORE_SLOT }),
      await em.getRepository(KeystoreVersionEntity).find({ order: { version: 'ASC' } }),
    ] as const);
    const [stored] = manifestRows;
    if (!stored) {
      if (versionRows.length === 0) return false;
      throw new KeystoreError(
        `${MANIFEST_TABLE} has no row but ${VERSION_TABLE} holds key versions (${versionRows.map((r) => r.version).join(', ')}); refusing to start rather than replace keys`,
      );
    }
    const versions = parseJson(stored.versions, `${MANIFEST_TABLE}.versions`);
    if (stored.format !== KEYSTORE_FORMAT || !Array.isArray(versions)) throw new KeystoreError(`${MANIFEST_TABLE} is not a ${KEYSTORE_FORMAT} manifest`);
    if (!manifestMacValid(this.kek, versions, stored.minVersion, stored.mac)) {
      throw new KeystoreError(`${MANIFEST_TABLE} fails its integrity check: wrong VAULT_PQC_KEK, or the row was altered`);
    }
    assertOneActive(versions, MANIFEST_TABLE);
    const rows = new Map<number, VersionRow>();
    for (const r of versionRows) {
      const bundles = parseJson(r.bundles, `${VERSION_TABLE}.bundles of key version ${r.version}`);
      if (!bundles || typeof bundles !== 'object' || Array.isArray(bundles)) throw new KeystoreError(`${VERSION_TABLE}.bundles of key version ${r.version} is not a JSON object`);
      rows.set(r.version, { createdAt: r.createdAt, sealedSeeds: r.sealedSeeds, bundles: bundles as Record<string, unknown> });
    }
    for (const v of versions as KeyVersionRecord[]) {
      if (!rows.has(v.version)) throw new KeystoreError(`${MANIFEST_TABLE} lists key version ${v.version} but ${VERSION_TABLE} has no row for it`);
    }
    this.manifest = { versions: versions as KeyVersionRecord[], minVersion: stored.minVersion, revision: stored.revision };
    this.rows = rows;
    return true;
  }
}

function manifestRow(kek: Kek, versions: KeyVersionRecord[], minVersion: number, revision: number): KeystoreManifestEntity {
  return {
    slot: KEYSTORE_SLOT,
    format: KEYSTORE_FORMAT,
    versions: JSON.stringify(versions),
    minVersion,
    mac: manifestMac(kek, versions, minVersion),
    revision,
    updatedAt: Date.now(),
  };
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new KeystoreError(`${what} is corrupted (not JSON)`);
  }
}
