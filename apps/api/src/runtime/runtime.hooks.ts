import { execFile } from 'node:child_process';
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectSettings } from '../env/env.module';
import { Settings } from '../env/env.schema';
import { Framework } from './runtime.types';

export interface FrameworkStatus {
  framework: Exclude<Framework, 'mock'>;
  available: boolean;
  version?: string;
  /** Execution providers this runtime can actually use here (ONNX Runtime only). */
  providers?: string[];
  /** Why it is not available. */
  reason?: string;
}

/** What inference runs on: the provider asked for and the one in effect. */
export interface ExecutionProviders {
  requested: string[];
  effective: string;
  gpu: { driverMock: boolean; detected: boolean; reason: string };
}

const PYTORCH_PROBE_TIMEOUT_MS = 3000;
const NVIDIA_SMI_TIMEOUT_MS = 3000;

function run(command: string, args: string[], timeoutMs: number): Promise<{ ok: boolean; stdout: string; error?: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: timeoutMs, windowsHide: true }, (error, stdout, stderr) => {
      if (!error) return resolve({ ok: true, stdout: String(stdout) });
      const why = (error as NodeJS.ErrnoException).code === 'ENOENT' ? `${command} not found` : error.killed ? `timed out after ${timeoutMs} ms` : String(stderr || error.message).trim().split('\n').pop();
      resolve({ ok: false, stdout: String(stdout), error: why });
    });
  });
}

/** onnxruntime-node is a dependency; what matters is whether its native binding loads here. */
export function detectOnnx(): FrameworkStatus {
  try {
    const ort = require('onnxruntime-node') as typeof import('onnxruntime-node');
    const backends = (ort as unknown as { listSupportedBackends?: () => { name: string; bundled: boolean }[] }).listSupportedBackends?.() ?? [{ name: 'cpu', bundled: true }];
    return { framework: 'onnx', available: true, version: ort.env.versions.node ?? ort.env.versions.common, providers: backends.filter((b) => b.bundled).map((b) => b.name) };
  } catch (error) {
    return { framework: 'onnx', available: false, reason: `onnxruntime-node failed to load: ${(error as Error).message}` };
  }
}

/** TensorFlow.js for Node: resolvable or not (never installed by us). */
export function detectTensorflow(resolve: (id: string) => string = require.resolve): FrameworkStatus {
  for (const pkg of ['@tensorflow/tfjs-node', '@tensorflow/tfjs']) {
    try {
      const manifest = resolve(`${pkg}/package.json`);
      return { framework: 'tensorflow', available: true, version: `${pkg}@${(require(manifest) as { version: string }).version}` };
    } catch {
      // try the next package
    }
  }
  return { framework: 'tensorflow', available: false, reason: '@tensorflow/tfjs-node and @tensorflow/tfjs are not installed' };
}

export async function detectPytorch(timeoutMs = PYTORCH_PROBE_TIMEOUT_MS): Promise<FrameworkStatus> {
  const probe = await run('python3', ['-c', 'import torch; print(torch.__version__)'], timeoutMs);
  return probe.ok
    ? { framework: 'pytorch', available: true, version: `torch ${probe.stdout.trim()}` }
    : { framework: 'pytorch', available: false, reason: `python3 -c 'import torch' failed: ${probe.error}` };
}

/**
 * Runtime hooks: which inference frameworks this host can run, detected once at start-up and
 * logged once. PyTorch is probed in a subprocess off the critical path; until it answers it
 * counts as unavailable (a model asking for it waits for the answer, see whenDetected()).
 */
@Injectable()
export class RuntimeHooks implements OnModuleInit {
  private readonly logger = new Logger(RuntimeHooks.name);
  private readonly statuses = new Map<FrameworkStatus['framework'], FrameworkStatus>();
  private detection?: Promise<void>;
  private providers?: Promise<ExecutionProviders>;

  constructor(@InjectSettings() private readonly settings: Settings) {}

  onModuleInit(): void {
    void this.whenDetected();
  }

  /** Resolves when every framework has been probed (PyTorch included). */
  whenDetected(): Promise<void> {
    this.detection ??= this.detect();
    return this.detection;
  }

  frameworks(): FrameworkStatus[] {
    return (['onnx', 'tensorflow', 'pytorch'] as const).map(
      (framework) => this.statuses.get(framework) ?? { framework, available: false, reason: 'still being detected' },
    );
  }

  async status(framework: Framework): Promise<FrameworkStatus | undefined> {
    if (framework === 'mock') return undefined;
    await this.whenDetected();
    return this.statuses.get(framework);
  }

  /**
   * With GPU_DRIVER_MOCK=false CUDA is asked for only when nvidia-smi finds a GPU and ONNX Runtime
   * ships the CUDA provider; otherwise (and always with the mock driver) inference runs on cpu.
   */
  executionProviders(): Promise<ExecutionProviders> {
    this.providers ??= this.detectProviders();
    return this.providers;
  }

  private async detect(): Promise<void> {
    this.statuses.set('onnx', detectOnnx());
    this.statuses.set('tensorflow', detectTensorflow());
    this.statuses.set('pytorch', await detectPytorch());
    const line = this.frameworks()
      .map((s) => (s.available ? `${s.framework}: ${s.version}${s.providers ? ` [${s.providers.join(', ')}]` : ''}` : `${s.framework}: unavailable (${s.reason})`))
      .join('; ');
    this.logger.log(`frameworks: ${line}`);
  }

  private async detectProviders(): Promise<ExecutionProviders> {
    const onnx = this.statuses.get('onnx') ?? detectOnnx();
    if (this.settings.gpuDriverMock) {
      return { requested: ['cpu'], effective: 'cpu', gpu: { driverMock: true, detected: false, reason: 'GPU_DRIVER_MOCK=true: simulated GPUs never reach ONNX Runtime' } };
    }
    const smi = await run('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader'], NVIDIA_SMI_TIMEOUT_MS);
    const detected = smi.ok && smi.stdout.trim().length > 0;
    if (!detected) {
      return { requested: ['cpu'], effective: 'cpu', gpu: { driverMock: false, detected: false, reason: `no GPU: ${smi.error ?? 'nvidia-smi listed none'}` } };
    }
    const cuda = onnx.providers?.includes('cuda') ?? false;
    return cuda
      ? { requested: ['cuda', 'cpu'], effective: 'cuda', gpu: { driverMock: false, detected: true, reason: smi.stdout.trim().split('\n')[0] } }
      : { requested: ['cpu'], effective: 'cpu', gpu: { driverMock: false, detected: true, reason: 'GPU found but this onnxruntime-node build has no CUDA provider' } };
  }
}
