import { requestsFor } from '../fuzz/generators';
import { formatCounts, fuzz, FuzzCounts, FuzzTarget, startFuzzTarget } from '../fuzz/runner';

/**
 * Property-based HTTP fuzzing of every route (test/fuzz/). The bounded run here is CI's; `npm run test:fuzz`
 * with NF_FUZZ_RUNS=<n> is the long one (NF_FUZZ_COLLECT=1 there: it goes on past a bad answer and lists them).
 * NF_FUZZ_SEED replays a run; with NF_FUZZ_PATH too (both in a failure's message), just its shrunk counterexample.
 */
/** Runs of the property: each sends a batch of 1 to NF_FUZZ_CONCURRENCY requests at once. */
const runs = Number(process.env.NF_FUZZ_RUNS ?? 1_500);
const concurrency = Number(process.env.NF_FUZZ_CONCURRENCY ?? 4);
const seed = Number(process.env.NF_FUZZ_SEED ?? Date.now() % 2 ** 31);
const timeoutMs = Number(process.env.NF_FUZZ_TIMEOUT_MS ?? 10_000);
const collect = process.env.NF_FUZZ_COLLECT === '1';
const path = process.env.NF_FUZZ_PATH;

jest.setTimeout(Math.max(120_000, runs * Math.max(1, concurrency) * 60));

describe('HTTP fuzzing over every route', () => {
  let target: FuzzTarget;
  beforeAll(async () => {
    target = await startFuzzTarget();
  });
  afterAll(async () => {
    await target?.close();
  });

  it(`no 5xx (but documented 503/504), no hang, every error in its route's body; the service lives on (seed ${seed})`, async () => {
    let counts: FuzzCounts;
    try {
      counts = await fuzz(target, { runs, seed, timeoutMs, collect, path, concurrency });
    } catch (error) {
      const partial = (error as { counts?: FuzzCounts }).counts;
      if (partial) process.stdout.write(`${formatCounts(partial)}\n`);
      throw error; // fast-check's message names the seed and path: NF_FUZZ_SEED=<seed> replays the run
    }
    process.stdout.write(`${formatCounts(counts)}\n`);
    expect(counts.serverErrors + counts.hangs).toBe(0);
    if (path) return; // a replay of one counterexample
    expect(counts.requests).toBeGreaterThanOrEqual(runs);
    // Every route was exercised (the run is long enough and no generator is dead).
    expect(target.routes.map((r) => `${r.method} ${r.path}`).filter((key) => !counts.perRoute[key])).toEqual([]);
  });

  it('refuses to run with a route it has no generator for (a new route gets one, or the run fails)', () => {
    expect(() => requestsFor({ method: 'GET', path: '/new/fastify/route', kind: 'public' }, target.ctx)).toThrow(/no generator/);
    expect(() => requestsFor({ method: 'POST', path: '/v2/repository/models/:model/load', kind: 'admin' }, { ...target.ctx, doc: { paths: {} } })).toThrow(/no generator/);
    const undocumentedBody = { paths: { '/auth/logout2': { post: { summary: 'takes @Body() without a schema' } } } };
    expect(() => requestsFor({ method: 'POST', path: '/auth/logout2', kind: 'viewer' }, { ...target.ctx, doc: undocumentedBody })).toThrow(/takes a body but the fuzzer has no generator/);
  });
});
