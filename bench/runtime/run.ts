// Runtime benchmark, in one run (results and ratios to bench/results/runtime.json):
//  (a) tiny-mlp inference at 32 clients (the concurrency at which the gap was first measured): this API vs a bare
//      node:http + onnxruntime-node server on the same model (goal >= 0.8: the median of the rounds' ratios), p50/p99,
//      /health/live latency sampled throughout (max < 1 s); beside REST JSON, in slices of their own on the same
//      server, a trivial route of the API and the same requests over gRPC (ModelInfer, typed contents and raw
//      contents); the bare / REST JSON pair again at 16 clients, reported (fewer clients, smaller batches: the API's
//      fixed cost per request weighs more);
//  (b) dynamic batching on wide-mlp at concurrency 64 (its config.json's dynamic_batching) vs the same
//      service on the same models with "dynamic_batching": false (goal >= 2x, median of the rounds' ratios), with server CPU per request;
//  (c) load + warmup time per model (p95 over repeated reloads through the repository API).
// The loads compared in a round take turns in half-second slices (interleavedLoops in load.ts).
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
import { openGrpc } from './grpc-client';
import { interleavedLoops, LoadResult, LoadTarget, ms, request } from './load';
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
function httpTarget(url: string, bodies: string[] | 'GET', concurrency: number, server?: Server): ClosableTarget {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  return {
    send: async (n) => (bodies === 'GET' ? await request(agent, url, 'GET') : await request(agent, url, 'POST', bodies[n % bodies.length])).status === 200,
    serverPid: server?.child.pid,
    close: () => agent.destroy(),
  };
}

type ClosableTarget = LoadTarget & { close(): void | Promise<void> };

/**
 * Loads compared in one round: slices of each in turn (interleavedLoops), the round's first slice alternating
 * by round (`swap` reverses the order), so no load always follows the same other one. Results in the order given.
 */
async function interleaved(swap: boolean, targets: ClosableTarget[], concurrency: number) {
  try {
    const order = swap ? [...targets].reverse() : targets;
    const results = await interleavedLoops(order, concurrency, SECONDS);
    return targets.map((target) => results[order.indexOf(target)]);
  } finally {
    for (const target of targets) await target.close();
  }
}

/** ModelInfer calls (typed or raw contents) on one channel to the API's gRPC listener. */
async function grpcTarget(server: Server, requests: BenchInput[][], raw: boolean): Promise<ClosableTarget> {
  const client = await openGrpc(server.grpcAddress!, 'tiny-mlp', requests, { raw });
  return { send: (n) => client.infer(n), serverPid: server.child.pid, close: () => client.close() };
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
    const best = (a: LoadResult | undefined, b: LoadResult) => (!a || b.requestsPerSecond > a.requestsPerSecond ? b : a);
    let bareResult: LoadResult | undefined;
    let apiResult: LoadResult | undefined;
    let fewerBare: LoadResult | undefined;
    let fewerApi: LoadResult | undefined;
    const fewerApiOverBare: number[] = [];
    let batched: LoadResult | undefined;
    let unbatched: LoadResult | undefined;
    let ceiling: LoadResult | undefined;
    /** REST JSON in the slices of the trivial route and gRPC, which those are compared with. */
    let restBeside: LoadResult | undefined;
    let grpcTyped: LoadResult | undefined;
    let grpcRaw: LoadResult | undefined;
    let liveMs = { samples: 0, p50: 0, max: 0 };
    const apiOverBare: number[] = [];
    const batchingSpeedup: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      console.log(`round ${round}/${ROUNDS}: (a) tiny-mlp bare / REST JSON at ${CONCURRENCY} clients; REST JSON, trivial route, gRPC typed, gRPC raw; bare / REST JSON at ${FEWER_CLIENTS}; (b) wide-mlp batching on / off`);
      const swap = round % 2 === 0;
      // The goal's pair alone in its slices; /health/live is sampled throughout.
      const probed = await probeWhile(
        api.url,
        interleaved(swap, [httpTarget(`${bare.url}/infer`, tinyBodies, CONCURRENCY, bare), httpTarget(`${api.url}/v2/models/tiny-mlp/infer`, tinyBodies, CONCURRENCY, api)], CONCURRENCY),
      );
      const [bareRound, apiRound] = probed.result;
      apiOverBare.push(+(apiRound.requestsPerSecond / bareRound.requestsPerSecond).toFixed(3));
      bareResult = best(bareResult, bareRound);
      apiResult = best(apiResult, apiRound);
      // Beside REST JSON on the same server, in slices of their own: the framework's ceiling (a trivial route: no body,
      // no auth, no model), gRPC typed and raw. A load in another server's company would leave it that server's
      // deferred work (GC, the load generator's own) and take on its.
      const [besideRest, ceilingRound, grpcTypedRound, grpcRawRound] = await interleaved(
        swap,
        [
          httpTarget(`${api.url}/v2/models/tiny-mlp/infer`, tinyBodies, CONCURRENCY, api),
          httpTarget(`${api.url}/v2/health/live`, 'GET', CONCURRENCY, api),
          await grpcTarget(api, tinyInputs, false),
          await grpcTarget(api, tinyInputs, true),
        ],
        CONCURRENCY,
      );
      restBeside = best(restBeside, besideRest);
      ceiling = best(ceiling, ceilingRound);
      grpcTyped = best(grpcTyped, grpcTypedRound);
      grpcRaw = best(grpcRaw, grpcRawRound);
      const [fewerBareRound, fewerApiRound] = await interleaved(
        swap,
        [httpTarget(`${bare.url}/infer`, tinyBodies, FEWER_CLIENTS, bare), httpTarget(`${api.url}/v2/models/tiny-mlp/infer`, tinyBodies, FEWER_CLIENTS, api)],
        FEWER_CLIENTS,
      );
      fewerApiOverBare.push(+(fewerApiRound.requestsPerSecond / fewerBareRound.requestsPerSecond).toFixed(3));
      fewerBare = best(fewerBare, fewerBareRound);
      fewerApi = best(fewerApi, fewerApiRound);
      if (probed.liveMs.max > liveMs.max) liveMs = probed.liveMs;
      const [batchedRound, unbatchedRound] = await interleaved(
        swap,
        [
          httpTarget(`${api.url}/v2/models/wide-mlp/infer`, wideBodies, BATCH_CONCURRENCY, api),
          httpTarget(`${unbatchedApi.url}/v2/models/wide-mlp/infer`, wideBodies, BATCH_CONCURRENCY, unbatchedApi),
        ],
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
    if (!bareResult || !apiResult || !restBeside || !fewerBare || !fewerApi || !ceiling || !batched || !unbatched || !grpcTyped || !grpcRaw) throw new Error('no rounds ran');
    const cpuRatio = (a: LoadResult, b: LoadResult) => (a.serverCpuMsPerRequest && b.serverCpuMsPerRequest ? +(a.serverCpuMsPerRequest / b.serverCpuMsPerRequest).toFixed(3) : null);

    const result = {
      ...resultHeader('neural-fabric/bench/runtime/v1'),
      note: 'load generator and servers share the same cores; one load at a time, the loads compared in a round taking turns in half-second slices (interleavedLoops); goal ratios are the median of `rounds` rounds, the figures beside them the best round of each; server CPU counts what a server spent during its own slices; /health/live is sampled throughout a round (the API idle during the other loads\' slices, so its max is what matters)',
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
        // In slices of its own beside REST JSON (restJsonBeside): how far the infer route is from the framework's floor.
        restJsonBeside: restBeside,
        ratio_trivialRoute_over_restJson: +(ceiling.requestsPerSecond / restBeside.requestsPerSecond).toFixed(3),
        goal_ratio: 0.8,
        healthLiveDuringRunMs: liveMs,
        goal_healthLiveMaxMs: 1000,
        // KServe V2 over gRPC on the same server and requests (plaintext, as the REST figure is the plain listener's).
        grpc: grpcTyped,
        grpcRaw,
        ratio_grpc_over_restJson: +(grpcTyped.requestsPerSecond / restBeside.requestsPerSecond).toFixed(3),
        ratio_grpcRaw_over_restJson: +(grpcRaw.requestsPerSecond / restBeside.requestsPerSecond).toFixed(3),
        cpuPerRequest_grpc_over_restJson: cpuRatio(grpcTyped, restBeside),
        cpuPerRequest_grpcRaw_over_restJson: cpuRatio(grpcRaw, restBeside),
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
    console.log(`(a) ${CONCURRENCY} clients: bare ${bareResult.requestsPerSecond}/s, API ${apiResult.requestsPerSecond}/s (p50 ${apiResult.latencyMs.p50} ms, p99 ${apiResult.latencyMs.p99} ms): ratio ${a.ratio_api_over_bare} (median of ${apiOverBare.join(', ')}; goal >= 0.8); /health/live max ${liveMs.max} ms`);
    console.log(`(a) ${FEWER_CLIENTS} clients: bare ${fewerBare.requestsPerSecond}/s, API ${fewerApi.requestsPerSecond}/s (p50 ${fewerApi.latencyMs.p50} ms, p99 ${fewerApi.latencyMs.p99} ms): ratio ${a.fewerClients.ratio_api_over_bare} (median of ${fewerApiOverBare.join(', ')}; reported)`);
    console.log(`(a) beside REST JSON ${restBeside.requestsPerSecond}/s: trivial route ${ceiling.requestsPerSecond}/s (${a.ratio_trivialRoute_over_restJson}x), gRPC typed ${grpcTyped.requestsPerSecond}/s (p50 ${grpcTyped.latencyMs.p50} ms, p99 ${grpcTyped.latencyMs.p99} ms, ${a.ratio_grpc_over_restJson} of REST JSON), raw ${grpcRaw.requestsPerSecond}/s (p50 ${grpcRaw.latencyMs.p50} ms, p99 ${grpcRaw.latencyMs.p99} ms, ${a.ratio_grpcRaw_over_restJson}); server CPU per request ${grpcTyped.serverCpuMsPerRequest} / ${grpcRaw.serverCpuMsPerRequest} vs REST JSON ${restBeside.serverCpuMsPerRequest} ms`);
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
