import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PqcModule } from '../pqc/pqc.module';
import { RuntimeApiModule } from '../runtime/api/runtime-api.module';
import { RuntimeModule } from '../runtime/runtime.module';
import { PolicyController } from './policy.controller';
import { PolicyMetrics } from './policy.metrics';
import { PolicyService } from './policy.service';
import { TelemetryAggregateEntity } from './telemetry.entity';
import { TelemetryRepository } from './telemetry.repository';
import { TelemetryService } from './telemetry.service';

/**
 * The model telemetry policy (docs/policies/model_telemetry.md) as code: live checks P1..P7,
 * GET /policies, nf_policy_status, the policy readiness check, and the telemetry store (aggregation,
 * Prometheus exports, retention). Exports TelemetryService, whose telemetryHook joins the job hooks.
 */
@Module({
  imports: [TypeOrmModule.forFeature([TelemetryAggregateEntity]), PqcModule, RuntimeModule, RuntimeApiModule],
  controllers: [PolicyController],
  providers: [PolicyService, TelemetryService, TelemetryRepository, { provide: PolicyMetrics, useFactory: () => new PolicyMetrics() }],
  exports: [TelemetryService],
})
export class PolicyModule {}
