import { Injectable, Logger, OnApplicationShutdown, OnModuleInit, ServiceUnavailableException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  bundleFingerprint,
  createHandshakeInfo,
  encodeBundle,
  getSuite,
  HandshakeInfoJson,
  identityFingerprint,
  KeyBundle,
  MlDsaSigningKey,
  parseBundle,
  suiteForMode,
  SuiteId,
} from '@nf/pqc';
import type { EffectiveKeyState, KeyVersionView } from '@nf/contracts';
import { Gauge, register } from 'prom-client';
import { DataSource } from 'typeorm';
import { InjectSettings } from '../../env/env.module';
import { Settings } from '../../env/env.schema';
import { ProbeRegistry } from '../../health/probe-registry';
import { cryptoProviderInfo } from '../crypto-provider';
import { kemSeedFor } from './kem-seed';
import { Kek, KeystoreError, resolveKek } from './kek';
import { keyChain, renewalDue, servableBundle, signKeyBundle, VersionKeys } from './key-bundles';
import { FileKeystoreBackend, KeystoreBackend } from './keystore-backend';
import type { KeySeeds, KeyVersionRecord } from './keystore-format';
import { KeystoreLock } from './keystore-lock';
import { openKeystore } from './keystore-opener';

/** How often a replica looks for a keystore changed by another replica. */
const RELOAD_CHECK_MS = 5_000;

export type { EffectiveKeyState, KeyVersionView };

export interface ActiveKey {
  readonly version: number;
  readonly suite: SuiteId;
  readonly bundle: KeyBundle;
  /** The bundle fingerprint: what a hello binds to (changes when the bundle is re-signed). */
  readonly bundleSha256: string;
  /** The identity pin: SHA-256 of the identity public key (what clients pin). */
  readonly identitySha256: string;
  readonly seeds: KeySeeds;
  readonly info: HandshakeInfoJson;
  /** Stored bundles of the versions from the minimum up to this one, oldest first: how a pin follows rotations. */
  readonly chain: readonly KeyBundle[];
}

/**
 * Owns the keystore for the running service: opens it at start-up (any problem stops start-up
 * naming the file or table; a missing one is created only on a first start), serves a signed
 * bundle for the active version and the configured suite, renews it before it expires (keeping
 * the cross-signature from the previous version), and picks up other replicas' changes.
 */
@Injectable()
export class KeyService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(KeyService.name);
  private readonly suite: SuiteId;
  private backend!: KeystoreBackend;
  private kek!: Kek;
  private current?: ActiveKey;
  private unavailable?: string;
  private maintenanceTimer?: NodeJS.Timeout;
  private changeToken = '';
  private refreshing?: Promise<void>;
  private readonly identityKeys = new Map<number, MlDsaSigningKey>();
  /** Pins of versions by number, for the versions view; cleared whenever the keystore is (re)read or written. */
  private readonly versionPins = new Map<number, { identitySha256: string | null; fingerprint: string | null }>();
  private readonly activeVersionGauge: Gauge;

  constructor(
    @InjectSettings() private readonly settings: Settings,
    private readonly probes: ProbeRegistry,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly lock: KeystoreLock,
  ) {
    this.suite = suiteForMode(settings.pqcMode);
    this.activeVersionGauge =
      (register.getSingleMetric('nf_pqc_active_key_version') as Gauge | undefined) ??
      new Gauge({ name: 'nf_pqc_active_key_version', help: 'Key version that new handshakes use', registers: [register] });
  }

  async onModuleInit(): Promise<void> {
    this.logger.log(`PQC crypto provider: ${cryptoProviderInfo().description}`);
    this.kek = resolveKek(this.settings, this.logger);
    await this.lock.run(async () => {
      const { backend } = await openKeystore({
        settings: this.settings,
        kek: this.kek,
        dataSource: this.dataSource,
        logger: this.logger,
        identitySha256: (b, version) => {
          const key = this.signingKey(b, version);
          try {
            return identityFingerprint({ identityPublicKey: key.publicKey });
          } finally {
            key.destroy();
          }
        },
      });
      this.backend = backend;
      await this.serveOrSign(Date.now());
      this.changeToken = await this.backend.changeToken();
    });
    this.probes.addReadinessCheck('keystore', () =>
      this.unavailable
        ? { keystore: { status: 'down', message: this.unavailable } }
        : { keystore: { status: 'up', keyVersion: this.current!.version, algorithm: this.suite } },
    );
    this.maintenanceTimer = setInterval(() => void this.refresh(), RELOAD_CHECK_MS).unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.maintenanceTimer);
    this.identityKeys.forEach((key) => key.destroy());
  }

  /** The key new handshakes use; 503 while the keystore cannot serve. */
  active(): ActiveKey {
    if (this.unavailable || !this.current) {
      throw new ServiceUnavailableException(`keystore unavailable: ${this.unavailable ?? 'not loaded'}`);
    }
    return this.current;
  }

  get status(): { ok: true; key: ActiveKey } | { ok: false; reason: string } {
    return this.current && !this.unavailable ? { ok: true, key: this.current } : { ok: false, reason: this.unavailable ?? 'not loaded' };
  }

  /** Every version with its state as of `now`: a verify-only version past its window counts as retired. */
  versions(now = Date.now()): KeyVersionView[] {
    const min = this.backend.minVersion;
    return this.backend.versions().map((v) => ({
      version: v.version,
      state: effectiveState(v, now),
      createdAt: v.createdAt,
      ...(v.verifyUntil ? { verifyUntil: v.verifyUntil } : {}),
      belowMinimum: v.version < min,
      ...this.pins(v.version),
    }));
  }

  /** A version's identity pin and stored bundle fingerprint, read once per keystore state (a failure is logged once, shown as null). */
  private pins(version: number): { identitySha256: string | null; fingerprint: string | null } {
    if (version === this.current?.version) return { identitySha256: this.current.identitySha256, fingerprint: this.current.bundleSha256 };
    let pins = this.versionPins.get(version);
    if (!pins) {
      pins = { identitySha256: null, fingerprint: null };
      try {
        pins.identitySha256 = identityFingerprint({ identityPublicKey: this.identityKey(version).publicKey });
        const stored = this.backend.bundle(version, this.suite);
        if (stored !== undefined) pins.fingerprint = bundleFingerprint(parseBundle(stored));
      } catch (error) {
        this.logger.warn(`key version ${version} cannot be read for its pins: ${(error as Error).message}`);
      }
      this.versionPins.set(version, pins);
    }
    return pins;
  }

  get minVersion(): number {
    return this.backend.minVersion;
  }

  /** Whether sessions made under `version` may still be used. */
  sessionKeyUsable(version: number, now = Date.now()): boolean {
    const record = this.backend.record(version);
    return !!record && effectiveState(record, now) !== 'retired' && version >= this.backend.minVersion;
  }

  /**
   * Executes a rotation under the keystore lock: a new version, its bundle signed by the new
   * identity and cross-signed by the previous one (a key-transition statement), then ONE atomic
   * manifest write that makes it active and the previous version verify-only for `graceMs`. A
   * crash before that write leaves the old version active (the new version is an invisible
   * orphan); after it, the new one. Throws when `expectedActive` is no longer active.
   */
  rotate(expectedActive: number, graceMs: number, now = Date.now()): Promise<{ from: number; to: number }> {
    return this.lock.run(async () => {
      await this.backend.reload();
      const previous = this.backend.active();
      if (previous.version !== expectedActive) {
        throw new KeystoreError(`active key version is ${previous.version}, not ${expectedActive}: the rotation was overtaken`);
      }
      const version = await this.backend.createVersion(new Date(now));
      await this.signAndStore(version, now);
      await this.backend.writeManifest([
        ...this.backend.versions().map((v) =>
          v.version === previous.version ? { ...v, state: 'verify-only' as const, verifyUntil: new Date(now + graceMs).toISOString() } : v,
        ),
        { version, state: 'active', createdAt: new Date(now).toISOString() },
      ]);
      await this.afterWrite(now);
      return { from: previous.version, to: version };
    });
  }

  /** Raises or lowers the minimum usable version, under the keystore lock. */
  setMinVersion(minVersion: number): Promise<void> {
    return this.lock.run(async () => {
      await this.backend.reload();
      const active = this.backend.active().version;
      if (!Number.isInteger(minVersion) || minVersion < 1 || minVersion > active) {
        throw new KeystoreError(`minimum version must be an integer from 1 to the active version ${active}`);
      }
      await this.backend.writeManifest(this.backend.versions(), minVersion);
      await this.afterWrite(Date.now());
    });
  }

  /**
   * Signs with the active version's ML-DSA-65 identity key. About 12 ms: for rare events only
   * (audit entries, receipts on request), never per handshake.
   */
  signWithIdentity(message: Uint8Array, context: string): { keyVersion: number; signature: Uint8Array } {
    const { version } = this.active();
    return { keyVersion: version, signature: this.identityKey(version).sign(message, new TextEncoder().encode(context)) };
  }

  /**
   * Verifies a signature made by signWithIdentity under any version in the keystore. A version
   * this replica does not know yet (another replica just rotated) is looked up at once in a file
   * keystore; the database keystore is re-read in the background (await refresh() first to be sure).
   */
  verifyIdentitySignature(keyVersion: number, message: Uint8Array, signature: Uint8Array, context: string): boolean {
    if (!this.backend.record(keyVersion)) {
      if (this.backend instanceof FileKeystoreBackend) this.backend.reloadNow();
      else void this.refresh();
    }
    if (!this.backend.record(keyVersion)) return false;
    const publicKey = this.identityKey(keyVersion).publicKey;
    return getSuite(this.suite).provider.mlDsa65.verify(publicKey, message, signature, new TextEncoder().encode(context));
  }

  /** The KEK, for other stores that encrypt at rest under it (sessions). */
  get keyEncryptionKey(): Kek {
    return this.kek;
  }

  /**
   * Picks up another replica's change (one cheap check: the manifest's mtime or the database
   * revision; every few seconds, and before answers that must not be stale), and renews the
   * bundle before it expires. Concurrent calls share one run; failures make the keystore
   * unavailable (readiness down, 503) until a later refresh succeeds.
   */
  refresh(now = Date.now()): Promise<void> {
    this.refreshing ??= this.checkForChanges(now).finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async checkForChanges(now: number): Promise<void> {
    try {
      const changed = (await this.backend.changeToken()) !== this.changeToken;
      if (changed || this.unavailable || !this.current || renewalDue(this.current.bundle, now, this.settings.pqc.bundleValidityMs)) {
        await this.lock.run(async () => {
          await this.backend.reload();
          await this.serveOrSign(now);
          this.changeToken = await this.backend.changeToken();
        });
      }
    } catch (error) {
      this.unavailable = (error as Error).message;
      this.logger.error(`keystore unavailable: ${this.unavailable}`);
    }
  }

  /**
   * Serves the active version's stored bundle, or signs and stores a new one when it is missing,
   * due, or lost its cross-signature. Callers hold the keystore lock and have just (re)read the
   * keystore, so replicas renewing together sign once and all serve that bundle.
   */
  private async serveOrSign(now: number): Promise<void> {
    this.versionPins.clear();
    const record = this.backend.active();
    const validity = this.settings.pqc.bundleValidityMs;
    const stored = servableBundle(this.backend.bundle(record.version, this.suite), this.versionKeys(record.version), now, validity, this.previousKeys(record.version));
    if (stored) return this.serve(record.version, stored);
    try {
      this.serve(record.version, await this.signAndStore(record.version, now));
    } catch (error) {
      const serving = this.current;
      if (serving?.version !== record.version || now >= Date.parse(serving.bundle.notAfter)) throw error;
      // Renewal starts with a third of the validity left: keep serving, the next check tries again.
      this.logger.error(`could not renew the bundle of key version ${record.version} (still valid until ${serving.bundle.notAfter}): ${(error as Error).message}`);
    }
  }

  private serve(version: number, bundle: KeyBundle): void {
    const identitySha256 = identityFingerprint(bundle);
    const bundleSha256 = bundleFingerprint(bundle);
    const changed = this.current?.bundleSha256 !== bundleSha256;
    this.current = {
      version,
      suite: this.suite,
      bundle,
      bundleSha256,
      identitySha256,
      seeds: this.backend.seeds(version),
      info: createHandshakeInfo(bundle),
      chain: keyChain(this.backend, this.suite, version, this.logger),
    };
    this.unavailable = undefined;
    this.activeVersionGauge.set(version);
    if (changed) {
      this.logger.log(`key version ${version} active (${this.suite}, identity sha256 ${identitySha256}, bundle sha256 ${bundleSha256}, valid until ${bundle.notAfter})`);
    }
  }

  /** Signs and stores a version's bundle, cross-signed by the version before it when there is one. */
  private async signAndStore(version: number, now: number): Promise<KeyBundle> {
    const bundle = signKeyBundle(this.suite, this.versionKeys(version), now, this.settings.pqc.bundleValidityMs, this.previousKeys(version));
    await this.backend.saveBundle(version, this.suite, encodeBundle(bundle));
    this.logger.log(`signed a ${this.suite} bundle for key version ${version}${bundle.previous ? `, cross-signed by version ${bundle.previous.keyVersion}` : ''}`);
    return bundle;
  }

  private async afterWrite(now: number): Promise<void> {
    await this.serveOrSign(now);
    this.changeToken = await this.backend.changeToken();
  }

  /** The version a bundle is cross-signed from: the highest listed version below it. */
  private previousKeys(version: number): VersionKeys | undefined {
    const below = this.backend.versions().filter((v) => v.version < version);
    return below.length ? this.versionKeys(Math.max(...below.map((v) => v.version))) : undefined;
  }

  private versionKeys(version: number): VersionKeys {
    const dk = getSuite(this.suite).kem.decapsulationKey(kemSeedFor(this.suite, this.backend.seeds(version).kem));
    try {
      return { version, kemPublicKey: dk.publicKey.slice(), identityKey: this.identityKey(version) };
    } finally {
      dk.destroy();
    }
  }

  private identityKey(version: number): MlDsaSigningKey {
    let key = this.identityKeys.get(version);
    if (!key) {
      key = this.signingKey(this.backend, version);
      this.identityKeys.set(version, key);
    }
    return key;
  }

  private signingKey(backend: KeystoreBackend, version: number): MlDsaSigningKey {
    return getSuite(this.suite).provider.mlDsa65.signingKey(backend.seeds(version).identity);
  }
}

function effectiveState(record: KeyVersionRecord, now: number): EffectiveKeyState {
  if (record.state === 'verify-only' && record.verifyUntil && Date.parse(record.verifyUntil) <= now) return 'retired';
  return record.state;
}
