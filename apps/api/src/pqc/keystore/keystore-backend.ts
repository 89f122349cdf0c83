import { Keystore } from './keystore';
import type { KeySeeds, KeyVersionRecord } from './keystore-format';

export type KeystoreKind = 'file' | 'database';

/**
 * What KeyService needs from where the keys live. Reads are synchronous, from what the last
 * open/reload found (handshakes and signatures never wait for storage); writes are async and
 * made only under the keystore lock (KeystoreLock), after a reload in the same locked section.
 */
export interface KeystoreBackend {
  readonly kind: KeystoreKind;
  /** The directory, or the tables, for messages. */
  readonly location: string;
  readonly minVersion: number;
  versions(): KeyVersionRecord[];
  active(): KeyVersionRecord;
  record(version: number): KeyVersionRecord | undefined;
  seeds(version: number): KeySeeds;
  bundle(version: number, suite: string): unknown | undefined;
  /** Cheap: changes whenever another replica may have written something (polled every few seconds). */
  changeToken(): Promise<string>;
  reload(): Promise<void>;
  /** Fresh seeds for the next version, invisible until a manifest write lists it. */
  createVersion(now: Date): Promise<number>;
  saveBundle(version: number, suite: string, bundle: unknown): Promise<void>;
  /** Replaces version states (and the minimum version) in one atomic write: exactly one active, always. */
  writeManifest(versions: KeyVersionRecord[], minVersion?: number): Promise<void>;
}

/** The keystore directory (VAULT_PQC_KEYSTORE=file): replicas share it as a volume. */
export class FileKeystoreBackend implements KeystoreBackend {
  readonly kind = 'file';

  constructor(readonly keystore: Keystore) {}

  get location(): string {
    return this.keystore.dir;
  }

  get minVersion(): number {
    return this.keystore.minVersion;
  }

  versions(): KeyVersionRecord[] {
    return this.keystore.versions();
  }

  active(): KeyVersionRecord {
    return this.keystore.active();
  }

  record(version: number): KeyVersionRecord | undefined {
    return this.keystore.record(version);
  }

  seeds(version: number): KeySeeds {
    return this.keystore.seeds(version);
  }

  bundle(version: number, suite: string): unknown | undefined {
    return this.keystore.bundle(version, suite);
  }

  /** The manifest's mtime (rotations, minimum version) and the active version file's (bundle renewals). */
  async changeToken(): Promise<string> {
    return `${this.keystore.manifestMtimeMs()}:${this.keystore.versionMtimeMs(this.keystore.active().version)}`;
  }

  async reload(): Promise<void> {
    this.keystore.reload();
  }

  /** Files can be re-read without waiting: a signature check under an unknown version does it at once. */
  reloadNow(): void {
    this.keystore.reload();
  }

  async createVersion(now: Date): Promise<number> {
    return this.keystore.createVersionFile(now);
  }

  async saveBundle(version: number, suite: string, bundle: unknown): Promise<void> {
    this.keystore.saveBundle(version, suite, bundle);
  }

  async writeManifest(versions: KeyVersionRecord[], minVersion?: number): Promise<void> {
    this.keystore.writeManifest(versions, minVersion);
  }
}
