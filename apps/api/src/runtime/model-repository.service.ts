import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  BadRequestException,
  Injectable,
  Logger,
  NotFoundException,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  ServiceUnavailableException,
} from '@nestjs/common';
import { InjectSettings } from '../env/env.module';
import { Settings } from '../env/env.schema';
import { ProbeRegistry } from '../health/probe-registry';
import { LoadedModel } from './loaded-model';
import { MockRuntime } from './mock.runtime';
import { isValidModelId, ModelConfig, parseModelConfig, VERSION_PATTERN } from './model-config';
import { OnnxRuntime } from './onnx/onnx.runtime';
import { OpenedModel, RuntimeAdapter } from './runtime.adapter';
import { RuntimeHooks } from './runtime.hooks';
import { RuntimeMetrics } from './runtime.metrics';
import { tensorFrom } from './tensors';
import { Framework, ModelHandle, ModelState, Tensor } from './runtime.types';

export interface ModelIndexEntry {
  name: string;
  version: string;
  state: ModelState;
  reason?: string;
  framework: Framework;
  simulated: boolean;
}

/**
 * How long start-up waits for MODEL_LOAD_AT_STARTUP=all before the listener opens. Loads that take
 * longer go on in the background, and the start-up probe (trackStartup 'models') answers 503 until
 * they settle; readiness waits for the required models either way.
 */
const STARTUP_WAIT_MS = 15_000;

interface Entry {
  /** Serving version; a failed reload leaves it in place. */
  current?: LoadedModel;
  loading?: Promise<LoadedModel>;
  /** Why the last load failed (or why the model is not loaded). */
  reason?: string;
  required?: boolean;
}

class LoadFailure extends Error {}

/**
 * The model repository (Triton-like): MODEL_REPOSITORY_PATH/<model>/config.json and numbered
 * version directories; the latest version serves. A model is READY only after it loaded and
 * answered a warmup inference. Real runtimes that are missing or fail fall back to the mock
 * runtime in simulation only; production refuses simulated models unless
 * RUNTIME_ALLOW_MOCK_IN_PRODUCTION=true.
 */
@Injectable()
export class ModelRepository implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ModelRepository.name);
  private readonly entries = new Map<string, Entry>();
  private readonly root: string;
  private shuttingDown = false;

  constructor(
    @InjectSettings() private readonly settings: Settings,
    private readonly hooks: RuntimeHooks,
    private readonly onnx: OnnxRuntime,
    private readonly mock: MockRuntime,
    private readonly metrics: RuntimeMetrics,
    private readonly probes: ProbeRegistry,
  ) {
    this.root = settings.runtime.repositoryPath;
  }

  async onApplicationBootstrap(): Promise<void> {
    this.probes.addReadinessCheck('models', () => this.readiness());
    if (this.settings.runtime.loadAtStartup !== 'all') return;
    const startup = this.loadAtStartup();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([startup, new Promise((resolve) => (timer = setTimeout(resolve, STARTUP_WAIT_MS)))]);
    clearTimeout(timer);
  }

  /** Loads every model in the repository under the start-up probe ('models' pending until done). */
  loadAtStartup(): Promise<void> {
    const startup = this.loadAll();
    this.probes.trackStartup('models', startup);
    return startup;
  }

  async onApplicationShutdown(): Promise<void> {
    this.shuttingDown = true;
    await Promise.allSettled([...this.entries.values()].map((e) => e.loading));
    await Promise.allSettled([...this.entries.values()].map((e) => e.current?.close()));
  }

  /** Every model in the repository (and any loaded one), sorted by name. */
  index(): ModelIndexEntry[] {
    const names = new Set([...this.scan(), ...this.entries.keys()]);
    return [...names].sort().map((name) => {
      const entry = this.entries.get(name);
      const current = entry?.current;
      if (current && current.state === 'READY') {
        return { name, version: current.version, state: 'READY', ...(entry.reason ? { reason: entry.reason } : {}), framework: current.framework, simulated: current.simulated };
      }
      let framework: Framework = 'onnx';
      let version = '';
      let reason = entry?.reason ?? 'not loaded';
      try {
        framework = this.readConfig(name).framework;
        version = this.latestVersion(name);
      } catch (error) {
        reason = entry?.reason ?? (error as Error).message;
      }
      return { name, version, state: entry?.loading ? 'LOADING' : 'UNAVAILABLE', reason: entry?.loading ? undefined : reason, framework, simulated: false };
    });
  }

  /** The serving handle: 404 for an unknown model or version, 503 while it is not READY. */
  get(name: string, version?: string): ModelHandle {
    if (!isValidModelId(name)) throw new NotFoundException(`model ${JSON.stringify(name)} not found`);
    const entry = this.entries.get(name);
    const current = entry?.current;
    if (!current || current.state !== 'READY') {
      if (!entry && !this.scan().includes(name)) throw new NotFoundException(`model ${name} not found`);
      const state = entry?.loading ? 'LOADING' : 'UNAVAILABLE';
      throw new ServiceUnavailableException(`model ${name} is not ready (${state}${entry?.reason ? `: ${entry.reason}` : ''})`);
    }
    if (version !== undefined && version !== '' && version !== current.version) {
      throw new NotFoundException(`model ${name} version ${version} is not loaded (serving version ${current.version})`);
    }
    return current;
  }

  /** Loads (or reloads) the latest version with the framework its config names. */
  load(name: string): Promise<ModelHandle> {
    return this.loadModel(undefined, name);
  }

  /**
   * Loads model `id` from the repository on `framework` (default: its config's). A framework
   * that is not available here, or a real runtime that fails, falls back to the mock runtime in
   * simulation; in production that is refused (503) unless RUNTIME_ALLOW_MOCK_IN_PRODUCTION=true.
   * While a version serves, a failed reload keeps it serving (and rejects).
   */
  loadModel(framework: Framework | undefined, id: string): Promise<ModelHandle> {
    if (!isValidModelId(id)) {
      return Promise.reject(new BadRequestException(`invalid model id ${JSON.stringify(String(id).slice(0, 80))}: must match ^[a-z0-9][a-z0-9._-]{0,63}$`));
    }
    if (this.shuttingDown) return Promise.reject(new ServiceUnavailableException('shutting down'));
    // Only models in the repository (or already known) get an entry: an unknown name stays a 404 for good.
    if (!this.entries.has(id) && !this.scan().includes(id)) return Promise.reject(new NotFoundException(`model ${id} is not in the repository`));
    const entry = this.entry(id);
    if (entry.loading) return entry.loading;
    const loading = this.loadVersion(id, framework, entry).finally(() => {
      if (entry.loading === loading) entry.loading = undefined;
    });
    entry.loading = loading;
    return loading;
  }

  async unload(name: string): Promise<void> {
    if (!isValidModelId(name)) throw new NotFoundException(`model ${JSON.stringify(name)} not found`);
    const entry = this.entries.get(name);
    if (!entry?.current && !entry?.loading) {
      if (!this.scan().includes(name)) throw new NotFoundException(`model ${name} not found`);
      return;
    }
    await entry.loading?.catch(() => undefined);
    const current = entry.current;
    entry.current = undefined;
    entry.reason = 'unloaded';
    this.metrics.ready.set({ model: name }, 0);
    await current?.close();
    this.logger.log(`unloaded ${name}${current ? ` version ${current.version}` : ''}`);
  }

  /** Loads every model in the repository, one at a time (honest per-model times, no core oversubscription). */
  async loadAll(): Promise<void> {
    const names = this.scan();
    for (const name of names) {
      try {
        this.entry(name).required = this.readConfig(name).required;
      } catch (error) {
        // A broken config is a required model that cannot load: readiness says so.
        Object.assign(this.entry(name), { required: true, reason: (error as Error).message });
      }
    }
    for (const name of names) {
      if (this.shuttingDown) return;
      await this.load(name).catch((error: Error) => this.logger.error(`model ${name} did not load: ${error.message}`));
    }
  }

  private readiness() {
    const notReady = [...this.entries.entries()]
      .filter(([, e]) => e.required && e.current?.state !== 'READY')
      .map(([name, e]) => `${name} (${e.loading ? 'LOADING' : (e.reason ?? 'UNAVAILABLE')})`);
    const ready = [...this.entries.values()].filter((e) => e.current?.state === 'READY').length;
    return notReady.length ? { models: { status: 'down' as const, notReady } } : { models: { status: 'up' as const, ready } };
  }

  private entry(name: string): Entry {
    let entry = this.entries.get(name);
    if (!entry) this.entries.set(name, (entry = {}));
    return entry;
  }

  mockAllowed(): boolean {
    return this.settings.simulation || this.settings.mode === 'simulation' || this.settings.runtime.allowMockInProduction;
  }

  private async loadVersion(name: string, framework: Framework | undefined, entry: Entry): Promise<LoadedModel> {
    const modelDir = path.join(this.root, name);
    if (!existsSync(path.join(modelDir, 'config.json'))) throw new NotFoundException(`model ${name} is not in the repository`);
    let config: ModelConfig;
    let version: string;
    try {
      config = this.readConfig(name);
      version = this.latestVersion(name);
    } catch (error) {
      entry.reason = (error as Error).message;
      throw new ServiceUnavailableException(`model ${name} cannot load: ${entry.reason}`);
    }
    const requested = framework ?? config.framework;
    const versionDir = path.join(modelDir, version);

    let handle: LoadedModel | undefined;
    const real = await this.realAdapter(requested);
    if (real.adapter) {
      try {
        handle = await this.open(real.adapter, config, version, versionDir, requested);
      } catch (error) {
        const why = `${requested} failed to load ${name} version ${version}: ${(error as Error).message}`;
        this.metrics.loadFailures.inc({ framework: requested });
        if (entry.current || !this.mockAllowed()) return this.fail(entry, name, why, requested);
        this.logger.warn(`${why}; simulation: serving it with the mock runtime`);
        entry.reason = why;
      }
    } else if (!this.mockAllowed()) {
      return this.fail(
        entry,
        name,
        `${real.why}; simulated (mock) models are refused in production (RUNTIME_ALLOW_MOCK_IN_PRODUCTION=false)`,
        requested,
      );
    } else if (requested !== 'mock') {
      this.logger.warn(`model ${name}: ${real.why}; serving it with the mock runtime (simulated)`);
    }
    handle ??= await this.open(this.mock, config, version, versionDir, requested);

    const old = entry.current;
    entry.current = handle;
    entry.reason = handle.simulated && requested !== 'mock' ? `simulated: ${real.why ?? entry.reason}` : undefined;
    this.metrics.ready.set({ model: name }, 1);
    this.metrics.simulated.set({ model: name }, handle.simulated ? 1 : 0);
    const budget = this.settings.runtime.loadBudgetMs;
    this.logger[handle.overBudget ? 'warn' : 'log'](
      `model ${name} version ${version} READY on ${handle.framework}${handle.simulated ? ' (simulated)' : ''} in ${handle.loadMs.toFixed(0)} ms (budget ${budget} ms${handle.overBudget ? ', OVER BUDGET' : ''})`,
    );
    if (old) void old.close().catch((error: Error) => this.logger.warn(`closing ${name} version ${old.version}: ${error.message}`));
    return handle;
  }

  private fail(entry: Entry, name: string, why: string, framework: Framework): never {
    entry.reason = why;
    if (entry.current) {
      this.logger.error(`${why}; version ${entry.current.version} keeps serving`);
      throw new ServiceUnavailableException(`${why}; version ${entry.current.version} keeps serving`);
    }
    this.metrics.ready.set({ model: name }, 0);
    this.logger.error(why);
    throw Object.assign(new ServiceUnavailableException(`model ${name}: ${why}`), { framework });
  }

  /** The real runtime for a framework, or why there is none here. */
  private async realAdapter(framework: Framework): Promise<{ adapter?: RuntimeAdapter; why?: string }> {
    if (framework === 'mock') return { why: 'the config asks for the mock runtime' };
    const status = await this.hooks.status(framework);
    if (!status?.available) return { why: `framework ${framework} is not available here (${status?.reason ?? 'unknown'})` };
    if (framework === 'onnx') return { adapter: this.onnx };
    return { why: `framework ${framework} (${status.version}) is installed but this build has no ${framework} adapter` };
  }

  /** Opens the model and runs the warmup (once per instance, concurrently): load time = both. */
  private async open(adapter: RuntimeAdapter, config: ModelConfig, version: string, versionDir: string, requested: Framework): Promise<LoadedModel> {
    const started = performance.now();
    let opened: OpenedModel | undefined;
    try {
      opened = await adapter.open(config, versionDir);
      const handle = new LoadedModel(config, version, requested, adapter.framework, opened);
      const warmup = this.warmupInputs(config);
      const runs = adapter.framework === 'mock' ? 1 : config.instances;
      await Promise.all(Array.from({ length: runs }, () => handle.infer(warmup)));
      handle.loadMs = performance.now() - started;
      handle.overBudget = handle.loadMs > this.settings.runtime.loadBudgetMs;
      handle.state = 'READY';
      this.metrics.loaded.inc({ framework: adapter.framework });
      this.metrics.loadDuration.observe({ framework: adapter.framework, outcome: 'ok' }, handle.loadMs / 1000);
      if (handle.overBudget) this.metrics.overBudget.inc({ framework: adapter.framework });
      return handle;
    } catch (error) {
      this.metrics.loadDuration.observe({ framework: adapter.framework, outcome: 'failed' }, (performance.now() - started) / 1000);
      await opened?.close().catch(() => undefined);
      throw error;
    }
  }

  private warmupInputs(config: ModelConfig): Tensor[] {
    return config.inputs.map((spec) => {
      const warm = config.warmup.inputs.find((w) => w.name === spec.name);
      const shape = warm?.shape ?? spec.shape.map((d) => (d === -1 ? 1 : d));
      return tensorFrom(spec.name, spec.datatype, shape, warm?.data);
    });
  }

  /** Model directories with a config.json; ids are validated before any path is built from them. */
  private scan(): string[] {
    if (!existsSync(this.root)) return [];
    return readdirSync(this.root, { withFileTypes: true })
      .filter((d) => d.isDirectory() && isValidModelId(d.name) && existsSync(path.join(this.root, d.name, 'config.json')))
      .map((d) => d.name)
      .sort();
  }

  private readConfig(name: string): ModelConfig {
    const file = path.join(this.root, name, 'config.json');
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      // The error's code or JSON message only: a file system message would show the repository's absolute path.
      throw new LoadFailure(`models/${name}/config.json: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    return parseModelConfig(name, raw);
  }

  /** The highest numbered version directory. */
  private latestVersion(name: string): string {
    const dir = path.join(this.root, name);
    const versions = readdirSync(dir)
      .filter((v) => VERSION_PATTERN.test(v) && statSync(path.join(dir, v)).isDirectory())
      .sort((a, b) => Number(b) - Number(a));
    if (!versions.length) throw new LoadFailure(`models/${name} has no numbered version directory`);
    return versions[0];
  }
}
