import { halfToFloat32 } from '../half-floats';
import { Datatype, Tensor, TensorSpec } from '../runtime.types';
import { tensorFromBytes } from '../tensor-bytes';
import { badRequest } from './v2.errors';

/** What the codec needs to know about a model. */
export interface ModelSignature {
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  /** 0 = no batching; otherwise dim 0 of every input is the batch dim. */
  maxBatchSize: number;
}

export interface DecodedRequest {
  id?: string;
  inputs: Tensor[];
  /** Outputs asked for by name; undefined = all of them. */
  outputs?: string[];
  parameters?: Record<string, unknown>;
  /** Rows along dim 0 (1 for models without batching). */
  batch: number;
}

/**
 * The bytes of `inputs[index]` when they travel outside the JSON (the binary tensor extension's body
 * after the header, gRPC raw_input_contents); undefined when the input carries JSON `data`.
 */
export type RawInputs = (index: number, name: string) => Uint8Array | undefined;

export interface V2OutputJson {
  name: string;
  datatype: Datatype;
  shape: number[];
  data: (number | boolean | string)[];
}

type NumericArrayCtor =
  | Float32ArrayConstructor
  | Float64ArrayConstructor
  | Int8ArrayConstructor
  | Int16ArrayConstructor
  | Int32ArrayConstructor
  | Uint8ArrayConstructor
  | Uint16ArrayConstructor
  | Uint32ArrayConstructor;

const INTEGER_RANGE: Partial<Record<Datatype, [number, number, NumericArrayCtor]>> = {
  INT8: [-128, 127, Int8Array],
  INT16: [-32768, 32767, Int16Array],
  INT32: [-2147483648, 2147483647, Int32Array],
  UINT8: [0, 255, Uint8Array],
  UINT16: [0, 65535, Uint16Array],
  UINT32: [0, 4294967295, Uint32Array],
};

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * V2 tensor data is flat (row-major) or nested to exactly the tensor's rank, each level as long
 * as its dim; nested data is flattened here, and ragged or mis-nested data is refused.
 */
function flatten(data: unknown[], shape: number[], field: string): unknown[] {
  if (!data.some(Array.isArray)) return data;
  const out: unknown[] = [];
  const walk = (items: unknown[], level: number, where: string) => {
    if (items.length !== shape[level]) throw badRequest(`${where} has ${items.length} entries but shape [${shape}] needs ${shape[level]} at dim ${level}`);
    const leaf = level === shape.length - 1;
    items.forEach((item, i) => {
      if (Array.isArray(item) === leaf) throw badRequest(`${where}[${i}] must be ${leaf ? 'a value' : 'an array'} (nested data follows the shape [${shape}])`);
      if (leaf) out.push(item);
      else walk(item as unknown[], level + 1, `${where}[${i}]`);
    });
  };
  walk(data, 0, field);
  return out;
}

/** The largest finite FP32 value. */
const FLT_MAX = 3.4028234663852886e38;

/** Turns validated JSON values into the typed array the runtime expects for the datatype. */
function toTypedData(values: unknown[], datatype: Datatype, field: string): Tensor['data'] {
  const bad = (i: number, what: string) => badRequest(`${field}[${i}]: ${what} (got ${JSON.stringify(values[i]) ?? typeof values[i]})`);
  switch (datatype) {
    case 'FP32':
    case 'FP64': {
      const out = datatype === 'FP32' ? new Float32Array(values.length) : new Float64Array(values.length);
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(i, `${datatype} data must be finite numbers`);
        out[i] = v;
        // A number beyond FLT_MAX rounds to Infinity in FP32, and its output would come back as JSON null.
        if (!Number.isFinite(out[i])) throw bad(i, `${datatype} data must be finite numbers within ±${FLT_MAX.toExponential(6)}`);
      }
      return out;
    }
    case 'INT64':
    case 'UINT64': {
      const out = datatype === 'INT64' ? new BigInt64Array(values.length) : new BigUint64Array(values.length);
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        if (typeof v !== 'number' || !Number.isSafeInteger(v) || (datatype === 'UINT64' && v < 0)) {
          throw bad(i, `${datatype} data must be ${datatype === 'UINT64' ? 'non-negative ' : ''}safe integers`);
        }
        out[i] = BigInt(v);
      }
      return out;
    }
    case 'BOOL': {
      const out = new Uint8Array(values.length);
      for (let i = 0; i < values.length; i++) {
        if (typeof values[i] !== 'boolean') throw bad(i, 'BOOL data must be true or false');
        out[i] = values[i] ? 1 : 0;
      }
      return out;
    }
    case 'BYTES': {
      for (let i = 0; i < values.length; i++) if (typeof values[i] !== 'string') throw bad(i, 'BYTES data must be strings');
      return values as string[];
    }
    case 'FP16':
    case 'BF16':
      throw badRequest(`${field}: ${datatype} tensors are not accepted as JSON numbers; send them as raw bytes (binary tensor extension, or gRPC raw_input_contents)`);
    default: {
      const range = INTEGER_RANGE[datatype];
      if (!range) throw badRequest(`${field}: unsupported datatype ${String(datatype)}`);
      const [min, max, Ctor] = range;
      const out = new Ctor(values.length);
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw bad(i, `${datatype} data must be integers in [${min}, ${max}]`);
        out[i] = v;
      }
      return out;
    }
  }
}

function checkShape(shape: unknown, spec: TensorSpec, maxBatchSize: number, field: string): number[] {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
    throw badRequest(`${field}.shape must be an array of non-negative integers`);
  }
  const dims = shape as number[];
  if (dims.length !== spec.shape.length) {
    throw badRequest(`${field}.shape [${dims}] does not match the model's [${spec.shape}] (rank ${spec.shape.length})`);
  }
  dims.forEach((d, i) => {
    if (spec.shape[i] !== -1 && spec.shape[i] !== d) throw badRequest(`${field}.shape [${dims}] does not match the model's [${spec.shape}] at dim ${i}`);
  });
  if (maxBatchSize > 0 && (dims[0] < 1 || dims[0] > maxBatchSize)) {
    throw badRequest(`${field}.shape[0] (batch) must be between 1 and ${maxBatchSize} (got ${dims[0]})`);
  }
  return dims;
}

/**
 * Validates a V2 inference request against the model's signature and decodes it into tensors in
 * the model's input order. Every problem is a 400 naming the field; nothing here can throw a 500.
 */
export function decodeInferRequest(body: unknown, model: ModelSignature, raw?: RawInputs): DecodedRequest {
  if (!isRecord(body)) throw badRequest('request body must be a JSON object');
  const { id, inputs, outputs, parameters } = body;
  if (id !== undefined && typeof id !== 'string') throw badRequest('id must be a string');
  if (parameters !== undefined && !isRecord(parameters)) throw badRequest('parameters must be an object');
  if (!Array.isArray(inputs) || inputs.length === 0) throw badRequest('inputs must be a non-empty array');

  const byName = new Map<string, Tensor>();
  inputs.forEach((input, i) => {
    const field = `inputs[${i}]`;
    if (!isRecord(input)) throw badRequest(`${field} must be an object`);
    if (typeof input.name !== 'string') throw badRequest(`${field}.name must be a string`);
    const spec = model.inputs.find((s) => s.name === input.name);
    const named = `${field} (${input.name})`;
    if (!spec) throw badRequest(`${named}: unknown input; the model expects ${model.inputs.map((s) => s.name).join(', ')}`);
    if (byName.has(spec.name)) throw badRequest(`${named}: input given twice`);
    if (input.datatype !== spec.datatype) throw badRequest(`${named}.datatype must be ${spec.datatype} (got ${JSON.stringify(input.datatype)})`);
    if (input.parameters !== undefined && !isRecord(input.parameters)) throw badRequest(`${named}.parameters must be an object`);
    const shape = checkShape(input.shape, spec, model.maxBatchSize, named);
    const bytes = raw?.(i, spec.name);
    if (bytes) {
      if (input.data !== undefined) throw badRequest(`${named}: give its data either as JSON data or as raw bytes, not both`);
      byName.set(spec.name, { name: spec.name, datatype: spec.datatype, shape, data: tensorFromBytes(spec.datatype, shape, bytes, named) });
      return;
    }
    if (!Array.isArray(input.data)) throw badRequest(`${named}.data must be an array`);
    const values = flatten(input.data, shape, `${named}.data`);
    const expected = shape.reduce((a, b) => a * b, 1);
    if (values.length !== expected) throw badRequest(`${named}.data has ${values.length} elements but shape [${shape}] needs ${expected}`);
    byName.set(spec.name, { name: spec.name, datatype: spec.datatype, shape, data: toTypedData(values, spec.datatype, `${named}.data`) });
  });
  const missing = model.inputs.filter((s) => !byName.has(s.name)).map((s) => s.name);
  if (missing.length) throw badRequest(`inputs: missing ${missing.join(', ')}`);
  const ordered = model.inputs.map((s) => byName.get(s.name)!);
  const batch = model.maxBatchSize > 0 ? ordered[0].shape[0] : 1;
  if (model.maxBatchSize > 0) {
    const other = ordered.find((t) => t.shape[0] !== batch);
    if (other) throw badRequest(`inputs (${other.name}).shape[0] is ${other.shape[0]} but ${ordered[0].name} has batch ${batch}`);
  }

  let requested: string[] | undefined;
  if (outputs !== undefined) {
    if (!Array.isArray(outputs)) throw badRequest('outputs must be an array');
    requested = outputs.map((output, i) => {
      if (!isRecord(output) || typeof output.name !== 'string') throw badRequest(`outputs[${i}].name must be a string`);
      if (!model.outputs.some((s) => s.name === output.name)) {
        throw badRequest(`outputs[${i}] (${output.name}): unknown output; the model has ${model.outputs.map((s) => s.name).join(', ')}`);
      }
      return output.name;
    });
  }
  return { id, inputs: ordered, outputs: requested, parameters: parameters as Record<string, unknown> | undefined, batch };
}

/** A runtime tensor as V2 JSON (flat row-major data). */
export function encodeTensor(tensor: Tensor): V2OutputJson {
  const { data } = tensor;
  let values: (number | boolean | string)[];
  if (Array.isArray(data)) values = data;
  else if (data instanceof BigInt64Array || data instanceof BigUint64Array) values = Array.from(data, Number);
  else if (tensor.datatype === 'BOOL') values = Array.from(data as Uint8Array, (v) => v !== 0);
  else if (tensor.datatype === 'FP16' || tensor.datatype === 'BF16') values = Array.from(halfToFloat32(tensor.datatype, data as Uint16Array));
  else values = Array.from(data as ArrayLike<number>);
  return { name: tensor.name, datatype: tensor.datatype, shape: tensor.shape, data: values };
}
