import { availableParallelism } from 'node:os';
import { Injectable, OnApplicationShutdown, OnModuleInit, ServiceUnavailableException } from '@nestjs/common';
import { InjectSettings } from '../../env/env.module';
import { Settings } from '../../env/env.schema';
import { compiledWorkerFile } from '../../lifecycle/worker-file';
import { PoolUnavailableError, WorkerPool } from '../../lifecycle/worker-pool';
import { HandshakeKey, HandshakeOutcome, HandshakeTask } from './handshake.task';

/** Handshakes in hand per worker before new ones are shed with 503 + Retry-After. */
const QUEUE_PER_WORKER = 256;
/**
 * A handshake is a few ms of crypto; a full queue takes well under a second. One unanswered for this
 * long means its thread is stuck (a native call that never returns): it fails with 503 and the thread
 * is replaced.
 */
const TASK_TIMEOUT_MS = 10_000;

/** Handshake crypto off the event loop, on a fixed pool of worker threads. */
@Injectable()
export class HandshakePool implements OnModuleInit, OnApplicationShutdown {
  readonly threads: number;
  private pool!: WorkerPool<HandshakeTask, HandshakeOutcome>;

  constructor(@InjectSettings() settings: Settings) {
    this.threads = settings.pqc.workers || availableParallelism();
  }

  async onModuleInit(): Promise<void> {
    this.pool = await WorkerPool.start({
      name: 'handshake',
      filename: compiledWorkerFile(__dirname, 'handshake.worker.js'),
      size: this.threads,
      queuePerThread: QUEUE_PER_WORKER,
      taskTimeoutMs: TASK_TIMEOUT_MS,
    });
  }

  /**
   * Runs a handshake. Key material is not cloned into every task (it dominated the event
   * loop's cost per handshake): a worker that has not cached this key yet asks for it once.
   */
  async run(task: HandshakeTask, key: () => HandshakeKey): Promise<HandshakeOutcome> {
    try {
      const outcome = await this.pool.run(task);
      return 'missingKey' in outcome ? await this.pool.run({ ...task, key: key() }) : outcome;
    } catch (error) {
      if (error instanceof PoolUnavailableError) {
        throw Object.assign(new ServiceUnavailableException(`handshake capacity unavailable (${error.message}); retry shortly`), { retryAfterSeconds: 1 });
      }
      throw error;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool?.close();
  }
}
