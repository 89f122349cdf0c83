import { Global, Module } from '@nestjs/common';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { BaseMetrics } from './base.metrics';
import { HttpMetrics } from './http-metrics';
import { MetricsController } from './metrics.controller';

/** /metrics: process defaults plus the service's own nf_* metrics (one registry, Prometheus exposure only). */
@Global()
@Module({
  imports: [PrometheusModule.register({ path: '/metrics', controller: MetricsController, defaultMetrics: { enabled: false } })],
  providers: [HttpMetrics, BaseMetrics],
})
export class MetricsModule {}
