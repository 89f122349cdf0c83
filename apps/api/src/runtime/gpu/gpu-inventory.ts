import { execFile } from 'node:child_process';
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectSettings } from '../../env/env.module';
import { Settings } from '../../env/env.schema';

export interface GpuDevice {
  index: number;
  name: string;
  memoryBytes: number;
  /** Memory promised to placed model instances. */
  reservedBytes: number;
}

export interface Placement {
  /** Model version placed. */
  version: string;
  device: 'cpu' | 'gpu';
  gpuIndex?: number;
  gpuName?: string;
  estimatedBytes: number;
}

const GIB = 1024 ** 3;
/** Resident memory of a model instance relative to its file: weights, activations, runtime arenas. */
export const MODEL_MEMORY_FACTOR = 2;
export const MOCK_DEVICES: Omit<GpuDevice, 'reservedBytes'>[] = [
  { index: 0, name: 'NF-Sim A10', memoryBytes: 24 * GIB },
  { index: 1, name: 'NF-Sim A10', memoryBytes: 24 * GIB },
];

/** `nvidia-smi --query-gpu=name,memory.total --format=csv,noheader` lines, e.g. "NVIDIA A10, 23028 MiB". */
export function parseNvidiaSmi(output: string): Omit<GpuDevice, 'reservedBytes'>[] {
  const units: Record<string, number> = { KiB: 1024, MiB: 1024 ** 2, GiB: GIB };
  return output
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .flatMap((line, index) => {
      const match = /^(.+),\s*(\d+(?:\.\d+)?)\s*(KiB|MiB|GiB)$/.exec(line);
      return match ? [{ index, name: match[1].trim(), memoryBytes: Math.round(Number(match[2]) * units[match[3]]) }] : [];
    });
}

/**
 * The accelerators this process may place model instances on: simulated (GPU_DRIVER_MOCK=true)
 * or detected with nvidia-smi (none found = CPU only). Placement is first fit by free memory.
 */
@Injectable()
export class GpuInventory implements OnModuleInit {
  private readonly logger = new Logger(GpuInventory.name);
  private devices: GpuDevice[] = [];
  private readonly placements = new Map<string, Placement>();
  private detected?: Promise<void>;

  constructor(@InjectSettings() private readonly settings: Settings) {}

  onModuleInit(): Promise<void> {
    return this.ready();
  }

  ready(): Promise<void> {
    this.detected ??= this.detect().then((found) => {
      this.devices = found.map((d) => ({ ...d, reservedBytes: 0 }));
      this.logger.log(`${this.devices.length} GPU(s)${this.settings.gpuDriverMock ? ' (simulated)' : ''}: ${this.devices.map((d) => d.name).join(', ') || 'none, CPU only'}`);
    });
    return this.detected;
  }

  list(): GpuDevice[] {
    return this.devices.map((d) => ({ ...d }));
  }

  get driver(): 'mock' | 'nvidia-smi' {
    return this.settings.gpuDriverMock ? 'mock' : 'nvidia-smi';
  }

  /** Places (or re-places) a model instance needing `fileBytes × MODEL_MEMORY_FACTOR`. */
  place(model: string, version: string, fileBytes: number): Placement {
    this.release(model);
    const estimatedBytes = Math.ceil(fileBytes * MODEL_MEMORY_FACTOR);
    const device = [...this.devices]
      .sort((a, b) => b.memoryBytes - b.reservedBytes - (a.memoryBytes - a.reservedBytes))
      .find((d) => d.memoryBytes - d.reservedBytes >= estimatedBytes);
    const placement: Placement = device
      ? { version, device: 'gpu', gpuIndex: device.index, gpuName: device.name, estimatedBytes }
      : { version, device: 'cpu', estimatedBytes };
    if (device) device.reservedBytes += estimatedBytes;
    this.placements.set(model, placement);
    return placement;
  }

  placementOf(model: string): Placement | undefined {
    return this.placements.get(model);
  }

  release(model: string): void {
    const placed = this.placements.get(model);
    if (placed?.gpuIndex !== undefined) {
      const device = this.devices.find((d) => d.index === placed.gpuIndex);
      if (device) device.reservedBytes -= placed.estimatedBytes;
    }
    this.placements.delete(model);
  }

  private detect(): Promise<Omit<GpuDevice, 'reservedBytes'>[]> {
    if (this.settings.gpuDriverMock) return Promise.resolve(MOCK_DEVICES);
    return new Promise((resolve) => {
      execFile('nvidia-smi', ['--query-gpu=name,memory.total', '--format=csv,noheader'], { timeout: 5000 }, (error, stdout) => {
        resolve(error ? [] : parseNvidiaSmi(stdout));
      });
    });
  }
}
