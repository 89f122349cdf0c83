import { ModelConfig } from './model-config';
import { Framework, Tensor } from './runtime.types';

/** A model version opened by a runtime: runs one (already validated, at most maxBatchSize) batch. */
export interface OpenedModel {
  run(inputs: Tensor[]): Promise<Tensor[]>;
  close(): Promise<void>;
}

/** One inference framework. open() rejects when the model cannot be loaded (missing file, bad graph). */
export interface RuntimeAdapter {
  readonly framework: Framework;
  open(config: ModelConfig, versionDir: string): Promise<OpenedModel>;
}
