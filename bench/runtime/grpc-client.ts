// gRPC load client for the runtime benchmark: KServe V2 ModelInfer over one HTTP/2 channel (grpc-js,
// the .proto the service ships), closed loop like the REST client. Requests are serialised once before
// timing starts and replies are not decoded, as the REST client sends pre-serialised bodies and does not
// parse replies: both measure the server.
//
// Run alone, it compares gRPC (typed and raw contents) with REST JSON on one spawned service:
//   npm run build:api && node dist/bench/runtime/grpc-client.js [--model=tiny-mlp --concurrency=32 --seconds=5]
// and writes bench/results/runtime-grpc.json.
import { credentials, Metadata, ServiceError } from '@grpc/grpc-js';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import { AddressInfo, createServer } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { inferenceServiceConstructor } from '../../apps/api/src/grpc/grpc-listener';
import { generateRepository } from '../../apps/api/src/runtime/models/generate';
import { sampleInput } from '../../apps/api/src/runtime/models/reference';
import { percentile, ROOT, startService } from '../support';

export interface LoadResult {
  requests: number;
  failures: number;
  concurrency: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p99: number };
  /** CPU the server process (all threads) spent per answered request while timed: steadier than req/s on a shared machine. */
  serverCpuMsPerRequest?: number;
}

/** User + system CPU of a process in ms (Linux /proc, 100 ticks per second); undefined elsewhere. */
function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(')').pop()!.trim().split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

const ms = (v: number) => +v.toFixed(2);

/**
 * `concurrency` loops calling `once` (true = success) for `seconds`, after one uncounted second of the
 * same load; with `serverPid`, the server's CPU per request over the timed part.
 */
export async function closedLoop(concurrency: number, seconds: number, once: () => Promise<boolean>, serverPid?: number): Promise<LoadResult> {
  const warm = performance.now() + 1000;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < warm) await once();
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
        if (!(await once())) failures++;
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
    ...(cpuBefore !== undefined && cpuAfter !== undefined ? { serverCpuMsPerRequest: +((cpuAfter - cpuBefore) / Math.max(1, latencies.length - failures)).toFixed(3) } : {}),
  };
}

export interface GrpcLoadOptions {
  /** Send raw_input_contents (and get raw_output_contents) instead of typed contents. */
  raw?: boolean;
  /** Rows per request (dim 0); 1 by default. */
  batch?: number;
  /** PEM certificates to trust: the service's gRPC listener speaks TLS while its https listener is on. */
  ca?: Buffer;
  /** The server's process id, to report its CPU per request (same machine only). */
  serverPid?: number;
}

/** One request's FP32 input tensor (the shape of the sweep's BenchInput in bench/runtime/protocol-client.ts). */
export interface GrpcBenchInput {
  name: string;
  datatype: 'FP32';
  shape: number[];
  data: Float32Array;
}

/**
 * A ModelInfer client on one HTTP/2 channel with every request serialised now: `infer(n)` sends
 * request n (cycling) and resolves to whether it succeeded. `headers` become call metadata (an API
 * key as `authorization`).
 */
export async function openGrpc(
  address: string,
  model: string,
  requests: GrpcBenchInput[][],
  options: { raw?: boolean; ca?: Buffer; headers?: Record<string, string> } = {},
): Promise<{ infer(n: number): Promise<boolean>; close(): Promise<void> }> {
  const Client = inferenceServiceConstructor();
  const client = new Client(address, options.ca ? credentials.createSsl(options.ca) : credentials.createInsecure(), {
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
  });
  const metadata = new Metadata();
  for (const [key, value] of Object.entries(options.headers ?? {})) metadata.set(key.toLowerCase(), value);
  await new Promise<void>((resolve, reject) => client.waitForReady(Date.now() + 30_000, (error) => (error ? reject(error) : resolve())));
  const { path: method, requestSerialize } = Client.service.ModelInfer;
  const encoded: Buffer[] = requests.map((inputs) =>
    requestSerialize({
      model_name: model,
      inputs: inputs.map(({ name, datatype, shape, data }) => ({ name, datatype, shape, ...(options.raw ? {} : { contents: { fp32_contents: Array.from(data) } }) })),
      raw_input_contents: options.raw ? inputs.map(({ data }) => Buffer.from(data.buffer, data.byteOffset, data.byteLength)) : [],
    }),
  );
  return {
    infer: (n) =>
      new Promise<boolean>((resolve) => {
        const body = encoded[n % encoded.length];
        client.makeUnaryRequest(method, () => body, (reply: Buffer) => reply, {}, metadata, {}, (error) => resolve(!error));
      }),
    close: async () => client.close(),
  };
}

/**
 * gRPC as a protocol of the concurrency sweep (the Protocol interface of bench/runtime/protocol-client.ts:
 * `{ name, bare, open(target, requests, concurrency) }`); the target needs `grpcAddress`. One channel
 * carries every caller's calls, as HTTP/2 multiplexes them.
 */
export const grpcProtocol = (raw: boolean) => ({
  name: raw ? 'grpc-raw' : 'grpc',
  bare: false,
  open: (target: { model: string; grpcAddress?: string; headers?: Record<string, string> }, requests: GrpcBenchInput[][]) => {
    if (!target.grpcAddress) throw new Error(`${raw ? 'grpc-raw' : 'grpc'}: this server has no gRPC listener`);
    return openGrpc(target.grpcAddress, target.model, requests, { raw, headers: target.headers });
  },
});

/**
 * Closed-loop ModelInfer load on `model` (FP32 inputs [batch, features] as its metadata says) at
 * `target` (`host:port`); `apiKey` as `authorization: Bearer` metadata (empty = anonymous simulation).
 */
export async function measureGrpc(target: string, apiKey: string, model: string, concurrency: number, seconds: number, options: GrpcLoadOptions = {}): Promise<LoadResult> {
  const headers: Record<string, string> = apiKey ? { authorization: `Bearer ${apiKey}` } : {};
  const Client = inferenceServiceConstructor();
  const probe = new Client(target, options.ca ? credentials.createSsl(options.ca) : credentials.createInsecure());
  const metadata = new Metadata();
  if (apiKey) metadata.set('authorization', headers.authorization);
  let meta: { inputs: { name: string; datatype: string; shape: string[] }[] };
  try {
    meta = await new Promise((resolve, reject) =>
      probe.ModelMetadata({ name: model }, metadata, { deadline: Date.now() + 30_000 }, (error: ServiceError | null, reply: typeof meta) => (error ? reject(error) : resolve(reply))),
    );
  } finally {
    probe.close();
  }
  const batch = options.batch ?? 1;
  const inputs: GrpcBenchInput[] = meta.inputs.map((input, i) => {
    if (input.datatype !== 'FP32') throw new Error(`${model} input ${input.name} is ${input.datatype}; this client sends FP32 only`);
    const shape = input.shape.map((d, dim) => (dim === 0 && d === '-1' ? batch : Math.max(1, Number(d))));
    return { name: input.name, datatype: 'FP32', shape, data: sampleInput(shape.slice(1).reduce((a, b) => a * b, 1), shape[0], 7 + i) };
  });
  const client = await openGrpc(target, model, [inputs], { raw: options.raw, ca: options.ca, headers });
  try {
    let n = 0;
    return await closedLoop(concurrency, seconds, () => client.infer(n++), options.serverPid);
  } finally {
    await client.close();
  }
}

/** The same load over REST JSON (POST /v2/models/<model>/infer, one keep-alive agent, body serialised once). */
export async function measureRestJson(baseUrl: string, apiKey: string, model: string, features: number, concurrency: number, seconds: number, serverPid?: number): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const body = JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, features], data: Array.from(sampleInput(features, 1, 7)) }] });
  const headers = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) };
  const once = () =>
    new Promise<boolean>((resolve) => {
      const req = http.request(`${baseUrl}/v2/models/${model}/infer`, { method: 'POST', agent, headers }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode === 200));
      });
      req.on('error', () => resolve(false));
      req.end(body);
    });
  try {
    return await closedLoop(concurrency, seconds, once, serverPid);
  } finally {
    agent.destroy();
  }
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });

async function main() {
  const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
  const model = args.model ?? 'tiny-mlp';
  const concurrency = Number(args.concurrency ?? 32);
  const seconds = Number(args.seconds ?? 5);
  const rounds = Number(args.rounds ?? 2);
  const models = mkdtempSync(path.join(tmpdir(), 'nf-bench-models-'));
  generateRepository(models);
  const grpcPort = await freePort();
  // TLS off: the REST figure is the plain listener's, so gRPC is compared in plaintext too.
  const server = await startService({ MODEL_REPOSITORY_PATH: models, INFER_QUEUE_CAPACITY: '4096', TLS_ENABLED: 'false', GRPC_PORT: String(grpcPort) });
  try {
    for (let i = 0; i < 600 && (await fetch(`${server.url}/v2/health/ready`)).status !== 200; i++) await new Promise((r) => setTimeout(r, 100));
    const features = ((await (await fetch(`${server.url}/v2/models/${model}`)).json()) as { inputs: { shape: number[] }[] }).inputs[0].shape[1];
    const target = `127.0.0.1:${grpcPort}`;
    const pid = server.child.pid;
    const runs: Record<string, LoadResult>[] = [];
    // Alternating rounds, so drift in machine load touches every protocol alike.
    for (let round = 0; round < rounds; round++) {
      runs.push({
        restJson: await measureRestJson(server.url, '', model, features, concurrency, seconds, pid),
        grpcTyped: await measureGrpc(target, '', model, concurrency, seconds, { serverPid: pid }),
        grpcRaw: await measureGrpc(target, '', model, concurrency, seconds, { raw: true, serverPid: pid }),
      });
    }
    const best = (key: string) => runs.map((r) => r[key]).reduce((a, b) => (b.requestsPerSecond > a.requestsPerSecond ? b : a));
    const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
    const cpu = (key: string) => median(runs.map((r) => r[key].serverCpuMsPerRequest ?? NaN));
    const result = {
      model,
      concurrency,
      seconds,
      rounds,
      cores: availableParallelism(),
      note: 'closed loop, load generator on the same machine; req/s: best round of each; server CPU ms per request: median of rounds; ratios within this run',
      restJson: best('restJson'),
      grpcTyped: best('grpcTyped'),
      grpcRaw: best('grpcRaw'),
      ratios: {
        grpcTypedToRestJson: +(best('grpcTyped').requestsPerSecond / best('restJson').requestsPerSecond).toFixed(3),
        grpcRawToRestJson: +(best('grpcRaw').requestsPerSecond / best('restJson').requestsPerSecond).toFixed(3),
      },
      serverCpuMsPerRequest: { restJson: cpu('restJson'), grpcTyped: cpu('grpcTyped'), grpcRaw: cpu('grpcRaw') },
      rounds_detail: runs,
    };
    const out = path.join(ROOT, 'bench', 'results', 'runtime-grpc.json');
    mkdirSync(path.dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`${JSON.stringify({ restJson: result.restJson, grpcTyped: result.grpcTyped, grpcRaw: result.grpcRaw, ratios: result.ratios, serverCpuMsPerRequest: result.serverCpuMsPerRequest }, null, 2)}\n`);
  } finally {
    server.child.kill('SIGTERM');
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
}
