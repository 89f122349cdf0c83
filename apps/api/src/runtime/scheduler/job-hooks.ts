import { HttpStatus, Injectable, Logger } from '@nestjs/common';
import { V2Error } from '../api/v2.errors';
import { ModelHandle } from '../runtime.types';
import { InferenceMetrics, InferenceOutcome } from './inference.metrics';

/** One inference job as the hooks see it, before it may enter a model's queue. */
export interface InferenceJob {
  readonly handle: ModelHandle;
  /** Tenant id (never shown to other tenants; telemetry keys it by pseudonym). */
  readonly tenant: string;
  /** Who within the tenant sent it (the API key id; absent for anonymous traffic). */
  readonly contributor?: string;
  readonly rows: number;
  readonly inputBytes: number;
}

/** How a job ended, for the hooks' after phase. */
export interface JobResult {
  readonly outcome: InferenceOutcome;
  /** Server time from admission to the end of the job. */
  readonly seconds: number;
  readonly outputBytes: number;
}

/**
 * A step every job passes. `before` runs before the job may enter its queue and refuses it by
 * throwing (a V2Error names the HTTP status). `after` runs once the job has settled, for every
 * hook whose `before` returned or that has none, whatever the outcome; it must not throw.
 */
export interface JobHook {
  readonly name: string;
  before?(job: InferenceJob): void | Promise<void>;
  after?(job: InferenceJob, result: JobResult): void;
}

/**
 * The hook chain run around every job, in registration order. Hooks are registered
 * during bootstrap (createApp, used by main.ts) before the listener opens; once the first job
 * has run the chain is fixed, so no job ever sees a different set of checks than the next.
 */
@Injectable()
export class JobHookChain {
  private readonly logger = new Logger(JobHookChain.name);
  private readonly hooks: JobHook[] = [];
  private started = false;

  register(...hooks: JobHook[]): void {
    if (this.started) throw new Error('job hooks must be registered before the first job runs');
    for (const hook of hooks) {
      if (this.hooks.some((h) => h.name === hook.name)) throw new Error(`job hook "${hook.name}" is registered twice`);
      this.hooks.push(hook);
    }
  }

  names(): string[] {
    return this.hooks.map((h) => h.name);
  }

  /** Runs the job through every `before`, then `run`; the `after` of each hook that let it pass sees the result. */
  async around<T>(job: InferenceJob, run: () => Promise<T>, outputBytes: (value: T) => number): Promise<T> {
    this.started = true;
    const started = performance.now();
    let passed = 0;
    let outcome: InferenceOutcome = 'error';
    let bytes = 0;
    try {
      for (const hook of this.hooks) {
        // Only an asynchronous check is awaited: the built-in ones are synchronous, and each await is a turn of the microtask queue per job.
        const check = hook.before?.(job);
        if (check !== undefined) await check;
        passed++;
      }
      const value = await run();
      bytes = outputBytes(value);
      outcome = 'ok';
      return value;
    } catch (error) {
      outcome = outcomeOf(error);
      throw error;
    } finally {
      const result: JobResult = { outcome, seconds: (performance.now() - started) / 1000, outputBytes: bytes };
      this.hooks.forEach((hook, i) => {
        // A hook behind the one that refused never saw the job, unless it has no `before` at all.
        if (!hook.after || (i >= passed && hook.before)) return;
        try {
          hook.after(job, result);
        } catch (error) {
          this.logger.error(`job hook "${hook.name}" failed after a job: ${(error as Error).message}`);
        }
      });
    }
  }
}

/** Maps an error to the bounded outcome label of the inference metrics. */
export function outcomeOf(error: unknown): InferenceOutcome {
  if (error instanceof TenantRateLimited) return 'rate_limited';
  const status = error instanceof V2Error ? error.status : (error as { getStatus?: () => number })?.getStatus?.();
  switch (status) {
    case HttpStatus.BAD_REQUEST:
      return 'bad_request';
    case HttpStatus.TOO_MANY_REQUESTS:
      return 'queue_full';
    case HttpStatus.GATEWAY_TIMEOUT:
      return 'deadline';
    case HttpStatus.NOT_FOUND:
    case HttpStatus.SERVICE_UNAVAILABLE:
      return 'unavailable';
    default:
      return 'error';
  }
}

/** The model must be READY: a reload or unload in progress answers 503, never a stale run. */
export const modelReadyHook: JobHook = {
  name: 'model-ready',
  before: ({ handle }) => {
    if (handle.state !== 'READY') throw new V2Error(HttpStatus.SERVICE_UNAVAILABLE, `model ${handle.name} is ${handle.state}`, 1);
  },
};

/** Production never serves simulated results unless the operator allowed the mock explicitly. */
export function simulationPolicyHook(production: boolean, allowMockInProduction: boolean): JobHook {
  return {
    name: 'simulation-policy',
    before: ({ handle }) => {
      if (production && handle.simulated && !allowMockInProduction) {
        throw new V2Error(HttpStatus.SERVICE_UNAVAILABLE, `model ${handle.name} would run on the simulated runtime, which production refuses`);
      }
    },
  };
}

/** 429 from tenant admission, told apart from a full model queue in the metrics. */
export class TenantRateLimited extends V2Error {}

/**
 * Per-tenant request rate (a token bucket per tenant: `ratePerSecond` sustained, `burst` at once);
 * over it, 429 with the seconds until the next request would be admitted. 0 = no limit.
 */
export function tenantAdmissionHook(ratePerSecond: number, burst: number, now: () => number): JobHook {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    name: 'tenant-admission',
    before: ({ tenant }) => {
      if (ratePerSecond === 0) return;
      const t = now();
      const bucket = buckets.get(tenant) ?? { tokens: burst, at: t };
      bucket.tokens = Math.min(burst, bucket.tokens + ((t - bucket.at) / 1000) * ratePerSecond);
      bucket.at = t;
      buckets.set(tenant, bucket);
      if (bucket.tokens < 1) {
        const retryAfter = Math.max(1, Math.ceil((1 - bucket.tokens) / ratePerSecond));
        throw new TenantRateLimited(HttpStatus.TOO_MANY_REQUESTS, `tenant request rate above ${ratePerSecond}/s (burst ${burst}); retry after ${retryAfter} s`, retryAfter);
      }
      bucket.tokens -= 1;
    },
  };
}

/** nf_inference_requests_total and nf_inference_duration_seconds for every job, whatever its outcome. */
export function metricsHook(metrics: InferenceMetrics): JobHook {
  return {
    name: 'metrics',
    after: ({ handle }, { outcome, seconds }) => {
      metrics.requests.inc(handle.name, outcome);
      metrics.duration.observe(seconds, handle.name);
    },
  };
}
