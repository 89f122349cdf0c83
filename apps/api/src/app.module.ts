import { DynamicModule, Module } from '@nestjs/common';
import { AuditModule } from './audit/audit.module';
import { AdminBootstrap } from './auth/admin-bootstrap';
import { AuthModule } from './auth/auth.module';
import { DatabaseModule } from './database/database.module';
import { LoadedEnv } from './env/env.loader';
import { EnvModule } from './env/env.module';
import { HealthModule } from './health/health.module';
import { InstanceModule } from './instance/instance.module';
import { LifecycleModule } from './lifecycle/lifecycle.module';
import { MetricsModule } from './metrics/metrics.module';
import { OverviewModule } from './overview/overview.module';
import { PolicyModule } from './policy/policy.module';
import { PqcModule } from './pqc/pqc.module';
import { RotationModule } from './rotation/rotation.module';
import { RuntimeApiModule } from './runtime/api/runtime-api.module';
import { RuntimeModule } from './runtime/runtime.module';

@Module({})
export class AppModule {
  static forRoot(env: LoadedEnv): DynamicModule {
    return {
      module: AppModule,
      imports: [EnvModule.forRoot(env), LifecycleModule, DatabaseModule, MetricsModule, HealthModule, InstanceModule, PqcModule, AuditModule, AuthModule, RotationModule, RuntimeModule, RuntimeApiModule, OverviewModule, PolicyModule],
      providers: [AdminBootstrap],
    };
  }
}
