import { Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { FastifyInstance } from 'fastify';
import { addBoundedJsonParser } from '../../http/json-body';
import { PqcModule } from '../../pqc/pqc.module';
import { GpuInventory } from '../gpu/gpu-inventory';
import { RuntimeModule } from '../runtime.module';
import { InferenceMetrics } from '../scheduler/inference.metrics';
import { InferenceScheduler } from '../scheduler/inference.scheduler';
import { JobHookChain } from '../scheduler/job-hooks';
import { InferenceController, SEALED_CONTENT_TYPE } from './inference.controller';
import { InferenceService } from './inference.service';

/**
 * The Open Inference Protocol front: /v2 routes, the per-model scheduler (fairness, deadlines,
 * dynamic batching), GPU inventory and placement, sealed inference under PQC sessions.
 */
@Module({
  imports: [RuntimeModule, PqcModule],
  controllers: [InferenceController],
  providers: [InferenceService, InferenceScheduler, InferenceMetrics, GpuInventory, JobHookChain],
  exports: [JobHookChain],
})
export class RuntimeApiModule implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    // Sealed requests are JSON envelopes under their own media type; Fastify parses only application/json.
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (fastify && !fastify.hasContentTypeParser(SEALED_CONTENT_TYPE)) {
      addBoundedJsonParser(fastify, SEALED_CONTENT_TYPE);
    }
  }
}
