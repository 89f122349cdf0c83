import { TenantsService } from '../../apps/api/src/auth/tenants.service';
import { ModelRepository } from '../../apps/api/src/runtime/model-repository.service';
import { Tensor } from '../../apps/api/src/runtime/runtime.types';
import { InferenceScheduler, RUNS_PER_MODEL } from '../../apps/api/src/runtime/scheduler/inference.scheduler';
import { startModelTestApp, TestApp } from '../support/app';
import { until } from '../support/runs';

jest.setTimeout(120_000);

const GREEDY_REQUESTS = RUNS_PER_MODEL + 4;
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
    const real = handle.infer.bind(handle);
    const started: number[] = [];
    const held: (() => void)[] = [];
    const spy = jest.spyOn(handle, 'infer').mockImplementation((inputs: Tensor[]) => {
      started.push((inputs[0].data as Float32Array)[0]);
      return new Promise<void>((resolve) => held.push(resolve)).then(() => real(inputs));
    });
    const send = (key: string, mark: number) =>
      fetch(`${t.url}/v2/models/tiny-mlp/infer`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify(fullBatch(mark)),
      });
    const scheduler = t.app.get(InferenceScheduler);
    try {
      const greedy = Array.from({ length: GREEDY_REQUESTS }, (_, i) => send(greedyKey, i + 1));
      await until(() => scheduler.stats('tiny-mlp', '1')?.queued === GREEDY_REQUESTS - RUNS_PER_MODEL);
      const polite = send(politeKey, -1);
      await until(() => scheduler.stats('tiny-mlp', '1')?.queued === GREEDY_REQUESTS - RUNS_PER_MODEL + 1);
      // Let the runs go one at a time and watch the order in which queued requests start.
      while (started.length < GREEDY_REQUESTS + 1) {
        const before = started.length;
        held.shift()!();
        await until(() => started.length > before || held.length === 0);
      }
      held.splice(0).forEach((go) => go());
      const statuses = (await Promise.all([...greedy, polite])).map((r) => r.status);
      expect(statuses).toEqual(new Array(GREEDY_REQUESTS + 1).fill(200));
      // FIFO would start it last (index GREEDY_REQUESTS); round-robin starts it after at most one more greedy run.
      expect(started.indexOf(-1)).toBeLessThanOrEqual(RUNS_PER_MODEL + 1);
      expect(started.indexOf(-1)).toBeGreaterThanOrEqual(RUNS_PER_MODEL);
    } finally {
      spy.mockRestore();
      held.splice(0).forEach((go) => go());
    }
  });
});
