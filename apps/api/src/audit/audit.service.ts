import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { actionLabel } from './audit.actions';
import { AuditEntryEntity } from './audit.entity';
import { assertNoSecrets } from './audit.guard';
import { AUDIT_SIGNATURE_CONTEXT, canonicalJson, entryHash, GENESIS_HASH, isPlainObject } from './audit.hash';
import { AuditMetrics } from './audit.metrics';
import { AuditRepository, ChainHead } from './audit.repository';
import { AuditActor, AuditChainReport, AuditEntrySummaryView, AuditEntryView, AuditFilter, AuditInput } from './audit.types';
import { PrefixWalk, VerifiedPrefix, VerifiedPrefixCache } from './audit.verified-prefix';
import { IdentitySigner } from './identity-signer';

export type { AuditActor, AuditChainReport, AuditEntrySummaryView, AuditEntryView, AuditFilter, AuditInput } from './audit.types';
export type { ChainHead } from './audit.repository';

/** How far an incremental verification (AuditService.verifyAfter) got. */
export interface AuditChainProgress {
  ok: boolean;
  /** The last entry known to hold: where the next call resumes. */
  head: ChainHead;
  /** Entries this call verified. */
  verified: number;
  /** Whether it reached the newest entry (false when `limit` or a break stopped it first). */
  complete: boolean;
  firstBroken?: AuditChainReport['firstBroken'];
}

interface Walk extends Omit<AuditChainProgress, 'ok'> {
  /** With a trusted prefix: its signature fields changed since, so the walk stopped there (not a verdict). */
  untrusted?: boolean;
  /** From genesis to a complete, unbroken end: what the next full walk may trust. */
  prefix?: VerifiedPrefix;
}

const ACTOR_TYPES: ReadonlySet<AuditActor['type']> = new Set(['admin', 'system', 'cli', 'anonymous']);
const ROLES: ReadonlySet<string> = new Set(['admin', 'viewer']);
/** The details key the actor's role is recorded under (hashed and signed with the entry). */
export const ACTOR_ROLE_KEY = 'actorRole';
const MAX_DETAILS_BYTES = 16 * 1024;
const DEFAULT_LIMIT = 50;
export const MAX_LIST_LIMIT = 500;
/** The largest seq the log can hold (the column is a 32-bit integer on Postgres): larger ones are refused, never queried. */
export const MAX_AUDIT_SEQ = 2_147_483_647;
const VERIFY_PAGE = 200;
/** Signatures verified between two yields to the event loop (each a few ms of synchronous ML-DSA-65). */
const VERIFY_YIELD_EVERY = 8;

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
  private readonly verified = new VerifiedPrefixCache();

  constructor(
    private readonly entries: AuditRepository,
    private readonly signer: IdentitySigner,
    private readonly metrics: AuditMetrics,
  ) {}

  /**
   * Appends one entry and returns it as stored. Throws AuditInputError or AuditSecretError for
   * input it refuses; callers whose action must not happen unaudited should await it first, or
   * use recordWith to store the action and its entry together.
   */
  async record(input: AuditInput): Promise<AuditEntryView> {
    const fields = normalise(input);
    const stored = await this.entries.append((head) => this.sealed(fields, head));
    this.metrics.entries.inc({ action: actionLabel(stored.action) });
    return toView(stored);
  }

  /**
   * Runs `work` (database writes through the EntityManager it is given, nothing else) and appends
   * its entry in ONE transaction, under the same serialisation as record(): the change and its
   * audit entry are committed together or not at all, so a crash can never leave one without the
   * other. If work throws, nothing is stored and the error comes out as thrown. `input` may be
   * computed from work's result (validated after work; a refused input rolls work back too).
   * Work runs under the append lock and may run twice (a whole-transaction retry): keep it short
   * and free of side effects outside the database.
   */
  async recordWith<T>(input: AuditInput | ((result: T) => AuditInput), work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const given = typeof input === 'function' ? undefined : normalise(input);
    const { entry, result } = await this.entries.appendWith(work, (head, result) =>
      this.sealed(given ?? normalise((input as (result: T) => AuditInput)(result)), head),
    );
    this.metrics.entries.inc({ action: actionLabel(entry.action) });
    return result;
  }

  /** The next entry after `head`: chained, hashed and signed (called under the append lock). */
  private sealed(fields: NormalisedInput, head: ChainHead): AuditEntryEntity {
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
  }

  /** Newest first; page on with beforeSeq = the last seq of the previous page. */
  async list(filter: AuditFilter = {}): Promise<AuditEntryView[]> {
    const rows = await this.entries.list({ ...filter, limit: pageLimit(filter.limit) });
    return rows.map(toView);
  }

  /**
   * One page, newest first, with where it lies: `total` entries match the filters, `newer` of them
   * are newer than the page; `nextBeforeSeq` pages on to older entries (absent on the last page).
   */
  async page(filter: AuditFilter = {}): Promise<{ entries: AuditEntryView[]; total: number; newer: number; nextBeforeSeq?: number }> {
    const limit = pageLimit(filter.limit);
    const entries = await this.list({ ...filter, limit });
    const { action, actorId, actorName, since, until } = filter;
    const match = { action, actorId, actorName, since, until };
    // An empty page lies after every entry newer than its window's start (or nowhere, without one).
    const counts = await this.entries.counts(match, entries[0]?.seq ?? (filter.beforeSeq === undefined ? undefined : filter.beforeSeq - 1));
    // A page holds every matching entry between its first seq and its last, so what the counts leave
    // (matching, not above the page, not on it) lies below it. An append in between lands above the page
    // and so counts in total and above alike.
    const last = entries.at(-1);
    const older = last !== undefined && counts.total - counts.above - entries.length > 0;
    return { entries, total: counts.total, newer: counts.above, ...(older ? { nextBeforeSeq: last.seq } : {}) };
  }

  /** One entry with every field, or null. */
  async entry(seq: number): Promise<AuditEntryView | null> {
    const row = await this.entries.bySeq(seq);
    return row ? toView(row) : null;
  }

  /** The actions and named actors in the log: what the list's filters can be set to. */
  facets(): Promise<{ actions: string[]; actors: { type: AuditActor['type']; name: string }[] }> {
    return this.entries.facets() as Promise<{ actions: string[]; actors: { type: AuditActor['type']; name: string }[] }>;
  }

  /**
   * Walks the whole log in seq order, a page at a time, and reports the first entry that does not
   * hold: 'missing seq' (a gap, the seq that should be there), 'broken link to previous'
   * (prev_hash is not the previous entry's hash), 'hash mismatch' (a field or the hash was edited),
   * 'bad signature'. `entries` is the number of entries in the log. Sets nf_audit_chain_ok.
   * It cannot see the newest entries cut off the end: compare the head with what you expect.
   * Links and hashes are checked on every call; ML-DSA-65 signatures only where the last call did not
   * already verify them unchanged (VerifiedPrefixCache), so repeated calls cost the new entries, not the log.
   */
  async verifyChain(): Promise<AuditChainReport> {
    await this.signer.refresh();
    const genesis = { seq: 0, hash: GENESIS_HASH };
    const trusting = this.verified.trustingWalk();
    let walk = await this.walk(genesis, Infinity, trusting);
    // A break inside the trusted prefix was found with its signatures unchecked: an earlier entry's
    // forged signature would be missed, so the verdict there comes from a walk that checks them all.
    const brokeInPrefix = walk.firstBroken !== undefined && trusting.trusts(walk.firstBroken.seq);
    if (walk.untrusted || brokeInPrefix) walk = await this.walk(genesis, Infinity, new PrefixWalk());
    this.verified.keep(walk.prefix);
    const ok = walk.firstBroken === undefined;
    if (ok) this.metrics.chainOk.set(1);
    else this.reportBreak(walk.firstBroken!);
    const checkedAt = Date.now();
    return ok ? { ok, entries: walk.head.seq, checkedAt } : { ok, entries: await this.entries.count(), firstBroken: walk.firstBroken, checkedAt };
  }

  /**
   * Verifies only what follows `after` (an entry an earlier call found to hold), at most `limit`
   * entries, the first linked to after.hash: the cost is the new entries, not the log. `after`
   * itself is read again and must still carry its hash (a SHA-256, no signature), so deleting or
   * editing it shows; an edit further back does not (verifyChain, GET /audit/verify, walks it all).
   * nf_audit_chain_ok goes to 0 on a break and is otherwise left to verifyChain: a partial walk
   * cannot vouch for the whole log.
   */
  async verifyAfter(after: ChainHead, limit: number): Promise<AuditChainProgress> {
    let progress: AuditChainProgress;
    const anchorBroken = after.seq > 0 ? await this.anchorReason(after) : undefined;
    if (anchorBroken) {
      progress = { ok: false, head: after, verified: 0, complete: false, firstBroken: { seq: after.seq, reason: anchorBroken } };
    } else {
      const walk = await this.walk(after, limit);
      progress = { ok: walk.firstBroken === undefined, ...walk };
    }
    if (!progress.ok) this.reportBreak(progress.firstBroken!);
    return progress;
  }

  private reportBreak({ seq, reason }: NonNullable<AuditChainReport['firstBroken']>): void {
    this.metrics.chainOk.set(0);
    this.logger.error(`audit chain broken at seq ${seq}: ${reason}`);
  }

  /**
   * Verifies entries after `from` in seq order, up to `limit`, stopping at the first that does
   * not hold. Yields to the event loop every few signatures (each a synchronous ML-DSA-65
   * verification of a few ms) so a long walk never stalls requests for long. A full walk from genesis
   * passes `tracking`: it decides which signatures to verify and records the prefix the walk verified.
   */
  private async walk(from: ChainHead, limit: number, tracking?: PrefixWalk): Promise<Walk> {
    let head = from;
    let verified = 0;
    let signatures = 0;
    for (;;) {
      if (verified >= limit) return { head, verified, complete: (await this.entries.pageAfter(head.seq, 1)).length === 0 };
      const page = await this.entries.pageAfter(head.seq, Math.min(VERIFY_PAGE, limit - verified));
      if (page.length === 0) {
        // Ended before the trusted head (entries cut off the end): its digest was never compared, so trust nothing.
        if (tracking?.endsShort(head)) return { head, verified, complete: false, untrusted: true };
        return { head, verified, complete: true, ...(tracking ? { prefix: tracking.verifiedTo(head) } : {}) };
      }
      for (const entry of page) {
        const expectedSeq = head.seq + 1;
        const checkSignature = tracking?.needsSignature(entry) ?? true;
        const reason = entry.seq !== expectedSeq ? 'missing seq' : this.brokenReason(entry, head.hash, checkSignature);
        if (reason) return { head, verified, complete: false, firstBroken: { seq: reason === 'missing seq' ? expectedSeq : entry.seq, reason } };
        head = { seq: entry.seq, hash: entry.hash };
        if (tracking && !tracking.add(entry)) return { head, verified, complete: false, untrusted: true };
        verified++;
        if (checkSignature && ++signatures % VERIFY_YIELD_EVERY === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
  }

  /** Why the entry a verification resumes from no longer holds, if it does not. */
  private async anchorReason(anchor: ChainHead): Promise<string | undefined> {
    const [entry] = await this.entries.pageAfter(anchor.seq - 1, 1);
    if (entry?.seq !== anchor.seq) return 'missing seq';
    if (entry.hash !== anchor.hash || entryHash(entry) !== entry.hash) return 'hash mismatch';
    return undefined;
  }

  private brokenReason(entry: AuditEntryEntity, prevHash: string, checkSignature = true): string | undefined {
    if (entry.prevHash !== prevHash) return 'broken link to previous';
    if (entryHash(entry) !== entry.hash) return 'hash mismatch';
    if (!checkSignature) return undefined;
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
  let details = input.details ?? {};
  if (!isPlainObject(details)) throw new AuditInputError('audit: details must be a plain JSON object');
  if (ACTOR_ROLE_KEY in details) throw new AuditInputError(`audit: details.${ACTOR_ROLE_KEY} is set from actor.role, not by callers`);
  if (actor.role !== undefined) {
    if (!ROLES.has(actor.role)) throw new AuditInputError(`audit: actor.role must be one of ${[...ROLES].join(', ')}`);
    details = { ...details, [ACTOR_ROLE_KEY]: actor.role };
  }
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

function pageLimit(limit: number | undefined): number {
  const requested = Number.isFinite(limit) ? Math.trunc(limit!) : DEFAULT_LIMIT;
  return Math.min(Math.max(requested, 1), MAX_LIST_LIMIT);
}

/** An entry without its chain fields (hash, link, signature): what a list needs. */
export function toSummary(entry: AuditEntrySummaryView | AuditEntryView): AuditEntrySummaryView {
  const { seq, at, actor, action, target, details, keyVersionBefore, keyVersionAfter } = entry;
  return { seq, at, actor, action, target, details, keyVersionBefore, keyVersionAfter };
}

function toView(entry: AuditEntryEntity): AuditEntryView {
  const details = JSON.parse(entry.details) as Record<string, unknown>;
  const role = details[ACTOR_ROLE_KEY];
  return {
    seq: entry.seq,
    at: entry.at,
    actor: {
      type: entry.actorType as AuditActor['type'],
      id: entry.actorId,
      name: entry.actorName,
      role: typeof role === 'string' && ROLES.has(role) ? (role as 'admin' | 'viewer') : null,
    },
    action: entry.action,
    target: entry.target,
    details,
    keyVersionBefore: entry.keyVersionBefore,
    keyVersionAfter: entry.keyVersionAfter,
    prevHash: entry.prevHash,
    hash: entry.hash,
    signature: entry.signature,
    sigKeyVersion: entry.sigKeyVersion,
  };
}
