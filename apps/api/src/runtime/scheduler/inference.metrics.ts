import { Injectable } from '@nestjs/common';
import { Gauge, register } from 'prom-client';
import { HotCounter, HotHistogram } from '../../metrics/hot-metrics';

/** Outcomes of one inference request (a fixed set). */
export type InferenceOutcome = 'ok' | 'bad_request' | 'queue_full' | 'rate_limited' | 'deadline' | 'unavailable' | 'error';

/** nf_inference_*: the model label only ever holds names from the model repository. */
@Injectable()
export class InferenceMetrics {
  readonly requests = new HotCounter({
    name: 'nf_inference_requests_total',
    help: 'Inference requests by model and outcome (ok, bad_request, queue_full, rate_limited, deadline, unavailable, error)',
    labelNames: ['model', 'outcome'],
    registers: [register],
  });
  readonly duration = new HotHistogram({
    name: 'nf_inference_duration_seconds',
    help: 'Server time of one inference request: queueing, batching and the run',
    labelNames: ['model'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [register],
  });
  /** The queues' depths per model, read when the gauge is collected (set by the scheduler). */
  private depths: () => Map<string, number> = () => new Map();
  /** Read at scrape time, not set per request: two label-hashed sets per job cost more than a scrape. */
  readonly queueDepth: Gauge<'model'> = new Gauge({
    name: 'nf_inference_queue_depth',
    help: 'Requests waiting in the model queue (all tenants)',
    labelNames: ['model'],
    registers: [register],
    collect: () => {
      this.queueDepth.reset();
      for (const [model, depth] of this.depths()) this.queueDepth.set({ model }, depth);
    },
  });
  readonly queueCapacity = new Gauge({
    name: 'nf_inference_queue_capacity',
    help: 'Requests one model queue holds at most (INFER_QUEUE_CAPACITY); beyond it requests get 429',
    registers: [register],
  });
  readonly batchSize = new HotHistogram({
    name: 'nf_inference_batch_size',
    help: 'Rows per model run (1 without dynamic batching)',
    labelNames: ['model'],
    buckets: [1, 2, 4, 8, 16, 32, 64, 128],
    registers: [register],
  });

  /** Where nf_inference_queue_depth comes from: depth per model name, all versions. */
  readQueueDepths(depths: () => Map<string, number>): void {
    this.depths = depths;
  }
}
