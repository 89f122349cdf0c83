import type { DynamicBatchingSetting } from './scheduler/dynamic-batching';

/** Shared runtime contracts (KServe V2 / Open Inference Protocol datatype names). */
export type Datatype =
  | 'BOOL'
  | 'UINT8'
  | 'UINT16'
  | 'UINT32'
  | 'UINT64'
  | 'INT8'
  | 'INT16'
  | 'INT32'
  | 'INT64'
  | 'FP16'
  | 'BF16'
  | 'FP32'
  | 'FP64'
  | 'BYTES';

export type Framework = 'onnx' | 'tensorflow' | 'pytorch' | 'mock';

/** -1 = variable dim; when maxBatchSize > 0 the first dim is the batch dim (-1). */
export interface TensorSpec {
  name: string;
  datatype: Datatype;
  shape: number[];
}

export interface Tensor {
  name: string;
  datatype: Datatype;
  shape: number[];
  data:
    | Float32Array
    | Float64Array
    | Int32Array
    | BigInt64Array
    | Uint8Array
    | Int8Array
    | Int16Array
    | Uint16Array
    | Uint32Array
    | BigUint64Array
    | string[];
}

export type ModelState = 'LOADING' | 'READY' | 'UNAVAILABLE';

export interface ModelHandle {
  readonly name: string;
  readonly version: string;
  /** What the model's config asks for. */
  readonly requestedFramework: Framework;
  /** What actually runs it: 'mock' when simulated. */
  readonly framework: Framework;
  readonly simulated: boolean;
  readonly inputs: TensorSpec[];
  readonly outputs: TensorSpec[];
  /** 0 = no batching. */
  readonly maxBatchSize: number;
  /** config.json's `dynamic_batching`; undefined = the service defaults. */
  readonly dynamicBatching?: DynamicBatchingSetting;
  /** config.json's `execution`: runs on worker threads, or on the event loop (undefined: worker). */
  readonly execution?: 'worker' | 'event-loop';
  readonly state: ModelState;
  /** Load + warmup, milliseconds. */
  readonly loadMs: number;
  /** loadMs > MODEL_LOAD_BUDGET_MS. */
  readonly overBudget: boolean;
  /** Runs off the event loop for real runtimes; batched along dim 0 when maxBatchSize > 0. */
  infer(inputs: Tensor[]): Promise<Tensor[]>;
}
