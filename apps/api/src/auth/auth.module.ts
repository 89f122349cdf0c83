import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AdminAccountsService } from './admin-accounts.service';
import { AdminSessionsService } from './admin-sessions.service';
import { AuthController } from './auth.controller';
import { AdminAccountEntity, AdminSessionEntity, ApiKeyEntity, LoginThrottleEntity, TenantEntity } from './auth.entities';
import { AdminGuard, TenantGuard } from './auth.guards';
import { AuthMetrics } from './auth.metrics';
import { FailedLoginAuditService } from './failed-login-audit.service';
import { LoginThrottleRepository } from './login-throttle.repository';
import { LoginService } from './login.service';
import { TenantsController } from './tenants.controller';
import { TenantsService } from './tenants.service';

/**
 * Admin identity (accounts, dashboard sessions, CSRF, login throttling shared through the
 * database, refused sign-ins audited in aggregate) and API consumers (tenants, API keys). Global
 * so any controller can use AdminOnly / TenantAuth: their guards resolve the services exported here.
 */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([AdminAccountEntity, AdminSessionEntity, TenantEntity, ApiKeyEntity, LoginThrottleEntity])],
  controllers: [AuthController, TenantsController],
  providers: [AuthMetrics, LoginThrottleRepository, FailedLoginAuditService, AdminAccountsService, AdminSessionsService, LoginService, TenantsService, AdminGuard, TenantGuard],
  exports: [AuthMetrics, AdminAccountsService, AdminSessionsService, TenantsService, AdminGuard, TenantGuard],
})
export class AuthModule {}
