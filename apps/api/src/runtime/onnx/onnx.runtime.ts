import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { HttpStatus, Injectable } from '@nestjs/common';
import { InjectSettings } from '../../env/env.module';
import { Settings } from '../../env/env.schema';
import { compiledWorkerFile } from '../../lifecycle/worker-file';
import { V2Error } from '../api/v2.errors';
import { ModelConfig } from '../model-config';
import { OpenedModel, RuntimeAdapter } from '../runtime.adapter';
import { RuntimeHooks } from '../runtime.hooks';
import { Tensor } from '../runtime.types';
import { OnnxWorkerData } from './onnx.task';
import { PoolUnavailableError, WorkerPool } from '../../lifecycle/worker-pool';

/** Queued batches per instance before requests are shed with 503. */
const QUEUE_PER_INSTANCE = 256;

/**
 * ONNX Runtime off the event loop: each model version gets its own pool of `instances` worker
 * threads (capped by RUNTIME_WORKERS, 0 = cores), each holding one InferenceSession (intra-op
 * threads 1), all opened before the model counts as loaded. A reload opens a new pool beside the
 * old one, so the old version keeps serving until the new one is ready. A model configured with
 * `execution: "event-loop"` instead gets one session on the main thread (openOnEventLoop).
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
    const bf16 = (specs: ModelConfig['inputs']) => specs.filter((s) => s.datatype === 'BF16').map((s) => s.name);
    const workerData: OnnxWorkerData = {
      modelPath,
      executionProviders: requested,
      outputNames: config.outputs.map((o) => o.name),
      bf16: { inputs: bf16(config.inputs), outputs: bf16(config.outputs) },
    };
    if (config.execution === 'event-loop') return this.openOnEventLoop(workerData);
    const pool = await WorkerPool.start<Tensor[], Tensor[]>({
      name: `${config.name} (onnx)`,
      filename: compiledWorkerFile(__dirname, 'onnx.worker.js'),
      size: threads,
      workerData,
      queuePerThread: QUEUE_PER_INSTANCE,
      taskTimeoutMs: this.settings.runtime.taskTimeoutMs,
    });
    return {
      run: async (inputs) => {
        try {
          return await pool.run(inputs);
        } catch (error) {
          if (error instanceof PoolUnavailableError) {
            throw new V2Error(HttpStatus.SERVICE_UNAVAILABLE, `model ${config.name}: inference capacity unavailable (${error.message}); retry shortly`, 1);
          }
          throw error;
        }
      },
      close: () => pool.close(),
    };
  }

  /**
   * `execution: "event-loop"`: one session on the main thread. A run blocks the event loop for as long
   * as it takes, so this is for models whose run costs less than the hop to a worker and back (tiny-mlp:
   * microseconds); there is no per-run watchdog, as a synchronous native call cannot be interrupted.
   * onnxruntime-node is loaded on the main thread only when such a model is opened.
   */
  private async openOnEventLoop(workerData: OnnxWorkerData): Promise<OpenedModel> {
    const { openOnnxSession } = await import('./onnx.session');
    const session = openOnnxSession(workerData);
    await session.ready;
    return { run: (inputs) => session.infer(inputs), close: () => session.close() };
  }
}
