// What the benchmarks share: arguments, spawning the built service (or another server), the CPU a
// server used, percentiles and the header of a results file.
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import * as path from 'node:path';

/** The repository root (this file runs from dist/bench/). */
export const ROOT = path.resolve(__dirname, '..', '..');

export interface Server {
  child: ChildProcess;
  url: string;
  /** The service's https listener, when asked for. */
  httpsUrl?: string;
  /** host:port of the service's gRPC listener, once it has logged it (after the HTTP listeners). */
  grpcAddress?: string;
  dir: string;
}

/**
 * NF_BENCH_CPU_PROF=<dir>: every server a benchmark starts writes a V8 CPU profile there when it exits
 * (`node --cpu-prof`); `node dist/bench/profile.js <file>` summarises one. NF_BENCH_HEAP_PROF=<dir>:
 * the same with sampled allocations (`node --heap-prof`; open the file in Chrome DevTools).
 */
const cpuProfileFlags = () => [
  ...(process.env.NF_BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(process.env.NF_BENCH_CPU_PROF)}`] : []),
  ...(process.env.NF_BENCH_HEAP_PROF ? ['--heap-prof', `--heap-prof-dir=${path.resolve(process.env.NF_BENCH_HEAP_PROF)}`] : []),
];

/** Starts `node <args>` and resolves once it logs "listening on <url>" (and "listening on https://..." too with `https`). */
export function spawnAndWait(args: string[], env: Record<string, string>, dir: string, https = false): Promise<Server> {
  const child = spawn(process.execPath, [...cpuProfileFlags(), ...args], { cwd: ROOT, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    let server: Server | undefined;
    child.stdout!.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/[^ "]+?)[ "]/);
      const tls = out.match(/listening on (https:\/\/[^ "]+?)[ "]/);
      if (!server && m && (!https || tls)) {
        server = { child, url: m[1].replace('[::1]', '127.0.0.1'), httpsUrl: tls?.[1], dir };
        resolve(server);
      }
      const grpc = out.match(/gRPC \(inference\.GRPCInferenceService\) listening on (\S+) /);
      if (server && grpc) server.grpcAddress = grpc[1];
    });
    child.on('exit', (code) => reject(new Error(`server exited (${code}) before listening:\n${out.slice(-2000)}`)));
  });
}

/** The built service on ephemeral ports with its state in a fresh temp dir (`https`: wait for its https listener too). */
export function startService(env: Record<string, string> = {}, https = false): Promise<Server> {
  const dir = mkdtempSync(path.join(tmpdir(), 'nf-bench-'));
  return spawnAndWait(
    [path.join(ROOT, 'dist', 'apps', 'api', 'src', 'main.js')],
    {
      PORT: '0',
      TLS_PORT: '0',
      GRPC_PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dir,
      REPORTS_DIR: dir,
      VAULT_PQC_KEY_PATH: path.join(dir, 'keystore'),
      DATABASE_URL: `sqlite:${path.join(dir, 'nf.sqlite')}`,
      LOG_LEVEL: 'log', // the "listening on" line is logged at this level
      LOG_FORMAT: 'json',
      ...env,
    },
    dir,
    https,
  );
}

export const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

/** The median of some values (the mean of the middle two for an even count), to 3 decimals. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return +(sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2).toFixed(3);
}

/** `--name=value` arguments as a record (`--flag` alone: the value is undefined). */
export const benchArgs = (argv: readonly string[] = process.argv.slice(2)): Record<string, string | undefined> =>
  Object.fromEntries(argv.map((a) => a.replace(/^--/, '').split('=')));

/** When and on what a result was measured. */
export const measuredOn = () => ({ generatedAt: new Date().toISOString(), node: process.version, cores: availableParallelism() });

/** What every results file starts with: its schema, then measuredOn(). */
export const resultHeader = (schema: string) => ({ schema, ...measuredOn() });

/** Clock ticks per second of /proc's CPU times, asked once and only by a benchmark that reads them. */
let clockTicksPerSecond: number | undefined;
function clockTicks(): number {
  if (clockTicksPerSecond === undefined) {
    try {
      clockTicksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicksPerSecond = 100;
    }
  }
  return clockTicksPerSecond;
}

/** User + system CPU of a process, all threads, in ms (Linux /proc); undefined elsewhere. */
export function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    // Fields after the command name (which may hold spaces, so split after its closing parenthesis).
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(')').pop()!.trim().split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks();
  } catch {
    return undefined;
  }
}
