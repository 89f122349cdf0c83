import { Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { FastifyInstance } from 'fastify';
import { PqcModule } from '../../pqc/pqc.module';
import { GpuInventory } from '../gpu/gpu-inventory';
import { RuntimeModule } from '../runtime.module';
import { InferenceMetrics } from '../scheduler/inference.metrics';
import { InferenceScheduler } from '../scheduler/inference.scheduler';
import { JobHookChain } from '../scheduler/job-hooks';
import { InferRoute } from './infer/infer.route';
import { InferenceController } from './inference.controller';
import { InferenceService } from './inference.service';

/**
 * The Open Inference Protocol front: /v2 routes, the per-model scheduler (fairness, deadlines,
 * dynamic batching), GPU inventory and placement, sealed inference under PQC sessions.
 */
@Module({
  imports: [RuntimeModule, PqcModule],
  controllers: [InferenceController],
  providers: [InferRoute, InferenceService, InferenceScheduler, InferenceMetrics, GpuInventory, JobHookChain],
  exports: [JobHookChain],
})
export class RuntimeApiModule implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly inferRoute: InferRoute,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (fastify) this.inferRoute.register(fastify);
  }
}
