// Handshake benchmark: (a) the in-process crypto ceiling on all cores, (b) HTTP handshakes/s
// against the real server and (c) against a bare node:http server doing the same crypto and nothing
// else (bare-server.ts: what HTTP alone costs here), in one run, with b/a, c/a, b/c and latency
// percentiles written to bench/results/handshake.json; then full TLS 1.3 handshakes/s on the https
// listener (tls.ts). (a), (c) and (b) run in interleaved rounds, best of each: the machine's speed
// drifts within minutes, and a ratio of phases run far apart would measure the drift.
// Client messages are computed and serialised before timing starts, and sent over lean keep-alive
// connections (../keep-alive-client.ts), so the load generator, which shares the cores with the
// server, measures the server rather than its own crypto and HTTP client.
//
//   npm run bench:handshake [-- --seconds=5 --handshakes=3000 --concurrency=64 --rounds=3 --tls=no --bare-workers=N --pqc-workers=N]
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createClientHello, parseHandshakeInfo } from '@nf/pqc';
import { runCryptoCeiling, runHandshakeCeiling } from '@nf/pqc/bench/ceiling';
import { jsonPost, KeepAliveConnection } from '../keep-alive-client';
import { benchArgs, measuredOn, percentile, processCpuMs, resultHeader, ROOT, spawnAndWait, startService } from '../support';
import { describeTls, runTlsBench } from './tls';

const args = benchArgs();
const SECONDS = Number(args.seconds ?? 5);
const HANDSHAKES = Number(args.handshakes ?? 3000);
const CONCURRENCY = Number(args.concurrency ?? 64);
const ROUNDS = Number(args.rounds ?? 3);
const OUT = path.join(ROOT, 'bench', 'results', 'handshake.json');

/** The 1-minute load average: other work on the machine changes every figure here, so it is recorded next to them. */
const load = () => +loadavg()[0].toFixed(2);

async function httpPhase(url: string, serverPid: number) {
  const { bundle } = parseHandshakeInfo(await (await fetch(`${url}/pqc/handshake`)).json());
  const target = new URL('/pqc/handshake', url);
  const requests = Array.from({ length: HANDSHAKES }, () => jsonPost(target, JSON.stringify(createClientHello({ bundle, now: Date.now() }).hello)));
  const connections = await Promise.all(Array.from({ length: CONCURRENCY }, () => KeepAliveConnection.open(target)));
  // Warm-up: worker key expansion, JIT.
  await Promise.all(requests.splice(0, CONCURRENCY).map((request, i) => connections[i].request(request)));

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
  const serverCpuBefore = processCpuMs(serverPid);
  const clientCpuBefore = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    connections.map(async (connection) => {
      while (next < requests.length) {
        const request = requests[next++];
        const t0 = performance.now();
        try {
          if ((await connection.request(request)).status !== 200) failures++;
        } catch {
          failures++; // the connection is gone: carry on with a new one
          connection.close();
          connection = await KeepAliveConnection.open(target);
        }
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const clientCpu = process.cpuUsage(clientCpuBefore);
  const serverCpuAfter = processCpuMs(serverPid);
  const serverCpuUs = serverCpuBefore === undefined || serverCpuAfter === undefined ? null : ((serverCpuAfter - serverCpuBefore) * 1000) / latencies.length;
  const clientCpuUs = (clientCpu.user + clientCpu.system) / latencies.length;
  running = false;
  await prober;
  for (const connection of connections) connection.close();
  latencies.sort((a, b) => a - b);
  liveMs.sort((a, b) => a - b);
  return {
    handshakes: latencies.length,
    failures,
    concurrency: CONCURRENCY,
    handshakesPerSecond: Math.round(latencies.length / seconds),
    latencyMs: { p50: +percentile(latencies, 50).toFixed(2), p99: +percentile(latencies, 99).toFixed(2) },
    liveness: { probes: liveMs.length, p99Ms: +percentile(liveMs, 99).toFixed(1), maxMs: +liveMs[liveMs.length - 1].toFixed(1), goalMs: 1000 },
    // CPU per handshake is steadier than rates while other work shares the machine (10 ms resolution for the server).
    cpuMicrosecondsPerHandshake: { server: serverCpuUs === null ? null : Math.round(serverCpuUs), loadGenerator: Math.round(clientCpuUs) },
    handshakesPerCpuSecond: serverCpuUs === null ? null : Math.round(1e6 / (serverCpuUs + clientCpuUs)),
    loadGenerator: 'keep-alive-client: one HTTP/1.1 keep-alive connection per concurrent client, requests serialised before timing',
  };
}

async function main(): Promise<void> {
  const loadAtStart = load();
  const ceiling = await runCryptoCeiling({ seconds: SECONDS, onPhase: (name) => console.log(`(a) ${name}...`) });
  const bare = await spawnAndWait([path.join(__dirname, 'bare-server.js'), ...(args['bare-workers'] ? [`--workers=${args['bare-workers']}`] : [])], {}, ROOT);
  // A wide skew window: the hellos are made before timing starts.
  const server = await startService({ PQC_HANDSHAKE_MAX_SKEW_SECONDS: '600', ...(args['pqc-workers'] ? { PQC_WORKERS: String(args['pqc-workers']) } : {}) });
  try {
    const loadBeforeHttp = load();
    type Http = Awaited<ReturnType<typeof httpPhase>>;
    const faster = (x: Http | undefined, y: Http) => (!x || y.handshakesPerSecond > x.handshakesPerSecond ? y : x);
    let ceilingPhase = ceiling.results.handshakeHybridAllCores;
    let b: Http | undefined;
    let c: Http | undefined;
    for (let round = 1; round <= ROUNDS; round++) {
      console.log(`round ${round}/${ROUNDS}: (a) ceiling, (c) bare HTTP server with the same crypto, (b) the service`);
      if (round > 1) {
        const phase = await runHandshakeCeiling({ seconds: SECONDS });
        if (phase.opsPerSecond > ceilingPhase.opsPerSecond) ceilingPhase = phase;
      }
      c = faster(c, await httpPhase(bare.url, bare.child.pid!));
      b = faster(b, await httpPhase(server.url, server.child.pid!));
    }
    if (!b || !c) throw new Error('no rounds ran');
    const a = ceilingPhase.opsPerSecond;
    const result = {
      ...resultHeader('neural-fabric/bench/handshake/v1'),
      note: 'load generator and servers share the same cores; one server is loaded at a time; (a), (b) and (c) are the best of `rounds` interleaved rounds',
      loadAverage1m: { start: loadAtStart, beforeHttp: loadBeforeHttp, end: load() },
      rounds: ROUNDS,
      a_inProcessCeilingPerSecond: a,
      b_http: b,
      ratio_b_over_a: +(b.handshakesPerSecond / a).toFixed(3),
      goal_ratio: 0.8,
      // The baseline: the same crypto behind a bare node:http server, and the load generator, on the same cores.
      c_bareHttp: { ...c, workers: Number(args['bare-workers'] ?? availableParallelism()) },
      ratio_c_over_a: +(c.handshakesPerSecond / a).toFixed(3),
      ratio_b_over_c: +(b.handshakesPerSecond / c.handshakesPerSecond).toFixed(3),
      // The same ratio per second of CPU (the server's and the load generator's against the ceiling
      // process's): about what b/a would be on cores of their own when both phases keep every core
      // busy, and steadier when other work takes turns on them.
      ratio_b_over_a_perCpuSecond: b.handshakesPerCpuSecond === null ? null : +(b.handshakesPerCpuSecond / ceilingPhase.opsPerCpuSecond).toFixed(3),
      ceiling: ceiling.results,
      ceilingRatios: ceiling.ratios,
    };
    mkdirSync(path.dirname(OUT), { recursive: true });
    writeFileSync(OUT, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`(a) in-process ceiling, all cores: ${a} handshakes/s`);
    console.log(`(b) HTTP: ${b.handshakesPerSecond} handshakes/s at concurrency ${CONCURRENCY} (p50 ${b.latencyMs.p50} ms, p99 ${b.latencyMs.p99} ms, ${b.failures} failures)`);
    console.log(`/health/live during (b): p99 ${b.liveness.p99Ms} ms, max ${b.liveness.maxMs} ms (goal < 1000 ms)`);
    const us = (v: number | null) => (v === null ? 'n/a' : Math.round(v));
    console.log(`CPU per handshake during (b): server ${us(b.cpuMicrosecondsPerHandshake.server)} µs, load generator ${us(b.cpuMicrosecondsPerHandshake.loadGenerator)} µs; per CPU-second b/a = ${result.ratio_b_over_a_perCpuSecond}; load average ${result.loadAverage1m.start} / ${result.loadAverage1m.beforeHttp} / ${result.loadAverage1m.end}`);
    console.log(`(c) bare HTTP, same crypto: ${c.handshakesPerSecond} handshakes/s (p50 ${c.latencyMs.p50} ms, p99 ${c.latencyMs.p99} ms); CPU per handshake: server ${us(c.cpuMicrosecondsPerHandshake.server)} µs, load generator ${us(c.cpuMicrosecondsPerHandshake.loadGenerator)} µs`);
    console.log(`b/a = ${result.ratio_b_over_a} (goal >= 0.8), c/a = ${result.ratio_c_over_a}, b/c = ${result.ratio_b_over_c}; written to ${path.relative(ROOT, OUT)}`);
  } finally {
    server.child.kill('SIGTERM');
    bare.child.kill('SIGTERM');
  }
  if (args.tls === 'no') return;
  // The same file gains the PQ-TLS figures, and the app-layer handshake against a full TLS one.
  const tls = await runTlsBench({ seconds: SECONDS, concurrency: CONCURRENCY });
  const result = JSON.parse(readFileSync(OUT, 'utf8'));
  result.tls = { ...tls, ...measuredOn() };
  result.ratio_app_handshake_over_tls = +(result.b_http.handshakesPerSecond / tls.x25519mlkem768_ecdsa.handshakesPerSecond).toFixed(3);
  writeFileSync(OUT, `${JSON.stringify(result, null, 2)}\n`);
  for (const line of describeTls(tls)) console.log(line);
  console.log(`app-layer handshake / full TLS handshake = ${result.ratio_app_handshake_over_tls}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
