import { Tensor } from '../runtime.types';

type TypedData = Exclude<Tensor['data'], string[]>;

/** Row length (elements per dim-0 row) of a tensor. */
const rowLength = (shape: number[]) => shape.slice(1).reduce((a, b) => a * b, 1);

/**
 * Concatenates several requests' inputs along dim 0 (the batch dim). Each request lists the same
 * inputs in the same order (the codec orders them by the model's signature).
 */
export function concatBatch(requests: Tensor[][]): Tensor[] {
  if (requests.length === 1) return requests[0];
  return requests[0].map((first, i) => {
    const parts = requests.map((r) => r[i]);
    const rows = parts.reduce((n, t) => n + t.shape[0], 0);
    const shape = [rows, ...first.shape.slice(1)];
    if (Array.isArray(first.data)) {
      return { ...first, shape, data: parts.flatMap((t) => t.data as string[]) };
    }
    const Ctor = (first.data as TypedData).constructor as new (n: number) => TypedData;
    const data = new Ctor(rows * rowLength(first.shape));
    let offset = 0;
    for (const part of parts) {
      (data as { set(a: ArrayLike<unknown>, o: number): void }).set(part.data as ArrayLike<unknown>, offset);
      offset += part.data.length;
    }
    return { ...first, shape, data };
  });
}

/**
 * Splits a batched run's outputs back into per-request outputs of the given dim-0 sizes. Typed
 * parts are views on the run's output buffer (transferred from the worker, owned by nobody else),
 * not copies.
 */
export function splitBatch(outputs: Tensor[], sizes: number[]): Tensor[][] {
  if (sizes.length === 1) return [outputs];
  const results: Tensor[][] = sizes.map(() => []);
  for (const output of outputs) {
    const row = rowLength(output.shape);
    const total = sizes.reduce((a, b) => a + b, 0);
    if (output.shape[0] !== total) throw new Error(`batched output ${output.name} has ${output.shape[0]} rows, expected ${total}`);
    let start = 0;
    sizes.forEach((rows, j) => {
      const end = start + rows * row;
      const data = Array.isArray(output.data) ? output.data.slice(start, end) : (output.data as TypedData).subarray(start, end);
      results[j].push({ ...output, shape: [rows, ...output.shape.slice(1)], data: data as Tensor['data'] });
      start = end;
    });
  }
  return results;
}
