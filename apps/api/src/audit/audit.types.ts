import type { AuditActorType, AuditChainReport, AuditEntryView } from '@nf/contracts';

/** Who did something. `id` and `name` are free text (an admin id, a CLI user, a replica id). */
export interface AuditActor {
  type: AuditActorType;
  id?: string;
  name?: string;
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

/** One stored entry, every field included (signature too), as the API returns it. */
export type { AuditEntryView };

export interface AuditFilter {
  action?: string;
  actorId?: string;
  /** Epoch ms, inclusive. */
  since?: number;
  /** Epoch ms, inclusive. */
  until?: number;
  /** 1..500, default 50. */
  limit?: number;
  /** Only entries with seq below this (the next page of a newest-first listing). */
  beforeSeq?: number;
}

export type { AuditChainReport };
