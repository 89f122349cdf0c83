import { Tensor } from '../runtime.types';
import { concatBatch, splitBatch } from './batching';

const t = (rows: number, start: number): Tensor => ({
  name: 'x',
  datatype: 'FP32',
  shape: [rows, 2],
  data: Float32Array.from({ length: rows * 2 }, (_, i) => start + i),
});

describe('dynamic batching: concat and split along dim 0', () => {
  it('concatenates requests in order and splits the outputs back by rows', () => {
    const batched = concatBatch([[t(1, 0)], [t(2, 10)], [t(1, 20)]]);
    expect(batched[0].shape).toEqual([4, 2]);
    expect(Array.from(batched[0].data as Float32Array)).toEqual([0, 1, 10, 11, 12, 13, 20, 21]);
    const parts = splitBatch(batched, [1, 2, 1]);
    expect(parts.map((p) => p[0].shape)).toEqual([[1, 2], [2, 2], [1, 2]]);
    expect(parts.map((p) => Array.from(p[0].data as Float32Array))).toEqual([[0, 1], [10, 11, 12, 13], [20, 21]]);
  });

  it('split parts are views on the run\'s output, not copies', () => {
    const output = t(3, 0);
    const parts = splitBatch([output], [1, 2]);
    expect(parts.map((p) => p[0].data.length)).toEqual([2, 4]);
    expect(parts.every((p) => (p[0].data as Float32Array).buffer === (output.data as Float32Array).buffer)).toBe(true);
  });

  it('keeps the typed array kind and handles string tensors', () => {
    const ints: Tensor = { name: 'i', datatype: 'INT64', shape: [1, 1], data: new BigInt64Array([5n]) };
    expect(concatBatch([[ints], [ints]])[0].data).toEqual(new BigInt64Array([5n, 5n]));
    const words: Tensor = { name: 's', datatype: 'BYTES', shape: [1, 1], data: ['a'] };
    const split = splitBatch(concatBatch([[words], [{ ...words, data: ['b'] }]]), [1, 1]);
    expect(split.map((p) => p[0].data)).toEqual([['a'], ['b']]);
  });

  it('refuses outputs whose row count does not match the batch', () => {
    expect(() => splitBatch([t(3, 0)], [1, 1])).toThrow(/has 3 rows, expected 2/);
  });
});
