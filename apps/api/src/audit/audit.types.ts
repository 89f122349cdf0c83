import type { AdminRole, AuditActorType, AuditChainReport, AuditEntrySummaryView, AuditEntryView } from '@nf/contracts';

/**
 * Who did something. `id` and `name` are free text (an admin id, a CLI user, a replica id). `role`:
 * a signed-in account's role as it is now, recorded with the entry (details.actorRole) so the entry
 * keeps the role the actor had at the time.
 */
export interface AuditActor {
  type: AuditActorType;
  id?: string;
  name?: string;
  role?: AdminRole;
}

/** What a caller hands to AuditService.record. */
export interface AuditInput {
  actor: AuditActor;
  action: string;
  target?: string;
  details?: Record<string, unknown>;
  keyVersionBefore?: number;
  keyVersionAfter?: number;
}

/** One stored entry, every field included (signature too), as the API returns it; and without the chain fields. */
export type { AuditEntrySummaryView, AuditEntryView };

export interface AuditFilter {
  action?: string;
  actorId?: string;
  /** Exact actor name (what the dashboard shows and filters by). */
  actorName?: string;
  /** Epoch ms, inclusive. */
  since?: number;
  /** Epoch ms, inclusive. */
  until?: number;
  /** 1..500, default 50. */
  limit?: number;
  /** Only entries with seq below this (the next page of a newest-first listing). */
  beforeSeq?: number;
  /** Only entries with seq above this: the page just newer than one starting at afterSeq + 1 (its oldest entries, still newest first). */
  afterSeq?: number;
}

export type { AuditChainReport };
