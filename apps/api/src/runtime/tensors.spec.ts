import { BadRequestException } from '@nestjs/common';
import { MockRuntime } from './mock.runtime';
import { parseModelConfig } from './model-config';
import { checkInputs, concatBatch, sliceBatch, tensorFrom } from './tensors';
import { TensorSpec } from './runtime.types';

const specs: TensorSpec[] = [{ name: 'input', datatype: 'FP32', shape: [-1, 2] }];

describe('tensors', () => {
  it('checkInputs returns the batch size and names what is wrong', () => {
    expect(checkInputs('m', specs, 8, [tensorFrom('input', 'FP32', [3, 2])])).toBe(3);
    expect(() => checkInputs('m', specs, 8, [tensorFrom('input', 'FP64', [3, 2])])).toThrow('model m: input input must be FP32, got FP64');
    expect(() => checkInputs('m', specs, 8, [tensorFrom('input', 'FP32', [3, 3])])).toThrow('has shape [3,3], expected [-1,2]');
    expect(() => checkInputs('m', specs, 8, [{ ...tensorFrom('input', 'FP32', [3, 2]), data: new Float32Array(5) }])).toThrow('holds 5 values');
    expect(() => checkInputs('m', specs, 8, [tensorFrom('other', 'FP32', [3, 2])])).toThrow(BadRequestException);
    expect(() => checkInputs('m', specs, 8, [])).toThrow('expected inputs input, got none');
  });

  it('slices and joins along dim 0', () => {
    const t = tensorFrom('x', 'FP32', [3, 2], [1, 2, 3, 4, 5, 6]);
    const parts = [sliceBatch(t, 0, 2), sliceBatch(t, 2, 3)];
    expect(parts.map((p) => [p.shape, Array.from(p.data as Float32Array)])).toEqual([
      [[2, 2], [1, 2, 3, 4]],
      [[1, 2], [5, 6]],
    ]);
    const joined = concatBatch(parts);
    expect(joined.shape).toEqual([3, 2]);
    expect(joined.data).toEqual(Float32Array.from([1, 2, 3, 4, 5, 6]));
  });

  it('the mock runtime answers deterministically with the configured shapes and datatypes', async () => {
    const config = parseModelConfig('m', {
      name: 'm',
      framework: 'tensorflow',
      maxBatchSize: 4,
      inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 2] }],
      outputs: [
        { name: 'p', datatype: 'FP32', shape: [-1, 3] },
        { name: 'label', datatype: 'INT64', shape: [-1, 1] },
      ],
    });
    const model = await new MockRuntime().open(config);
    const input = tensorFrom('input', 'FP32', [2, 2], [1, 2, 3, 4]);
    const [p, label] = await model.run([input]);
    expect(p).toMatchObject({ name: 'p', datatype: 'FP32', shape: [2, 3] });
    expect(p.data).toBeInstanceOf(Float32Array);
    expect(label).toMatchObject({ name: 'label', datatype: 'INT64', shape: [2, 1] });
    expect(label.data).toBeInstanceOf(BigInt64Array);
    expect(await model.run([input])).toEqual([p, label]);
    const [other] = await model.run([tensorFrom('input', 'FP32', [2, 2], [1, 2, 3, 5])]);
    expect(other.data).not.toEqual(p.data);
  });
});
