import { availableParallelism } from 'node:os';
import { HttpStatus, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { InjectSettings } from '../../env/env.module';
import { Settings } from '../../env/env.schema';
import { Clock } from '../../lifecycle/clock';
import { V2Error } from '../api/v2.errors';
import { ModelHandle, Tensor } from '../runtime.types';
import { InferenceMetrics, InferenceOutcome } from './inference.metrics';
import { JobHookChain } from './job-hooks';
import { ModelQueue } from './model-queue';

export interface InferOptions {
  tenant: string;
  /** Rows along dim 0 (1 for models without batching). */
  rows: number;
  /** Relative deadline; the default is INFER_DEFAULT_DEADLINE_MS. */
  deadlineMs?: number;
}

/** Runs (batches) in flight per model: enough to keep the worker threads busy, few enough to batch. */
export const RUNS_PER_MODEL = Math.max(1, Math.min(4, availableParallelism()));

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
  ) {}

  async infer(handle: ModelHandle, inputs: Tensor[], options: InferOptions): Promise<Tensor[]> {
    const started = performance.now();
    const deadlineMs = options.deadlineMs ?? this.settings.inference.defaultDeadlineMs;
    let outcome: InferenceOutcome = 'error';
    try {
      await this.hooks.run({ handle, tenant: options.tenant, rows: options.rows });
      const outputs = await this.queueFor(handle).submit({
        tenant: options.tenant,
        inputs,
        rows: options.rows,
        deadline: this.clock.now() + deadlineMs,
      });
      outcome = 'ok';
      return outputs;
    } catch (error) {
      outcome = outcomeOf(error);
      throw error;
    } finally {
      this.metrics.requests.inc({ model: handle.name, outcome });
      this.metrics.duration.observe({ model: handle.name }, (performance.now() - started) / 1000);
    }
  }

  /** Counts a request refused before it reached a queue (validation, unknown version, not ready). */
  refused(model: string, outcome: InferenceOutcome): void {
    this.metrics.requests.inc({ model, outcome });
  }

  /** Queued and running counts per model version, for metadata. */
  stats(name: string, version: string): { queued: number; running: number } | undefined {
    const entry = this.queues.get(`${name}@${version}`);
    return entry && { queued: entry.queue.depth, running: entry.queue.running };
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
      // A reload hands out a new handle; the queue (and its waiting jobs) carries on with it.
      if (entry.handle !== handle) {
        entry.handle = handle;
        entry.queue.setRunner((inputs) => handle.infer(inputs));
      }
      return entry.queue;
    }
    const { queueCapacity, batchMaxDelayMs, dynamicBatching } = this.settings.inference;
    const labels = { model: handle.name };
    const queue = new ModelQueue({
      capacity: queueCapacity,
      maxBatchSize: dynamicBatching ? handle.maxBatchSize : 0,
      batchDelayMs: batchMaxDelayMs,
      concurrency: RUNS_PER_MODEL,
      clock: this.clock,
      run: (inputs) => handle.infer(inputs),
      onDepth: (depth) => this.metrics.queueDepth.set(labels, depth),
      onBatch: (rows) => this.metrics.batchSize.observe(labels, rows),
    });
    this.queues.set(key, { handle, queue });
    return queue;
  }
}

export function outcomeOf(error: unknown): InferenceOutcome {
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
