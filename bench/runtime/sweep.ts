// Concurrency sweep, like Triton's perf_analyzer: for each model and protocol, throughput and
// p50/p99 at 1, 2, 4 … 64 closed-loop clients, on three servers started once and loaded one at a
// time, taking turns in half-second slices at each point (the machine is shared: a slow spell then hits all three alike):
//   api            the service, each model batched as its config.json's dynamic_batching says;
//   api-unbatched  the same service on the same models with "dynamic_batching": false;
//   bare           bench/runtime/bare-server.ts (node:http + onnxruntime-node, every request alone), REST JSON only.
// Writes bench/results/runtime-sweep.json (the curves, and per model where the API passes the bare
// server) and bench/results/runtime-sweep.svg.
//
// Each point is the best of `rounds` such measurements.
//
//   npm run bench:sweep [-- --models=tiny-mlp,wide-mlp --protocols=rest-json,rest-binary,grpc,grpc-raw --levels=1,2,4,8,16,32,64 --seconds=3 --rounds=2]
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { benchArgs, resultHeader, ROOT, Server } from '../support';
import { MLP_MODELS, sampleInput } from '../../apps/api/src/runtime/models/reference';
import { interleavedLoops, LoadResult } from './load';
import { sweepSvg } from './plot';
import { BenchInput, InferTarget, Protocol, ProtocolClient } from './protocol-client';
import { protocolsNamed } from './protocols';
import { benchRepositories, startApi, startBare } from './servers';
import { SweepPoint } from './sweep-types';

const args = benchArgs();
const MODELS = String(args.models ?? 'tiny-mlp,wide-mlp').split(',');
const PROTOCOLS = protocolsNamed(args.protocols);
const LEVELS = String(args.levels ?? '1,2,4,8,16,32,64').split(',').map(Number);
const SECONDS = Number(args.seconds ?? 3);
const ROUNDS = Number(args.rounds ?? 2);
const OUT = path.join(ROOT, 'bench', 'results', 'runtime-sweep');

/** 64 distinct one-row requests for a model (the same inputs every server gets). */
function requestsFor(model: string): BenchInput[][] {
  const mlp = MLP_MODELS.find((m) => m.name === model);
  if (!mlp) throw new Error(`unknown model ${model} (known: ${MLP_MODELS.map((m) => m.name).join(', ')})`);
  const features = mlp.sizes[0];
  return Array.from({ length: 64 }, (_, i) => [{ name: 'input', datatype: 'FP32', shape: [1, features], data: sampleInput(features, 1, i + 1) }]);
}

/**
 * One point of the curve: `protocol` at `concurrency` on each server, their loads taking turns in half-second
 * slices (interleavedLoops; the order reversed on odd rounds), so a slow spell of the machine hits all alike.
 */
async function measurePoint(protocol: Protocol, servers: [SweepPoint['server'], InferTarget, Server][], requests: BenchInput[][], concurrency: number, round: number) {
  const chosen = servers.filter(([server]) => server !== 'bare' || protocol.bare);
  if (round % 2 === 1) chosen.reverse();
  const clients: ProtocolClient[] = [];
  try {
    for (const [, target] of chosen) clients.push(await protocol.open(target, requests, concurrency));
    const results = await interleavedLoops(
      clients.map((client, i) => ({ send: (n: number) => client.infer(n).catch(() => false), serverPid: chosen[i][2].child.pid })),
      concurrency,
      SECONDS,
    );
    return results.map((result, i) => ({ server: chosen[i][0], result }));
  } finally {
    await Promise.all(clients.map((client) => client.close()));
  }
}

/** The lowest concurrency from which the API's throughput stays at or above the bare server's. */
function crossover(points: SweepPoint[], model: string, protocol: string) {
  const at = (server: SweepPoint['server'], c: number) => points.find((p) => p.model === model && p.protocol === protocol && p.server === server && p.concurrency === c);
  const ratios = LEVELS.map((c) => ({ concurrency: c, api: at('api', c), bare: at('bare', c) }))
    .filter((r) => r.api && r.bare)
    .map((r) => ({ concurrency: r.concurrency, ratio_api_over_bare: +(r.api!.requestsPerSecond / r.bare!.requestsPerSecond).toFixed(3) }));
  let from: number | null = null;
  for (let i = ratios.length - 1; i >= 0 && ratios[i].ratio_api_over_bare >= 1; i--) from = ratios[i].concurrency;
  return { model, protocol, ratios, apiPassesBareFromConcurrency: from };
}

async function main(): Promise<void> {
  const repos = benchRepositories();
  const servers: Server[] = [];
  const points: SweepPoint[] = [];
  try {
    const api = await startApi(repos.batched);
    servers.push(api);
    const unbatched = await startApi(repos.unbatched);
    servers.push(unbatched);
    for (const model of MODELS) {
      const requests = requestsFor(model);
      const bare = await startBare(repos.batched, model);
      servers.push(bare);
      const restPath = `/v2/models/${model}/infer`;
      const targets: [SweepPoint['server'], InferTarget, Server][] = [
        ['api', { url: api.url, model, restInferPath: restPath, grpcAddress: api.grpcAddress }, api],
        ['api-unbatched', { url: unbatched.url, model, restInferPath: restPath, grpcAddress: unbatched.grpcAddress }, unbatched],
        ['bare', { url: bare.url, model, restInferPath: '/infer' }, bare],
      ];
      for (const concurrency of LEVELS) {
        for (const protocol of PROTOCOLS) {
          const best = new Map<SweepPoint['server'], LoadResult>();
          for (let round = 0; round < ROUNDS; round++) {
            for (const { server, result: r } of await measurePoint(protocol, targets, requests, concurrency, round)) {
              if (!best.has(server) || r.requestsPerSecond > best.get(server)!.requestsPerSecond) best.set(server, r);
            }
          }
          for (const [server, r] of best) {
            points.push({
              model,
              protocol: protocol.name,
              server,
              concurrency,
              requestsPerSecond: r.requestsPerSecond,
              p50: r.latencyMs.p50,
              p99: r.latencyMs.p99,
              failures: r.failures,
              serverCpuMsPerRequest: r.serverCpuMsPerRequest ?? null,
            });
            console.log(`${model} ${protocol.name} ${server} c=${concurrency}: ${r.requestsPerSecond}/s p50 ${r.latencyMs.p50} ms p99 ${r.latencyMs.p99} ms, server CPU ${r.serverCpuMsPerRequest} ms/request${r.failures ? ` (${r.failures} failed)` : ''}`);
          }
        }
      }
      bare.child.kill('SIGTERM');
    }
  } finally {
    for (const s of servers) if (s.child.exitCode === null) s.child.kill('SIGTERM');
  }
  const crossovers = MODELS.flatMap((model) => PROTOCOLS.filter((p) => p.bare).map((p) => crossover(points, model, p.name)));
  const result = {
    ...resultHeader('neural-fabric/bench/runtime-sweep/v1'),
    note: 'load generator and servers share the same cores; one server loaded at a time, the servers taking turns in half-second slices at each point; best of `rounds`; 1 s warm-up per server and point not counted',
    seconds: SECONDS,
    rounds: ROUNDS,
    levels: LEVELS,
    crossovers,
    points,
  };
  mkdirSync(path.dirname(OUT), { recursive: true });
  writeFileSync(`${OUT}.json`, `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(`${OUT}.svg`, await sweepSvg(points, `Concurrency sweep (${availableParallelism()} cores, load generator on the same machine)`));
  for (const c of crossovers) {
    console.log(`${c.model} ${c.protocol}: API / bare ${c.ratios.map((r) => `c${r.concurrency} ${r.ratio_api_over_bare}`).join(', ')}; passes bare from ${c.apiPassesBareFromConcurrency ?? 'never'}`);
  }
  console.log(`written to ${path.relative(ROOT, OUT)}.json and .svg`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
