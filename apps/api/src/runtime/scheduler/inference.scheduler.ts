import { availableParallelism } from 'node:os';
import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { InjectSettings } from '../../env/env.module';
import { Settings } from '../../env/env.schema';
import { Clock } from '../../lifecycle/clock';
import { ModelHandle, Tensor } from '../runtime.types';
import { BatchPolicy, describeBatchPolicy, resolveBatchPolicy } from './dynamic-batching';
import { InferenceMetrics, InferenceOutcome } from './inference.metrics';
import { JobHookChain } from './job-hooks';
import { ModelQueue } from './model-queue';

export interface InferOptions {
  tenant: string;
  /** Who within the tenant sent it (the API key id), for telemetry's contributor count; never stored. */
  contributor?: string;
  /** Rows along dim 0 (1 for models without batching). */
  rows: number;
  /** Relative deadline; the default is INFER_DEFAULT_DEADLINE_MS. */
  deadlineMs?: number;
}

/** Runs (batches) in flight per model: enough to keep the worker threads busy, few enough to batch. */
export const RUNS_PER_MODEL = Math.max(1, Math.min(4, availableParallelism()));

/**
 * An event-loop model runs one batch at a time (its runs take turns on the main thread anyway), so
 * what arrives during a run waits for the next one and goes in one batch rather than several.
 */
export const runsFor = (handle: Pick<ModelHandle, 'execution'>) => (handle.execution === 'event-loop' ? 1 : RUNS_PER_MODEL);

/**
 * Every inference goes through here: one bounded, tenant-fair queue per model version, with
 * deadlines and dynamic batching. The work itself runs in the model handle (worker threads).
 */
@Injectable()
export class InferenceScheduler implements OnApplicationShutdown {
  private readonly queues = new Map<string, { handle: ModelHandle; queue: ModelQueue }>();

  constructor(
    @InjectSettings() private readonly settings: Settings,
    private readonly clock: Clock,
    private readonly metrics: InferenceMetrics,
    private readonly hooks: JobHookChain,
  ) {
    metrics.queueCapacity.set(settings.inference.queueCapacity);
    metrics.readQueueDepths(() => {
      const depths = new Map<string, number>();
      for (const { handle, queue } of this.queues.values()) depths.set(handle.name, (depths.get(handle.name) ?? 0) + queue.depth);
      return depths;
    });
  }

  infer(handle: ModelHandle, inputs: Tensor[], options: InferOptions): Promise<Tensor[]> {
    const deadlineMs = options.deadlineMs ?? this.settings.inference.defaultDeadlineMs;
    const job = { handle, tenant: options.tenant, contributor: options.contributor, rows: options.rows, inputBytes: tensorBytes(inputs) };
    const run = () => this.queueFor(handle).submit({ tenant: options.tenant, inputs, rows: options.rows, deadline: this.clock.now() + deadlineMs });
    return this.hooks.around(job, run, tensorBytes);
  }

  /** Counts a request refused before it reached a queue (validation, unknown version, not ready). */
  refused(model: string, outcome: InferenceOutcome): void {
    this.metrics.requests.inc(model, outcome);
  }

  /** Queued and running counts per model version, for metadata. */
  stats(name: string, version: string): { queued: number; running: number } | undefined {
    const entry = this.queues.get(`${name}@${version}`);
    return entry && { queued: entry.queue.depth, running: entry.queue.running };
  }

  /** The batching a model runs with: its config.json's `dynamic_batching` over the service defaults. */
  batchPolicy(handle: Pick<ModelHandle, 'maxBatchSize' | 'dynamicBatching'>): BatchPolicy {
    const { dynamicBatching, batchMaxDelayMs } = this.settings.inference;
    return resolveBatchPolicy(handle.maxBatchSize, handle.dynamicBatching, { enabled: dynamicBatching, delayMs: batchMaxDelayMs });
  }

  /** `parameters.dynamic_batching` in model metadata: false, or the policy in config.json's spelling. */
  describeBatching(handle: Pick<ModelHandle, 'maxBatchSize' | 'dynamicBatching'>) {
    return describeBatchPolicy(this.batchPolicy(handle));
  }

  /** Refuses what is still queued for a model (it is being unloaded). */
  drop(name: string): void {
    for (const [key, entry] of this.queues) {
      if (entry.handle.name !== name) continue;
      entry.queue.close();
      this.queues.delete(key);
    }
  }

  onApplicationShutdown(): void {
    for (const { queue } of this.queues.values()) queue.close();
    this.queues.clear();
  }

  private queueFor(handle: ModelHandle): ModelQueue {
    const key = `${handle.name}@${handle.version}`;
    const entry = this.queues.get(key);
    if (entry) {
      // A reload hands out a new handle (and perhaps a new config); the queue and its waiting jobs carry on with it.
      if (entry.handle !== handle) {
        entry.handle = handle;
        entry.queue.setRunner((inputs) => handle.infer(inputs));
        entry.queue.setBatching(this.batchPolicy(handle), runsFor(handle));
      }
      return entry.queue;
    }
    const model = handle.name;
    const queue = new ModelQueue({
      capacity: this.settings.inference.queueCapacity,
      batching: this.batchPolicy(handle),
      concurrency: runsFor(handle),
      clock: this.clock,
      // Deadlines are on the service clock (whole ms); batch delays are microseconds.
      batchClock: performance,
      run: (inputs) => handle.infer(inputs),
      onBatch: (rows) => this.metrics.batchSize.observe(rows, model),
    });
    this.queues.set(key, { handle, queue });
    return queue;
  }
}

function tensorBytes(tensors: Tensor[]): number {
  return tensors.reduce((sum, t) => sum + (Array.isArray(t.data) ? t.data.reduce((n, s) => n + Buffer.byteLength(s), 0) : t.data.byteLength), 0);
}
