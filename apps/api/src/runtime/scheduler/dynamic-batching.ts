/**
 * Dynamic batching per model, configured as Triton's `dynamic_batching` in models/<m>/config.json:
 *
 *   "dynamic_batching": { "preferred_batch_size": [16, 32, 64], "max_queue_delay_microseconds": 500 }
 *
 * absent = the service defaults (INFER_DYNAMIC_BATCHING, INFER_BATCH_MAX_DELAY_US); `false` = off;
 * `true` or `{}` = on with the default delay. Batches form along dim 0, so it needs maxBatchSize > 0.
 */
export interface DynamicBatchingConfig {
  /** Ascending, distinct, each 1..maxBatchSize; empty = only maxBatchSize is preferred. */
  preferredBatchSizes: number[];
  /** Omitted: INFER_BATCH_MAX_DELAY_US. */
  maxQueueDelayUs?: number;
}

/** What a model's config says: a policy, off, or nothing (the service defaults apply). */
export type DynamicBatchingSetting = DynamicBatchingConfig | false | undefined;

const KNOWN_FIELDS = ['preferred_batch_size', 'max_queue_delay_microseconds'];
export const MAX_QUEUE_DELAY_US = 1_000_000;

/** Validates `dynamic_batching`; `fail` names the file (the caller knows it). */
export function parseDynamicBatching(raw: unknown, maxBatchSize: number, fail: (why: string) => never): DynamicBatchingSetting {
  if (raw === undefined || raw === false) return raw;
  if (raw !== true && (typeof raw !== 'object' || raw === null || Array.isArray(raw))) {
    fail('dynamic_batching must be an object, true or false');
  }
  if (maxBatchSize === 0) fail('dynamic_batching needs maxBatchSize > 0 (batches form along the first dim)');
  if (raw === true) return { preferredBatchSizes: [] };
  const config = raw as Record<string, unknown>;
  for (const key of Object.keys(config)) {
    if (!KNOWN_FIELDS.includes(key)) fail(`dynamic_batching.${key} is not supported (known fields: ${KNOWN_FIELDS.join(', ')})`);
  }
  const preferred = config.preferred_batch_size ?? [];
  if (!Array.isArray(preferred)) fail('dynamic_batching.preferred_batch_size must be an array of batch sizes');
  preferred.forEach((size: unknown, i) => {
    if (!Number.isInteger(size) || (size as number) < 1 || (size as number) > maxBatchSize) {
      fail(`dynamic_batching.preferred_batch_size[${i}] must be an integer from 1 to maxBatchSize (${maxBatchSize})`);
    }
  });
  const delay = config.max_queue_delay_microseconds;
  if (delay !== undefined && (!Number.isInteger(delay) || (delay as number) < 0 || (delay as number) > MAX_QUEUE_DELAY_US)) {
    fail(`dynamic_batching.max_queue_delay_microseconds must be an integer from 0 to ${MAX_QUEUE_DELAY_US}`);
  }
  const sizes = [...new Set(preferred as number[])].sort((a, b) => a - b);
  return { preferredBatchSizes: sizes, ...(delay !== undefined ? { maxQueueDelayUs: delay as number } : {}) };
}

/** The policy a model's queue runs with. maxBatchSize 0 = every job runs alone. */
export interface BatchPolicy {
  maxBatchSize: number;
  /** Ascending; a batch of one of these sizes is sent as soon as that many rows wait. */
  preferred: number[];
  delayMs: number;
}

export const UNBATCHED: BatchPolicy = { maxBatchSize: 0, preferred: [], delayMs: 0 };

/** A model's config over the service defaults. */
export function resolveBatchPolicy(maxBatchSize: number, setting: DynamicBatchingSetting, defaults: { enabled: boolean; delayMs: number }): BatchPolicy {
  if (maxBatchSize === 0 || setting === false || (setting === undefined && !defaults.enabled)) return UNBATCHED;
  return {
    maxBatchSize,
    preferred: setting?.preferredBatchSizes ?? [],
    delayMs: setting?.maxQueueDelayUs !== undefined ? setting.maxQueueDelayUs / 1000 : defaults.delayMs,
  };
}

/** As metadata shows it (`parameters.dynamic_batching`), in config.json's spelling; false when off. */
export function describeBatchPolicy(policy: BatchPolicy): false | { preferred_batch_size: number[]; max_queue_delay_microseconds: number } {
  if (policy.maxBatchSize === 0) return false;
  return { preferred_batch_size: policy.preferred, max_queue_delay_microseconds: Math.round(policy.delayMs * 1000) };
}

/** What the queue sees when it may start a run. */
export interface QueueView {
  /** Rows waiting, all tenants. */
  queuedRows: number;
  /** How long the oldest waiting job has waited. */
  oldestWaitedMs: number;
  /** Time left before the earliest deadline among waiting jobs. */
  earliestDeadlineInMs: number;
  /** What a run is expected to take (recent average). */
  runMs: number;
}

/**
 * Triton's batch forming: a full batch (maxBatchSize rows) or the largest preferred size that the
 * waiting rows reach goes at once; otherwise wait until the oldest job has waited the delay, then
 * send the largest batch available. Never wait so long that a waiting job could no longer finish
 * before its deadline (earliest deadline less a run's expected time): that would only let it expire. Returns the most rows to take now, or how long to wait.
 */
export function formBatch(policy: BatchPolicy, view: QueueView): { rows: number } | { waitMs: number } {
  const { maxBatchSize, preferred, delayMs } = policy;
  if (maxBatchSize === 0) return { rows: 1 };
  if (view.queuedRows >= maxBatchSize) return { rows: maxBatchSize };
  for (let i = preferred.length - 1; i >= 0; i--) if (preferred[i] <= view.queuedRows) return { rows: preferred[i] };
  const waitMs = Math.min(delayMs - view.oldestWaitedMs, view.earliestDeadlineInMs - view.runMs);
  return waitMs > 0 ? { waitMs } : { rows: maxBatchSize };
}
