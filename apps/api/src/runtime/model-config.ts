import { Datatype, Framework, TensorSpec } from './runtime.types';
import { DynamicBatchingSetting, parseDynamicBatching } from './scheduler/dynamic-batching';

/** Model names: lower-case, no path separators, no leading dot (so never "." or ".."). */
export const MODEL_ID_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;
/** Version directories are plain decimal numbers, as in Triton. */
export const VERSION_PATTERN = /^[0-9]{1,9}$/;

export const DATATYPES: readonly Datatype[] = [
  'BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'BF16', 'FP32', 'FP64', 'BYTES',
];
export const FRAMEWORKS: readonly Framework[] = ['onnx', 'tensorflow', 'pytorch', 'mock'];
/** Where a model's runs execute: on its worker threads (default), or on the event loop (tiny models, see runtime.md). */
export type Execution = 'worker' | 'event-loop';
export const EXECUTIONS: readonly Execution[] = ['worker', 'event-loop'];

export function isValidModelId(id: unknown): id is string {
  return typeof id === 'string' && MODEL_ID_PATTERN.test(id) && !id.includes('..');
}

export interface WarmupInput {
  name: string;
  datatype: Datatype;
  shape: number[];
  /** Omitted: zeros. */
  data?: number[];
}

/** models/<name>/config.json */
export interface ModelConfig {
  name: string;
  framework: Framework;
  maxBatchSize: number;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  /** Worker threads that each hold a session of this model (capped by RUNTIME_WORKERS). */
  instances: number;
  /** 'event-loop': one session on the main thread, no worker hop (for models whose run costs less than the hop). */
  execution: Execution;
  warmup: { inputs: WarmupInput[] };
  /** Readiness waits for this model (default true). */
  required: boolean;
  /** File inside the version directory (default model.onnx / model.savedmodel / model.pt). */
  file: string;
  /** Triton's `dynamic_batching`; undefined = the service defaults. */
  dynamicBatching?: DynamicBatchingSetting;
}

const DEFAULT_FILE: Record<Framework, string> = {
  onnx: 'model.onnx',
  tensorflow: 'model.savedmodel',
  pytorch: 'model.pt',
  mock: 'model.json',
};

export class ModelConfigError extends Error {}

function fail(name: string, why: string): never {
  throw new ModelConfigError(`models/${name}/config.json: ${why}`);
}

function tensorSpecs(name: string, field: string, value: unknown, maxBatchSize: number): TensorSpec[] {
  if (!Array.isArray(value) || value.length === 0) fail(name, `${field} must be a non-empty array`);
  return value.map((raw, i) => {
    const spec = raw as Partial<TensorSpec>;
    const where = `${field}[${i}]`;
    if (typeof spec?.name !== 'string' || !spec.name) fail(name, `${where}.name must be a non-empty string`);
    if (!DATATYPES.includes(spec.datatype as Datatype)) fail(name, `${where}.datatype must be one of ${DATATYPES.join(', ')}`);
    if (!Array.isArray(spec.shape) || spec.shape.some((d) => !Number.isInteger(d) || d < -1 || d === 0)) {
      fail(name, `${where}.shape must be an array of positive integers or -1`);
    }
    if (maxBatchSize > 0 && spec.shape[0] !== -1) fail(name, `${where}.shape must start with -1 (the batch dim) when maxBatchSize > 0`);
    return { name: spec.name, datatype: spec.datatype as Datatype, shape: [...spec.shape] };
  });
}

/** Validates a parsed config.json; the directory name is the model's identity and must match. */
export function parseModelConfig(dirName: string, raw: unknown): ModelConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail(dirName, 'must be a JSON object');
  const config = raw as Record<string, unknown>;
  if (config.name !== dirName) fail(dirName, `name must equal the directory name "${dirName}"`);
  if (!FRAMEWORKS.includes(config.framework as Framework)) fail(dirName, `framework must be one of ${FRAMEWORKS.join(', ')}`);
  const framework = config.framework as Framework;
  const maxBatchSize = config.maxBatchSize ?? 0;
  if (!Number.isInteger(maxBatchSize) || (maxBatchSize as number) < 0 || (maxBatchSize as number) > 65536) {
    fail(dirName, 'maxBatchSize must be an integer from 0 to 65536');
  }
  const instances = config.instances ?? 1;
  if (!Number.isInteger(instances) || (instances as number) < 1 || (instances as number) > 64) fail(dirName, 'instances must be an integer from 1 to 64');
  const inputs = tensorSpecs(dirName, 'inputs', config.inputs, maxBatchSize as number);
  const outputs = tensorSpecs(dirName, 'outputs', config.outputs, maxBatchSize as number);
  const warmupRaw = (config.warmup ?? { inputs: [] }) as { inputs?: unknown };
  const warmupInputs = Array.isArray(warmupRaw.inputs) ? (warmupRaw.inputs as WarmupInput[]) : fail(dirName, 'warmup.inputs must be an array');
  for (const [i, w] of warmupInputs.entries()) {
    const spec = inputs.find((s) => s.name === w?.name);
    if (!spec) fail(dirName, `warmup.inputs[${i}].name must name an input`);
    if (!Array.isArray(w.shape) || w.shape.some((d) => !Number.isInteger(d) || d < 1)) fail(dirName, `warmup.inputs[${i}].shape must be positive integers`);
    const size = w.shape.reduce((a, b) => a * b, 1);
    if (w.data !== undefined && (!Array.isArray(w.data) || w.data.length !== size)) fail(dirName, `warmup.inputs[${i}].data must hold ${size} numbers`);
  }
  const required = config.required ?? true;
  if (typeof required !== 'boolean') fail(dirName, 'required must be a boolean');
  const file = config.file ?? DEFAULT_FILE[framework];
  if (typeof file !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(file)) fail(dirName, 'file must be a plain file name');
  const dynamicBatching = parseDynamicBatching(config.dynamic_batching, maxBatchSize as number, (why) => fail(dirName, why));
  const execution = config.execution ?? 'worker';
  if (!EXECUTIONS.includes(execution as Execution)) fail(dirName, `execution must be one of ${EXECUTIONS.join(', ')}`);
  if (execution === 'event-loop') {
    if (instances !== 1) fail(dirName, 'execution "event-loop" runs one session: instances must be 1');
    // onnxruntime-node on the main thread (Node 24's global Float16Array) reads float16 data as empty; workers hide it.
    const half = [...inputs, ...outputs].find((t) => t.datatype === 'FP16');
    if (half) fail(dirName, `execution "event-loop" cannot carry FP16 tensors (${half.name}): use "worker"`);
  }
  return {
    name: dirName,
    framework,
    maxBatchSize: maxBatchSize as number,
    inputs,
    outputs,
    instances: instances as number,
    execution: execution as Execution,
    warmup: { inputs: warmupInputs.map((w) => ({ ...w, datatype: w.datatype ?? inputs.find((s) => s.name === w.name)!.datatype })) },
    required,
    file,
    ...(dynamicBatching !== undefined ? { dynamicBatching } : {}),
  };
}
