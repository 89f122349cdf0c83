import { ModelRepository } from '../../apps/api/src/runtime/model-repository.service';
import { forward, MLP_MODELS, mlpLayers, sampleInput } from '../../apps/api/src/runtime/models/reference';
import { RuntimeHooks } from '../../apps/api/src/runtime/runtime.hooks';
import { startTestApp, TestApp } from '../support/app';

const KEK_HEX = 'cd'.repeat(32);

function maxDifference(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  return worst;
}

describe('RuntimeModule in the app (simulation, MODEL_LOAD_AT_STARTUP=all)', () => {
  let t: TestApp;
  let repository: ModelRepository;
  beforeAll(async () => {
    t = await startTestApp();
    repository = t.app.get(ModelRepository);
  });
  afterAll(async () => {
    await t.close();
  });

  it('has loaded the repository before serving: ONNX models on onnx, the others simulated', async () => {
    expect(repository.index().map(({ name, state, framework, simulated }) => ({ name, state, framework, simulated }))).toEqual([
      { name: 'tf-classifier', state: 'READY', framework: 'mock', simulated: true },
      { name: 'tiny-mlp', state: 'READY', framework: 'onnx', simulated: false },
      { name: 'tiny-mlp-bf16', state: 'READY', framework: 'onnx', simulated: false },
      { name: 'tiny-mlp-fp16', state: 'READY', framework: 'onnx', simulated: false },
      { name: 'torch-classifier', state: 'READY', framework: 'mock', simulated: true },
      { name: 'wide-mlp', state: 'READY', framework: 'onnx', simulated: false },
    ]);
    await t.http.get('/health/startup').expect(200);
    const ready = await t.http.get('/health/ready').expect(200);
    expect(ready.body.details.models).toEqual({ status: 'up', ready: 6 });
  });

  it.each(MLP_MODELS.map((m) => [m.name, m] as const))('%s answers like the reference implementation, batched', async (_name, model) => {
    const handle = repository.get(model.name);
    const batch = 65; // one more than maxBatchSize: two batches on the worker pool
    const data = sampleInput(model.sizes[0], batch, 9);
    const [output] = await handle.infer([{ name: 'input', datatype: 'FP32', shape: [batch, model.sizes[0]], data }]);
    expect(output.shape).toEqual([batch, model.sizes[model.sizes.length - 1]]);
    expect(maxDifference(output.data as Float32Array, forward(mlpLayers(model), data, batch))).toBeLessThan(1e-5);
  });

  it('logs-and-exposes framework detection through RuntimeHooks', async () => {
    const hooks = t.app.get(RuntimeHooks);
    await hooks.whenDetected();
    const [onnx, tensorflow] = hooks.frameworks();
    expect(onnx).toMatchObject({ framework: 'onnx', available: true, providers: expect.arrayContaining(['cpu']) });
    expect(tensorflow).toMatchObject({ framework: 'tensorflow', available: false, reason: expect.stringContaining('not installed') });
  });

  it('counts loads by effective framework, times them against the 0.8 s budget bucket, and counts a reload', async () => {
    const before = (await t.http.get('/metrics').expect(200)).text;
    expect(before).toMatch(/^nf_runtime_loaded_total\{framework="onnx"\} 4$/m);
    expect(before).toMatch(/^nf_runtime_loaded_total\{framework="mock"\} 2$/m);
    expect(before).toMatch(/^nf_runtime_load_duration_seconds_bucket\{le="0\.8",framework="onnx",outcome="ok"\} \d+$/m);
    expect(before).toMatch(/^nf_runtime_model_ready\{model="tiny-mlp"\} 1$/m);
    expect(before).toMatch(/^nf_runtime_model_simulated\{model="tf-classifier"\} 1$/m);

    const reloaded = await repository.load('tiny-mlp');
    expect(repository.get('tiny-mlp')).toBe(reloaded);
    const after = (await t.http.get('/metrics').expect(200)).text;
    expect(after).toMatch(/^nf_runtime_loaded_total\{framework="onnx"\} 5$/m);
  });

  it('refuses path traversal in model ids', async () => {
    await expect(repository.load('../../etc')).rejects.toMatchObject({ status: 400 });
    expect(() => repository.get('..%2f..')).toThrow(expect.objectContaining({ status: 404 }));
  });
});

describe('start-up probe while models load (MODEL_LOAD_AT_STARTUP=none, then a start-up load)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ MODEL_LOAD_AT_STARTUP: 'none' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('nothing is loaded and readiness does not wait for models that were never asked for', async () => {
    expect(t.app.get(ModelRepository).index().every((m) => m.state === 'UNAVAILABLE')).toBe(true);
    await t.http.get('/health/ready').expect(200);
  });

  it('answers 503 naming "models" while the start-up load runs, then 200', async () => {
    const loading = t.app.get(ModelRepository).loadAtStartup();
    const pending = await t.http.get('/health/startup').expect(503);
    expect(pending.body.error.startup.pending).toEqual(['models']);
    const notReady = await t.http.get('/health/ready').expect(503);
    expect(notReady.body.error.models.status).toBe('down');
    await loading;
    await t.http.get('/health/startup').expect(200);
    await t.http.get('/health/ready').expect(200);
  });
});

describe('production mode', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ NEURAL_FABRIC_MODE: 'production', SIMULATION_MODE: 'false', GPU_DRIVER_MOCK: 'false', VAULT_PQC_KEK: KEK_HEX });
  });
  afterAll(async () => {
    await t.close();
  });

  it('serves the ONNX models and refuses the simulated ones, with the reason in the index', () => {
    const index = t.app.get(ModelRepository).index();
    expect(index.map(({ name, state, framework }) => [name, state, framework])).toEqual([
      ['tf-classifier', 'UNAVAILABLE', 'tensorflow'],
      ['tiny-mlp', 'READY', 'onnx'],
      ['tiny-mlp-bf16', 'READY', 'onnx'],
      ['tiny-mlp-fp16', 'READY', 'onnx'],
      ['torch-classifier', 'UNAVAILABLE', 'pytorch'],
      ['wide-mlp', 'READY', 'onnx'],
    ]);
    expect(index[0].reason).toMatch(/framework tensorflow is not available here .*refused in production/);
  });

  it('refuses to load a simulated model (503) and to serve it', async () => {
    const repository = t.app.get(ModelRepository);
    await expect(repository.load('tf-classifier')).rejects.toMatchObject({ status: 503, message: expect.stringContaining('RUNTIME_ALLOW_MOCK_IN_PRODUCTION=false') });
    await expect(repository.loadModel('pytorch', 'torch-classifier')).rejects.toMatchObject({ status: 503 });
    expect(() => repository.get('torch-classifier')).toThrow(expect.objectContaining({ status: 503 }));
  });

  it('is ready (tf-classifier and torch-classifier are optional) and runs on the cpu provider without a GPU', async () => {
    const ready = await t.http.get('/health/ready').expect(200);
    expect(ready.body.details.models).toEqual({ status: 'up', ready: 4 });
    expect(await t.app.get(RuntimeHooks).executionProviders()).toMatchObject({ effective: 'cpu', gpu: { driverMock: false } });
  });
});
