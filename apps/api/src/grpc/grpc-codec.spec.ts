import { Tensor } from '../runtime/runtime.types';
import { grpcToV2Body, InferOutcome, ModelInferRequest, v2ToGrpcResponse } from './grpc-codec';
import { refused } from '../../../../test/support/v2-refusal';

const request = (inputs: Partial<ModelInferRequest['inputs'][number]>[], extra: Partial<ModelInferRequest> = {}): ModelInferRequest => ({
  model_name: 'm',
  model_version: '',
  id: '',
  parameters: {},
  outputs: [],
  raw_input_contents: [],
  inputs: inputs.map((i) => ({ name: 'x', datatype: 'FP32', shape: ['1', '2'], parameters: {}, contents: null, ...i })),
  ...extra,
});


describe('gRPC ModelInfer <-> V2 request body', () => {
  it('turns typed contents into the REST body: int64 strings into exact numbers, parameters by their choice', () => {
    const { body, raw } = grpcToV2Body(
      request([{ datatype: 'INT64', shape: ['1', '3'], contents: { int64_contents: ['1', '-9007199254740991', '9007199254740993'] } }], {
        id: 'r1',
        parameters: { timeout_ms: { parameter_choice: 'int64_param', int64_param: '250' }, tag: { parameter_choice: 'string_param', string_param: 'a' } },
        outputs: [{ name: 'y', parameters: {} }],
      }),
    );
    expect(raw).toBeUndefined();
    expect(body).toEqual({
      id: 'r1',
      parameters: { timeout_ms: 250, tag: 'a' },
      outputs: [{ name: 'y' }],
      // Beyond 2^53 the value stays a string, which the codec refuses naming the element (never a rounded number).
      inputs: [{ name: 'x', datatype: 'INT64', shape: [1, 3], data: [1, -9007199254740991, '9007199254740993'] }],
    });
  });

  it('reads BYTES elements as UTF-8 text and refuses bytes that are not', () => {
    const { body } = grpcToV2Body(request([{ datatype: 'BYTES', shape: ['1', '1'], contents: { bytes_contents: [Buffer.from('héllo')] } }]));
    expect((body.inputs as { data: unknown[] }[])[0].data).toEqual(['héllo']);
    expect(refused(() => grpcToV2Body(request([{ datatype: 'BYTES', contents: { bytes_contents: [Buffer.from([0xff, 0xfe])] } }])))).toBe(
      'inputs[0] (x).contents.bytes_contents[0] is not UTF-8 text (BYTES elements are held as text)',
    );
  });

  it('refuses FP16 / BF16 as typed contents, contents beside raw bytes, and raw bytes not one per input', () => {
    expect(refused(() => grpcToV2Body(request([{ datatype: 'FP16', contents: { fp32_contents: [1, 2] } }])))).toMatch(/FP16 tensors travel as raw bytes in raw_input_contents/);
    expect(refused(() => grpcToV2Body(request([{ datatype: 'BF16' }])))).toMatch(/BF16 tensors travel as raw bytes/);
    expect(refused(() => grpcToV2Body(request([{ contents: { fp32_contents: [1, 2] } }], { raw_input_contents: [Buffer.alloc(8)] })))).toBe(
      'inputs[0] (x).contents must be empty when raw_input_contents is used',
    );
    expect(refused(() => grpcToV2Body(request([{}, { name: 'z' }], { raw_input_contents: [Buffer.alloc(8)] })))).toMatch(/raw_input_contents has 1 entries but inputs has 2/);
  });

  it.each(['constructor', '__proto__', 'toString'])('leaves an unknown datatype named like an Object property (%s) to the codec, typed contents and all', (datatype) => {
    // The datatype is the client's: it must not find a value the lookup table merely inherits.
    const { body } = grpcToV2Body(request([{ datatype, contents: { fp32_contents: [1, 2] } }]));
    expect(body.inputs).toEqual([{ name: 'x', datatype, shape: [1, 2], data: [] }]);
  });

  it('hands raw bytes on by input index, with no JSON data beside them', () => {
    const bytes = Buffer.alloc(8);
    const { body, raw } = grpcToV2Body(request([{ datatype: 'FP16', shape: ['1', '4'] }], { raw_input_contents: [bytes] }));
    expect(raw).toEqual([bytes]);
    expect((body.inputs as object[])[0]).toEqual({ name: 'x', datatype: 'FP16', shape: [1, 4] });
  });

  const result = (outputs: Tensor[]): InferOutcome => ({
    response: { model_name: 'm', model_version: '1', parameters: { simulated: false, framework: 'onnx' } },
    outputs,
  });

  it('answers typed contents to a typed request: INT64 as decimal strings, BOOL as booleans', () => {
    const reply = v2ToGrpcResponse(
      result([
        { name: 'i', datatype: 'INT64', shape: [2], data: new BigInt64Array([-(2n ** 62n), 3n]) },
        { name: 'b', datatype: 'BOOL', shape: [2], data: new Uint8Array([1, 0]) },
      ]),
      request([]),
      false,
    );
    expect(reply.raw_output_contents).toEqual([]);
    expect(reply.outputs.map((o) => o.contents)).toEqual([{ int64_contents: [String(-(2n ** 62n)), '3'] }, { bool_contents: [true, false] }]);
    expect(reply.parameters).toMatchObject({ simulated: { bool_param: false }, framework: { string_param: 'onnx' } });
  });

  it('answers raw bytes when an output has no typed field (FP16), even to a typed request', () => {
    const half = new Uint16Array([0x3c00, 0xc000]);
    const reply = v2ToGrpcResponse(result([{ name: 'h', datatype: 'FP16', shape: [2], data: half }]), request([]), false);
    expect(reply.outputs).toEqual([{ name: 'h', datatype: 'FP16', shape: [2] }]);
    expect(Buffer.from(reply.raw_output_contents[0])).toEqual(Buffer.from([0x00, 0x3c, 0x00, 0xc0]));
  });
});
