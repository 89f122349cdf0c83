import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AdminAccountsService } from './admin-accounts.service';
import { AdminSessionsService } from './admin-sessions.service';
import { AuthController } from './auth.controller';
import { AdminAccountEntity, AdminSessionEntity, ApiKeyEntity, TenantEntity } from './auth.entities';
import { AdminGuard, TenantGuard } from './auth.guards';
import { AuthMetrics } from './auth.metrics';
import { LoginService } from './login.service';
import { TenantsController } from './tenants.controller';
import { TenantsService } from './tenants.service';

/**
 * Admin identity (accounts, dashboard sessions, CSRF, login throttling) and API consumers
 * (tenants, API keys). Global so any controller can use AdminOnly / TenantAuth: their guards
 * resolve the services exported here.
 */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([AdminAccountEntity, AdminSessionEntity, TenantEntity, ApiKeyEntity])],
  controllers: [AuthController, TenantsController],
  providers: [AuthMetrics, AdminAccountsService, AdminSessionsService, LoginService, TenantsService, AdminGuard, TenantGuard],
  exports: [AuthMetrics, AdminAccountsService, AdminSessionsService, TenantsService, AdminGuard, TenantGuard],
})
export class AuthModule {}
