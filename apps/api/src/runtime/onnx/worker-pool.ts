import { Worker } from 'node:worker_threads';

/** What a pool worker posts: once `ready` (or `failed`) after start-up, then one reply per task id. */
export type WorkerMessage<R> = { ready: true } | { failed: string } | { id: number; result: R } | { id: number; error: string };

/** Thrown by run() when every thread already holds `queuePerThread` tasks. */
export class PoolSaturatedError extends Error {}

interface Pending<R> {
  resolve(result: R): void;
  reject(error: Error): void;
}

interface Thread<R> {
  worker: Worker;
  pending: Map<number, Pending<R>>;
}

/**
 * A fixed set of worker threads that each answer tasks by id over their message port. Tasks go
 * to the thread with the fewest in hand. Leaner than a general-purpose pool (no per-task async
 * resources, abort signals or timing histograms): measured here, plain message passing carries
 * over three times the tasks per second, which matters on the inference hot path.
 */
export class WorkerPool<T, R> {
  private readonly threads: Thread<R>[] = [];
  private nextId = 0;
  private closed = false;
  /** Set by close() while tasks are still in hand; called when the last one settles. */
  private drained?: () => void;

  private constructor(
    private readonly filename: string,
    private readonly workerData: unknown,
    private readonly queuePerThread: number,
  ) {}

  /** Starts `size` threads and resolves once every one reported ready; rejects (and stops them all) if one failed. */
  static async start<T, R>(filename: string, size: number, workerData: unknown, queuePerThread: number): Promise<WorkerPool<T, R>> {
    const pool = new WorkerPool<T, R>(filename, workerData, queuePerThread);
    try {
      await Promise.all(Array.from({ length: size }, () => pool.spawn()));
    } catch (error) {
      await pool.terminate();
      throw error;
    }
    return pool;
  }

  run(task: T, transfer: readonly ArrayBuffer[] = []): Promise<R> {
    if (this.closed) return Promise.reject(new Error('the worker pool is closed'));
    const thread = this.threads.reduce<Thread<R> | undefined>((best, t) => (!best || t.pending.size < best.pending.size ? t : best), undefined);
    if (!thread) return Promise.reject(new Error('no worker thread is running'));
    if (thread.pending.size >= this.queuePerThread) return Promise.reject(new PoolSaturatedError(`all ${this.threads.length} worker threads are saturated`));
    const id = this.nextId++;
    return new Promise<R>((resolve, reject) => {
      thread.pending.set(id, { resolve, reject });
      thread.worker.postMessage({ id, task }, transfer as ArrayBuffer[]);
    });
  }

  /** Refuses new tasks, lets the ones in hand finish, then ends the threads. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.inHand() > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    await this.terminate();
  }

  private inHand(): number {
    return this.threads.reduce((sum, t) => sum + t.pending.size, 0);
  }

  private async terminate(): Promise<void> {
    this.closed = true;
    const threads = this.threads.splice(0);
    await Promise.all(threads.map((t) => t.worker.terminate()));
  }

  private spawn(): Promise<void> {
    const thread: Thread<R> = { worker: new Worker(this.filename, { workerData: this.workerData }), pending: new Map() };
    this.threads.push(thread);
    return new Promise<void>((ready, failed) => {
      thread.worker.on('message', (message: WorkerMessage<R>) => {
        if ('ready' in message) return ready();
        if ('failed' in message) return failed(new Error(message.failed));
        const pending = thread.pending.get(message.id);
        thread.pending.delete(message.id);
        if ('error' in message) pending?.reject(new Error(message.error));
        else pending?.resolve(message.result);
        if (this.drained && this.inHand() === 0) this.drained();
      });
      thread.worker.on('error', (error) => failed(error));
      thread.worker.on('exit', (code) => {
        const error = new Error(`worker thread stopped (exit code ${code})`);
        failed(error);
        for (const pending of thread.pending.values()) pending.reject(error);
        thread.pending.clear();
        if (this.drained && this.inHand() === 0) this.drained();
        const index = this.threads.indexOf(thread);
        if (index < 0) return; // terminated on purpose
        this.threads.splice(index, 1);
        // An unexpected stop: a replacement takes its place (tasks wait in its port until it is ready).
        if (!this.closed) this.spawn().catch(() => undefined);
      });
    });
  }
}
