// The load generator the runtime benchmarks share: closed-loop clients for a fixed time, like
// Triton's perf_analyzer in concurrency mode (each client sends its next request when the last answers).
import * as http from 'node:http';
import { performance } from 'node:perf_hooks';
import { percentile, processCpuMs } from '../support';

export const ms = (v: number) => +v.toFixed(2);

export interface LoadResult {
  requests: number;
  failures: number;
  concurrency: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p99: number };
  /**
   * CPU the server process (all its threads) spent per answered request while timed. Throughput
   * on a shared machine depends on what else runs; CPU per request much less so.
   */
  serverCpuMsPerRequest?: number;
  /** CPU this load generator's process spent per request while timed: the client's share of the same cores. */
  clientCpuMsPerRequest?: number;
}

/** One HTTP request on a keep-alive agent, the whole body read. */
export function request(agent: http.Agent, url: string, method: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<{ status: number; text: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent, headers: body === undefined ? headers : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** What a load's timed periods add up to, one target's. */
interface Tally {
  latencies: number[];
  failures: number;
  elapsedMs: number;
  /** undefined once any period could not read the server's CPU. */
  serverCpuMs: number | undefined;
  clientCpuMs: number;
}

/** One target of a load: `send(n)` (n counts its requests) resolves true on success; `serverPid` for its CPU. */
export interface LoadTarget {
  send: (n: number) => Promise<boolean>;
  serverPid?: number;
}

/** `concurrency` clients on `target` for `ms`, adding latencies, failures, time and CPU to `tally`. */
async function timed(target: LoadTarget & { sent: number }, concurrency: number, ms: number, tally: Tally): Promise<void> {
  const cpuBefore = processCpuMs(target.serverPid);
  const clientBefore = process.cpuUsage();
  const started = performance.now();
  const end = started + ms;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        if (!(await target.send(target.sent++))) tally.failures++;
        tally.latencies.push(performance.now() - t0);
      }
    }),
  );
  tally.elapsedMs += performance.now() - started;
  const cpuAfter = processCpuMs(target.serverPid);
  tally.serverCpuMs = tally.serverCpuMs !== undefined && cpuBefore !== undefined && cpuAfter !== undefined ? tally.serverCpuMs + cpuAfter - cpuBefore : undefined;
  const client = process.cpuUsage(clientBefore);
  tally.clientCpuMs += (client.user + client.system) / 1000;
}

/** One second of load that is not counted (JIT, sockets, worker threads). */
async function warmUp(target: LoadTarget & { sent: number }, concurrency: number): Promise<void> {
  const warm = performance.now() + 1000;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < warm) await target.send(target.sent++);
  }));
}

function result(tally: Tally, concurrency: number): LoadResult {
  const { latencies, failures, serverCpuMs, clientCpuMs } = tally;
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    failures,
    concurrency,
    requestsPerSecond: Math.round(latencies.length / (tally.elapsedMs / 1000)),
    latencyMs: { p50: ms(percentile(latencies, 50)), p99: ms(percentile(latencies, 99)) },
    ...(serverCpuMs !== undefined && latencies.length ? { serverCpuMsPerRequest: +(serverCpuMs / latencies.length).toFixed(4) } : {}),
    ...(latencies.length ? { clientCpuMsPerRequest: +(clientCpuMs / latencies.length).toFixed(4) } : {}),
  };
}

const newTally = (): Tally => ({ latencies: [], failures: 0, elapsedMs: 0, serverCpuMs: 0, clientCpuMs: 0 });

/**
 * `concurrency` closed-loop clients calling each target's `send(n)` (n counts its requests; true on
 * success), the targets taking turns in slices of `sliceMs` (A B, B A, A B …) until each has had
 * `seconds`; one result per target. On a shared machine the speed drifts over seconds (other tenants
 * of the host): two loads run one after the other can land one in a slow spell and the other not,
 * where interleaved slices see the same spells. Each target first gets one second of load that is not
 * counted (JIT, sockets, worker threads). A server's CPU is counted during its own slices: what it
 * defers past them (a GC, a timer) is counted for no one, and each slice starts with every client
 * sending at once, as a load's first moment does.
 */
export async function interleavedLoops(targets: LoadTarget[], concurrency: number, seconds: number, sliceMs = 500): Promise<LoadResult[]> {
  const counted = targets.map((t) => ({ ...t, sent: 0 }));
  for (const target of counted) await warmUp(target, concurrency);
  const tallies = counted.map(newTally);
  const slices = Math.max(1, Math.round((seconds * 1000) / sliceMs));
  for (let slice = 0; slice < slices; slice++) {
    const order = slice % 2 === 0 ? counted.map((_, i) => i) : counted.map((_, i) => counted.length - 1 - i);
    for (const i of order) await timed(counted[i], concurrency, sliceMs, tallies[i]);
  }
  return tallies.map((tally) => result(tally, concurrency));
}
