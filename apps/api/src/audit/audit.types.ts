/** Who did something. `id` and `name` are free text (an admin id, a CLI user, a replica id). */
export interface AuditActor {
  type: 'admin' | 'system' | 'cli' | 'anonymous';
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
export interface AuditEntryView {
  seq: number;
  at: number;
  actor: { type: AuditActor['type']; id: string | null; name: string | null };
  action: string;
  target: string | null;
  details: Record<string, unknown>;
  keyVersionBefore: number | null;
  keyVersionAfter: number | null;
  prevHash: string;
  hash: string;
  /** base64url ML-DSA-65 signature over the 32 hash bytes, context AUDIT_SIGNATURE_CONTEXT. */
  signature: string;
  sigKeyVersion: number;
}

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

export interface AuditChainReport {
  ok: boolean;
  entries: number;
  firstBroken?: { seq: number; reason: string };
}
