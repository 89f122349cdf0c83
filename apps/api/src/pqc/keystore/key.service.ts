import { Injectable, Logger, OnApplicationShutdown, OnModuleInit, ServiceUnavailableException } from '@nestjs/common';
import {
  bundleFingerprint,
  createBundle,
  createHandshakeInfo,
  encodeBundle,
  getSuite,
  HandshakeInfoJson,
  KeyBundle,
  MlDsaSigningKey,
  parseBundle,
  PqcProtocolError,
  suiteForMode,
  SuiteId,
  verifyBundle,
} from '@nf/pqc';
import type { EffectiveKeyState, KeyVersionView } from '@nf/contracts';
import { Gauge, register } from 'prom-client';
import { InjectSettings } from '../../env/env.module';
import { Settings } from '../../env/env.schema';
import { ProbeRegistry } from '../../health/probe-registry';
import { kemSeedFor } from './kem-seed';
import { Kek, KeystoreError, resolveKek } from './kek';
import { KeySeeds, Keystore, KeyVersionRecord } from './keystore';

/** Clients get this much slack on notBefore, for their clocks. */
const CLOCK_SLACK_MS = 5 * 60 * 1000;
/** How often a replica looks for a manifest changed by another replica sharing the keystore. */
const RELOAD_CHECK_MS = 5_000;

export type { EffectiveKeyState, KeyVersionView };

export interface ActiveKey {
  readonly version: number;
  readonly suite: SuiteId;
  readonly bundle: KeyBundle;
  readonly sha256: string;
  readonly seeds: KeySeeds;
  readonly info: HandshakeInfoJson;
}

/**
 * Owns the keystore for the running service: opens it at start-up (any problem stops start-up
 * with the file named), keeps a signed bundle for the active version and the configured suite,
 * and renews that bundle before it expires.
 */
@Injectable()
export class KeyService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(KeyService.name);
  private readonly suite: SuiteId;
  private keystore!: Keystore;
  private kek!: Kek;
  private current?: ActiveKey;
  private unavailable?: string;
  private maintenanceTimer?: NodeJS.Timeout;
  private manifestMtimeMs = 0;
  private readonly identityKeys = new Map<number, MlDsaSigningKey>();
  /** Bundle fingerprints of versions by number; bundles are only written on activation, which clears it. */
  private readonly fingerprints = new Map<number, string | null>();
  private readonly activeVersionGauge = new Gauge({
    name: 'nf_pqc_active_key_version',
    help: 'Key version that new handshakes use',
    registers: [register],
  });

  constructor(
    @InjectSettings() private readonly settings: Settings,
    private readonly probes: ProbeRegistry,
  ) {
    this.suite = suiteForMode(settings.pqcMode);
  }

  onModuleInit(): void {
    this.kek = resolveKek(this.settings, this.logger);
    const { keystore, created } = Keystore.open(this.settings.vault.keyPath, this.kek);
    this.keystore = keystore;
    if (created) this.logger.warn(`created keystore ${this.settings.vault.keyPath} with key version 1`);
    this.activate();
    this.probes.addReadinessCheck('keystore', () =>
      this.unavailable
        ? { keystore: { status: 'down', message: this.unavailable } }
        : { keystore: { status: 'up', keyVersion: this.current!.version, algorithm: this.suite } },
    );
    this.manifestMtimeMs = this.keystore.manifestMtimeMs();
    this.maintenanceTimer = setInterval(() => this.refresh(), RELOAD_CHECK_MS).unref();
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
    const min = this.keystore.minVersion;
    return this.keystore.versions().map((v) => ({
      version: v.version,
      state: effectiveState(v, now),
      createdAt: v.createdAt,
      ...(v.verifyUntil ? { verifyUntil: v.verifyUntil } : {}),
      belowMinimum: v.version < min,
      fingerprint: this.fingerprint(v.version),
    }));
  }

  private fingerprint(version: number): string | null {
    if (version === this.current?.version) return this.current.sha256;
    if (!this.fingerprints.has(version)) {
      let sha256: string | null = null;
      try {
        const stored = this.keystore.bundle(version, this.suite);
        if (stored !== undefined) sha256 = bundleFingerprint(parseBundle(stored));
      } catch (error) {
        // Remembered like a missing bundle (logged once): the next activation or restart reads it again.
        this.logger.warn(`the stored bundle of key version ${version} cannot be read: ${(error as Error).message}`);
      }
      this.fingerprints.set(version, sha256);
    }
    return this.fingerprints.get(version)!;
  }

  get minVersion(): number {
    return this.keystore.minVersion;
  }

  /** Whether sessions made under `version` may still be used. */
  sessionKeyUsable(version: number, now = Date.now()): boolean {
    const record = this.keystore.versions().find((v) => v.version === version);
    return !!record && effectiveState(record, now) !== 'retired' && version >= this.keystore.minVersion;
  }

  /**
   * Executes a rotation: a new version, its bundle signed by the new identity and cross-signed by
   * the previous one (a key-transition statement), then ONE atomic manifest write that makes it
   * active and the previous version verify-only for `graceMs`. A crash before that write leaves the
   * old version active (the new file is an invisible orphan); after it, the new one. Callers
   * serialise rotations across replicas (RotationService holds a database lock).
   */
  rotate(expectedActive: number, graceMs: number, now = Date.now()): { from: number; to: number } {
    this.keystore.reload();
    const previous = this.keystore.active();
    if (previous.version !== expectedActive) {
      throw new KeystoreError(`active key version is ${previous.version}, not ${expectedActive}: the rotation was overtaken`);
    }
    const version = this.keystore.createVersionFile(new Date(now));
    this.signBundle(version, this.keystore.seeds(version), now, previous.version);
    this.keystore.writeManifest([
      ...this.keystore.versions().map((v) =>
        v.version === previous.version ? { ...v, state: 'verify-only' as const, verifyUntil: new Date(now + graceMs).toISOString() } : v,
      ),
      { version, state: 'active', createdAt: new Date(now).toISOString() },
    ]);
    this.afterManifestChange(now);
    return { from: previous.version, to: version };
  }

  /** Raises or lowers the minimum usable version (callers serialise, as for rotate). */
  setMinVersion(minVersion: number): void {
    this.keystore.reload();
    const active = this.keystore.active().version;
    if (!Number.isInteger(minVersion) || minVersion < 1 || minVersion > active) {
      throw new KeystoreError(`minimum version must be an integer from 1 to the active version ${active}`);
    }
    this.keystore.writeManifest(this.keystore.versions(), minVersion);
    this.afterManifestChange();
  }

  /**
   * Signs with the active version's ML-DSA-65 identity key. About 12 ms: for rare events only
   * (audit entries, receipts on request), never per handshake.
   */
  signWithIdentity(message: Uint8Array, context: string): { keyVersion: number; signature: Uint8Array } {
    const { version } = this.active();
    return { keyVersion: version, signature: this.identityKey(version).sign(message, new TextEncoder().encode(context)) };
  }

  /** Verifies a signature made by signWithIdentity under any version still on disk. */
  verifyIdentitySignature(keyVersion: number, message: Uint8Array, signature: Uint8Array, context: string): boolean {
    if (!this.keystore.record(keyVersion)) this.refresh(); // made by a replica that rotated since we last looked?
    if (!this.keystore.record(keyVersion)) return false;
    const publicKey = this.identityKey(keyVersion).publicKey;
    return getSuite(this.suite).provider.mlDsa65.verify(publicKey, message, signature, new TextEncoder().encode(context));
  }

  private identityKey(version: number): MlDsaSigningKey {
    let key = this.identityKeys.get(version);
    if (!key) {
      key = getSuite(this.suite).provider.mlDsa65.signingKey(this.keystore.seeds(version).identity);
      this.identityKeys.set(version, key);
    }
    return key;
  }

  /** The KEK, for other stores that encrypt at rest under it (sessions). */
  get keyEncryptionKey(): Kek {
    return this.kek;
  }

  private activate(now = Date.now()): void {
    const record = this.keystore.active();
    const seeds = this.keystore.seeds(record.version);
    const bundle = this.storedBundle(record.version, seeds, now) ?? this.signBundle(record.version, seeds, now);
    const sha256 = bundleFingerprint(bundle);
    this.fingerprints.clear();
    this.current = { version: record.version, suite: this.suite, bundle, sha256, seeds, info: createHandshakeInfo(bundle) };
    this.unavailable = undefined;
    this.activeVersionGauge.set(record.version);
    this.logger.log(`key version ${record.version} active (${this.suite}, bundle sha256 ${sha256}, valid until ${bundle.notAfter})`);
  }

  /** A stored bundle is reused only if it verifies, matches the seeds, and is not due for renewal. */
  private storedBundle(version: number, seeds: KeySeeds, now: number): KeyBundle | undefined {
    const stored = this.keystore.bundle(version, this.suite);
    if (stored === undefined) return undefined;
    let bundle: KeyBundle;
    try {
      bundle = parseBundle(stored);
      verifyBundle(bundle, { now: Math.max(now, Date.parse(bundle.notBefore)) });
    } catch (error) {
      if (error instanceof PqcProtocolError) {
        throw new KeystoreError(`the stored ${this.suite} bundle of key version ${version} does not verify (${error.message})`);
      }
      throw error;
    }
    const expected = this.publicKeys(version, seeds);
    if (!sameBytes(bundle.kemPublicKey, expected.kem) || !sameBytes(bundle.identityPublicKey, expected.identity)) {
      throw new KeystoreError(`the stored bundle of key version ${version} does not belong to its seeds`);
    }
    const renewAt = Date.parse(bundle.notAfter) - this.settings.pqc.bundleValidityMs / 3;
    return now < renewAt ? bundle : undefined;
  }

  /** Signs and stores a bundle; with `previousVersion`, cross-signed by that version's identity too. */
  private signBundle(version: number, seeds: KeySeeds, now: number, previousVersion?: number): KeyBundle {
    const bundle = createBundle({
      suite: this.suite,
      keyVersion: version,
      kemPublicKey: this.publicKeys(version, seeds).kem,
      identityKey: this.identityKey(version),
      notBefore: now - CLOCK_SLACK_MS,
      notAfter: now + this.settings.pqc.bundleValidityMs,
      previous: previousVersion === undefined ? undefined : { keyVersion: previousVersion, identityKey: this.identityKey(previousVersion) },
    });
    this.keystore.saveBundle(version, this.suite, encodeBundle(bundle));
    this.logger.log(`signed a ${this.suite} bundle for key version ${version}`);
    return bundle;
  }

  private publicKeys(version: number, seeds: KeySeeds): { kem: Uint8Array; identity: Uint8Array } {
    const dk = getSuite(this.suite).kem.decapsulationKey(kemSeedFor(this.suite, seeds.kem));
    try {
      return { kem: dk.publicKey.slice(), identity: this.identityKey(version).publicKey };
    } finally {
      dk.destroy();
    }
  }

  private afterManifestChange(now = Date.now()): void {
    this.manifestMtimeMs = this.keystore.manifestMtimeMs();
    this.activate(now);
  }

  /**
   * Picks up another replica's rotation (one stat of the manifest; runs every few seconds and
   * before answers that must not be stale), and renews the bundle before it expires.
   */
  refresh(): void {
    try {
      const mtime = this.keystore.manifestMtimeMs();
      if (mtime !== this.manifestMtimeMs) {
        this.keystore.reload();
        this.manifestMtimeMs = mtime;
        this.activate();
      } else if (this.current && Date.now() > Date.parse(this.current.bundle.notAfter) - this.settings.pqc.bundleValidityMs / 3) {
        this.activate();
      }
    } catch (error) {
      this.unavailable = (error as Error).message;
      this.logger.error(`keystore unavailable: ${this.unavailable}`);
    }
  }
}

function effectiveState(record: KeyVersionRecord, now: number): EffectiveKeyState {
  if (record.state === 'verify-only' && record.verifyUntil && Date.parse(record.verifyUntil) <= now) return 'retired';
  return record.state;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}
