/** Shapes shared by the API and its clients (dashboard, SDK), so the two cannot drift. */

/** Every error response: one shape, an id that also appears in the server log. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  errorId: string;
  /** Machine-readable reason where the API defines one (e.g. PQC protocol error codes). */
  code?: string;
  /** Validation failures keyed by field path. */
  errors?: Record<string, string>;
}

export type ProbeName = 'live' | 'ready' | 'startup';

/** Policies from the model telemetry policy (docs/policies/model_telemetry.md); P5 is not defined there. */
export type PolicyId = 'P1' | 'P2' | 'P3' | 'P4' | 'P6' | 'P7';
export type PolicyStatus = 'pass' | 'warn' | 'fail';

/** One live policy check: what was looked at (evidence) and what it concluded. */
export interface PolicyCheckView {
  id: PolicyId;
  name: string;
  status: PolicyStatus;
  /** One sentence an operator can act on. */
  summary: string;
  /** The facts the status was derived from, named (no secrets). */
  evidence: Record<string, string | number | boolean | null>;
  /** ISO-8601 time of the check. */
  checkedAt: string;
}

/** GET /policies: the policy document the service enforces, and every policy's live check. */
export interface PoliciesView {
  document: { path: string; present: boolean; version: string | null; expectedVersion: string };
  /** The worst status of all policies. */
  overall: PolicyStatus;
  policies: PolicyCheckView[];
}

/** POST /auth/login and GET /auth/me: the signed-in admin and the CSRF token for mutating requests. */
export interface SessionView {
  admin: { id: string; name: string; role: 'admin' | 'viewer' };
  csrfToken: string;
  mustChangePassword: boolean;
  /** Epoch ms: idle or absolute expiry, whichever comes first. */
  expiresAt: number;
}

export type EffectiveKeyState = 'active' | 'verify-only' | 'retired';

export interface KeyVersionView {
  version: number;
  state: EffectiveKeyState;
  createdAt: string;
  verifyUntil?: string;
  /** Below the keystore's minimum version: serves nothing, even inside its grace window. */
  belowMinimum: boolean;
  /** The version's identity pin: SHA-256 of its ML-DSA-65 identity public key (null: its seeds cannot be read). */
  identitySha256: string | null;
  /** SHA-256 of this version's stored signed bundle for the configured suite (null: none stored); changes at every renewal. */
  fingerprint: string | null;
}

/** GET /pqc/keys. */
export interface KeysView {
  activeVersion: number;
  minVersion: number;
  algorithm: string;
  /** The active version's identity pin (what clients pin): SHA-256 of its identity public key, as GET /pqc/handshake. */
  sha256: string;
  /** Fingerprint of the active version's signed bundle (changes at every renewal). */
  bundleSha256: string;
  /** ISO-8601 end of the active bundle's validity (it is re-signed when a third of it remains). */
  bundleNotAfter: string;
  versions: KeyVersionView[];
}

export type RotationStatus = 'PENDING' | 'APPROVED' | 'EXECUTING' | 'EXECUTED' | 'REJECTED' | 'CANCELLED' | 'EXPIRED' | 'FAILED';

/** What an approved request changes: 'rotate' makes a new key version, 'min-version' sets the minimum usable version. */
export type RotationKind = 'rotate' | 'min-version';

/** A request under the two-person rule, with its votes (GET /pqc/rotations, /pqc/rotations/:id). Times are epoch ms. */
export interface RotationView {
  id: string;
  status: RotationStatus;
  kind: RotationKind;
  reason: string;
  requester: { id: string; name: string };
  /** 'rotate': the key version it creates. 'min-version': the version active when it was requested. */
  targetKeyVersion: number;
  /** 'min-version': the minimum usable key version it sets; null for 'rotate'. */
  minVersion: number | null;
  /** 'rotate': how long the current version stays verify-only afterwards; 0 for 'min-version'. */
  graceSeconds: number;
  requestHash: string;
  approvalsRequired: number;
  approvals: { admin: { id: string; name: string }; at: number }[];
  /** `reason`: why the admin rejected (required since rejections carry one; null for older rejections). */
  rejections: { admin: { id: string; name: string }; at: number; reason: string | null }[];
  createdAt: number;
  expiresAt: number;
  decidedAt: number | null;
  executedAt: number | null;
  keyVersionAfter: number | null;
  error: string | null;
}

export type AuditActorType = 'admin' | 'system' | 'cli' | 'anonymous';

/** An admin account's role. */
export type AdminRole = 'admin' | 'viewer';

/**
 * An audit entry without its chain fields (GET /audit?view=summary): what a list shows. The actor's
 * `role` is the account's role when the entry was written (recorded in details.actorRole, so it is
 * hashed and signed with the entry); null for entries that did not record one (older entries, non-admins).
 */
export interface AuditEntrySummaryView {
  seq: number;
  at: number;
  actor: { type: AuditActorType; id: string | null; name: string | null; role: AdminRole | null };
  action: string;
  target: string | null;
  details: Record<string, unknown>;
  keyVersionBefore: number | null;
  keyVersionAfter: number | null;
}

/** One stored audit entry, every field included (signature too), as GET /audit and GET /audit/:seq return it. */
export interface AuditEntryView extends AuditEntrySummaryView {
  prevHash: string;
  hash: string;
  /** base64url ML-DSA-65 signature over the 32 hash bytes. */
  signature: string;
  sigKeyVersion: number;
}

/** GET /audit: one page, newest first, and where it lies among the entries the filters match. */
export interface AuditPageView<E extends AuditEntrySummaryView = AuditEntryView> {
  entries: E[];
  /** beforeSeq for the next (older) page; absent on the last page. */
  nextBeforeSeq?: number;
  /** Entries the filters match, all pages together. */
  total: number;
  /** Matching entries newer than this page (0 on the first page): the page shows entries newer+1 .. newer+entries.length of total. */
  newer: number;
}

/** GET /audit/facets: the values the filters can take, as found in the log. */
export interface AuditFacetsView {
  actions: string[];
  actors: { type: AuditActorType; name: string }[];
}

/** GET /audit/verify. */
export interface AuditChainReport {
  ok: boolean;
  /** Entries in the log; when ok, every entry from 1 to this seq was verified. */
  entries: number;
  firstBroken?: { seq: number; reason: string };
  /** Epoch ms when this walk finished. */
  checkedAt: number;
}

/** A prom-client histogram summed over its labels: cumulative counts per finite upper bound (seconds). */
export interface HistogramSnapshot {
  bounds: number[];
  /** counts[i] = observations <= bounds[i]. */
  counts: number[];
  /** All observations (the +Inf bucket). */
  count: number;
  sum: number;
}

/**
 * One sample of the overview history ring: cumulative counters at `at` (since the process started),
 * as GET /admin/overview/history serves them. Rates come from the difference of two samples.
 */
export interface OverviewSample {
  at: number;
  /** Successful handshakes and failed ones (every outcome but ok), since start. */
  handshakes: { ok: number; failed: number };
  /** Inference requests (every outcome) and those that did not succeed, since start. */
  inference: { requests: number; failed: number };
  /** Cumulative latency bucket counts (bounds in the history), all observations, and their sum in seconds. */
  latency: { counts: number[]; count: number; sum: number };
  /** Requests waiting in every model queue at `at`. */
  queueDepth: number;
}

/** GET /admin/overview/history: the newest samples of this process, oldest first. */
export interface OverviewHistoryView {
  instanceId: string;
  /** How often a sample is taken, ms. */
  intervalMs: number;
  /** How far back the ring reaches at most, ms. */
  retentionMs: number;
  /** Upper bounds (seconds) of the latency buckets every sample's counts refer to. */
  latencyBounds: number[];
  samples: OverviewSample[];
}

/** GET /auth/mode (public): whether the service runs anything simulated, for the sign-in page's banner. */
export interface ServiceModeView {
  mode: 'simulation' | 'production';
  simulationMode: boolean;
  gpuDriverMock: boolean;
}

/**
 * GET /admin/overview: one snapshot of cumulative counters since the process started. Rates and
 * percentiles come from the difference between two snapshots.
 */
export interface OverviewView {
  /** Epoch ms when the snapshot was taken. */
  at: number;
  version: string;
  instanceId: string;
  env: ServiceModeView & { hash: string };
  handshake: {
    status: 'ok' | 'unavailable';
    /** Why the keystore cannot serve handshakes (status unavailable). */
    reason?: string;
    algorithm: string | null;
    /** The ML-KEM / ML-DSA implementation: native (Node with OpenSSL 3.5) or noble (pure JavaScript). */
    provider: 'native' | 'noble';
    activeKeyVersion: number | null;
    /** The active version's identity pin, as GET /pqc/handshake `sha256`. */
    sha256: string | null;
    /** Handshakes answered since start, by outcome: "ok" or the protocol error code. */
    outcomes: Record<string, number>;
  };
  runtime: {
    loadBudgetMs: number;
    /** Detected frameworks; simulated: a model asking for it is served by the mock runtime. */
    frameworks: { framework: string; available: boolean; version?: string; providers?: string[]; reason?: string; simulated: boolean }[];
    models: {
      name: string;
      version: string;
      state: 'LOADING' | 'READY' | 'UNAVAILABLE';
      reason?: string;
      /** What actually runs it ("mock" when simulated). */
      framework: string;
      simulated: boolean;
      /** Load + warmup of the serving version, ms (null while not READY). */
      loadMs: number | null;
      overBudget: boolean;
      queueDepth: number;
    }[];
  };
  inference: {
    /** Requests since start, by outcome (ok, bad_request, queue_full, deadline, unavailable, error). */
    outcomes: Record<string, number>;
    latency: HistogramSnapshot;
  };
}
