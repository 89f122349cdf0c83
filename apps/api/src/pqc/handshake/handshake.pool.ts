import { availableParallelism } from 'node:os';
import { Injectable, OnApplicationShutdown, ServiceUnavailableException } from '@nestjs/common';
import Piscina from 'piscina';
import { InjectSettings } from '../../env/env.module';
import { Settings } from '../../env/env.schema';
import { compiledWorkerFile } from '../../lifecycle/worker-file';
import { HandshakeKey, HandshakeOutcome, HandshakeTask } from './handshake.task';

/** Queue depth per worker before new handshakes are shed with 503 + Retry-After. */
const QUEUE_PER_WORKER = 256;

/** Handshake crypto off the event loop, on a fixed pool of worker threads. */
@Injectable()
export class HandshakePool implements OnApplicationShutdown {
  readonly threads: number;
  private readonly pool: Piscina<HandshakeTask, HandshakeOutcome>;

  constructor(@InjectSettings() settings: Settings) {
    this.threads = settings.pqc.workers || availableParallelism();
    this.pool = new Piscina({
      filename: compiledWorkerFile(__dirname, 'handshake.worker.js'),
      minThreads: this.threads,
      maxThreads: this.threads,
      maxQueue: this.threads * QUEUE_PER_WORKER,
      idleTimeout: Infinity,
      // Workers wait on their message port, not in Atomics.wait: the latter stalled the pool under sustained load here.
      atomics: 'disabled',
    });
  }

  get queued(): number {
    return this.pool.queueSize;
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
      if ((error as Error).message === 'Task queue is at limit') {
        throw Object.assign(new ServiceUnavailableException('handshake capacity exhausted; retry shortly'), { retryAfterSeconds: 1 });
      }
      throw error;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.destroy();
  }
}
