import { HttpStatus } from '@nestjs/common';
import { V2Error } from '../api/v2.errors';
import { Tensor } from '../runtime.types';
import { concatBatch, splitBatch } from './batching';
import { BatchPolicy, formBatch } from './dynamic-batching';
import { FairQueue } from './fair-queue';

export interface QueueClock {
  now(): number;
}

export interface ModelQueueOptions {
  /** Most jobs waiting (not running) at once; beyond it submit() refuses with 429. */
  capacity: number;
  /** How queued jobs are coalesced into runs (maxBatchSize 0: every job runs alone). */
  batching: BatchPolicy;
  /** Runs (batches) in flight at once. */
  concurrency: number;
  clock: QueueClock;
  /**
   * Measures the batch delay; default `clock`. Delays are often below a millisecond (Triton's are in
   * microseconds), finer than a wall clock in whole milliseconds can tell.
   */
  batchClock?: QueueClock;
  run(inputs: Tensor[]): Promise<Tensor[]>;
  onBatch?(rows: number): void;
}

export interface InferJob {
  tenant: string;
  inputs: Tensor[];
  /** Rows along dim 0. */
  rows: number;
  /** Absolute deadline on the queue's clock. */
  deadline: number;
}

interface Pending extends InferJob {
  /** On the batch clock. */
  enqueuedAt: number;
  state: 'queued' | 'running' | 'done';
  resolve(outputs: Tensor[]): void;
  reject(error: unknown): void;
}

export const deadlineExceeded = (where: string) => new V2Error(HttpStatus.GATEWAY_TIMEOUT, `deadline exceeded ${where}`);

/**
 * One model's queue: per-tenant fairness, bounded depth, deadlines, and dynamic batching. It
 * never computes anything itself; `run` (the model handle) does the work off the event loop.
 */
export class ModelQueue {
  private readonly queue = new FairQueue<Pending>();
  private inFlight = 0;
  /** Cancels the pending wake-up of a batch still filling. */
  private batchWake?: () => void;
  /** When that wake-up is due, on the batch clock. */
  private batchWakeAt = Infinity;
  /** Exponential average of one run's service time, for Retry-After. */
  private avgRunMs = 10;
  private closed = false;
  /** Rows waiting, all tenants. */
  private queuedRows = 0;
  /** Jobs not settled yet (queued or running), whose deadlines the one deadline timer watches. */
  private readonly unsettled = new Set<Pending>();
  private deadlineTimer?: NodeJS.Timeout;
  /**
   * When the deadline timer fires, in real time (performance.now()): a job whose deadline comes sooner re-arms it.
   * Real time, not the queue's clock: the clock may jump (a test moving it, a wall-clock step), and a later
   * deadline on the clock can then be due sooner than the timer.
   */
  private deadlineTimerDue = Infinity;

  constructor(private readonly options: ModelQueueOptions) {}

  get depth(): number {
    return this.queue.size;
  }

  get running(): number {
    return this.inFlight;
  }

  setRunner(run: ModelQueueOptions['run']): void {
    this.options.run = run;
  }

  /** A reload's batching policy and run slots (unchanged when not given); waiting jobs go under them at once. */
  setBatching(batching: BatchPolicy, concurrency = this.options.concurrency): void {
    this.options.batching = batching;
    this.options.concurrency = concurrency;
    this.pump();
  }

  submit(job: InferJob): Promise<Tensor[]> {
    const { clock, capacity } = this.options;
    if (this.closed) return Promise.reject(new V2Error(HttpStatus.SERVICE_UNAVAILABLE, 'model is unloading'));
    if (this.queue.size >= capacity) {
      const seconds = Math.max(1, Math.ceil(((this.queue.size + this.inFlight) * this.avgRunMs) / this.options.concurrency / 1000));
      return Promise.reject(new V2Error(HttpStatus.TOO_MANY_REQUESTS, `queue full (${capacity} requests waiting); retry later`, seconds));
    }
    const now = clock.now();
    if (job.deadline <= now) return Promise.reject(deadlineExceeded('before the request was queued'));
    return new Promise<Tensor[]>((resolve, reject) => {
      const pending: Pending = { ...job, enqueuedAt: this.batchNow(), state: 'queued', resolve, reject };
      this.arm(pending, now);
      this.queue.push(job.tenant, pending);
      this.queuedRows += job.rows;
      this.pump();
    });
  }

  /** Rejects every job, queued or running, whose deadline passed on the clock; queued ones leave the queue. */
  sweep(): void {
    const now = this.options.clock.now();
    let next = Infinity;
    for (const job of this.unsettled) {
      if (job.deadline <= now) this.expire(job);
      else next = Math.min(next, job.deadline);
    }
    if (next < Infinity) this.watchDeadline(next, now);
  }

  /** Refuses everything still queued (shutdown / unload). Running jobs finish. */
  close(): void {
    this.closed = true;
    this.batchWake?.();
    this.batchWake = undefined;
    for (const job of this.queue.items()) {
      this.queue.remove(job.tenant, job);
      this.queuedRows -= job.rows;
      this.settle(job, undefined, new V2Error(HttpStatus.SERVICE_UNAVAILABLE, 'model was unloaded'));
    }
  }

  /**
   * Watches a job's deadline. One timer per queue, armed for the earliest deadline, rather than one
   * per job: a timer set and cleared for every request cost about 1% of the main thread (tiny-mlp,
   * `node --cpu-prof`), and deadlines are mostly far off and in arrival order.
   */
  private arm(job: Pending, now: number): void {
    this.unsettled.add(job);
    this.watchDeadline(job.deadline, now);
  }

  /** Makes the deadline timer fire by `deadline` (on the clock, which reads `now`), re-arming it if it is due later. */
  private watchDeadline(deadline: number, now: number): void {
    const wait = Math.min(2 ** 31 - 1, Math.max(1, deadline - now));
    const due = performance.now() + wait;
    if (due >= this.deadlineTimerDue) return;
    clearTimeout(this.deadlineTimer);
    this.deadlineTimerDue = due;
    this.deadlineTimer = setTimeout(() => {
      this.disarmDeadlineTimer();
      this.sweep();
    }, wait);
    this.deadlineTimer.unref();
  }

  private disarmDeadlineTimer(): void {
    clearTimeout(this.deadlineTimer);
    this.deadlineTimer = undefined;
    this.deadlineTimerDue = Infinity;
  }

  private expire(job: Pending): void {
    if (job.state === 'queued') {
      this.queue.remove(job.tenant, job);
      this.queuedRows -= job.rows;
      this.settle(job, undefined, deadlineExceeded('while queued'));
    } else if (job.state === 'running') {
      // The run continues (it cannot be interrupted); its result for this job is dropped.
      this.settle(job, undefined, deadlineExceeded('while running'));
    }
  }

  private settle(job: Pending, outputs: Tensor[] | undefined, error?: unknown): void {
    if (job.state === 'done') return;
    job.state = 'done';
    this.unsettled.delete(job);
    // Nothing left to watch: the timer goes (it would keep this queue, and a closed one's model, in memory until it fired).
    if (this.unsettled.size === 0) this.disarmDeadlineTimer();
    if (error !== undefined) job.reject(error);
    else job.resolve(outputs!);
  }

  private pump(): void {
    const { batching, concurrency, clock } = this.options;
    while (this.inFlight < concurrency && this.queue.size > 0) {
      const now = clock.now();
      const batchNow = this.batchNow();
      const formed = formBatch(batching, this.view(now, batchNow));
      if ('waitMs' in formed) {
        this.waitForBatch(batchNow, formed.waitMs);
        return;
      }
      const limit = formed.rows;
      const batch: Pending[] = [];
      let rows = 0;
      for (;;) {
        const next = this.queue.shift((j) => batch.length === 0 || rows + j.rows <= limit);
        if (!next) break;
        this.queuedRows -= next.rows;
        if (next.deadline <= now) {
          // Its timer has not fired yet; never run a job that is already late.
          next.state = 'running';
          this.settle(next, undefined, deadlineExceeded('while queued'));
          continue;
        }
        batch.push(next);
        rows += next.rows;
        if (rows >= limit) break;
      }
      if (batch.length) void this.dispatch(batch, rows);
    }
  }

  /** What batch forming needs to know; the scans run only while a batch is still filling. */
  private view(now: number, batchNow: number) {
    const { batching } = this.options;
    const filling = batching.maxBatchSize > 0 && this.queuedRows < batching.maxBatchSize;
    if (!filling) return { queuedRows: this.queuedRows, oldestWaitedMs: 0, earliestDeadlineInMs: Infinity, runMs: this.avgRunMs };
    let oldest = Infinity;
    let earliest = Infinity;
    this.queue.forEach((job, position) => {
      if (position === 0) oldest = Math.min(oldest, job.enqueuedAt);
      earliest = Math.min(earliest, job.deadline);
    });
    return { queuedRows: this.queuedRows, oldestWaitedMs: batchNow - oldest, earliestDeadlineInMs: earliest - now, runMs: this.avgRunMs };
  }

  private batchNow(): number {
    return (this.options.batchClock ?? this.options.clock).now();
  }

  /**
   * Re-runs pump() after `waitMs` (an earlier wake-up replaces a later one). Timers cannot wait
   * less than 1 ms, so a shorter wait re-checks on the next turn of the event loop instead (after
   * its I/O: requests that arrive meanwhile join the batch).
   */
  private waitForBatch(batchNow: number, waitMs: number): void {
    const at = batchNow + waitMs;
    if (this.batchWake && this.batchWakeAt <= at) return;
    this.batchWake?.();
    this.batchWakeAt = at;
    const wake = () => {
      this.batchWake = undefined;
      this.batchWakeAt = Infinity;
      this.pump();
    };
    if (waitMs < 1) {
      const immediate = setImmediate(wake);
      this.batchWake = () => clearImmediate(immediate);
    } else {
      const timer = setTimeout(wake, Math.ceil(waitMs));
      timer.unref();
      this.batchWake = () => clearTimeout(timer);
    }
  }

  private async dispatch(batch: Pending[], rows: number): Promise<void> {
    this.inFlight++;
    batch.forEach((j) => (j.state = 'running'));
    this.options.onBatch?.(rows);
    const started = performance.now();
    try {
      const outputs = await this.options.run(concatBatch(batch.map((j) => j.inputs)));
      const parts = batch.length === 1 ? [outputs] : splitBatch(outputs, batch.map((j) => j.rows));
      batch.forEach((job, i) => this.settle(job, parts[i]));
    } catch (error) {
      batch.forEach((job) => this.settle(job, undefined, error));
    } finally {
      this.avgRunMs = 0.8 * this.avgRunMs + 0.2 * (performance.now() - started);
      this.inFlight--;
      this.pump();
    }
  }
}
