import { TenantsService } from '../../apps/api/src/auth/tenants.service';
import { ModelRepository } from '../../apps/api/src/runtime/model-repository.service';
import { InferenceScheduler, runsFor } from '../../apps/api/src/runtime/scheduler/inference.scheduler';
import { startModelTestApp, TestApp } from '../support/app';
import { holdRuns, until } from '../support/runs';

jest.setTimeout(120_000);

/** A full batch (64 rows) so every request is one run; `mark` is the first value, to tell runs apart. */
const fullBatch = (mark: number) => ({ inputs: [{ name: 'input', datatype: 'FP32', shape: [64, 4], data: [mark, ...new Array(255).fill(0.5)] }] });

describe('scheduler over HTTP: per-tenant fairness', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startModelTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('runs another tenant\'s request before a flooding tenant\'s backlog (round-robin, not FIFO)', async () => {
    const tenants = t.app.get(TenantsService);
    const actor = { type: 'cli', name: 'test' } as const;
    const keyFor = async (name: string) => (await tenants.createApiKey((await tenants.createTenant(name, actor)).id, actor)).key;
    const [greedyKey, politeKey] = [await keyFor('greedy'), await keyFor('polite')];

    const handle = t.app.get(ModelRepository).get('tiny-mlp');
    // Runs in flight at once for this model (one: tiny-mlp runs on the event loop).
    const runs = runsFor(handle);
    const GREEDY_REQUESTS = runs + 4;
    const held = holdRuns(handle);
    // The mark of each run, in the order the runs started.
    const started = () => held.inputs.map((inputs) => (inputs[0].data as Float32Array)[0]);
    const send = (key: string, mark: number) =>
      fetch(`${t.url}/v2/models/tiny-mlp/infer`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify(fullBatch(mark)),
      });
    const scheduler = t.app.get(InferenceScheduler);
    try {
      const greedy = Array.from({ length: GREEDY_REQUESTS }, (_, i) => send(greedyKey, i + 1));
      await until(() => scheduler.stats('tiny-mlp', '1')?.queued === GREEDY_REQUESTS - runs);
      const polite = send(politeKey, -1);
      await until(() => scheduler.stats('tiny-mlp', '1')?.queued === GREEDY_REQUESTS - runs + 1);
      // Let the runs go one at a time and watch the order in which queued requests start.
      while (held.inputs.length < GREEDY_REQUESTS + 1) {
        const before = held.inputs.length;
        held.releaseOne();
        await until(() => held.inputs.length > before);
      }
      held.release();
      const statuses = (await Promise.all([...greedy, polite])).map((r) => r.status);
      expect(statuses).toEqual(new Array(GREEDY_REQUESTS + 1).fill(200));
      // FIFO would start it last (index GREEDY_REQUESTS); round-robin starts it after at most one more greedy run.
      expect(started().indexOf(-1)).toBeLessThanOrEqual(runs + 1);
      expect(started().indexOf(-1)).toBeGreaterThanOrEqual(runs);
    } finally {
      held.release();
    }
  });

  it('an event-loop model runs one batch at a time: the requests that arrive during a run go together in the next', async () => {
    const handle = t.app.get(ModelRepository).get('tiny-mlp');
    expect(handle.execution).toBe('event-loop');
    const held = holdRuns(handle);
    const runRows = () => held.inputs.map((inputs) => inputs[0].shape[0]);
    const send = (seed: number) =>
      fetch(`${t.url}/v2/models/tiny-mlp/infer`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: [seed, 0.5, 0.5, 0.5] }] }),
      });
    const scheduler = t.app.get(InferenceScheduler);
    try {
      const first = send(1);
      await until(() => held.inputs.length === 1);
      const during = [2, 3, 4, 5].map(send);
      await until(() => held.inputs.length + (scheduler.stats('tiny-mlp', '1')?.queued ?? 0) === 5);
      // Nothing else started while the first run was in flight: all four wait for it.
      expect(runRows()).toEqual([1]);
      held.releaseOne();
      await until(() => held.inputs.length === 2);
      expect(runRows()).toEqual([1, 4]);
      held.release();
      expect((await Promise.all([first, ...during])).map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    } finally {
      held.release();
    }
  });
});
