// Runtime benchmark, in one run (results and ratios to bench/results/runtime.json):
//  (a) tiny-mlp inference at 32 clients (the goal's measurement: issue 14 measured the gap there): this API vs a bare
//      node:http + onnxruntime-node server on the same model (goal >= 0.8: the median of the rounds' ratios, each
//      round's two loads interleaved in half-second slices), p50/p99, and /health/live latency sampled meanwhile
//      (< 1 s); the same pair at 16 clients, reported (fewer clients, smaller batches: the API's fixed cost per request
//      weighs more); the same requests over gRPC (ModelInfer, typed contents and raw contents) beside REST JSON;
//  (b) dynamic batching on wide-mlp at concurrency 64 (its config.json's dynamic_batching) vs the same
//      service on the same models with "dynamic_batching": false (goal >= 2x, median of the rounds' ratios), with server CPU per request;
//  (c) load + warmup time per model (p95 over repeated reloads through the repository API).
// Load generator: one keep-alive http.Agent, request bodies serialised before timing starts.
// --delay-us sets INFER_BATCH_MAX_DELAY_US, the delay of models without their own dynamic_batching.
// The concurrency sweep (npm run bench:sweep) is bench/runtime/sweep.ts.
//
//   npm run bench:runtime [-- --seconds=5 --concurrency=32 --fewer-clients=16 --reloads=10 --rounds=5 --delay-us=<INFER_BATCH_MAX_DELAY_US>]
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { benchArgs, median, percentile, resultHeader, ROOT, Server } from '../support';
import { MLP_MODELS, sampleInput } from '../../apps/api/src/runtime/models/reference';
import { measureGrpc } from './grpc-client';
import { closedLoop, interleavedLoops, LoadTarget, ms, request } from './load';
import { BenchInput } from './protocol-client';
import { benchRepositories, startApi, startBare } from './servers';

const args = benchArgs();
const SECONDS = Number(args.seconds ?? 5);
const CONCURRENCY = Number(args.concurrency ?? 32);
const FEWER_CLIENTS = Number(args['fewer-clients'] ?? 16);
const BATCH_CONCURRENCY = 64;
const RELOADS = Number(args.reloads ?? 10);
const ROUNDS = Number(args.rounds ?? 5);
const OUT = path.join(ROOT, 'bench', 'results', 'runtime.json');

/** Clients posting pre-serialised bodies (or GETs) to `url` on one keep-alive agent; `close` ends its sockets. */
function httpTarget(url: string, bodies: string[] | 'GET', concurrency: number, server?: Server): LoadTarget & { close(): void } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  return {
    send: async (n) => (bodies === 'GET' ? await request(agent, url, 'GET') : await request(agent, url, 'POST', bodies[n % bodies.length])).status === 200,
    serverPid: server?.child.pid,
    close: () => agent.destroy(),
  };
}

/** Closed-loop load: `concurrency` clients on one URL for `seconds`. */
async function load(url: string, bodies: string[] | 'GET', concurrency: number, seconds: number, server?: Server) {
  const target = httpTarget(url, bodies, concurrency, server);
  try {
    return await closedLoop(target.send, concurrency, seconds, target.serverPid);
  } finally {
    target.close();
  }
}

/**
 * Two loads compared in one round: slices of each in turn (interleavedLoops), the round's first slice
 * alternating between `a` and `b` by round, so neither side is always the one after the other's.
 */
async function pair(swap: boolean, a: ReturnType<typeof httpTarget>, b: ReturnType<typeof httpTarget>, concurrency: number) {
  try {
    const results = await interleavedLoops(swap ? [b, a] : [a, b], concurrency, SECONDS);
    return swap ? [results[1], results[0]] : results;
  } finally {
    a.close();
    b.close();
  }
}

/** Samples GET /health/live every 100 ms while `during` runs. */
async function probeWhile<T>(url: string, during: Promise<T>) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const samples: number[] = [];
  let done = false;
  const probing = (async () => {
    while (!done) {
      const t0 = performance.now();
      await request(agent, `${url}/health/live`, 'GET');
      samples.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const result = await during;
  done = true;
  await probing;
  agent.destroy();
  samples.sort((a, b) => a - b);
  return { result, liveMs: { samples: samples.length, p50: ms(percentile(samples, 50)), max: ms(samples[samples.length - 1] ?? 0) } };
}

const inferBody = (features: number, batch: number, seed: number) =>
  JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [batch, features], data: Array.from(sampleInput(features, batch, seed)) }] });

/** Signs in as the first-start admin (forced password change done) for the repository API. */
async function adminSession(server: Server) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const login = async (password: string) => {
    const res = await request(agent, `${server.url}/auth/login`, 'POST', JSON.stringify({ name: 'admin', password }));
    if (res.status !== 200) throw new Error(`login failed: ${res.status} ${res.text}`);
    const cookie = ([] as string[]).concat(res.headers['set-cookie'] ?? [])[0].split(';')[0];
    return { cookie, csrf: JSON.parse(res.text).csrfToken as string };
  };
  const initial = readFileSync(path.join(server.dir, 'initial-admin-password'), 'utf8').trim();
  const first = await login(initial);
  const chosen = `bench-${Date.now()}-password`;
  await request(agent, `${server.url}/auth/password`, 'POST', JSON.stringify({ current: initial, new: chosen }), { cookie: first.cookie, 'x-csrf-token': first.csrf });
  const session = await login(chosen);
  return { agent, headers: { cookie: session.cookie, 'x-csrf-token': session.csrf } };
}

async function loadTimes(server: Server, models: string[]) {
  const admin = await adminSession(server);
  const out: Record<string, { reloads: number; loadWarmupMs: { p50: number; p95: number; max: number }; wallMs: { p95: number } }> = {};
  for (const model of models) {
    const loadMs: number[] = [];
    const wall: number[] = [];
    for (let i = 0; i < RELOADS; i++) {
      const t0 = performance.now();
      const res = await request(admin.agent, `${server.url}/v2/repository/models/${model}/load`, 'POST', '{}', admin.headers);
      if (res.status !== 200) throw new Error(`load ${model}: ${res.status} ${res.text}`);
      wall.push(performance.now() - t0);
      const meta = JSON.parse((await request(admin.agent, `${server.url}/v2/models/${model}`, 'GET')).text);
      loadMs.push(meta.parameters.load_ms);
    }
    loadMs.sort((a, b) => a - b);
    wall.sort((a, b) => a - b);
    out[model] = { reloads: RELOADS, loadWarmupMs: { p50: ms(percentile(loadMs, 50)), p95: ms(percentile(loadMs, 95)), max: ms(loadMs[loadMs.length - 1]) }, wallMs: { p95: ms(percentile(wall, 95)) } };
  }
  admin.agent.destroy();
  return out;
}

async function main(): Promise<void> {
  const repos = benchRepositories();
  const tiny = MLP_MODELS.find((m) => m.name === 'tiny-mlp')!;
  const wide = MLP_MODELS.find((m) => m.name === 'wide-mlp')!;
  const tinyBodies = Array.from({ length: 64 }, (_, i) => inferBody(tiny.sizes[0], 1, i + 1));
  // The same 64 requests as tensors, for gRPC.
  const tinyInputs: BenchInput[][] = Array.from({ length: 64 }, (_, i) => [{ name: 'input', datatype: 'FP32', shape: [1, tiny.sizes[0]], data: sampleInput(tiny.sizes[0], 1, i + 1) }]);
  const wideBodies = Array.from({ length: 64 }, (_, i) => inferBody(wide.sizes[0], 1, i + 1));
  const servers: Server[] = [];
  try {
    console.log('starting the bare node:http + onnxruntime-node server and two API servers (batching on / off)');
    const bare = await startBare(repos.batched, 'tiny-mlp');
    servers.push(bare);
    const delay: Record<string, string> = args['delay-us'] !== undefined ? { INFER_BATCH_MAX_DELAY_US: String(args['delay-us']) } : {};
    const api = await startApi(repos.batched, delay);
    servers.push(api);
    // Batching off the way a Triton user turns it off: "dynamic_batching": false in the model's config.json.
    const unbatchedApi = await startApi(repos.unbatched, delay);
    servers.push(unbatchedApi);

    // Interleaved rounds. A goal's ratio is the median of the rounds' ratios, each from two loads taking turns in
    // half-second slices: the machine's speed drifts over seconds, and loads run one after the other (or the best of
    // each side) could pair a fast spell with a slow one.
    // The figures beside them are the best of each.
    type Load = Awaited<ReturnType<typeof load>>;
    const best = (a: Load | undefined, b: Load) => (!a || b.requestsPerSecond > a.requestsPerSecond ? b : a);
    let bareResult: Load | undefined;
    let apiResult: Load | undefined;
    let fewerBare: Load | undefined;
    let fewerApi: Load | undefined;
    const fewerApiOverBare: number[] = [];
    let batched: Load | undefined;
    let unbatched: Load | undefined;
    let ceiling: Load | undefined;
    let grpcTyped: Load | undefined;
    let grpcRaw: Load | undefined;
    let liveMs = { samples: 0, p50: 0, max: 0 };
    const apiOverBare: number[] = [];
    const batchingSpeedup: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      console.log(`round ${round}/${ROUNDS}: (a) tiny-mlp bare, API (REST JSON, gRPC typed, gRPC raw); (b) wide-mlp batching on, off`);
      const swap = round % 2 === 0;
      // /health/live is sampled throughout the round (during the bare server's slices the API is idle).
      const probed = await probeWhile(
        api.url,
        pair(swap, httpTarget(`${bare.url}/infer`, tinyBodies, CONCURRENCY, bare), httpTarget(`${api.url}/v2/models/tiny-mlp/infer`, tinyBodies, CONCURRENCY, api), CONCURRENCY),
      );
      const [bareRound, apiRound] = probed.result;
      apiOverBare.push(+(apiRound.requestsPerSecond / bareRound.requestsPerSecond).toFixed(3));
      bareResult = best(bareResult, bareRound);
      apiResult = best(apiResult, apiRound);
      const [fewerBareRound, fewerApiRound] = await pair(
        swap,
        httpTarget(`${bare.url}/infer`, tinyBodies, FEWER_CLIENTS, bare),
        httpTarget(`${api.url}/v2/models/tiny-mlp/infer`, tinyBodies, FEWER_CLIENTS, api),
        FEWER_CLIENTS,
      );
      fewerApiOverBare.push(+(fewerApiRound.requestsPerSecond / fewerBareRound.requestsPerSecond).toFixed(3));
      fewerBare = best(fewerBare, fewerBareRound);
      fewerApi = best(fewerApi, fewerApiRound);
      // The framework's own ceiling: a trivial route (no body, no auth, no model) on the same server.
      ceiling = best(ceiling, await load(`${api.url}/v2/health/live`, 'GET', CONCURRENCY, SECONDS));
      grpcTyped = best(grpcTyped, await measureGrpc(api.grpcAddress!, '', 'tiny-mlp', tinyInputs, CONCURRENCY, SECONDS, { serverPid: api.child.pid }));
      grpcRaw = best(grpcRaw, await measureGrpc(api.grpcAddress!, '', 'tiny-mlp', tinyInputs, CONCURRENCY, SECONDS, { raw: true, serverPid: api.child.pid }));
      if (probed.liveMs.max > liveMs.max) liveMs = probed.liveMs;
      const [batchedRound, unbatchedRound] = await pair(
        swap,
        httpTarget(`${api.url}/v2/models/wide-mlp/infer`, wideBodies, BATCH_CONCURRENCY, api),
        httpTarget(`${unbatchedApi.url}/v2/models/wide-mlp/infer`, wideBodies, BATCH_CONCURRENCY, unbatchedApi),
        BATCH_CONCURRENCY,
      );
      batchingSpeedup.push(+(batchedRound.requestsPerSecond / unbatchedRound.requestsPerSecond).toFixed(3));
      batched = best(batched, batchedRound);
      unbatched = best(unbatched, unbatchedRound);
    }
    unbatchedApi.child.kill('SIGTERM');
    bare.child.kill('SIGTERM');
    console.log('(c) load + warmup times');
    const loads = await loadTimes(api, ['tiny-mlp', 'wide-mlp']);
    api.child.kill('SIGTERM');
    if (!bareResult || !apiResult || !fewerBare || !fewerApi || !ceiling || !batched || !unbatched || !grpcTyped || !grpcRaw) throw new Error('no rounds ran');
    const cpuRatio = (a: Load, b: Load) => (a.serverCpuMsPerRequest && b.serverCpuMsPerRequest ? +(a.serverCpuMsPerRequest / b.serverCpuMsPerRequest).toFixed(3) : null);

    const result = {
      ...resultHeader('neural-fabric/bench/runtime/v1'),
      note: 'load generator and servers share the same cores; one server is loaded at a time; goal ratios are the median of `rounds` rounds, each round\'s two loads taking turns in half-second slices (interleavedLoops), the figures beside them the best of each round\'s',
      rounds: ROUNDS,
      seconds: SECONDS,
      a_tinyMlp: {
        bare: bareResult,
        api: apiResult,
        ratio_api_over_bare: median(apiOverBare),
        ratio_api_over_bare_rounds: apiOverBare,
        // The same pair with fewer clients: reported beside the goal's figure.
        fewerClients: { concurrency: FEWER_CLIENTS, bare: fewerBare, api: fewerApi, ratio_api_over_bare: median(fewerApiOverBare), ratio_api_over_bare_rounds: fewerApiOverBare },
        apiTrivialRoute: { route: 'GET /v2/health/live', ...ceiling },
        ratio_trivialRoute_over_bare: +(ceiling.requestsPerSecond / bareResult.requestsPerSecond).toFixed(3),
        goal_ratio: 0.8,
        healthLiveDuringRunMs: liveMs,
        goal_healthLiveMaxMs: 1000,
        // KServe V2 over gRPC on the same server and requests (plaintext, as the REST figure is the plain listener's).
        grpc: grpcTyped,
        grpcRaw,
        ratio_grpc_over_restJson: +(grpcTyped.requestsPerSecond / apiResult.requestsPerSecond).toFixed(3),
        ratio_grpcRaw_over_restJson: +(grpcRaw.requestsPerSecond / apiResult.requestsPerSecond).toFixed(3),
        cpuPerRequest_grpc_over_restJson: cpuRatio(grpcTyped, apiResult),
        cpuPerRequest_grpcRaw_over_restJson: cpuRatio(grpcRaw, apiResult),
      },
      b_wideMlpBatching: {
        batchingOn: batched,
        batchingOff: unbatched,
        speedup: median(batchingSpeedup),
        speedup_rounds: batchingSpeedup,
        goal_speedup: 2,
        // Server CPU per request, off over on: how much less work a batched request costs, which
        // a shared machine disturbs far less than throughput.
        cpuPerRequest_off_over_on: batched.serverCpuMsPerRequest && unbatched.serverCpuMsPerRequest ? +(unbatched.serverCpuMsPerRequest / batched.serverCpuMsPerRequest).toFixed(3) : null,
      },
      c_loadWarmup: loads,
    };
    mkdirSync(path.dirname(OUT), { recursive: true });
    writeFileSync(OUT, `${JSON.stringify(result, null, 2)}\n`);
    const a = result.a_tinyMlp;
    console.log(`(a) ${CONCURRENCY} clients: bare ${bareResult.requestsPerSecond}/s, API ${apiResult.requestsPerSecond}/s (p50 ${apiResult.latencyMs.p50} ms, p99 ${apiResult.latencyMs.p99} ms): ratio ${a.ratio_api_over_bare} (median of ${apiOverBare.join(', ')}; goal >= 0.8); trivial route ${ceiling.requestsPerSecond}/s (${a.ratio_trivialRoute_over_bare} of bare); /health/live max ${liveMs.max} ms`);
    console.log(`(a) ${FEWER_CLIENTS} clients: bare ${fewerBare.requestsPerSecond}/s, API ${fewerApi.requestsPerSecond}/s (p50 ${fewerApi.latencyMs.p50} ms, p99 ${fewerApi.latencyMs.p99} ms): ratio ${a.fewerClients.ratio_api_over_bare} (median of ${fewerApiOverBare.join(', ')}; reported)`);
    console.log(`(a) gRPC typed ${grpcTyped.requestsPerSecond}/s (p50 ${grpcTyped.latencyMs.p50} ms, p99 ${grpcTyped.latencyMs.p99} ms, ${a.ratio_grpc_over_restJson} of REST JSON), raw ${grpcRaw.requestsPerSecond}/s (p50 ${grpcRaw.latencyMs.p50} ms, p99 ${grpcRaw.latencyMs.p99} ms, ${a.ratio_grpcRaw_over_restJson}); server CPU per request ${grpcTyped.serverCpuMsPerRequest} / ${grpcRaw.serverCpuMsPerRequest} vs REST JSON ${apiResult.serverCpuMsPerRequest} ms`);
    console.log(`(b) wide-mlp batching on ${batched.requestsPerSecond}/s vs off ${unbatched.requestsPerSecond}/s: ${result.b_wideMlpBatching.speedup}x (median of ${batchingSpeedup.join(', ')}; goal >= 2); server CPU per request ${batched.serverCpuMsPerRequest} vs ${unbatched.serverCpuMsPerRequest} ms (${result.b_wideMlpBatching.cpuPerRequest_off_over_on}x less batched)`);
    for (const [m, l] of Object.entries(loads)) console.log(`(c) ${m}: load + warmup p95 ${l.loadWarmupMs.p95} ms`);
    console.log(`written to ${path.relative(ROOT, OUT)}`);
  } finally {
    for (const s of servers) if (s.child.exitCode === null) s.child.kill('SIGTERM');
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
