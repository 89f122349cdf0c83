import { decodeInferRequest, encodeTensor, ModelSignature } from './v2.codec';
import { refused } from '../../../../../test/support/v2-refusal';

const tiny: ModelSignature = {
  inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 4] }],
  outputs: [{ name: 'probabilities', datatype: 'FP32', shape: [-1, 3] }],
  maxBatchSize: 8,
};
const request = (input: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => ({
  id: 'r1',
  inputs: [{ name: 'input', datatype: 'FP32', shape: [2, 4], data: [1, 2, 3, 4, 5, 6, 7, 8], ...input }],
  ...extra,
});

const refusal = (body: unknown, model = tiny) => refused(() => decodeInferRequest(body, model));


describe('decodeInferRequest', () => {
  it('decodes flat data into a typed tensor with the batch size', () => {
    const decoded = decodeInferRequest(request({}, { parameters: { a: 1 }, outputs: [{ name: 'probabilities' }] }), tiny);
    expect(decoded).toMatchObject({ id: 'r1', batch: 2, outputs: ['probabilities'], parameters: { a: 1 } });
    expect(decoded.inputs[0].data).toEqual(new Float32Array([1, 2, 3, 4, 5, 6, 7, 8]));
    expect(decoded.inputs[0].shape).toEqual([2, 4]);
  });

  it('accepts nested (row-major) data the same as flat data', () => {
    const nested = decodeInferRequest(request({ data: [[1, 2, 3, 4], [5, 6, 7, 8]] }), tiny);
    expect(nested.inputs[0].data).toEqual(new Float32Array([1, 2, 3, 4, 5, 6, 7, 8]));
  });

  it('refuses ragged or mis-nested data', () => {
    expect(refusal(request({ data: [[1, 2, 3, 4], [5, 6, 7]] }))).toMatch(/data\[1\] has 3 entries but shape \[2,4\] needs 4 at dim 1/);
    expect(refusal(request({ data: [[[1]], 2, 3, 4, 5, 6, 7, 8] }))).toMatch(/has 8 entries but shape \[2,4\] needs 2 at dim 0/);
    expect(refusal(request({ data: [[1, 2, 3, [4]], [5, 6, 7, 8]] }))).toMatch(/data\[0\]\[3\] must be a value/);
  });

  it.each([
    ['a non-object body', 'x', /request body must be a JSON object/],
    ['no inputs', { inputs: [] }, /inputs must be a non-empty array/],
    ['a wrong datatype', request({ datatype: 'INT32' }), /inputs\[0\] \(input\)\.datatype must be FP32/],
    ['a wrong rank', request({ shape: [8] }), /inputs\[0\] \(input\)\.shape \[8\] does not match/],
    ['a wrong fixed dim', request({ shape: [4, 2] }), /at dim 1/],
    ['a batch above maxBatchSize', request({ shape: [9, 4], data: new Array(36).fill(0) }), /shape\[0\] \(batch\) must be between 1 and 8/],
    ['a wrong data length', request({ data: [1, 2, 3] }), /data has 3 elements but shape \[2,4\] needs 8/],
    ['a non-finite number', request({ data: [1, 2, 3, 4, 5, 6, 7, 'x'] }), /data\[7\]: FP32 data must be finite numbers/],
    ['an FP32 value beyond FLT_MAX', request({ data: [1, 2, 3, 4, 5, 6, 7, 3.5e38] }), /data\[7\]: FP32 data must be finite numbers within ±3\.402823e\+38 \(got 3\.5e\+38\)/],
    ['an unknown input', request({ name: 'nope' }), /unknown input; the model expects input/],
    ['an unknown output', request({}, { outputs: [{ name: 'logits' }] }), /outputs\[0\] \(logits\): unknown output/],
    ['a non-string id', request({}, { id: 5 }), /id must be a string/],
    ['non-object parameters', request({}, { parameters: [] }), /parameters must be an object/],
    ['a non-array data', request({ data: 'abc' }), /data must be an array/],
  ])('refuses %s with a 400 naming the field', (_what, body, message) => {
    expect(refusal(body)).toMatch(message);
  });

  it('names a missing input and a duplicated one', () => {
    const two: ModelSignature = { ...tiny, maxBatchSize: 0, inputs: [{ name: 'a', datatype: 'INT32', shape: [2] }, { name: 'b', datatype: 'INT32', shape: [2] }] };
    expect(refusal({ inputs: [{ name: 'a', datatype: 'INT32', shape: [2], data: [1, 2] }] }, two)).toMatch(/inputs: missing b/);
    const a = { name: 'a', datatype: 'INT32', shape: [2], data: [1, 2] };
    expect(refusal({ inputs: [a, a] }, two)).toMatch(/input given twice/);
    expect(refusal({ inputs: [{ ...a, data: [1, 2.5] }] }, two)).toMatch(/INT32 data must be integers/);
  });

  it('refuses inputs whose batch sizes differ', () => {
    const two: ModelSignature = { ...tiny, inputs: [{ name: 'a', datatype: 'FP32', shape: [-1, 1] }, { name: 'b', datatype: 'FP32', shape: [-1, 1] }] };
    const body = { inputs: [{ name: 'a', datatype: 'FP32', shape: [1, 1], data: [1] }, { name: 'b', datatype: 'FP32', shape: [2, 1], data: [1, 2] }] };
    expect(refusal(body, two)).toMatch(/shape\[0\] is 2 but a has batch 1/);
  });

  it('encodes typed outputs as flat JSON arrays (BOOL as booleans, INT64 as numbers)', () => {
    expect(encodeTensor({ name: 'p', datatype: 'FP32', shape: [1, 2], data: new Float32Array([0.5, 0.25]) })).toEqual({ name: 'p', datatype: 'FP32', shape: [1, 2], data: [0.5, 0.25] });
    expect(encodeTensor({ name: 'b', datatype: 'BOOL', shape: [2], data: new Uint8Array([1, 0]) }).data).toEqual([true, false]);
    expect(encodeTensor({ name: 'i', datatype: 'INT64', shape: [1], data: new BigInt64Array([7n]) }).data).toEqual([7]);
    expect(encodeTensor({ name: 'h', datatype: 'FP16', shape: [2], data: new Uint16Array([0x3c00, 0xc000]) }).data).toEqual([1, -2]);
    expect(encodeTensor({ name: 'h', datatype: 'BF16', shape: [1], data: new Uint16Array([0x4049]) }).data).toEqual([3.140625]);
  });

  describe('inputs given as raw bytes', () => {
    const half: ModelSignature = { ...tiny, inputs: [{ name: 'input', datatype: 'FP16', shape: [-1, 2] }] };
    const header = { inputs: [{ name: 'input', datatype: 'FP16', shape: [1, 2], parameters: { binary_data_size: 4 } }] };

    it('decodes the bytes the caller hands over for an input, by its index', () => {
      const asked: [number, string][] = [];
      const decoded = decodeInferRequest(header, half, (index, name) => {
        asked.push([index, name]);
        return new Uint8Array([0x00, 0x3c, 0x00, 0xc0]);
      });
      expect(asked).toEqual([[0, 'input']]);
      expect(decoded.inputs[0]).toEqual({ name: 'input', datatype: 'FP16', shape: [1, 2], data: new Uint16Array([0x3c00, 0xc000]) });
    });

    it('refuses raw bytes whose size disagrees with the shape, and data given both ways', () => {
      expect(refused(() => decodeInferRequest(header, half, () => new Uint8Array(3)))).toMatch(/inputs\[0\] \(input\): 3 bytes given, but FP16 shape \[1,2\] needs 4/);
      const both = { inputs: [{ ...header.inputs[0], data: [1, 2] }] };
      expect(refused(() => decodeInferRequest(both, half, () => new Uint8Array(4)))).toMatch(/either as JSON data or as raw bytes, not both/);
    });

    it('refuses FP16 and BF16 as JSON numbers, pointing at raw bytes', () => {
      const json = { inputs: [{ name: 'input', datatype: 'FP16', shape: [1, 2], data: [1, 2] }] };
      expect(refusal(json, half)).toMatch(/FP16 tensors are not accepted as JSON numbers; send them as raw bytes/);
    });
  });
});
