import { Worker } from 'node:worker_threads';
import { Logger } from '@nestjs/common';

/** What a pool worker posts: once `ready` (or `failed`) after start-up, then one reply per task id. */
export type WorkerMessage<R> = { ready: true } | { failed: string } | { id: number; result: R } | { id: number; error: string };

/** The pool cannot take or finish the task now (saturated, no thread running, the thread stopped): retry later. */
export class PoolUnavailableError extends Error {}

export interface WorkerPoolOptions {
  /** For log lines. */
  name: string;
  filename: string;
  size: number;
  workerData?: unknown;
  /** Tasks in hand per thread before run() refuses. */
  queuePerThread: number;
  /** A thread that has not reported ready by then is stopped (default 60 s). */
  startTimeoutMs?: number;
  /**
   * A task not answered within this many ms fails with PoolUnavailableError, together with every
   * task queued behind it on the same thread, and the thread is replaced: one stuck native call
   * (a deadlock, a run that never returns) costs its tasks, not the pool's capacity.
   */
  taskTimeoutMs: number;
}

interface Pending<R> {
  resolve(result: R): void;
  reject(error: Error): void;
  /** When the task was handed to the thread (ms, monotonic). */
  sentAt: number;
}

interface Thread<R> {
  worker: Worker;
  /** In the order sent: a thread answers in order, so the first is the oldest. */
  pending: Map<number, Pending<R>>;
  stop(error: Error): void;
}

/** How long close() lets tasks in hand finish before it ends the threads anyway. */
const CLOSE_TIMEOUT_MS = 30_000;
/** Replacing a stopped thread that then fails to start is retried after 1, 2, 4 ... 60 s. */
const RESPAWN_BACKOFF_MS = [1_000, 60_000] as const;

/**
 * A fixed set of worker threads that each answer tasks by id over their message port (ONNX
 * inference, handshake crypto). Tasks go to the thread with the fewest in hand. Leaner than a
 * general-purpose pool (no per-task async resources, abort signals or timing histograms):
 * measured here, plain message passing carries over three times the tasks per second.
 *
 * Only threads that reported ready take tasks. One that stops while serving is replaced (its
 * tasks fail with PoolUnavailableError); a replacement that cannot start is retried with backoff,
 * logged each time, while the pool answers PoolUnavailableError instead of crash-looping.
 */
export class WorkerPool<T, R> {
  private readonly logger: Logger;
  private readonly threads: Thread<R>[] = [];
  private readonly starting = new Set<Worker>();
  private nextId = 0;
  private closing?: Promise<void>;
  /** Called when the last task in hand settles while closing. */
  private drained?: () => void;
  private respawnDelayMs: number = RESPAWN_BACKOFF_MS[0];
  private respawnTimer?: NodeJS.Timeout;
  private readonly watchdog: NodeJS.Timeout;

  private constructor(private readonly options: WorkerPoolOptions) {
    this.logger = new Logger(`WorkerPool ${options.name}`);
    // One timer for the pool, not one per task: looks at each thread's oldest task a few times per timeout.
    this.watchdog = setInterval(() => this.stopOverdueThreads(), Math.max(10, options.taskTimeoutMs / 4)).unref();
  }

  /** Starts the threads and resolves once every one is ready; rejects (and stops them all) if one failed. */
  static async start<T, R>(options: WorkerPoolOptions): Promise<WorkerPool<T, R>> {
    const pool = new WorkerPool<T, R>(options);
    try {
      await Promise.all(Array.from({ length: options.size }, () => pool.spawn()));
    } catch (error) {
      await pool.close();
      throw error;
    }
    return pool;
  }

  /** Threads ready to take tasks. */
  get size(): number {
    return this.threads.length;
  }

  run(task: T): Promise<R> {
    if (this.closing) return Promise.reject(new PoolUnavailableError('the worker pool is closed'));
    const thread = this.threads.reduce<Thread<R> | undefined>((best, t) => (!best || t.pending.size < best.pending.size ? t : best), undefined);
    if (!thread) return Promise.reject(new PoolUnavailableError('no worker thread is running'));
    if (thread.pending.size >= this.options.queuePerThread) return Promise.reject(new PoolUnavailableError('every worker thread is saturated'));
    const id = this.nextId++;
    return new Promise<R>((resolve, reject) => {
      thread.worker.postMessage({ id, task }); // throws (e.g. DataCloneError) before anything is held
      thread.pending.set(id, { resolve, reject, sentAt: performance.now() });
    });
  }

  /** Refuses new tasks, lets the ones in hand finish (up to 30 s), then ends every thread. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      clearTimeout(this.respawnTimer);
      clearInterval(this.watchdog);
      if (this.inHand() > 0) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          new Promise<void>((resolve) => (this.drained = resolve)),
          new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_TIMEOUT_MS))),
        ]);
        clearTimeout(timer);
      }
      const workers = [...this.threads.splice(0).map((t) => t.worker), ...this.starting];
      this.starting.clear();
      await Promise.all(workers.map((w) => w.terminate()));
    })();
    return this.closing;
  }

  private stopOverdueThreads(): void {
    const now = performance.now();
    for (const thread of [...this.threads]) {
      const oldest = thread.pending.values().next().value;
      if (oldest && now - oldest.sentAt > this.options.taskTimeoutMs) {
        thread.stop(new Error(`a task was not answered within ${this.options.taskTimeoutMs} ms`));
      }
    }
  }

  private inHand(): number {
    return this.threads.reduce((sum, t) => sum + t.pending.size, 0);
  }

  /** Resolves when the new thread is ready (it joins the pool only then); rejects if it fails or stops first. */
  private spawn(): Promise<void> {
    const { filename, workerData, startTimeoutMs = 60_000 } = this.options;
    const worker = new Worker(filename, { workerData });
    const thread: Thread<R> = { worker, pending: new Map(), stop: () => undefined };
    this.starting.add(worker);
    return new Promise<void>((ready, failed) => {
      const startTimer = setTimeout(() => stop(new Error(`worker thread did not start within ${startTimeoutMs} ms`)), startTimeoutMs);
      const stop = (error: Error) => {
        clearTimeout(startTimer);
        this.starting.delete(worker);
        failed(error);
        const stopped = new PoolUnavailableError(`a worker thread stopped: ${error.message}`);
        for (const pending of thread.pending.values()) pending.reject(stopped);
        thread.pending.clear();
        const index = this.threads.indexOf(thread);
        if (index >= 0) {
          this.threads.splice(index, 1);
          this.logger.error(`a worker thread stopped (${error.message}); starting a replacement`);
          this.replace();
        }
        void worker.terminate();
        if (this.drained && this.inHand() === 0) this.drained();
      };
      thread.stop = stop;
      worker.on('message', (message: WorkerMessage<R>) => {
        if ('ready' in message) {
          clearTimeout(startTimer);
          this.starting.delete(worker);
          if (this.closing) return void worker.terminate();
          this.threads.push(thread);
          this.respawnDelayMs = RESPAWN_BACKOFF_MS[0];
          return ready();
        }
        if ('failed' in message) return stop(new Error(message.failed));
        const pending = thread.pending.get(message.id);
        thread.pending.delete(message.id);
        if ('error' in message) pending?.reject(new Error(message.error));
        else pending?.resolve(message.result);
        if (this.drained && this.inHand() === 0) this.drained();
      });
      worker.on('error', stop);
      worker.on('exit', (code) => stop(new Error(`exit code ${code}`)));
    });
  }

  /** Starts a replacement thread; one that cannot start is tried again later, with growing pauses. */
  private replace(): void {
    if (this.closing) return;
    let started: Promise<void>;
    try {
      started = this.spawn();
    } catch (error) {
      started = Promise.reject(error);
    }
    started.catch((error: Error) => {
      if (this.closing) return;
      this.logger.error(`a replacement worker thread could not start (${error.message}); retrying in ${this.respawnDelayMs / 1000} s`);
      this.respawnTimer = setTimeout(() => this.replace(), this.respawnDelayMs);
      this.respawnTimer.unref();
      this.respawnDelayMs = Math.min(this.respawnDelayMs * 2, RESPAWN_BACKOFF_MS[1]);
    });
  }
}
