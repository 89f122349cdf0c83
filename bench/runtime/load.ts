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
  const clientBefore = process.cpuUsage();
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
  const client = process.cpuUsage(clientBefore);
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    failures,
    concurrency,
    requestsPerSecond: Math.round(latencies.length / elapsed),
    latencyMs: { p50: ms(percentile(latencies, 50)), p99: ms(percentile(latencies, 99)) },
    ...(cpuBefore !== undefined && cpuAfter !== undefined && latencies.length ? { serverCpuMsPerRequest: +((cpuAfter - cpuBefore) / latencies.length).toFixed(4) } : {}),
    ...(latencies.length ? { clientCpuMsPerRequest: +((client.user + client.system) / 1000 / latencies.length).toFixed(4) } : {}),
  };
}
