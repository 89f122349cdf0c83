import { V2Error } from '../api/v2.errors';
import { Tensor } from '../runtime.types';
import { UNBATCHED } from './dynamic-batching';
import { ModelQueue, ModelQueueOptions } from './model-queue';

class FakeClock {
  t = 1_000;
  now() {
    return this.t;
  }
}

const row = (v: number, rows = 1): Tensor[] => [{ name: 'x', datatype: 'FP32', shape: [rows, 1], data: new Float32Array(rows).fill(v) }];
const values = (outputs: Tensor[]) => Array.from(outputs[0].data as Float32Array);

/** A runner whose runs finish only when the test says so; it records each run's input. */
function gatedRunner() {
  const runs: { inputs: Tensor[]; finish(): void }[] = [];
  const run = (inputs: Tensor[]) =>
    new Promise<Tensor[]>((resolve) => {
      runs.push({ inputs, finish: () => resolve([{ ...inputs[0], data: (inputs[0].data as Float32Array).map((v) => v * 10) }]) });
    });
  return { runs, run };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

/** Records how a job ends in `settled` ("<name> answered" or "<name>: <status> <message>"). */
const watch = (settled: string[], name: string, job: Promise<Tensor[]>) =>
  job.then(
    () => void settled.push(`${name} answered`),
    (e: V2Error) => void settled.push(`${name}: ${e.status} ${e.message}`),
  );

function queue(overrides: Partial<ModelQueueOptions> & Pick<ModelQueueOptions, 'run'>) {
  const clock = new FakeClock();
  const q = new ModelQueue({ capacity: 100, batching: UNBATCHED, concurrency: 1, clock, ...overrides });
  return { q, clock };
}

describe('ModelQueue', () => {
  it('serves tenants round-robin: a flooding tenant cannot starve another', async () => {
    const gate = gatedRunner();
    const { q } = queue({ run: gate.run });
    const order: string[] = [];
    const submit = (tenant: string, v: number) => q.submit({ tenant, inputs: row(v), rows: 1, deadline: 1e12 }).then(() => order.push(`${tenant}${v}`));
    const all = [submit('greedy', 0), submit('greedy', 1), submit('greedy', 2), submit('greedy', 3), submit('polite', 0), submit('polite', 1)];
    for (let i = 0; i < 6; i++) {
      await flush();
      gate.runs[i].finish();
    }
    await Promise.all(all);
    expect(order).toEqual(['greedy0', 'greedy1', 'polite0', 'greedy2', 'polite1', 'greedy3']);
  });

  it('refuses with 429 and a Retry-After when the queue is full', async () => {
    const gate = gatedRunner();
    const { q } = queue({ run: gate.run, capacity: 2 });
    const running = q.submit({ tenant: 't', inputs: row(1), rows: 1, deadline: 1e12 });
    const queued = [q.submit({ tenant: 't', inputs: row(2), rows: 1, deadline: 1e12 }), q.submit({ tenant: 'u', inputs: row(3), rows: 1, deadline: 1e12 })];
    const refused = q.submit({ tenant: 'v', inputs: row(4), rows: 1, deadline: 1e12 });
    await expect(refused).rejects.toMatchObject({ status: 429, retryAfterSeconds: expect.any(Number) });
    expect(((await refused.catch((e: V2Error) => e)) as V2Error).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(q.depth).toBe(2);
    for (let i = 0; i < 3; i++) {
      gate.runs[i].finish();
      await flush();
    }
    await expect(Promise.all([running, ...queued])).resolves.toHaveLength(3);
  });

  it('drops a job whose deadline passes on the clock while queued (504) and never runs it', async () => {
    const gate = gatedRunner();
    const { q, clock } = queue({ run: gate.run });
    const first = q.submit({ tenant: 't', inputs: row(1), rows: 1, deadline: clock.t + 60_000 });
    const late = q.submit({ tenant: 't', inputs: row(2), rows: 1, deadline: clock.t + 500 });
    const onTime = q.submit({ tenant: 't', inputs: row(3), rows: 1, deadline: clock.t + 60_000 });
    clock.t += 501;
    q.sweep();
    await expect(late).rejects.toMatchObject({ status: 504, message: 'deadline exceeded while queued' });
    expect(q.depth).toBe(1);
    gate.runs[0].finish();
    await flush();
    gate.runs[1].finish();
    await expect(Promise.all([first, onTime])).resolves.toHaveLength(2);
    expect(gate.runs.map((r) => values(r.inputs))).toEqual([[1], [3]]);
  });

  it('expires a job at its deadline on its own timer, though a job due later armed the timer first', async () => {
    const gate = gatedRunner();
    const q = new ModelQueue({ capacity: 100, batching: UNBATCHED, concurrency: 1, clock: Date, run: gate.run });
    const settled: string[] = [];
    const t0 = Date.now();
    const running = watch(settled, 'running', q.submit({ tenant: 't', inputs: row(1), rows: 1, deadline: t0 + 5_000 }));
    await watch(settled, 'hurried', q.submit({ tenant: 'u', inputs: row(2), rows: 1, deadline: t0 + 20 }));
    expect(settled).toEqual(['hurried: 504 deadline exceeded while queued']);
    gate.runs[0].finish();
    await running;
    expect(settled).toEqual(['hurried: 504 deadline exceeded while queued', 'running answered']);
    expect(gate.runs).toHaveLength(1);
  });

  it('expires a running job at its deadline, and a job due sooner in real time after the clock jumped forward', async () => {
    const gate = gatedRunner();
    let jumped = 0;
    const clock = { now: () => Date.now() + jumped };
    const q = new ModelQueue({ capacity: 100, batching: UNBATCHED, concurrency: 1, clock, run: gate.run });
    const settled: string[] = [];
    const running = watch(settled, 'running', q.submit({ tenant: 't', inputs: row(1), rows: 1, deadline: clock.now() + 3_000 }));
    // The clock steps 3 s ahead: the running job is due now, and a new one in 100 ms, on the clock and in real time.
    jumped = 3_000;
    const queued = watch(settled, 'queued', q.submit({ tenant: 'u', inputs: row(2), rows: 1, deadline: clock.now() + 100 }));
    await Promise.race([Promise.all([running, queued]), new Promise((resolve) => setTimeout(resolve, 1_500))]);
    expect(settled.sort()).toEqual(['queued: 504 deadline exceeded while queued', 'running: 504 deadline exceeded while running']);
  });

  it('holds no deadline timer once every job has settled (it would keep a closed queue and its model in memory)', async () => {
    jest.useFakeTimers();
    try {
      const q = new ModelQueue({ capacity: 100, batching: UNBATCHED, concurrency: 1, clock: Date, run: async (inputs) => inputs });
      const job = q.submit({ tenant: 't', inputs: row(1), rows: 1, deadline: Date.now() + 60_000 });
      expect(jest.getTimerCount()).toBe(1);
      await job;
      q.close();
      expect(jest.getTimerCount()).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });

  it('refuses a job whose deadline has already passed', async () => {
    const { q, clock } = queue({ run: gatedRunner().run });
    await expect(q.submit({ tenant: 't', inputs: row(1), rows: 1, deadline: clock.t })).rejects.toMatchObject({ status: 504 });
  });

  it('coalesces queued jobs into one run up to maxBatchSize and splits the outputs back', async () => {
    const gate = gatedRunner();
    const batches: number[] = [];
    const { q } = queue({ run: gate.run, batching: { maxBatchSize: 4, preferred: [], delayMs: 0 }, onBatch: (n) => batches.push(n) });
    const first = q.submit({ tenant: 'a', inputs: row(1), rows: 1, deadline: 1e12 });
    const rest = [
      q.submit({ tenant: 'a', inputs: row(2), rows: 1, deadline: 1e12 }),
      q.submit({ tenant: 'b', inputs: row(3, 2), rows: 2, deadline: 1e12 }),
      q.submit({ tenant: 'c', inputs: row(4), rows: 1, deadline: 1e12 }),
      q.submit({ tenant: 'c', inputs: row(5), rows: 1, deadline: 1e12 }),
    ];
    gate.runs[0].finish();
    await expect(first).resolves.toEqual(row(10));
    await flush();
    expect(gate.runs).toHaveLength(2);
    expect(values(gate.runs[1].inputs)).toEqual([2, 3, 3, 4]);
    gate.runs[1].finish();
    await flush();
    gate.runs[2].finish();
    const outputs = await Promise.all(rest);
    expect(outputs.map(values)).toEqual([[20], [30, 30], [40], [50]]);
    expect(batches).toEqual([1, 4, 1]);
  });

  it('waits up to the batch delay for a fuller batch', async () => {
    const gate = gatedRunner();
    const { q } = queue({ run: gate.run, batching: { maxBatchSize: 8, preferred: [], delayMs: 20 }, concurrency: 2 });
    const jobs = [1, 2, 3].map((v) => q.submit({ tenant: 't', inputs: row(v), rows: 1, deadline: 1e12 }));
    expect(gate.runs).toHaveLength(0);
    // The fake clock does not move, so the delay timer re-checks; advancing it releases the batch.
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(gate.runs).toHaveLength(0);
    (q as unknown as { options: { clock: FakeClock } }).options.clock.t += 25;
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(gate.runs).toHaveLength(1);
    expect(values(gate.runs[0].inputs)).toEqual([1, 2, 3]);
    gate.runs[0].finish();
    await expect(Promise.all(jobs)).resolves.toHaveLength(3);
  });

  it('sends a preferred batch size at once, the largest one the waiting rows reach, without waiting for the delay', async () => {
    const gate = gatedRunner();
    const batches: number[] = [];
    const { q } = queue({ run: gate.run, batching: { maxBatchSize: 8, preferred: [2, 4], delayMs: 60_000 }, concurrency: 1, onBatch: (n) => batches.push(n) });
    const submit = (v: number) => q.submit({ tenant: 't', inputs: row(v), rows: 1, deadline: 1e12 });
    const first = submit(1);
    expect(gate.runs).toHaveLength(0); // 1 row: below every preferred size, so it waits
    const second = submit(2);
    expect(gate.runs).toHaveLength(1); // 2 rows reach the preferred size 2
    expect(values(gate.runs[0].inputs)).toEqual([1, 2]);
    const more = [3, 4, 5, 6, 7].map(submit); // queued while the only run slot is busy
    gate.runs[0].finish();
    await expect(Promise.all([first, second])).resolves.toEqual([row(10), row(20)]);
    await flush();
    // 5 rows wait: the largest preferred size they reach is 4; the fifth row waits for the delay.
    expect(gate.runs).toHaveLength(2);
    expect(values(gate.runs[1].inputs)).toEqual([3, 4, 5, 6]);
    gate.runs[1].finish();
    await flush();
    expect(gate.runs).toHaveLength(2);
    expect(batches).toEqual([2, 4]);
    q.close();
    await expect(more[4]).rejects.toMatchObject({ status: 503 });
  });

  it('after the delay sends the largest batch available, up to maxBatchSize', async () => {
    const gate = gatedRunner();
    const { q, clock } = queue({ run: gate.run, batching: { maxBatchSize: 4, preferred: [8 /* never reached */], delayMs: 10 }, concurrency: 1 });
    const jobs = [1, 2, 3].map((v) => q.submit({ tenant: 't', inputs: row(v), rows: 1, deadline: 1e12 }));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(gate.runs).toHaveLength(0); // the queue's clock has not moved: still within the delay
    clock.t += 10;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(gate.runs).toHaveLength(1);
    expect(values(gate.runs[0].inputs)).toEqual([1, 2, 3]);
    gate.runs[0].finish();
    await expect(Promise.all(jobs)).resolves.toHaveLength(3);
  });

  it('does not hold a job for the batch delay past the point where it could still meet its deadline', async () => {
    const gate = gatedRunner();
    const { q, clock } = queue({ run: gate.run, batching: { maxBatchSize: 8, preferred: [], delayMs: 60_000 }, concurrency: 1 });
    const patient = q.submit({ tenant: 't', inputs: row(1), rows: 1, deadline: 1e12 });
    expect(gate.runs).toHaveLength(0);
    // A deadline closer than a run's expected time (10 ms to start with): it goes now, with the waiting job.
    const hurried = q.submit({ tenant: 'u', inputs: row(2), rows: 1, deadline: clock.t + 5 });
    expect(gate.runs).toHaveLength(1);
    expect(values(gate.runs[0].inputs)).toEqual([1, 2]);
    gate.runs[0].finish();
    await expect(Promise.all([patient, hurried])).resolves.toEqual([row(10), row(20)]);
  });

  it('a reload can change the batching: jobs waiting for a batch go under the new policy', async () => {
    const gate = gatedRunner();
    const { q } = queue({ run: gate.run, batching: { maxBatchSize: 8, preferred: [], delayMs: 60_000 }, concurrency: 1 });
    const job = q.submit({ tenant: 't', inputs: row(1), rows: 1, deadline: 1e12 });
    expect(gate.runs).toHaveLength(0);
    q.setBatching(UNBATCHED);
    expect(gate.runs).toHaveLength(1);
    gate.runs[0].finish();
    await expect(job).resolves.toEqual(row(10));
  });

  it('a reload can change the runs in flight: a second run starts at once when it allows two', async () => {
    const gate = gatedRunner();
    const { q } = queue({ run: gate.run, concurrency: 1 });
    const jobs = [1, 2].map((v) => q.submit({ tenant: 't', inputs: row(v), rows: 1, deadline: 1e12 }));
    expect(gate.runs).toHaveLength(1);
    q.setBatching(UNBATCHED, 2);
    expect(gate.runs).toHaveLength(2);
    gate.runs.forEach((r) => r.finish());
    await expect(Promise.all(jobs)).resolves.toEqual([row(10), row(20)]);
  });

  it('waits out a sub-millisecond delay on the batch clock, re-checking each event loop turn rather than a 1 ms timer', async () => {
    const gate = gatedRunner();
    const batchClock = new FakeClock();
    const { q } = queue({ run: gate.run, batching: { maxBatchSize: 8, preferred: [], delayMs: 0.2 }, batchClock, concurrency: 1 });
    const job = q.submit({ tenant: 't', inputs: row(1), rows: 1, deadline: 1e12 });
    await flush();
    expect(gate.runs).toHaveLength(0);
    const joined = q.submit({ tenant: 't', inputs: row(2), rows: 1, deadline: 1e12 });
    batchClock.t += 0.2;
    await flush();
    expect(gate.runs).toHaveLength(1);
    expect(values(gate.runs[0].inputs)).toEqual([1, 2]);
    gate.runs[0].finish();
    await expect(Promise.all([job, joined])).resolves.toEqual([row(10), row(20)]);
  });
});
