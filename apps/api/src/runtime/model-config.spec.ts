import { isValidModelId, ModelConfigError, parseModelConfig } from './model-config';

describe('model ids', () => {
  it.each(['tiny-mlp', 'a', 'model_1.v2', '0abc', 'x'.repeat(64)])('accepts %s', (id) => {
    expect(isValidModelId(id)).toBe(true);
  });

  it.each(['', '..', '.hidden', '../etc', 'a/b', 'a\\b', 'Tiny', '-x', 'a..b', 'x'.repeat(65), 'a b', '%2e%2e', 'a\0b'])('refuses %j', (id) => {
    expect(isValidModelId(id)).toBe(false);
  });

  it('refuses non-strings', () => {
    expect(isValidModelId(undefined)).toBe(false);
    expect(isValidModelId(42)).toBe(false);
  });
});

describe('parseModelConfig', () => {
  const valid = {
    name: 'm',
    framework: 'onnx',
    maxBatchSize: 8,
    inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 4] }],
    outputs: [{ name: 'output', datatype: 'FP32', shape: [-1, 3] }],
    instances: 2,
    warmup: { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] }] },
  };

  it('parses a valid config and fills defaults', () => {
    expect(parseModelConfig('m', valid)).toEqual({ ...valid, execution: 'worker', required: true, file: 'model.onnx' });
    const minimal = parseModelConfig('m', { ...valid, maxBatchSize: undefined, instances: undefined, warmup: undefined, inputs: [{ name: 'x', datatype: 'INT64', shape: [2] }] });
    expect(minimal).toMatchObject({ maxBatchSize: 0, instances: 1, warmup: { inputs: [] } });
    expect(parseModelConfig('m', { ...valid, framework: 'pytorch' }).file).toBe('model.pt');
  });

  it.each([
    [{ name: 'other' }, 'name must equal the directory name "m"'],
    [{ framework: 'caffe' }, 'framework must be one of onnx, tensorflow, pytorch, mock'],
    [{ maxBatchSize: -1 }, 'maxBatchSize must be an integer'],
    [{ instances: 0 }, 'instances must be an integer from 1 to 64'],
    [{ inputs: [] }, 'inputs must be a non-empty array'],
    [{ inputs: [{ name: 'input', datatype: 'FLOAT', shape: [-1, 4] }] }, 'inputs[0].datatype must be one of'],
    [{ inputs: [{ name: 'input', datatype: 'FP32', shape: [4] }] }, 'inputs[0].shape must start with -1'],
    [{ outputs: [{ name: 'o', datatype: 'FP32', shape: [-1, 0] }] }, 'outputs[0].shape must be an array of positive integers or -1'],
    [{ warmup: { inputs: [{ name: 'nope', shape: [1, 4] }] } }, 'warmup.inputs[0].name must name an input'],
    [{ warmup: { inputs: [{ name: 'input', shape: [1, 4], data: [1] }] } }, 'warmup.inputs[0].data must hold 4 numbers'],
    [{ file: '../../etc/passwd' }, 'file must be a plain file name'],
    [{ required: 'yes' }, 'required must be a boolean'],
    [{ dynamic_batching: { preferred_batch_size: [4, 16] } }, 'models/m/config.json: dynamic_batching.preferred_batch_size[1] must be an integer from 1 to maxBatchSize (8)'],
    [{ maxBatchSize: 0, inputs: [{ name: 'input', datatype: 'FP32', shape: [4] }], outputs: [{ name: 'o', datatype: 'FP32', shape: [3] }], warmup: undefined, dynamic_batching: true }, 'models/m/config.json: dynamic_batching needs maxBatchSize > 0'],
    [{ dynamic_batching: { max_queue_delay_us: 5 } }, 'models/m/config.json: dynamic_batching.max_queue_delay_us is not supported'],
    [{ execution: 'gpu' }, 'execution must be one of worker, event-loop'],
    [{ execution: 'event-loop' }, 'execution "event-loop" runs one session: instances must be 1'],
    [{ execution: 'event-loop', instances: 1, outputs: [{ name: 'output', datatype: 'FP16', shape: [-1, 3] }] }, 'execution "event-loop" cannot carry FP16 tensors (output): use "worker"'],
  ])('refuses %j', (change, message) => {
    expect(() => parseModelConfig('m', { ...valid, ...change })).toThrow(ModelConfigError);
    expect(() => parseModelConfig('m', { ...valid, ...change })).toThrow(message);
  });

  it('runs on worker threads unless the config asks for the event loop', () => {
    expect(parseModelConfig('m', { ...valid, instances: 1, execution: 'event-loop' }).execution).toBe('event-loop');
    expect(parseModelConfig('m', { ...valid, execution: 'worker' }).execution).toBe('worker');
  });

  it('reads Triton\'s dynamic_batching: absent (service defaults), off, or a policy', () => {
    expect(parseModelConfig('m', valid).dynamicBatching).toBeUndefined();
    expect(parseModelConfig('m', { ...valid, dynamic_batching: false }).dynamicBatching).toBe(false);
    expect(parseModelConfig('m', { ...valid, dynamic_batching: { preferred_batch_size: [8, 4], max_queue_delay_microseconds: 500 } }).dynamicBatching).toEqual({
      preferredBatchSizes: [4, 8],
      maxQueueDelayUs: 500,
    });
  });

  it('refuses a non-object', () => {
    expect(() => parseModelConfig('m', [])).toThrow('models/m/config.json: must be a JSON object');
  });
});
