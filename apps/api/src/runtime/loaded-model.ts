import { ModelConfig } from './model-config';
import { OpenedModel } from './runtime.adapter';
import { checkInputs, concatBatch, sliceBatch } from './tensors';
import { Framework, ModelHandle, ModelState, Tensor, TensorSpec } from './runtime.types';

/** A model version opened by a runtime and served through the repository. */
export class LoadedModel implements ModelHandle {
  readonly name: string;
  readonly requestedFramework: Framework;
  readonly framework: Framework;
  readonly simulated: boolean;
  readonly inputs: TensorSpec[];
  readonly outputs: TensorSpec[];
  readonly maxBatchSize: number;
  readonly dynamicBatching: ModelConfig['dynamicBatching'];
  readonly execution: ModelConfig['execution'];
  state: ModelState = 'LOADING';
  loadMs = 0;
  overBudget = false;

  constructor(
    config: ModelConfig,
    readonly version: string,
    requestedFramework: Framework,
    framework: Framework,
    private readonly opened: OpenedModel,
  ) {
    this.name = config.name;
    this.requestedFramework = requestedFramework;
    this.framework = framework;
    this.simulated = framework === 'mock';
    this.inputs = config.inputs;
    this.outputs = config.outputs;
    this.maxBatchSize = config.maxBatchSize;
    this.dynamicBatching = config.dynamicBatching;
    // The mock runtime computes on the event loop whatever the config asked for.
    this.execution = framework === 'mock' ? 'event-loop' : config.execution;
  }

  /**
   * Validates the inputs, splits a batch larger than maxBatchSize into chunks that run in
   * parallel (one per free instance), and joins the outputs along dim 0.
   */
  async infer(inputs: Tensor[]): Promise<Tensor[]> {
    const batch = checkInputs(this.name, this.inputs, this.maxBatchSize, inputs);
    const ordered = this.inputs.map((spec) => inputs.find((i) => i.name === spec.name)!);
    if (this.maxBatchSize === 0 || batch <= this.maxBatchSize) return this.opened.run(ordered);
    const chunks: Promise<Tensor[]>[] = [];
    for (let start = 0; start < batch; start += this.maxBatchSize) {
      const end = Math.min(batch, start + this.maxBatchSize);
      chunks.push(this.opened.run(ordered.map((t) => sliceBatch(t, start, end))));
    }
    const results = await Promise.all(chunks);
    return results[0].map((first, i) => concatBatch(results.map((r) => r[i] ?? first)));
  }

  close(): Promise<void> {
    this.state = 'UNAVAILABLE';
    return this.opened.close();
  }
}
