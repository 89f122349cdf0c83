import { PolicyCheckView, PolicyId, PolicyStatus } from '@nf/contracts';
import { CumulativeBucket, quantileUpperBound } from './histogram';

/** A policy check before it is stamped with its time. */
export type PolicyCheck = Omit<PolicyCheckView, 'checkedAt'>;

export const POLICY_NAMES: Record<PolicyId, string> = {
  P1: 'Data Privacy',
  P2: 'Secrets & Signing',
  P3: 'Execution Safety',
  P4: 'Observability',
  P6: 'Performance Budget',
  P7: 'Resilience',
};
export const POLICY_IDS = Object.keys(POLICY_NAMES) as PolicyId[];

/** P6: the policy's model load budget (load + warmup), at the 95th percentile. */
export const LOAD_BUDGET_SECONDS = 0.8;

/**
 * Every column nf_telemetry_aggregate may have (P1). A reviewed list, kept apart from the entity on
 * purpose: a new column fails P1 until it is added here and to the policy document.
 */
export const TELEMETRY_COLUMN_ALLOW_LIST: readonly string[] = [
  'bucket_start', 'tenant_pseudonym', 'model', 'requests', 'errors', 'contributors',
  'latency_le_5ms', 'latency_le_25ms', 'latency_le_100ms', 'latency_le_250ms', 'latency_le_1000ms', 'latency_le_2500ms', 'latency_le_10000ms',
  'latency_us_sum', 'received_bytes', 'sent_bytes',
];

const ORDER: PolicyStatus[] = ['pass', 'warn', 'fail'];

export function worst(statuses: PolicyStatus[]): PolicyStatus {
  return statuses.reduce<PolicyStatus>((w, s) => (ORDER.indexOf(s) > ORDER.indexOf(w) ? s : w), 'pass');
}

export function check(id: PolicyId, status: PolicyStatus, summary: string, evidence: PolicyCheck['evidence']): PolicyCheck {
  return { id, name: POLICY_NAMES[id], status, summary, evidence };
}

/** P6 from the load-duration histogram: warn without loads, fail when the p95 bound exceeds the budget. */
export function loadBudgetCheck(buckets: readonly CumulativeBucket[], loads: number, configuredBudgetMs: number): PolicyCheck {
  const p95 = quantileUpperBound(buckets, loads, 0.95);
  const evidence = {
    loads,
    p95LoadSecondsAtMost: p95 === undefined ? null : Number.isFinite(p95) ? p95 : '+Inf',
    budgetSeconds: LOAD_BUDGET_SECONDS,
    configuredBudgetMs,
  };
  if (p95 === undefined) return check('P6', 'warn', 'no model load measured yet (nf_runtime_load_duration_seconds is empty)', evidence);
  if (p95 <= LOAD_BUDGET_SECONDS) return check('P6', 'pass', `95% of ${loads} model loads took at most ${p95 * 1000} ms (budget 800 ms)`, evidence);
  return check('P6', 'fail', `the 95th-percentile model load exceeds the 800 ms budget (${loads} loads)`, evidence);
}
