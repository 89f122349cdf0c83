import { Worker } from 'node:worker_threads';

/** What a pool worker posts: once `ready` (or `failed`) after start-up, then one reply per task id. */
export type WorkerMessage<R> = { ready: true } | { failed: string } | { id: number; result: R } | { id: number; error: string };

/** run() refused: every thread holds its share of tasks, or no thread is running. */
export class PoolUnavailableError extends Error {}

interface Pending<R> {
  resolve(result: R): void;
  reject(error: Error): void;
}

interface Thread<R> {
  worker: Worker;
  pending: Map<number, Pending<R>>;
}

/** How long close() lets tasks in hand finish before it ends the threads anyway. */
const CLOSE_TIMEOUT_MS = 30_000;

/**
 * A fixed set of worker threads that each answer tasks by id over their message port (ONNX
 * inference, handshake crypto). Tasks go to the thread with the fewest in hand. Leaner than a
 * general-purpose pool (no per-task async resources, abort signals or timing histograms):
 * measured here, plain message passing carries over three times the tasks per second.
 *
 * Only threads that reported ready take tasks. One that stops after that is replaced; one that
 * fails or stops before it is ready is not (a thread that cannot open its work would only fail
 * again), so a pool whose threads all fail refuses tasks instead of crash-looping.
 */
export class WorkerPool<T, R> {
  private readonly threads: Thread<R>[] = [];
  private nextId = 0;
  private closing?: Promise<void>;
  /** Called when the last task in hand settles while closing. */
  private drained?: () => void;

  private constructor(
    private readonly filename: string,
    private readonly workerData: unknown,
    private readonly queuePerThread: number,
  ) {}

  /** Starts `size` threads and resolves once every one is ready; rejects (and stops them all) if one failed. */
  static async start<T, R>(filename: string, size: number, workerData: unknown, queuePerThread: number): Promise<WorkerPool<T, R>> {
    const pool = new WorkerPool<T, R>(filename, workerData, queuePerThread);
    try {
      await Promise.all(Array.from({ length: size }, () => pool.spawn()));
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
    if (thread.pending.size >= this.queuePerThread) return Promise.reject(new PoolUnavailableError(`all ${this.threads.length} worker threads are saturated`));
    const id = this.nextId++;
    return new Promise<R>((resolve, reject) => {
      thread.pending.set(id, { resolve, reject });
      thread.worker.postMessage({ id, task });
    });
  }

  /** Refuses new tasks, lets the ones in hand finish (up to 30 s), then ends the threads. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.inHand() > 0) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          new Promise<void>((resolve) => (this.drained = resolve)),
          new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_TIMEOUT_MS))),
        ]);
        clearTimeout(timer);
      }
      const threads = this.threads.splice(0);
      await Promise.all(threads.map((t) => t.worker.terminate()));
    })();
    return this.closing;
  }

  private inHand(): number {
    return this.threads.reduce((sum, t) => sum + t.pending.size, 0);
  }

  /** Resolves when the new thread is ready; it joins the pool only then. */
  private spawn(): Promise<void> {
    const thread: Thread<R> = { worker: new Worker(this.filename, { workerData: this.workerData }), pending: new Map() };
    return new Promise<void>((ready, failed) => {
      const stop = (error: Error) => {
        failed(error);
        for (const pending of thread.pending.values()) pending.reject(error);
        thread.pending.clear();
        const index = this.threads.indexOf(thread);
        if (index >= 0) {
          this.threads.splice(index, 1);
          if (!this.closing) this.spawn().catch(() => undefined); // it was serving: replace it
        }
        void thread.worker.terminate();
        if (this.inHand() === 0) this.drained?.();
      };
      thread.worker.on('message', (message: WorkerMessage<R>) => {
        if ('ready' in message) {
          if (this.closing) return void thread.worker.terminate();
          this.threads.push(thread);
          return ready();
        }
        if ('failed' in message) return stop(new Error(message.failed));
        const pending = thread.pending.get(message.id);
        thread.pending.delete(message.id);
        if ('error' in message) pending?.reject(new Error(message.error));
        else pending?.resolve(message.result);
        if (this.inHand() === 0) this.drained?.();
      });
      thread.worker.on('error', stop);
      thread.worker.on('exit', (code) => stop(new Error(`worker thread stopped (exit code ${code})`)));
    });
  }
}
