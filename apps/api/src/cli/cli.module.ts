import { DynamicModule, Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { DatabaseModule } from '../database/database.module';
import { LoadedEnv } from '../env/env.loader';
import { EnvModule } from '../env/env.module';
import { HealthModule } from '../health/health.module';
import { LifecycleModule } from '../lifecycle/lifecycle.module';

/**
 * What the operator's commands need and nothing else: the database, the keystore (through the audit
 * log, which signs with it), accounts and tenants. No handshake workers, no models, no policy checks,
 * no timers of the service's, no first-start admin (the CLI creates accounts itself).
 */
@Module({})
export class CliModule {
  static forRoot(env: LoadedEnv): DynamicModule {
    return { module: CliModule, imports: [EnvModule.forRoot(env), LifecycleModule, DatabaseModule, HealthModule, AuditModule, AuthModule] };
  }
}
