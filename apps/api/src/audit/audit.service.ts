import { Injectable, Logger } from '@nestjs/common';
import { actionLabel } from './audit.actions';
import { AuditEntryEntity } from './audit.entity';
import { assertNoSecrets } from './audit.guard';
import { AUDIT_SIGNATURE_CONTEXT, canonicalJson, entryHash, GENESIS_HASH, isPlainObject } from './audit.hash';
import { AuditMetrics } from './audit.metrics';
import { AuditRepository } from './audit.repository';
import { AuditActor, AuditChainReport, AuditEntryView, AuditFilter, AuditInput } from './audit.types';
import { IdentitySigner } from './identity-signer';

export type { AuditActor, AuditChainReport, AuditEntryView, AuditFilter, AuditInput } from './audit.types';

const ACTOR_TYPES: ReadonlySet<AuditActor['type']> = new Set(['admin', 'system', 'cli', 'anonymous']);
const MAX_DETAILS_BYTES = 16 * 1024;
const DEFAULT_LIMIT = 50;
export const MAX_LIST_LIMIT = 500;
const VERIFY_PAGE = 200;

/** The caller broke the contract of AuditService.record (a bug in the caller: nothing was stored). */
export class AuditInputError extends Error {
  override readonly name = 'AuditInputError';
}

/**
 * The append-only audit log: every entry is hash-chained to the one before (entryHash) and its
 * hash signed with the keystore's ML-DSA-65 identity key, so deleting, reordering or editing any
 * entry shows in verifyChain. Details never carry secrets (assertNoSecrets refuses them).
 */
@Injectable()
export class AuditService {
  private readonly logger = new Logger(AuditService.name);

  constructor(
    private readonly entries: AuditRepository,
    private readonly signer: IdentitySigner,
    private readonly metrics: AuditMetrics,
  ) {}

  /**
   * Appends one entry and returns it as stored. Throws AuditInputError or AuditSecretError for
   * input it refuses; callers whose action must not happen unaudited should await it first.
   */
  async record(input: AuditInput): Promise<AuditEntryView> {
    const fields = normalise(input);
    const stored = await this.entries.append((head) => {
      const entry: AuditEntryEntity = Object.assign(new AuditEntryEntity(), fields, {
        seq: head.seq + 1,
        at: Date.now(),
        prevHash: head.hash,
      });
      entry.hash = entryHash(entry);
      // Signing (~12 ms) happens under the append lock: the hash names the previous entry, and a
      // row is never updated after its insert, so the signature must be in the insert.
      const { keyVersion, signature } = this.signer.signWithIdentity(Buffer.from(entry.hash, 'hex'), AUDIT_SIGNATURE_CONTEXT);
      entry.signature = Buffer.from(signature).toString('base64url');
      entry.sigKeyVersion = keyVersion;
      return entry;
    });
    this.metrics.entries.inc({ action: actionLabel(stored.action) });
    return toView(stored);
  }

  /** Newest first; page on with beforeSeq = the last seq of the previous page. */
  async list(filter: AuditFilter = {}): Promise<AuditEntryView[]> {
    const requested = Number.isFinite(filter.limit) ? Math.trunc(filter.limit!) : DEFAULT_LIMIT;
    const limit = Math.min(Math.max(requested, 1), MAX_LIST_LIMIT);
    const rows = await this.entries.list({ ...filter, limit });
    return rows.map(toView);
  }

  /**
   * Walks the whole log in seq order, a page at a time, and reports the first entry that does not
   * hold: 'missing seq' (a gap, the seq that should be there), 'broken link to previous'
   * (prev_hash is not the previous entry's hash), 'hash mismatch' (a field or the hash was edited),
   * 'bad signature'. `entries` is the number of entries in the log. Sets nf_audit_chain_ok.
   * It cannot see the newest entries cut off the end: compare the head with what you expect.
   */
  async verifyChain(): Promise<AuditChainReport> {
    let expectedSeq = 1;
    let prevHash = GENESIS_HASH;
    let firstBroken: AuditChainReport['firstBroken'];
    walk: for (;;) {
      const page = await this.entries.pageAfter(expectedSeq - 1, VERIFY_PAGE);
      if (page.length === 0) break;
      for (const entry of page) {
        const reason = entry.seq !== expectedSeq ? 'missing seq' : this.brokenReason(entry, prevHash);
        if (reason) {
          firstBroken = { seq: reason === 'missing seq' ? expectedSeq : entry.seq, reason };
          break walk;
        }
        expectedSeq++;
        prevHash = entry.hash;
      }
    }
    const ok = firstBroken === undefined;
    this.metrics.chainOk.set(ok ? 1 : 0);
    if (!ok) this.logger.error(`audit chain broken at seq ${firstBroken!.seq}: ${firstBroken!.reason}`);
    return ok ? { ok, entries: expectedSeq - 1 } : { ok, entries: await this.entries.count(), firstBroken };
  }

  private brokenReason(entry: AuditEntryEntity, prevHash: string): string | undefined {
    if (entry.prevHash !== prevHash) return 'broken link to previous';
    if (entryHash(entry) !== entry.hash) return 'hash mismatch';
    let valid = false;
    try {
      const signature = Buffer.from(entry.signature, 'base64url');
      valid = this.signer.verifyIdentitySignature(entry.sigKeyVersion, Buffer.from(entry.hash, 'hex'), signature, AUDIT_SIGNATURE_CONTEXT);
    } catch {
      valid = false;
    }
    return valid ? undefined : 'bad signature';
  }
}

type NormalisedInput = Pick<
  AuditEntryEntity,
  'actorType' | 'actorId' | 'actorName' | 'action' | 'target' | 'details' | 'keyVersionBefore' | 'keyVersionAfter'
>;

/** Checks an input against the contract and the column sizes; details become canonical JSON. */
function normalise(input: AuditInput): NormalisedInput {
  const actor = input?.actor;
  if (!actor || !ACTOR_TYPES.has(actor.type)) throw new AuditInputError(`audit: actor.type must be one of ${[...ACTOR_TYPES].join(', ')}`);
  const details = input.details ?? {};
  if (!isPlainObject(details)) throw new AuditInputError('audit: details must be a plain JSON object');
  assertNoSecrets(details);
  let detailsText: string;
  try {
    detailsText = canonicalJson(details);
  } catch (error) {
    throw new AuditInputError((error as Error).message);
  }
  if (Buffer.byteLength(detailsText) > MAX_DETAILS_BYTES) throw new AuditInputError(`audit: details exceed ${MAX_DETAILS_BYTES} bytes`);
  return {
    actorType: actor.type,
    actorId: text(actor.id, 'actor.id', 255),
    actorName: text(actor.name, 'actor.name', 255),
    action: text(input.action, 'action', 64, true)!,
    target: text(input.target, 'target', 255),
    details: detailsText,
    keyVersionBefore: keyVersion(input.keyVersionBefore, 'keyVersionBefore'),
    keyVersionAfter: keyVersion(input.keyVersionAfter, 'keyVersionAfter'),
  };
}

function text(value: string | undefined, field: string, max: number, required = false): string | null {
  if (value === undefined || value === null) {
    if (required) throw new AuditInputError(`audit: ${field} is required`);
    return null;
  }
  // Lengths in code points; columns are varchar(n), n characters on both databases.
  if (typeof value !== 'string' || (required && value.length === 0) || [...value].length > max) {
    throw new AuditInputError(`audit: ${field} must be a${required ? ' non-empty' : ''} string of at most ${max} characters`);
  }
  // Control characters would let one entry pose as several lines in a log viewer.
  if (/[\u0000-\u001f\u007f]/.test(value)) throw new AuditInputError(`audit: ${field} contains control characters`);
  return value;
}

function keyVersion(value: number | undefined, field: string): number | null {
  if (value === undefined || value === null) return null;
  if (!Number.isSafeInteger(value) || value < 0 || value > 0x7fffffff) {
    throw new AuditInputError(`audit: ${field} must be a non-negative integer`);
  }
  return value;
}

function toView(entry: AuditEntryEntity): AuditEntryView {
  return {
    seq: entry.seq,
    at: entry.at,
    actor: { type: entry.actorType as AuditActor['type'], id: entry.actorId, name: entry.actorName },
    action: entry.action,
    target: entry.target,
    details: JSON.parse(entry.details) as Record<string, unknown>,
    keyVersionBefore: entry.keyVersionBefore,
    keyVersionAfter: entry.keyVersionAfter,
    prevHash: entry.prevHash,
    hash: entry.hash,
    signature: entry.signature,
    sigKeyVersion: entry.sigKeyVersion,
  };
}
