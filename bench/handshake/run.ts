// Handshake benchmark: (a) the in-process crypto ceiling on all cores and (b) HTTP handshakes/s
// against the real server, in one run, with b/a and latency percentiles written to
// bench/results/handshake.json; then full TLS 1.3 handshakes/s on the https listener (tls.ts). Client messages are computed before timing starts so the load
// generator measures the server, not its own crypto.
//
//   npm run bench:handshake [-- --seconds=5 --handshakes=3000 --concurrency=64]
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createClientHello, parseHandshakeInfo } from '@nf/pqc';
import { runCryptoCeiling } from '@nf/pqc/bench/ceiling';
import { percentile, ROOT, startService } from '../support';
import { describeTls, runTlsBench } from './tls';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const SECONDS = Number(args.seconds ?? 5);
const HANDSHAKES = Number(args.handshakes ?? 3000);
const CONCURRENCY = Number(args.concurrency ?? 64);
const OUT = path.join(ROOT, 'bench', 'results', 'handshake.json');

async function httpPhase(url: string) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const { bundle } = parseHandshakeInfo(await (await fetch(`${url}/pqc/handshake`)).json());
  const bodies = Array.from({ length: HANDSHAKES }, () => JSON.stringify(createClientHello({ bundle, now: Date.now() }).hello));
  const post = (body: string) =>
    new Promise<number>((resolve, reject) => {
      const req = http.request(`${url}/pqc/handshake`, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end(body);
    });
  // Warm-up: worker key expansion, JIT, connections.
  await Promise.all(bodies.splice(0, CONCURRENCY).map(post));

  const latencies: number[] = [];
  let failures = 0;
  let next = 0;
  // Liveness must stay responsive while crypto saturates the workers (goal: < 1 s).
  const liveMs: number[] = [];
  let running = true;
  const prober = (async () => {
    while (running) {
      const t0 = performance.now();
      await fetch(`${url}/health/live`);
      liveMs.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++];
        const t0 = performance.now();
        if ((await post(body)) !== 200) failures++;
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  running = false;
  await prober;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  liveMs.sort((a, b) => a - b);
  return {
    handshakes: latencies.length,
    failures,
    concurrency: CONCURRENCY,
    handshakesPerSecond: Math.round(latencies.length / seconds),
    latencyMs: { p50: +percentile(latencies, 50).toFixed(2), p99: +percentile(latencies, 99).toFixed(2) },
    liveness: { probes: liveMs.length, p99Ms: +percentile(liveMs, 99).toFixed(1), maxMs: +liveMs[liveMs.length - 1].toFixed(1), goalMs: 1000 },
  };
}

async function main(): Promise<void> {
  const ceiling = await runCryptoCeiling({ seconds: SECONDS, onPhase: (name) => console.log(`(a) ${name}...`) });
  const a = ceiling.results.handshakeHybridAllCores.opsPerSecond;
  // A wide skew window: the hellos are made before timing starts.
  const server = await startService({ PQC_HANDSHAKE_MAX_SKEW_SECONDS: '600' });
  try {
    const b = await httpPhase(server.url);
    const result = {
      schema: 'neural-fabric/bench/handshake/v1',
      generatedAt: new Date().toISOString(),
      node: process.version,
      cores: availableParallelism(),
      note: 'load generator and server share the same cores',
      a_inProcessCeilingPerSecond: a,
      b_http: b,
      ratio_b_over_a: +(b.handshakesPerSecond / a).toFixed(3),
      goal_ratio: 0.8,
      ceiling: ceiling.results,
      ceilingRatios: ceiling.ratios,
    };
    mkdirSync(path.dirname(OUT), { recursive: true });
    writeFileSync(OUT, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`(a) in-process ceiling, all cores: ${a} handshakes/s`);
    console.log(`(b) HTTP: ${b.handshakesPerSecond} handshakes/s at concurrency ${CONCURRENCY} (p50 ${b.latencyMs.p50} ms, p99 ${b.latencyMs.p99} ms, ${b.failures} failures)`);
    console.log(`/health/live during (b): p99 ${b.liveness.p99Ms} ms, max ${b.liveness.maxMs} ms (goal < 1000 ms)`);
    console.log(`b/a = ${result.ratio_b_over_a} (goal >= 0.8); written to ${path.relative(ROOT, OUT)}`);
  } finally {
    server.child.kill('SIGTERM');
  }
  // The same file gains the PQ-TLS figures, and the app-layer handshake against a full TLS one.
  const tls = await runTlsBench({ seconds: SECONDS, concurrency: CONCURRENCY });
  const result = JSON.parse(readFileSync(OUT, 'utf8'));
  result.tls = { ...tls, generatedAt: new Date().toISOString(), node: process.version, cores: availableParallelism() };
  result.ratio_app_handshake_over_tls = +(result.b_http.handshakesPerSecond / tls.x25519mlkem768_ecdsa.handshakesPerSecond).toFixed(3);
  writeFileSync(OUT, `${JSON.stringify(result, null, 2)}\n`);
  for (const line of describeTls(tls)) console.log(line);
  console.log(`app-layer handshake / full TLS handshake = ${result.ratio_app_handshake_over_tls}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
