import { CanActivate, ExecutionContext, ForbiddenException, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { FastifyReply, FastifyRequest } from 'fastify';
import { SETTINGS } from '../env/env.module';
import { Settings } from '../env/env.schema';
import { AdminPrincipal, toPrincipal } from './admin-accounts.service';
import { AdminSessionsService, ResolvedSession, SESSION_COOKIE } from './admin-sessions.service';
import { parseBearer } from './api-key';
import { AuthMetrics } from './auth.metrics';
import { parseCookies } from './cookies';
import { CSRF_HEADER, csrfRequired, csrfValid } from './csrf';
import { ANONYMOUS_TENANT, TenantPrincipal, TenantsService } from './tenants.service';

/** Route metadata every protected route carries; the route-table test enumerates it. */
export const AUTH_ROUTE_METADATA = 'nf:auth:route';
export type AuthRouteMetadata = { kind: 'admin'; role: 'admin' | 'viewer' } | { kind: 'tenant' };
/** Routes a must-change-password account may still call (changing it, signing out). */
export const ALLOW_PASSWORD_CHANGE_PENDING = 'nf:auth:allow-password-change-pending';

/** What the guards leave on the request for the param decorators. */
export interface AuthenticatedRequest extends FastifyRequest {
  nfAdmin?: AdminPrincipal;
  nfAdminSession?: ResolvedSession;
  nfTenant?: TenantPrincipal;
}

/** Is this request's session token the one presented in the cookie? (shared by guard and controller) */
export function sessionTokenOf(request: FastifyRequest): string | undefined {
  return parseCookies(request.headers.cookie)[SESSION_COOKIE];
}

@Injectable()
export class AdminGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly sessions: AdminSessionsService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    const route = this.reflector.getAllAndOverride<AuthRouteMetadata | undefined>(AUTH_ROUTE_METADATA, targets);
    const required = route?.kind === 'admin' ? route.role : 'admin';
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();

    const token = sessionTokenOf(request);
    const session = request.nfAdminSession ?? (token ? await this.sessions.resolve(token) : undefined);
    if (!session || !token) throw new UnauthorizedException('sign in required: no session, or it expired');
    request.nfAdminSession = session;
    request.nfAdmin = toPrincipal(session.account);

    if (csrfRequired(request.method) && !csrfValid(token, request.headers[CSRF_HEADER])) {
      throw new ForbiddenException(`missing or wrong ${CSRF_HEADER} header (the csrfToken from /auth/login or /auth/me)`);
    }
    if (session.account.mustChangePassword && !this.reflector.getAllAndOverride<boolean>(ALLOW_PASSWORD_CHANGE_PENDING, targets)) {
      throw new ForbiddenException('password change required: POST /auth/password before anything else');
    }
    if (required === 'admin' && session.account.role !== 'admin') {
      throw new ForbiddenException('this needs the admin role');
    }
    return true;
  }
}

/**
 * API consumers: `Authorization: Bearer nf_...`. A wrong, malformed or revoked key is 401 in every
 * mode; no header at all is 401 in production and tenant "anonymous" in simulation.
 */
@Injectable()
export class TenantGuard implements CanActivate {
  constructor(
    @Inject(SETTINGS) private readonly settings: Settings,
    private readonly tenants: TenantsService,
    private readonly metrics: AuthMetrics,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    await this.authenticate(context.switchToHttp().getRequest<AuthenticatedRequest>(), context.switchToHttp().getResponse<FastifyReply>());
    return true;
  }

  /**
   * The check itself, for routes registered on Fastify directly (the V2 infer route) as well as
   * through the guard: leaves the tenant on the request, or throws the 401.
   */
  async authenticate(request: AuthenticatedRequest, reply: FastifyReply): Promise<TenantPrincipal> {
    if (request.nfTenant) return request.nfTenant;
    const refuse = (message: string) => {
      reply.header('WWW-Authenticate', 'Bearer realm="neural-fabric"');
      return new UnauthorizedException(message);
    };
    const bearer = parseBearer(request.headers.authorization);
    if (bearer.kind === 'absent') {
      if (this.settings.mode === 'production') {
        this.metrics.apiKeyCheck('invalid');
        throw refuse('API key required: Authorization: Bearer nf_...');
      }
      this.metrics.apiKeyCheck('anonymous');
      request.nfTenant = ANONYMOUS_TENANT;
      return ANONYMOUS_TENANT;
    }
    if (bearer.kind === 'malformed') {
      this.metrics.apiKeyCheck('invalid');
      throw refuse('invalid API key');
    }
    const lookup = await this.tenants.lookup(bearer.key);
    if (lookup.status !== 'ok') {
      this.metrics.apiKeyCheck(lookup.status === 'revoked' ? 'revoked' : 'invalid');
      throw refuse(lookup.status === 'revoked' ? 'API key revoked' : 'invalid API key');
    }
    this.metrics.apiKeyCheck('ok');
    request.nfTenant = lookup.tenant;
    return lookup.tenant;
  }
}
