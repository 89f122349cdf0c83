import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { Injectable, ServiceUnavailableException } from '@nestjs/common';
import Piscina from 'piscina';
import { InjectSettings } from '../../env/env.module';
import { Settings } from '../../env/env.schema';
import { ModelConfig } from '../model-config';
import { OpenedModel, RuntimeAdapter } from '../runtime.adapter';
import { RuntimeHooks } from '../runtime.hooks';
import { OnnxResult, OnnxTask } from './onnx.task';

/** Queued batches per instance before requests are shed with 503. */
const QUEUE_PER_INSTANCE = 256;

/** The compiled worker: under jest this file is TypeScript, so the built copy in dist/ is used (build first). */
function workerFile(): string {
  const here = path.join(__dirname, 'onnx.worker.js');
  if (existsSync(here)) return here;
  const built = path.resolve('dist', path.relative(process.cwd(), __dirname), 'onnx.worker.js');
  if (existsSync(built)) return built;
  throw new Error(`onnx worker not found at ${here} or ${built}: run npm run build:api`);
}

/**
 * ONNX Runtime off the event loop: each model version gets its own piscina pool of `instances`
 * worker threads (capped by RUNTIME_WORKERS, 0 = cores), each holding one InferenceSession
 * (intra-op threads 1). A reload opens a new pool beside the old one, so the old version keeps
 * serving until the new one is ready.
 */
@Injectable()
export class OnnxRuntime implements RuntimeAdapter {
  readonly framework = 'onnx' as const;

  constructor(
    @InjectSettings() private readonly settings: Settings,
    private readonly hooks: RuntimeHooks,
  ) {}

  async open(config: ModelConfig, versionDir: string): Promise<OpenedModel> {
    const modelPath = path.join(versionDir, config.file);
    if (!existsSync(modelPath)) throw new Error(`${path.relative(process.cwd(), modelPath) || modelPath} not found`);
    const threads = Math.min(config.instances, this.settings.runtime.workers || availableParallelism());
    const { requested } = await this.hooks.executionProviders();
    const pool = new Piscina<OnnxTask, OnnxResult>({
      filename: workerFile(),
      minThreads: threads,
      maxThreads: threads,
      maxQueue: threads * QUEUE_PER_INSTANCE,
      idleTimeout: Infinity,
    });
    const outputNames = config.outputs.map((o) => o.name);
    const opened: OpenedModel = {
      run: async (inputs) => {
        try {
          return (await pool.run({ modelPath, executionProviders: requested, inputs, outputNames })).outputs;
        } catch (error) {
          if ((error as Error).message === 'Task queue is at limit') {
            throw Object.assign(new ServiceUnavailableException(`model ${config.name}: inference capacity exhausted; retry shortly`), { retryAfterSeconds: 1 });
          }
          throw error;
        }
      },
      // Lets queued and running batches finish (up to piscina's closeTimeout), then ends the threads.
      close: () => pool.close(),
    };
    return opened;
  }
}
