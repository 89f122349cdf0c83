import { createHash } from 'node:crypto';
import { AuditEntryEntity } from './audit.entity';
import { ChainHead } from './audit.repository';

/**
 * What the last full walk found to hold: the log up to `head`, a digest of every entry's signature fields
 * there, and for each key version the seq of one entry it signed. The next walk re-checks links and hashes
 * (SHA-256, cheap) everywhere but verifies signatures only after `head`, plus those samples (so a key version
 * that no longer verifies shows); if the digest differs, a signature was changed and the walk starts over
 * verifying every one.
 */
export interface VerifiedPrefix {
  head: ChainHead;
  digest: string;
  samples: ReadonlyMap<number, number>;
}

type SignedEntry = Pick<AuditEntryEntity, 'seq' | 'hash' | 'sigKeyVersion' | 'signature'>;

/**
 * The prefix of the log whose ML-DSA-65 signatures the last full walk (AuditService.verifyChain) verified,
 * so that repeated walks cost the new entries' signatures, not the log's. Held in memory, per replica.
 */
export class VerifiedPrefixCache {
  private verified?: VerifiedPrefix;

  /** A full walk from genesis that trusts the remembered prefix (if any). */
  trustingWalk(): PrefixWalk {
    return new PrefixWalk(this.verified);
  }

  /** What the next walk may trust: the prefix of a complete, unbroken walk, or nothing. */
  keep(prefix: VerifiedPrefix | undefined): void {
    this.verified = prefix;
  }
}

/**
 * One full walk from genesis, entry by entry in seq order: which signatures it must verify given the prefix it
 * trusts (without one, every signature), whether that prefix still holds, and the prefix it leaves for the next.
 */
export class PrefixWalk {
  private readonly digest = createHash('sha256');
  private readonly samples = new Map<number, number>();

  constructor(private readonly trusted?: VerifiedPrefix) {}

  /** Past the trusted prefix, or its key version's sample inside it. */
  needsSignature(entry: SignedEntry): boolean {
    const trusted = this.trusted;
    return !trusted || entry.seq > trusted.head.seq || trusted.samples.get(entry.sigKeyVersion) === entry.seq;
  }

  /** Whether `seq` lies inside the trusted prefix, where most signatures went unchecked. */
  trusts(seq: number): boolean {
    return this.trusted !== undefined && seq <= this.trusted.head.seq;
  }

  /**
   * Takes in an entry that held. False when it is the trusted prefix's head and the prefix's signature fields
   * changed since: then the signatures the walk skipped cannot be trusted.
   */
  add(entry: SignedEntry): boolean {
    this.digest.update(`${entry.seq} ${entry.hash} ${entry.sigKeyVersion} ${entry.signature}\n`);
    if (!this.samples.has(entry.sigKeyVersion)) this.samples.set(entry.sigKeyVersion, entry.seq);
    const trusted = this.trusted;
    if (!trusted || entry.seq !== trusted.head.seq) return true;
    return entry.hash === trusted.head.hash && this.digest.copy().digest('hex') === trusted.digest;
  }

  /** Whether the log ended at `head` before the trusted prefix did (entries cut off the end): its digest was never compared. */
  endsShort(head: ChainHead): boolean {
    return this.trusted !== undefined && head.seq < this.trusted.head.seq;
  }

  /** The prefix up to `head`, the end of a complete, unbroken walk. */
  verifiedTo(head: ChainHead): VerifiedPrefix {
    return { head, digest: this.digest.digest('hex'), samples: this.samples };
  }
}
