import { Injectable, Logger, OnApplicationShutdown, OnModuleInit, ServiceUnavailableException } from '@nestjs/common';
import {
  bundleFingerprint,
  createBundle,
  createHandshakeInfo,
  encodeBundle,
  getSuite,
  HandshakeInfoJson,
  KeyBundle,
  parseBundle,
  PqcProtocolError,
  suiteForMode,
  SuiteId,
  verifyBundle,
} from '@nf/pqc';
import { Gauge, register } from 'prom-client';
import { InjectSettings } from '../../env/env.module';
import { Settings } from '../../env/env.schema';
import { ProbeRegistry } from '../../health/probe-registry';
import { kemSeedFor } from './kem-seed';
import { Kek, KeystoreError, resolveKek } from './kek';
import { KeySeeds, Keystore, KeyVersionRecord } from './keystore';

/** Clients get this much slack on notBefore, for their clocks. */
const CLOCK_SLACK_MS = 5 * 60 * 1000;
const RENEW_CHECK_MS = 60 * 60 * 1000;

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
  private renewTimer?: NodeJS.Timeout;
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
    this.renewTimer = setInterval(() => this.renewIfNeeded(), RENEW_CHECK_MS).unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.renewTimer);
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

  versions(): KeyVersionRecord[] {
    return this.keystore.versions();
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
    const expected = this.publicKeys(seeds);
    if (!sameBytes(bundle.kemPublicKey, expected.kem) || !sameBytes(bundle.identityPublicKey, expected.identity)) {
      throw new KeystoreError(`the stored bundle of key version ${version} does not belong to its seeds`);
    }
    const renewAt = Date.parse(bundle.notAfter) - this.settings.pqc.bundleValidityMs / 3;
    return now < renewAt ? bundle : undefined;
  }

  private signBundle(version: number, seeds: KeySeeds, now: number): KeyBundle {
    const identityKey = getSuite(this.suite).provider.mlDsa65.signingKey(seeds.identity);
    try {
      const bundle = createBundle({
        suite: this.suite,
        keyVersion: version,
        kemPublicKey: this.publicKeys(seeds).kem,
        identityKey,
        notBefore: now - CLOCK_SLACK_MS,
        notAfter: now + this.settings.pqc.bundleValidityMs,
      });
      this.keystore.saveBundle(version, this.suite, encodeBundle(bundle));
      this.logger.log(`signed a ${this.suite} bundle for key version ${version}`);
      return bundle;
    } finally {
      identityKey.destroy();
    }
  }

  private publicKeys(seeds: KeySeeds): { kem: Uint8Array; identity: Uint8Array } {
    const suite = getSuite(this.suite);
    const dk = suite.kem.decapsulationKey(kemSeedFor(this.suite, seeds.kem));
    const id = suite.provider.mlDsa65.signingKey(seeds.identity);
    try {
      return { kem: dk.publicKey.slice(), identity: id.publicKey.slice() };
    } finally {
      dk.destroy();
      id.destroy();
    }
  }

  private renewIfNeeded(): void {
    try {
      this.activate();
    } catch (error) {
      this.unavailable = (error as Error).message;
      this.logger.error(`keystore unavailable: ${this.unavailable}`);
    }
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}
