import { readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { Injectable } from '@nestjs/common';
import { TenantPrincipal } from '../../auth/tenants.service';
import { InjectSettings } from '../../env/env.module';
import { Settings } from '../../env/env.schema';
import { GpuInventory, Placement } from '../gpu/gpu-inventory';
import { ModelRepository } from '../model-repository.service';
import { Framework, ModelHandle } from '../runtime.types';
import { InferenceScheduler } from '../scheduler/inference.scheduler';
import { outcomeOf } from '../scheduler/job-hooks';
import { decodeInferRequest, RawInputs, V2OutputJson } from './v2.codec';
import { badRequest } from './v2.errors';

export interface V2InferResponse {
  model_name: string;
  model_version: string;
  id?: string;
  outputs: V2OutputJson[];
  parameters: { simulated: boolean; framework: Framework } & Record<string, unknown>;
}

/** Triton platform names for the frameworks a config may ask for. */
const PLATFORM: Record<Framework, string> = {
  onnx: 'onnxruntime_onnx',
  tensorflow: 'tensorflow_savedmodel',
  pytorch: 'pytorch_libtorch',
  mock: 'mock',
};

/** The longest relative deadline, one hour: a longer x-request-deadline-ms or timeout_ms is refused, a longer gRPC deadline cut to it. */
export const MAX_DEADLINE_MS = 3_600_000;

/** Parses a relative deadline in milliseconds (header or timeout_ms parameter). */
export function parseDeadlineMs(raw: unknown, field: string): number | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  const value = typeof raw === 'string' && /^\d+$/.test(raw.trim()) ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > MAX_DEADLINE_MS) {
    throw badRequest(`${field} must be a whole number of milliseconds from 1 to ${MAX_DEADLINE_MS}`);
  }
  return value;
}

/** The Open Inference Protocol use cases: metadata, validation, scheduling, encoding. */
@Injectable()
export class InferenceService {
  constructor(
    @InjectSettings() private readonly settings: Settings,
    private readonly models: ModelRepository,
    private readonly scheduler: InferenceScheduler,
    private readonly gpus: GpuInventory,
  ) {}

  handle(name: string, version?: string): ModelHandle {
    const handle = this.models.get(name, version);
    this.placementFor(handle);
    return handle;
  }

  metadata(name: string, version?: string) {
    const handle = this.handle(name, version);
    const stats = this.scheduler.stats(handle.name, handle.version);
    return {
      name: handle.name,
      versions: [handle.version],
      platform: PLATFORM[handle.requestedFramework],
      inputs: handle.inputs.map(({ name: n, datatype, shape }) => ({ name: n, datatype, shape })),
      outputs: handle.outputs.map(({ name: n, datatype, shape }) => ({ name: n, datatype, shape })),
      simulated: handle.simulated,
      framework: handle.framework,
      parameters: {
        max_batch_size: handle.maxBatchSize,
        dynamic_batching: this.scheduler.describeBatching(handle),
        execution: handle.execution ?? 'worker',
        load_ms: Math.round(handle.loadMs * 10) / 10,
        over_budget: handle.overBudget,
        placement: this.placementFor(handle),
        queued: stats?.queued ?? 0,
        running: stats?.running ?? 0,
      },
    };
  }

  /**
   * Decodes, schedules and runs one request; the outputs stay tensors (the caller encodes them:
   * JSON, or raw bytes for the binary tensor extension). `raw` gives inputs' bytes sent outside the JSON.
   */
  async inferTensors(name: string, version: string | undefined, body: unknown, tenant: TenantPrincipal, headerDeadline: unknown, raw?: RawInputs) {
    const handle = this.handle(name, version);
    let request;
    let deadlineMs: number | undefined;
    try {
      request = decodeInferRequest(body, handle, raw);
      deadlineMs = parseDeadlineMs(headerDeadline, 'x-request-deadline-ms') ?? parseDeadlineMs(request.parameters?.timeout_ms, 'parameters.timeout_ms');
    } catch (error) {
      this.scheduler.refused(handle.name, outcomeOf(error));
      throw error;
    }
    const outputs = await this.scheduler.infer(handle, request.inputs, { tenant: tenant.id, contributor: tenant.apiKeyId, rows: request.batch, deadlineMs });
    const wanted = request.outputs;
    const selected = wanted ? wanted.map((n) => outputs.find((o) => o.name === n)!).filter(Boolean) : outputs;
    const response: Omit<V2InferResponse, 'outputs'> = {
      model_name: handle.name,
      model_version: handle.version,
      ...(request.id !== undefined ? { id: request.id } : {}),
      parameters: { ...(request.parameters ?? {}), simulated: handle.simulated, framework: handle.framework },
    };
    return { response, outputs: selected };
  }

  /**
   * A request refused before decoding (e.g. binary framing): the model is looked up first (404/503
   * win over the refusal, as for JSON requests), then the refusal counts in the inference metrics.
   */
  refuse(name: string, version: string | undefined, error: unknown): never {
    const handle = this.handle(name, version);
    this.scheduler.refused(handle.name, outcomeOf(error));
    throw error;
  }

  async load(name: string) {
    const handle = await this.models.load(name);
    this.gpus.release(handle.name);
    return { name: handle.name, version: handle.version, state: handle.state, placement: this.placementFor(handle) };
  }

  async unload(name: string): Promise<void> {
    await this.models.unload(name);
    this.scheduler.drop(name);
    this.gpus.release(name);
  }

  /** Where a model instance lives: placed once per loaded version by its estimated memory. */
  placementFor(handle: ModelHandle): Placement {
    const placed = this.gpus.placementOf(handle.name);
    if (placed && placed.version === handle.version) return placed;
    return this.gpus.place(handle.name, handle.version, versionBytes(path.join(this.settings.runtime.repositoryPath, handle.name, handle.version)));
  }
}

/** Bytes of the files in a model version directory (0 when it cannot be read). */
function versionBytes(dir: string): number {
  try {
    return readdirSync(dir, { withFileTypes: true, recursive: true })
      .filter((d) => d.isFile())
      .reduce((sum, d) => sum + statSync(path.join(d.parentPath, d.name)).size, 0);
  } catch {
    return 0;
  }
}
