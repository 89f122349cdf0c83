import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, register } from 'prom-client';

/** nf_runtime_* metrics. framework is the effective one ('mock' when simulated); model names come from the repository (bounded). */
@Injectable()
export class RuntimeMetrics {
  readonly loaded = new Counter({
    name: 'nf_runtime_loaded_total',
    help: 'Successful model loads (load + warmup), by the framework actually running the model',
    labelNames: ['framework'],
    registers: [register],
  });
  readonly loadFailures = new Counter({
    name: 'nf_runtime_load_failures_total',
    help: 'Model loads that failed, by the framework that failed to load it',
    labelNames: ['framework'],
    registers: [register],
  });
  readonly loadDuration = new Histogram({
    name: 'nf_runtime_load_duration_seconds',
    help: 'Load + warmup time per model load attempt; MODEL_LOAD_BUDGET_MS (default 0.8 s) is the budget',
    labelNames: ['framework', 'outcome'],
    buckets: [0.05, 0.1, 0.25, 0.5, 0.8, 1, 2.5, 5, 10, 30],
    registers: [register],
  });
  readonly overBudget = new Counter({
    name: 'nf_runtime_load_over_budget_total',
    help: 'Loads whose load + warmup exceeded MODEL_LOAD_BUDGET_MS (served anyway, flagged)',
    labelNames: ['framework'],
    registers: [register],
  });
  readonly ready = new Gauge({
    name: 'nf_runtime_model_ready',
    help: '1 when the model serves (READY), else 0',
    labelNames: ['model'],
    registers: [register],
  });
  readonly simulated = new Gauge({
    name: 'nf_runtime_model_simulated',
    help: '1 when the model is served by the mock runtime',
    labelNames: ['model'],
    registers: [register],
  });
}
