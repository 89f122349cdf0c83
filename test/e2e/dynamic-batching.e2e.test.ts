import { readFileSync, writeFileSync, cpSync } from 'node:fs';
import * as path from 'node:path';
import { ModelRepository } from '../../apps/api/src/runtime/model-repository.service';
import { sampleInput } from '../../apps/api/src/runtime/models/reference';
import { startModelTestApp, TestApp } from '../support/app';

jest.setTimeout(120_000);

/** Rewrites models/<model>/config.json with `change` applied (undefined deletes the field). */
function editConfig(models: string, model: string, change: Record<string, unknown>) {
  const file = path.join(models, model, 'config.json');
  const config = { ...JSON.parse(readFileSync(file, 'utf8')), ...change };
  writeFileSync(file, JSON.stringify(config));
}

const infer = (t: TestApp, model: string, features: number, seed: number) =>
  fetch(`${t.url}/v2/models/${model}/infer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, features], data: Array.from(sampleInput(features, 1, seed)) }] }),
  });

/** The nf_inference_batch_size histogram of one model: runs and rows so far. */
async function batches(t: TestApp, model: string) {
  const metrics = (await t.http.get('/metrics').expect(200)).text;
  const read = (series: string) => Number(metrics.match(new RegExp(`nf_inference_batch_size_${series}\\{model="${model}"\\} (\\S+)`))?.[1] ?? 0);
  return { runs: read('count'), rows: read('sum') };
}

describe('dynamic_batching in a model\'s config.json reaches the scheduler', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startModelTestApp({ INFER_DYNAMIC_BATCHING: 'true', INFER_BATCH_MAX_DELAY_US: '250' }, {}, (models) => {
      // tiny-mlp: a preferred size of 4 and a long delay, so four requests form exactly one batch.
      editConfig(models, 'tiny-mlp', { dynamic_batching: { preferred_batch_size: [4], max_queue_delay_microseconds: 1_000_000 } });
      // wide-mlp: batching off for this model only.
      editConfig(models, 'wide-mlp', { dynamic_batching: false });
      // A copy of tiny-mlp with an invalid field: it must not load, and say which file and field.
      cpSync(path.join(models, 'tiny-mlp'), path.join(models, 'tiny-bad'), { recursive: true });
      editConfig(models, 'tiny-bad', { name: 'tiny-bad', required: false, dynamic_batching: { preferred_batch_size: [128] } });
    });
  });
  afterAll(async () => {
    await t.close();
  });

  it('shows each model\'s batching in its metadata: its own config, off, or the service defaults', async () => {
    const meta = async (model: string) => ((await (await fetch(`${t.url}/v2/models/${model}`)).json()) as { parameters: { dynamic_batching: unknown } }).parameters.dynamic_batching;
    await expect(meta('tiny-mlp')).resolves.toEqual({ preferred_batch_size: [4], max_queue_delay_microseconds: 1_000_000 });
    await expect(meta('wide-mlp')).resolves.toBe(false);
    // torch-classifier has no dynamic_batching field: INFER_DYNAMIC_BATCHING / INFER_BATCH_MAX_DELAY_US apply.
    await expect(meta('torch-classifier')).resolves.toEqual({ preferred_batch_size: [], max_queue_delay_microseconds: 250 });
  });

  it('four requests to a model that prefers batches of 4 run as one batch of 4', async () => {
    const before = await batches(t, 'tiny-mlp');
    const answers = await Promise.all([1, 2, 3, 4].map((seed) => infer(t, 'tiny-mlp', 4, seed)));
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    const after = await batches(t, 'tiny-mlp');
    expect({ runs: after.runs - before.runs, rows: after.rows - before.rows }).toEqual({ runs: 1, rows: 4 });
  });

  it('below the preferred size, the waiting requests go together once the delay has passed', async () => {
    const before = await batches(t, 'tiny-mlp');
    const answers = await Promise.all([5, 6].map((seed) => infer(t, 'tiny-mlp', 4, seed)));
    expect(answers.map((r) => r.status)).toEqual([200, 200]);
    const after = await batches(t, 'tiny-mlp');
    expect({ runs: after.runs - before.runs, rows: after.rows - before.rows }).toEqual({ runs: 1, rows: 2 });
  });

  it('a model with "dynamic_batching": false runs every request alone, even with batching on service-wide', async () => {
    const before = await batches(t, 'wide-mlp');
    const answers = await Promise.all([1, 2, 3, 4, 5, 6].map((seed) => infer(t, 'wide-mlp', 256, seed)));
    expect(answers.map((r) => r.status)).toEqual(new Array(6).fill(200));
    const after = await batches(t, 'wide-mlp');
    expect({ runs: after.runs - before.runs, rows: after.rows - before.rows }).toEqual({ runs: 6, rows: 6 });
  });

  it('an invalid dynamic_batching keeps that model from loading, naming the file and the field', () => {
    const bad = t.app.get(ModelRepository).index().find((m) => m.name === 'tiny-bad');
    expect(bad).toMatchObject({ state: 'UNAVAILABLE' });
    expect(bad?.reason).toContain('models/tiny-bad/config.json: dynamic_batching.preferred_batch_size[0] must be an integer from 1 to maxBatchSize (64)');
  });
});
