import { Injectable, OnModuleInit } from '@nestjs/common';
import { collectDefaultMetrics, Gauge, register } from 'prom-client';
import { InjectLoadedEnv } from '../env/env.module';
import { LoadedEnv } from '../env/env.loader';
import { VERSION } from '../version';

// prom-client names these gauges *_total, which Prometheus reserves for counters (promtool flags them).
const NON_CONFORMING_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/** Process defaults plus info-style gauges (value 1, facts in labels) that dashboards join on. */
@Injectable()
export class BaseMetrics implements OnModuleInit {
  constructor(@InjectLoadedEnv() private readonly env: LoadedEnv) {}

  onModuleInit(): void {
    // Registered per application start rather than at import, so a cleared registry is refilled.
    collectDefaultMetrics({ register });
    NON_CONFORMING_DEFAULTS.forEach((name) => register.removeSingleMetric(name));
    new Gauge({
      name: 'nf_env_info',
      help: 'Validated environment: SHA-256 env hash (secrets excluded) and run mode',
      labelNames: ['env_hash', 'mode'],
      registers: [register],
    }).set({ env_hash: this.env.hash, mode: this.env.settings.mode }, 1);
    new Gauge({
      name: 'nf_build_info',
      help: 'Neural Fabric version and Node.js runtime',
      labelNames: ['version', 'node_version'],
      registers: [register],
    }).set({ version: VERSION, node_version: process.version }, 1);
  }
}
