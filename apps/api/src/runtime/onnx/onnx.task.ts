import { Tensor } from '../runtime.types';

/** One inference on a worker thread. The worker opens the session on first use and keeps it. */
export interface OnnxTask {
  /** Session cache key: model path + version. */
  modelPath: string;
  executionProviders: string[];
  inputs: Tensor[];
  outputNames: string[];
}

export interface OnnxResult {
  outputs: Tensor[];
  /** True when this task opened the session (its first use on that worker). */
  opened: boolean;
}
