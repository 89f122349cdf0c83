import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { BadRequestException, NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import { register } from 'prom-client';
import { ProbeRegistry } from '../../apps/api/src/health/probe-registry';
import { MockRuntime } from '../../apps/api/src/runtime/mock.runtime';
import { ModelRepository } from '../../apps/api/src/runtime/model-repository.service';
import { forward, MLP_MODELS, mlpLayers, sampleInput } from '../../apps/api/src/runtime/models/reference';
import { OnnxRuntime } from '../../apps/api/src/runtime/onnx/onnx.runtime';
import { RuntimeHooks } from '../../apps/api/src/runtime/runtime.hooks';
import { RuntimeMetrics } from '../../apps/api/src/runtime/runtime.metrics';
import { Tensor } from '../../apps/api/src/runtime/runtime.types';
import { tempDir, testEnv } from '../support/env';
import { REPO_ROOT } from '../support/paths';

const KEK_HEX = 'ab'.repeat(32);
const PRODUCTION = { NEURAL_FABRIC_MODE: 'production', SIMULATION_MODE: 'false', GPU_DRIVER_MOCK: 'false', VAULT_PQC_KEK: KEK_HEX };

/** A copy of the committed repository that a test may change. */
function repositoryCopy(...models: string[]): string {
  const root = tempDir('nf-models-');
  for (const model of models) cpSync(path.join(REPO_ROOT, 'models', model), path.join(root, model), { recursive: true });
  return root;
}

function createRepository(overrides: Record<string, string> = {}) {
  register.clear();
  const { settings } = testEnv({ MODEL_LOAD_AT_STARTUP: 'none', ...overrides });
  const hooks = new RuntimeHooks(settings);
  const metrics = new RuntimeMetrics();
  const probes = new ProbeRegistry();
  const repository = new ModelRepository(settings, hooks, new OnnxRuntime(settings, hooks), new MockRuntime(), metrics, probes);
  return { repository, hooks, metrics, probes, settings };
}

const open: ModelRepository[] = [];
async function repositoryFor(overrides: Record<string, string> = {}) {
  const created = createRepository(overrides);
  open.push(created.repository);
  await created.repository.onApplicationBootstrap();
  return created;
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((r) => r.onApplicationShutdown()));
});

function input(features: number, batch: number, seed = 42): Tensor {
  return { name: 'input', datatype: 'FP32', shape: [batch, features], data: sampleInput(features, batch, seed) };
}

function expectClose(actual: Tensor['data'], expected: Float32Array, tolerance = 1e-5) {
  expect(actual).toBeInstanceOf(Float32Array);
  expect(actual).toHaveLength(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs((actual as Float32Array)[i] - expected[i]));
  expect(worst).toBeLessThan(tolerance);
}

describe('ModelRepository on ONNX Runtime', () => {
  it.each(MLP_MODELS.map((m) => [m.name, m] as const))('%s: ONNX outputs equal the reference, single and batched (split above maxBatchSize)', async (_name, model) => {
    const { repository } = await repositoryFor();
    const handle = await repository.load(model.name);
    expect(handle).toMatchObject({ name: model.name, version: '1', framework: 'onnx', requestedFramework: 'onnx', simulated: false, state: 'READY', maxBatchSize: 64 });
    expect(repository.get(model.name)).toBe(handle);
    expect(repository.get(model.name, '1')).toBe(handle);
    const layers = mlpLayers(model);
    const [inFeatures] = model.sizes;
    const outFeatures = model.sizes[model.sizes.length - 1];
    for (const batch of [1, 7, 150]) {
      const x = input(inFeatures, batch, batch);
      const [output] = await handle.infer([x]);
      expect(output).toMatchObject({ name: 'output', datatype: 'FP32', shape: [batch, outFeatures] });
      expectClose(output.data, forward(layers, x.data as Float32Array, batch));
    }
  });

  it('concurrent inferences on several instances all answer correctly', async () => {
    const { repository } = await repositoryFor();
    const model = MLP_MODELS[1];
    const handle = await repository.load(model.name);
    const layers = mlpLayers(model);
    const inputs = Array.from({ length: 6 }, (_, i) => input(256, 4, 100 + i));
    const outputs = await Promise.all(inputs.map((x) => handle.infer([x])));
    outputs.forEach(([output], i) => expectClose(output.data, forward(layers, inputs[i].data as Float32Array, 4)));
  });

  it('refuses inputs that do not match the config with 400', async () => {
    const { repository } = await repositoryFor();
    const handle = await repository.load('tiny-mlp');
    await expect(handle.infer([input(5, 1)])).rejects.toThrow(BadRequestException);
    await expect(handle.infer([{ ...input(4, 1), datatype: 'FP64', data: new Float64Array(4) }])).rejects.toThrow('must be FP32');
  });

  it('indexes every model, and READY only after load + warmup', async () => {
    const { repository, metrics } = await repositoryFor();
    expect(repository.index().map((m) => [m.name, m.state, m.framework])).toEqual([
      ['tf-classifier', 'UNAVAILABLE', 'tensorflow'],
      ['tiny-mlp', 'UNAVAILABLE', 'onnx'],
      ['tiny-mlp-bf16', 'UNAVAILABLE', 'onnx'],
      ['tiny-mlp-fp16', 'UNAVAILABLE', 'onnx'],
      ['torch-classifier', 'UNAVAILABLE', 'pytorch'],
      ['wide-mlp', 'UNAVAILABLE', 'onnx'],
    ]);
    expect(() => repository.get('tiny-mlp')).toThrow(ServiceUnavailableException);
    const loading = repository.load('tiny-mlp');
    expect(repository.index().find((m) => m.name === 'tiny-mlp')!.state).toBe('LOADING');
    expect(repository.load('tiny-mlp')).toBe(loading); // concurrent loads share one
    const handle = await loading;
    expect(handle.loadMs).toBeGreaterThan(0);
    expect(handle.overBudget).toBe(handle.loadMs > 800);
    expect(repository.index().find((m) => m.name === 'tiny-mlp')).toEqual({ name: 'tiny-mlp', version: '1', state: 'READY', framework: 'onnx', simulated: false });
    expect((await metrics.loaded.get()).values).toEqual([{ labels: { framework: 'onnx' }, value: 1 }]);
  });

  it('get: 404 for unknown models and versions, 503 until loaded, and unload makes it unavailable', async () => {
    const { repository } = await repositoryFor();
    expect(() => repository.get('no-such-model')).toThrow(NotFoundException);
    expect(() => repository.get('../models')).toThrow(NotFoundException);
    await repository.load('tiny-mlp');
    expect(() => repository.get('tiny-mlp', '2')).toThrow(NotFoundException);
    await repository.unload('tiny-mlp');
    expect(() => repository.get('tiny-mlp')).toThrow(ServiceUnavailableException);
    expect(repository.index().find((m) => m.name === 'tiny-mlp')).toMatchObject({ state: 'UNAVAILABLE', reason: 'unloaded' });
    await expect(repository.unload('no-such-model')).rejects.toThrow(NotFoundException);
  });

  it.each(['../models/tiny-mlp', '..', '/etc', 'tiny-mlp/../wide-mlp', '.tiny', 'Tiny-MLP'])('refuses model id %j before touching the filesystem', async (id) => {
    const { repository } = await repositoryFor();
    await expect(repository.load(id)).rejects.toThrow(BadRequestException);
    await expect(repository.loadModel('onnx', id)).rejects.toThrow('invalid model id');
  });

  it('a model whose version directories are missing does not load, with the reason', async () => {
    const root = repositoryCopy('tiny-mlp');
    cpSync(path.join(root, 'tiny-mlp', 'config.json'), path.join(root, 'empty', 'config.json'));
    writeFileSync(path.join(root, 'empty', 'config.json'), JSON.stringify({ ...JSON.parse('{}'), name: 'empty', framework: 'onnx', inputs: [{ name: 'x', datatype: 'FP32', shape: [1] }], outputs: [{ name: 'y', datatype: 'FP32', shape: [1] }] }));
    const { repository } = await repositoryFor({ MODEL_REPOSITORY_PATH: root });
    await expect(repository.load('empty')).rejects.toThrow('has no numbered version directory');
    await expect(repository.load('missing')).rejects.toThrow(NotFoundException);
  });

  it('loads the latest numbered version; a failed reload keeps the old version serving', async () => {
    const root = repositoryCopy('tiny-mlp');
    const { repository, metrics } = await repositoryFor({ MODEL_REPOSITORY_PATH: root });
    const v1 = await repository.load('tiny-mlp');
    mkdirSync(path.join(root, 'tiny-mlp', '10'));
    writeFileSync(path.join(root, 'tiny-mlp', '10', 'model.onnx'), 'not an onnx graph');
    await expect(repository.load('tiny-mlp')).rejects.toThrow(/onnx failed to load tiny-mlp version 10: .*version 1 keeps serving/);
    expect(repository.get('tiny-mlp')).toBe(v1);
    expect(repository.index().find((m) => m.name === 'tiny-mlp')).toMatchObject({ version: '1', state: 'READY', framework: 'onnx', reason: expect.stringContaining('version 10') });
    const [output] = await v1.infer([input(4, 2)]);
    expectClose(output.data, forward(mlpLayers(MLP_MODELS[0]), input(4, 2).data as Float32Array, 2));
    expect((await metrics.loadFailures.get()).values).toEqual([{ labels: { framework: 'onnx' }, value: 1 }]);

    // A good version 10 replaces version 1.
    cpSync(path.join(root, 'tiny-mlp', '1', 'model.onnx'), path.join(root, 'tiny-mlp', '10', 'model.onnx'));
    const v10 = await repository.load('tiny-mlp');
    expect(v10.version).toBe('10');
    expect(repository.get('tiny-mlp')).toBe(v10);
    expect(v1.state).toBe('UNAVAILABLE');
  });

  it('in simulation a real runtime that fails to load (nothing serving yet) falls back to the mock, counted', async () => {
    const root = repositoryCopy('tiny-mlp');
    writeFileSync(path.join(root, 'tiny-mlp', '1', 'model.onnx'), 'broken');
    const { repository, metrics } = await repositoryFor({ MODEL_REPOSITORY_PATH: root });
    const handle = await repository.load('tiny-mlp');
    expect(handle).toMatchObject({ framework: 'mock', requestedFramework: 'onnx', simulated: true, state: 'READY' });
    expect(repository.index()[0]).toMatchObject({ state: 'READY', framework: 'mock', simulated: true, reason: expect.stringContaining('simulated: onnx failed to load') });
    expect((await metrics.loadFailures.get()).values).toEqual([{ labels: { framework: 'onnx' }, value: 1 }]);
    expect((await metrics.loaded.get()).values).toEqual([{ labels: { framework: 'mock' }, value: 1 }]);
  });

  it('flags a load over MODEL_LOAD_BUDGET_MS but still serves it', async () => {
    const { repository, metrics } = await repositoryFor({ MODEL_LOAD_BUDGET_MS: '1' });
    const handle = await repository.load('wide-mlp');
    expect(handle).toMatchObject({ state: 'READY', overBudget: true });
    expect((await metrics.overBudget.get()).values).toEqual([{ labels: { framework: 'onnx' }, value: 1 }]);
  });

  it('loads every model at start-up under the start-up probe; readiness waits for the required ones', async () => {
    const { repository, probes } = createRepository();
    open.push(repository);
    await repository.onApplicationBootstrap(); // MODEL_LOAD_AT_STARTUP=none: nothing loads
    const readiness = () => Promise.all(probes.readinessChecks().map((c) => c()));
    expect(await readiness()).toEqual([{ models: { status: 'up', ready: 0 } }]);
    const startup = repository.loadAtStartup();
    expect(probes.startupState().pending).toEqual(['models']);
    expect(await readiness()).toEqual([{ models: { status: 'down', notReady: expect.arrayContaining([expect.stringMatching(/^tiny-mlp \(/)]) } }]);
    await startup;
    expect(probes.startupState()).toEqual({ pending: [], failed: {} });
    expect(await readiness()).toEqual([{ models: { status: 'up', ready: 6 } }]);
  });
});

describe('frameworks that are not installed', () => {
  it('simulation serves tf-classifier and torch-classifier with the mock runtime, flagged simulated', async () => {
    const { repository } = await repositoryFor();
    for (const [name, framework] of [['tf-classifier', 'tensorflow'], ['torch-classifier', 'pytorch']] as const) {
      const handle = await repository.load(name);
      expect(handle).toMatchObject({ name, requestedFramework: framework, framework: 'mock', simulated: true, state: 'READY' });
      const x: Tensor = { name: 'input', datatype: 'FP32', shape: [3, 8], data: sampleInput(8, 3) };
      const [probabilities] = await handle.infer([x]);
      expect(probabilities).toMatchObject({ name: 'probabilities', datatype: 'FP32', shape: [3, 4] });
      expect(await handle.infer([x])).toEqual([probabilities]);
    }
    // loadModel with a framework that is not installed, for a model ONNX could run.
    expect(await repository.loadModel('tensorflow', 'tiny-mlp')).toMatchObject({ requestedFramework: 'tensorflow', framework: 'mock', simulated: true });
  });

  it('production refuses simulated models with 503 and says why', async () => {
    const { repository } = await repositoryFor(PRODUCTION);
    await expect(repository.load('tf-classifier')).rejects.toThrow(ServiceUnavailableException);
    await expect(repository.load('torch-classifier')).rejects.toThrow(/framework pytorch is not available here .*refused in production \(RUNTIME_ALLOW_MOCK_IN_PRODUCTION=false\)/);
    await expect(repository.loadModel('mock', 'tiny-mlp')).rejects.toThrow('refused in production');
    expect(() => repository.get('tf-classifier')).toThrow(ServiceUnavailableException);
    expect(await repository.load('tiny-mlp')).toMatchObject({ framework: 'onnx', simulated: false });
  });

  it('production serves the mock only with RUNTIME_ALLOW_MOCK_IN_PRODUCTION=true', async () => {
    const { repository } = await repositoryFor({ ...PRODUCTION, RUNTIME_ALLOW_MOCK_IN_PRODUCTION: 'true' });
    expect(await repository.load('tf-classifier')).toMatchObject({ framework: 'mock', simulated: true });
  });

  it('production does not fall back when a real runtime fails', async () => {
    const root = repositoryCopy('tiny-mlp');
    writeFileSync(path.join(root, 'tiny-mlp', '1', 'model.onnx'), 'broken');
    const { repository, metrics } = await repositoryFor({ ...PRODUCTION, MODEL_REPOSITORY_PATH: root });
    await expect(repository.load('tiny-mlp')).rejects.toThrow(/model tiny-mlp: onnx failed to load tiny-mlp version 1/);
    expect((await metrics.loadFailures.get()).values).toEqual([{ labels: { framework: 'onnx' }, value: 1 }]);
  });
});

describe('RuntimeHooks', () => {
  it('reports every framework once detected, and cpu as the provider in effect', async () => {
    const { hooks } = createRepository({ ...PRODUCTION });
    await hooks.whenDetected();
    expect(hooks.frameworks().map((f) => [f.framework, f.available])).toEqual([
      ['onnx', true],
      ['tensorflow', false],
      ['pytorch', expect.any(Boolean)],
    ]);
    const providers = await hooks.executionProviders();
    expect(providers.effective).toBe('cpu'); // no GPU on this host (or no CUDA provider in this build)
    expect(providers.gpu.driverMock).toBe(false);
  });

  it('with GPU_DRIVER_MOCK=true never asks ONNX Runtime for CUDA', async () => {
    const { hooks } = createRepository();
    expect(await hooks.executionProviders()).toMatchObject({ requested: ['cpu'], effective: 'cpu', gpu: { driverMock: true, detected: false } });
  });
});
