// The load generator the runtime benchmarks share: closed-loop clients for a fixed time, like
// Triton's perf_analyzer in concurrency mode (each client sends its next request when the last answers).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import { performance } from 'node:perf_hooks';
import { percentile } from '../support';

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
}

const CLOCK_TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** User + system CPU of a process, all threads, in ms (Linux /proc); undefined elsewhere. */
export function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    // Fields after the command name (which may hold spaces, so split after its closing parenthesis).
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(')').pop()!.trim().split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
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

/**
 * `concurrency` clients calling `send(n)` (n counts requests) for `seconds`, after one second of
 * the same load that is not counted (JIT, sockets, worker threads). `send` resolves true on success.
 */
export async function closedLoop(send: (n: number) => Promise<boolean>, concurrency: number, seconds: number, serverPid?: number): Promise<LoadResult> {
  let sent = 0;
  const warm = performance.now() + 1000;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < warm) await send(sent++);
  }));
  const latencies: number[] = [];
  let failures = 0;
  const cpuBefore = processCpuMs(serverPid);
  const started = performance.now();
  const end = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        if (!(await send(sent++))) failures++;
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const cpuAfter = processCpuMs(serverPid);
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    failures,
    concurrency,
    requestsPerSecond: Math.round(latencies.length / elapsed),
    latencyMs: { p50: ms(percentile(latencies, 50)), p99: ms(percentile(latencies, 99)) },
    ...(cpuBefore !== undefined && cpuAfter !== undefined && latencies.length ? { serverCpuMsPerRequest: +((cpuAfter - cpuBefore) / latencies.length).toFixed(4) } : {}),
  };
}
