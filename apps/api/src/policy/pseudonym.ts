import { createHmac, randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import * as path from 'node:path';
import { Logger } from '@nestjs/common';
import { decodeKey32, Settings } from '../env/env.schema';

export const DEV_PSEUDONYM_KEY_FILE = 'telemetry-pseudonym.key';

/** Hex characters kept of each HMAC: 64 bits, far beyond any tenant count, short enough for a label. */
const PSEUDONYM_HEX = 16;
/** Pseudonyms remembered at most (the memo starts over beyond it). */
const MEMO_MAX_ENTRIES = 10_000;

/**
 * Keyed-hash pseudonymisation (policy P1). A plain hash of a tenant id is reversible by hashing
 * every candidate id (the id space is small); an HMAC under a key held apart from the data is not.
 * Tenant pseudonyms are stable (aggregates of one tenant line up over time); contributor tags are
 * bound to their tenant and never leave memory.
 */
export class Pseudonymizer {
  /**
   * Every inference job needs two pseudonyms; tenants and API keys are few, so they are remembered,
   * by tenant and then API key (a key joining both ids would be a new string to hash on every lookup).
   */
  private readonly memo = new Map<string, { tag: string; contributors: Map<string, string> }>();
  private remembered = 0;

  constructor(
    private readonly key: Buffer,
    /** Where the key came from, for the P1 evidence: never the key itself. */
    readonly source: 'setting' | 'generated',
  ) {}

  tenant(tenantId: string): string {
    return this.entry(tenantId).tag;
  }

  contributor(tenantId: string, contributorId: string): string {
    const { contributors } = this.entry(tenantId);
    let tag = contributors.get(contributorId);
    if (tag === undefined) {
      tag = this.mac(`neural-fabric/telemetry/contributor\n${tenantId}\n${contributorId}`);
      this.remember();
      contributors.set(contributorId, tag);
    }
    return tag;
  }

  private entry(tenantId: string) {
    let entry = this.memo.get(tenantId);
    if (entry === undefined) {
      entry = { tag: this.mac(`neural-fabric/telemetry/tenant\n${tenantId}`), contributors: new Map() };
      this.remember();
      this.memo.set(tenantId, entry);
    }
    return entry;
  }

  /** Counts one more remembered pseudonym; beyond MEMO_MAX_ENTRIES the memo starts over. */
  private remember(): void {
    if (++this.remembered <= MEMO_MAX_ENTRIES) return;
    this.memo.clear();
    this.remembered = 1;
  }

  private mac(input: string): string {
    return createHmac('sha256', this.key).update(input).digest('hex').slice(0, PSEUDONYM_HEX);
  }
}

/**
 * TELEMETRY_PSEUDONYM_KEY, else (simulation only: the env check refuses production without one) a
 * key generated once under DATA_DIR, mode 0600, with a warning. Replicas sharing DATA_DIR that start
 * together all end up with the one key whose file was created first. Errors name the file, never the key.
 */
export function resolvePseudonymizer(settings: Settings, logger = new Logger('Pseudonymizer')): Pseudonymizer {
  const configured = settings.telemetry.pseudonymKey;
  if (configured) return new Pseudonymizer(decodeKey32(configured)!, 'setting');
  if (settings.mode === 'production') throw new Error('TELEMETRY_PSEUDONYM_KEY must be set in production');

  const file = path.join(settings.dataDir, DEV_PSEUDONYM_KEY_FILE);
  if (!existsSync(file)) {
    mkdirSync(settings.dataDir, { recursive: true, mode: 0o700 });
    if (createExclusive(file, `${randomBytes(32).toString('hex')}\n`)) {
      logger.warn(`NO TELEMETRY_PSEUDONYM_KEY CONFIGURED: generated a development pseudonym key at ${file} (mode 0600). Simulation only.`);
    }
  }
  const key = decodeKey32(readFileSync(file, 'utf8'));
  if (!key) throw new Error(`the telemetry pseudonym key file ${file} must hold 32 bytes as 64 hex characters or base64`);
  if ((statSync(file).mode & 0o077) !== 0) logger.warn(`the telemetry pseudonym key file ${file} is readable by group or others (chmod 600 it)`);
  return new Pseudonymizer(key, 'generated');
}

/**
 * Creates `file` with `content` (mode 0600) unless it exists; false when another process created it
 * first (its file stands and is read back). The content goes to a temp file first and is hard-linked
 * into place: the link fails with EEXIST where the file exists, and a file that exists is complete,
 * which an `open(file, 'wx')` followed by a write would not guarantee to a concurrent reader.
 */
function createExclusive(file: string, content: string): boolean {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(temp, 'wx', 0o600);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temp, file);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    // A file system without hard links: exclusive create, written at once (a reader may briefly see it empty).
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'ENOSYS') return createExclusiveInPlace(file, content);
    throw error;
  } finally {
    unlinkSync(temp);
  }
}

function createExclusiveInPlace(file: string, content: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return true;
}
