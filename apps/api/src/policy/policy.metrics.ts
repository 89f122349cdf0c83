import { PolicyId, PolicyStatus } from '@nf/contracts';
import { Counter, Gauge, register, Registry } from 'prom-client';

export const POLICY_STATUS_VALUE: Record<PolicyStatus, number> = { pass: 1, warn: 0.5, fail: 0 };

/**
 * nf_policy_* and nf_telemetry_*: the only telemetry exposure (Prometheus, policy P4). The tenant
 * label holds a pseudonym or "other", never a tenant id, and at most TELEMETRY_EXPORT_TOP_TENANTS + 1 values.
 */
export class PolicyMetrics {
  readonly status: Gauge<'policy'>;
  readonly requests: Gauge<'tenant'>;
  readonly errors: Gauge<'tenant'>;
  readonly latencyP95: Gauge<'tenant'>;
  readonly receivedBytes: Gauge<'tenant'>;
  readonly sentBytes: Gauge<'tenant'>;
  readonly suppressed: Gauge;
  readonly purged: Counter;
  readonly flushFailures: Counter;
  readonly droppedBuckets: Counter;

  constructor(registry: Registry = register) {
    const registers = [registry];
    const window = 'in the last complete telemetry window (5 min), by tenant pseudonym (top tenants by volume, else "other"; tenants under k contributors left out)';
    this.status = new Gauge({
      name: 'nf_policy_status',
      help: 'Last evaluation of each policy of docs/policies/model_telemetry.md: 1 pass, 0.5 warn, 0 fail',
      labelNames: ['policy'],
      registers,
    });
    this.requests = new Gauge({ name: 'nf_telemetry_requests', help: `Inference requests ${window}`, labelNames: ['tenant'], registers });
    this.errors = new Gauge({ name: 'nf_telemetry_errors', help: `Inference requests that did not succeed ${window}`, labelNames: ['tenant'], registers });
    this.latencyP95 = new Gauge({
      name: 'nf_telemetry_latency_p95_seconds',
      help: `Upper bound of the 95th-percentile inference latency ${window}`,
      labelNames: ['tenant'],
      registers,
    });
    this.receivedBytes = new Gauge({ name: 'nf_telemetry_received_bytes', help: `Inference input bytes ${window}`, labelNames: ['tenant'], registers });
    this.sentBytes = new Gauge({ name: 'nf_telemetry_sent_bytes', help: `Inference output bytes ${window}`, labelNames: ['tenant'], registers });
    this.suppressed = new Gauge({
      name: 'nf_telemetry_suppressed_tenants',
      help: 'Tenants left out of the last telemetry window export: fewer distinct contributors than TELEMETRY_K_ANONYMITY',
      registers,
    });
    this.purged = new Counter({ name: 'nf_telemetry_purged_aggregates_total', help: 'Telemetry aggregates deleted by the retention purge', registers });
    this.flushFailures = new Counter({ name: 'nf_telemetry_flush_failures_total', help: 'Telemetry flushes to the database that failed (retried on the next one)', registers });
    this.droppedBuckets = new Counter({
      name: 'nf_telemetry_dropped_buckets_total',
      help: 'Closed telemetry buckets dropped from memory before the database took them (it was unavailable for too long)',
      registers,
    });
  }

  setStatus(policy: PolicyId, status: PolicyStatus): void {
    this.status.set({ policy }, POLICY_STATUS_VALUE[status]);
  }
}
