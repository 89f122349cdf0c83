import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import * as path from 'node:path';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { selectProvider } from '../provider/select';
import { createBenchSetup, measure, prepareOperation, type BenchSetup, type BenchTask } from './operations';

/**
 * Server-side handshake crypto ceiling: respondToHello calls per second on one core and on all
 * cores (one worker thread per core), next to noble's X-Wing decapsulation as shipped.
 * Runs from compiled output, because worker threads need a .js file:
 *
 *   npm run build:api && node dist/libs/pqc/src/bench/ceiling.js [--seconds=5] [--out=bench/results/handshake-crypto.json]
 */

const WORKER_FLAG = 'nfPqcCryptoCeiling';
const HYBRID_HANDSHAKE: BenchTask = { kind: 'handshake', suite: 'X-Wing+ML-DSA-65' };
const PHASE_SLACK_MS = 120_000;

export interface CeilingOptions {
  readonly seconds?: number;
  readonly onPhase?: (name: string) => void;
  readonly workers?: number;
  readonly inputs?: number;
}

export interface PhaseResult {
  readonly workers: number;
  readonly opsPerSecond: number;
  readonly perWorker: readonly number[];
  /**
   * Operations per second of CPU the whole process used while the workers were timed (their threads
   * and V8's helper threads): steadier than opsPerSecond while other work shares the machine.
   */
  readonly opsPerCpuSecond: number;
}

export interface CeilingResult {
  readonly schema: 'neural-fabric/bench/handshake-crypto/v1';
  readonly generatedAt: string;
  readonly node: string;
  readonly cpu: string;
  readonly availableParallelism: number;
  readonly provider: string;
  readonly secondsPerPhase: number;
  readonly results: {
    readonly nobleXWingDecapsulate: PhaseResult;
    readonly nobleXWingServerKem: PhaseResult;
    readonly xwingDecapsulate: PhaseResult;
    readonly handshakeHybridSingleCore: PhaseResult;
    readonly handshakeHybridAllCores: PhaseResult;
    readonly handshakePqcSingleCore: PhaseResult;
  };
  readonly ratios: {
    /** Our server handshake (decapsulate + encapsulate + KDF) vs noble X-Wing decapsulate alone. */
    readonly hybridHandshakeVsNobleXWingDecapsulate: number;
    /** Our server handshake vs the same KEM work (decapsulate + encapsulate) with noble X-Wing as shipped. */
    readonly hybridHandshakeVsNobleXWingServerKem: number;
    /** Like for like: our cached-key X-Wing decapsulation vs noble's. */
    readonly xwingDecapsulateVsNoble: number;
  };
}

interface WorkerInput {
  readonly [WORKER_FLAG]: true;
  readonly task: BenchTask;
  readonly setup: BenchSetup;
  readonly durationMs: number;
}

type WorkerMessage = { type: 'ready' } | { type: 'done'; ops: number; elapsedMs: number };

function workerScript(): string {
  if (__filename.endsWith('.ts')) {
    throw new Error('the crypto ceiling bench runs worker threads from compiled output: npm run build:api && node dist/libs/pqc/src/bench/ceiling.js');
  }
  return __filename;
}

/** Starts `count` workers, waits until all finished setup, then times them together. */
async function runPhase(task: BenchTask, count: number, setup: BenchSetup, durationMs: number): Promise<PhaseResult> {
  const file = workerScript();
  const workers = Array.from({ length: count }, () => {
    const input: WorkerInput = { [WORKER_FLAG]: true, task, setup, durationMs };
    return new Worker(file, { workerData: input });
  });
  // A worker that dies or stalls must fail the run, not hang it.
  const next = (worker: Worker) =>
    new Promise<WorkerMessage>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`bench worker stalled in ${task.kind}`)), durationMs + PHASE_SLACK_MS);
      const settle = (fn: () => void) => {
        clearTimeout(timer);
        worker.off('exit', onExit);
        fn();
      };
      const onExit = (code: number) => settle(() => reject(new Error(`bench worker exited with code ${code}`)));
      worker.once('message', (message: WorkerMessage) => settle(() => resolve(message)));
      worker.once('error', (error) => settle(() => reject(error)));
      worker.once('exit', onExit);
    });
  try {
    await Promise.all(workers.map(async (w) => expectMessage(await next(w), 'ready')));
    const done = workers.map(next);
    const cpuBefore = process.cpuUsage();
    for (const w of workers) w.postMessage('go');
    const results = await Promise.all(done);
    const cpu = process.cpuUsage(cpuBefore);
    let ops = 0;
    const perWorker = results.map((m) => {
      if (m.type !== 'done') throw new Error('bench worker protocol error');
      ops += m.ops;
      return (m.ops * 1000) / m.elapsedMs;
    });
    const opsPerCpuSecond = (ops * 1e6) / (cpu.user + cpu.system);
    return { workers: count, opsPerSecond: perWorker.reduce((a, b) => a + b, 0), perWorker, opsPerCpuSecond };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

function expectMessage(message: WorkerMessage, type: WorkerMessage['type']): void {
  if (message.type !== type) throw new Error(`bench worker sent ${message.type}, expected ${type}`);
}

export async function runCryptoCeiling(options: CeilingOptions = {}): Promise<CeilingResult> {
  const seconds = options.seconds ?? 5;
  const allCores = options.workers ?? availableParallelism();
  const durationMs = seconds * 1000;
  const setup = createBenchSetup(options.inputs ?? 32);

  const phase = (name: string, task: BenchTask, workers: number) => {
    options.onPhase?.(`${name} (${workers} worker${workers === 1 ? '' : 's'})`);
    return runPhase(task, workers, setup, durationMs);
  };
  const nobleXWingDecapsulate = await phase('noble X-Wing decapsulate', { kind: 'noble-xwing-decapsulate' }, 1);
  const nobleXWingServerKem = await phase('noble X-Wing decapsulate + encapsulate', { kind: 'noble-xwing-server-kem' }, 1);
  const xwingDecapsulate = await phase('X-Wing decapsulate', { kind: 'xwing-decapsulate' }, 1);
  const handshakeHybridSingleCore = await phase('hybrid handshake', HYBRID_HANDSHAKE, 1);
  const handshakeHybridAllCores = await phase('hybrid handshake', HYBRID_HANDSHAKE, allCores);
  const handshakePqcSingleCore = await phase('pqc handshake', { kind: 'handshake', suite: 'ML-KEM-768+ML-DSA-65' }, 1);

  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    schema: 'neural-fabric/bench/handshake-crypto/v1',
    generatedAt: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    availableParallelism: availableParallelism(),
    provider: selectProvider().name,
    secondsPerPhase: seconds,
    results: { nobleXWingDecapsulate, nobleXWingServerKem, xwingDecapsulate, handshakeHybridSingleCore, handshakeHybridAllCores, handshakePqcSingleCore },
    ratios: {
      hybridHandshakeVsNobleXWingDecapsulate: round(handshakeHybridSingleCore.opsPerSecond / nobleXWingDecapsulate.opsPerSecond),
      hybridHandshakeVsNobleXWingServerKem: round(handshakeHybridSingleCore.opsPerSecond / nobleXWingServerKem.opsPerSecond),
      xwingDecapsulateVsNoble: round(xwingDecapsulate.opsPerSecond / nobleXWingDecapsulate.opsPerSecond),
    },
  };
}

/** The hybrid handshake on `workers` cores (default all) alone: what a benchmark repeats between its other phases. */
export function runHandshakeCeiling(options: Pick<CeilingOptions, 'seconds' | 'workers' | 'inputs'> = {}): Promise<PhaseResult> {
  const setup = createBenchSetup(options.inputs ?? 32);
  return runPhase(HYBRID_HANDSHAKE, options.workers ?? availableParallelism(), setup, (options.seconds ?? 5) * 1000);
}

export function formatCeilingSummary(result: CeilingResult): string {
  const r = result.results;
  const n = (x: number) => x.toFixed(0).padStart(7);
  return [
    `handshake crypto ceiling (${result.provider} provider, ${result.node}, ${result.cpu}, ${result.secondsPerPhase}s per phase)`,
    `  noble X-Wing decapsulate (as shipped), 1 core      : ${n(r.nobleXWingDecapsulate.opsPerSecond)} /s`,
    `  noble X-Wing decaps + encaps (as shipped), 1 core  : ${n(r.nobleXWingServerKem.opsPerSecond)} /s`,
    `  X-Wing decapsulate (cached key), 1 core            : ${n(r.xwingDecapsulate.opsPerSecond)} /s   x${result.ratios.xwingDecapsulateVsNoble} vs noble decapsulate`,
    `  hybrid handshake (respondToHello), 1 core          : ${n(r.handshakeHybridSingleCore.opsPerSecond)} /s   x${result.ratios.hybridHandshakeVsNobleXWingDecapsulate} vs noble decapsulate, x${result.ratios.hybridHandshakeVsNobleXWingServerKem} vs noble decaps+encaps`,
    `  hybrid handshake, ${String(r.handshakeHybridAllCores.workers).padStart(2)} workers                      : ${n(r.handshakeHybridAllCores.opsPerSecond)} /s`,
    `  pqc (ML-KEM-768) handshake, 1 core                 : ${n(r.handshakePqcSingleCore.opsPerSecond)} /s`,
  ].join('\n');
}

function argument(argv: readonly string[], name: string): string | undefined {
  const prefix = `--${name}=`;
  return argv.find((a) => a.startsWith(prefix))?.slice(prefix.length);
}

export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<CeilingResult> {
  const seconds = Number(argument(argv, 'seconds') ?? 5);
  const workers = argument(argv, 'workers');
  if (!(seconds > 0)) throw new Error('--seconds must be a positive number');
  const outFile = path.resolve(argument(argv, 'out') ?? path.join('bench', 'results', 'handshake-crypto.json'));
  const result = await runCryptoCeiling({
    seconds,
    workers: workers === undefined ? undefined : Number(workers),
    onPhase: (name) => process.stderr.write(`  running ${name}...\n`),
  });
  mkdirSync(path.dirname(outFile), { recursive: true });
  writeFileSync(outFile, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${formatCeilingSummary(result)}\n  written to ${outFile}\n`);
  return result;
}

function runWorker(input: WorkerInput): void {
  const port = parentPort!;
  const operation = prepareOperation(input.task, input.setup);
  // Warm up before reporting ready, so the CPU the coordinator counts from 'go' is the timed loops'.
  measure(operation, 0, Math.min(500, input.durationMs / 4));
  port.once('message', () => {
    const { ops, elapsedMs } = measure(operation, input.durationMs, 0);
    port.postMessage({ type: 'done', ops, elapsedMs } satisfies WorkerMessage);
  });
  port.postMessage({ type: 'ready' } satisfies WorkerMessage);
}

if (!isMainThread && (workerData as Partial<WorkerInput> | null)?.[WORKER_FLAG] === true) {
  runWorker(workerData as WorkerInput);
} else if (isMainThread && require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  });
}
