import { detectOnnx, detectPytorch, detectTensorflow } from './runtime.hooks';

describe('framework detection', () => {
  it('finds onnxruntime-node with its version and the cpu provider', () => {
    const onnx = detectOnnx();
    expect(onnx).toMatchObject({ framework: 'onnx', available: true, version: expect.stringMatching(/^1\.\d+\.\d+/) });
    expect(onnx.providers).toContain('cpu');
  });

  it('reports TensorFlow from whichever package resolves, or why not', () => {
    const missing = () => {
      throw new Error('not found');
    };
    expect(detectTensorflow(missing)).toEqual({ framework: 'tensorflow', available: false, reason: '@tensorflow/tfjs-node and @tensorflow/tfjs are not installed' });
    const found = detectTensorflow((id) => (id === '@tensorflow/tfjs/package.json' ? require.resolve('../../../../package.json') : missing()));
    expect(found).toMatchObject({ framework: 'tensorflow', available: true, version: expect.stringMatching(/^@tensorflow\/tfjs@/) });
  });

  it('reports PyTorch as available with a version or unavailable with a reason, within the timeout', async () => {
    const started = Date.now();
    const torch = await detectPytorch(2000);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(torch.framework).toBe('pytorch');
    expect(torch.available ? torch.version : torch.reason).toMatch(torch.available ? /^torch / : /import torch/);
  });
});
