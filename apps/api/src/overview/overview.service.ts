import { Injectable } from '@nestjs/common';
import type { HistogramSnapshot, OverviewView } from '@nf/contracts';
import { InjectLoadedEnv } from '../env/env.module';
import { LoadedEnv } from '../env/env.loader';
import { InstanceService } from '../instance/instance.service';
import { Clock } from '../lifecycle/clock';
import { registrySamples, sumByLabel, sumHistogram } from '../metrics/prom-snapshot';
import { cryptoProviderInfo } from '../pqc/crypto-provider';
import { KeyService } from '../pqc/keystore/key.service';
import { ModelRepository } from '../runtime/model-repository.service';
import { RuntimeHooks } from '../runtime/runtime.hooks';
import { ModelHandle } from '../runtime/runtime.types';
import { VERSION } from '../version';

const LATENCY = 'nf_inference_duration_seconds';

/** The cumulative counters an overview and a history sample are made of, read in one go. */
export interface OverviewCounters {
  handshakes: Record<string, number>;
  requests: Record<string, number>;
  latency: HistogramSnapshot;
  /** Requests waiting, by model. */
  queueDepth: Record<string, number>;
}

/** The counters from the registry /metrics exposes. */
export async function readCounters(): Promise<OverviewCounters> {
  const [handshakes, requests, latency, queues] = await Promise.all([
    registrySamples('nf_pqc_handshakes_total'),
    registrySamples('nf_inference_requests_total'),
    registrySamples(LATENCY),
    registrySamples('nf_inference_queue_depth'),
  ]);
  return {
    handshakes: sumByLabel(handshakes, 'outcome'),
    requests: sumByLabel(requests, 'outcome'),
    latency: sumHistogram(LATENCY, latency),
    queueDepth: sumByLabel(queues, 'model'),
  };
}

/**
 * What the dashboard's overview shows, in one read: the keystore and handshake outcomes, the
 * runtime (frameworks, models, queues) and inference counters. Counters are cumulative, read
 * from the same registry /metrics exposes, so the dashboard and Prometheus never disagree.
 */
@Injectable()
export class OverviewService {
  constructor(
    @InjectLoadedEnv() private readonly env: LoadedEnv,
    private readonly instance: InstanceService,
    private readonly keys: KeyService,
    private readonly hooks: RuntimeHooks,
    private readonly models: ModelRepository,
    private readonly clock: Clock,
  ) {}

  async snapshot(): Promise<OverviewView> {
    const { settings } = this.env;
    const key = this.keys.status;
    const { provider } = cryptoProviderInfo();
    const { handshakes, requests, latency, queueDepth } = await readCounters();
    const index = this.models.index();
    const serving = new Map<string, ModelHandle>(
      index.filter((m) => m.state === 'READY').map((m) => [m.name, this.models.get(m.name)] as const),
    );
    return {
      at: this.clock.now(),
      version: VERSION,
      instanceId: this.instance.id,
      env: { mode: settings.mode, hash: this.env.hash, simulationMode: settings.simulation, gpuDriverMock: settings.gpuDriverMock },
      handshake: key.ok
        ? { status: 'ok', algorithm: key.key.suite, provider, activeKeyVersion: key.key.version, sha256: key.key.identitySha256, outcomes: handshakes }
        : { status: 'unavailable', reason: key.reason, algorithm: null, provider, activeKeyVersion: null, sha256: null, outcomes: handshakes },
      runtime: {
        loadBudgetMs: settings.runtime.loadBudgetMs,
        frameworks: this.hooks.frameworks().map((f) => ({
          ...f,
          simulated: [...serving.values()].some((h) => h.requestedFramework === f.framework && h.simulated),
        })),
        models: index.map((m) => {
          const handle = serving.get(m.name);
          return {
            name: m.name,
            version: m.version,
            state: m.state,
            ...(m.reason ? { reason: m.reason } : {}),
            framework: m.framework,
            simulated: m.simulated,
            loadMs: handle ? Math.round(handle.loadMs * 10) / 10 : null,
            overBudget: handle?.overBudget ?? false,
            queueDepth: queueDepth[m.name] ?? 0,
          };
        }),
      },
      inference: { outcomes: requests, latency },
    };
  }
}
