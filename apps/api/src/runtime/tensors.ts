import { BadRequestException } from '@nestjs/common';
import { Datatype, Tensor, TensorSpec } from './runtime.types';

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** An empty typed array of the datatype's JS representation (FP16 and BF16 as raw uint16 bits, BOOL as uint8). */
export function allocate(datatype: Datatype, length: number): Tensor['data'] {
  switch (datatype) {
    case 'BOOL':
    case 'UINT8':
      return new Uint8Array(length);
    case 'INT8':
      return new Int8Array(length);
    case 'INT16':
      return new Int16Array(length);
    case 'UINT16':
    case 'FP16':
    case 'BF16':
      return new Uint16Array(length);
    case 'INT32':
      return new Int32Array(length);
    case 'UINT32':
      return new Uint32Array(length);
    case 'INT64':
      return new BigInt64Array(length);
    case 'UINT64':
      return new BigUint64Array(length);
    case 'FP32':
      return new Float32Array(length);
    case 'FP64':
      return new Float64Array(length);
    case 'BYTES':
      return new Array<string>(length).fill('');
  }
}

/** Checks names, datatypes and shapes against the model's inputs; returns the batch size (1 when not batching). */
export function checkInputs(model: string, specs: readonly TensorSpec[], maxBatchSize: number, inputs: readonly Tensor[]): number {
  const bad = (why: string) => new BadRequestException(`model ${model}: ${why}`);
  if (inputs.length !== specs.length) throw bad(`expected inputs ${specs.map((s) => s.name).join(', ')}, got ${inputs.map((i) => i.name).join(', ') || 'none'}`);
  let batch: number | undefined;
  for (const spec of specs) {
    const input = inputs.find((i) => i.name === spec.name);
    if (!input) throw bad(`missing input ${spec.name}`);
    if (input.datatype !== spec.datatype) throw bad(`input ${spec.name} must be ${spec.datatype}, got ${input.datatype}`);
    const fits = input.shape.length === spec.shape.length && spec.shape.every((d, i) => Number.isInteger(input.shape[i]) && input.shape[i] >= 1 && (d === -1 || d === input.shape[i]));
    if (!fits) throw bad(`input ${spec.name} has shape [${input.shape}], expected [${spec.shape}] (-1 = any)`);
    if (input.data.length !== elementCount(input.shape)) throw bad(`input ${spec.name} holds ${input.data.length} values for shape [${input.shape}]`);
    if (maxBatchSize > 0) {
      if (batch !== undefined && input.shape[0] !== batch) throw bad('inputs disagree on the batch size (dim 0)');
      batch = input.shape[0];
    }
  }
  return batch ?? 1;
}

/** Rows [start, end) along dim 0, sharing memory where the data is a typed array. */
export function sliceBatch(tensor: Tensor, start: number, end: number): Tensor {
  const row = elementCount(tensor.shape.slice(1));
  const data = tensor.data.slice(start * row, end * row) as Tensor['data'];
  return { ...tensor, shape: [end - start, ...tensor.shape.slice(1)], data };
}

/** Joins tensors of the same name along dim 0. */
export function concatBatch(parts: Tensor[]): Tensor {
  if (parts.length === 1) return parts[0];
  const [first] = parts;
  const rows = parts.reduce((n, p) => n + p.shape[0], 0);
  const shape = [rows, ...first.shape.slice(1)];
  if (Array.isArray(first.data)) return { ...first, shape, data: parts.flatMap((p) => p.data as string[]) };
  const data = allocate(first.datatype, elementCount(shape)) as Exclude<Tensor['data'], string[]>;
  let offset = 0;
  for (const part of parts) {
    (data as Float32Array).set(part.data as Float32Array, offset);
    offset += part.data.length;
  }
  return { ...first, shape, data };
}

/** A warmup or test input from plain numbers. */
export function tensorFrom(name: string, datatype: Datatype, shape: number[], values?: number[]): Tensor {
  const data = allocate(datatype, elementCount(shape));
  if (values) {
    if (Array.isArray(data)) values.forEach((v, i) => (data[i] = String(v)));
    else if (data instanceof BigInt64Array || data instanceof BigUint64Array) values.forEach((v, i) => (data[i] = BigInt(Math.trunc(v))));
    else (data as Float32Array).set(values);
  }
  return { name, datatype, shape, data };
}
