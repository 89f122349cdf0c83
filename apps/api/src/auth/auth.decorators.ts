import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiHeader, ApiResponse } from '@nestjs/swagger';
import { AdminPrincipal } from './admin-accounts.service';
import { SESSION_COOKIE } from './admin-sessions.service';
import { CSRF_HEADER } from './csrf';
import {
  AdminGuard,
  ALLOW_PASSWORD_CHANGE_PENDING,
  AUTH_ROUTE_METADATA,
  AuthenticatedRequest,
  AuthRouteMetadata,
  TenantGuard,
} from './auth.guards';
import { TenantPrincipal } from './tenants.service';

export type { AdminPrincipal, AuthRouteMetadata, TenantPrincipal };
export { AUTH_ROUTE_METADATA };

/**
 * Dashboard routes (class or method): a live session (401), the role (403; `admin` satisfies
 * `viewer`), the x-csrf-token header on anything but GET/HEAD (403), and no pending forced
 * password change (403). Recorded as route metadata (AUTH_ROUTE_METADATA).
 */
export function AdminOnly(role: 'admin' | 'viewer' = 'admin') {
  return applyDecorators(
    SetMetadata(AUTH_ROUTE_METADATA, { kind: 'admin', role } satisfies AuthRouteMetadata),
    UseGuards(AdminGuard),
    ApiCookieAuth(SESSION_COOKIE),
    ApiHeader({ name: CSRF_HEADER, required: false, description: 'required on every non-GET request: the csrfToken from /auth/login or /auth/me' }),
    ApiResponse({ status: 401, description: 'no session, or it expired' }),
    ApiResponse({ status: 403, description: `missing/wrong CSRF header, password change pending, or ${role === 'admin' ? 'not an admin' : 'insufficient role'}` }),
  );
}

/** Lets a must-change-password account through AdminOnly (only the password change and sign-out use it). */
export const AllowPasswordChangePending = () => SetMetadata(ALLOW_PASSWORD_CHANGE_PENDING, true);

/** The signed-in admin of an AdminOnly route. */
export const CurrentAdmin = createParamDecorator((_data: unknown, context: ExecutionContext): AdminPrincipal => {
  const admin = context.switchToHttp().getRequest<AuthenticatedRequest>().nfAdmin;
  if (!admin) throw new Error('CurrentAdmin() used on a route without AdminOnly()');
  return admin;
});

/**
 * API consumer routes (class or method): `Authorization: Bearer nf_...`. Wrong, malformed or revoked
 * keys are 401 in every mode; without the header, 401 in production and tenant "anonymous" in simulation.
 */
export function TenantAuth() {
  return applyDecorators(
    SetMetadata(AUTH_ROUTE_METADATA, { kind: 'tenant' } satisfies AuthRouteMetadata),
    UseGuards(TenantGuard),
    ApiBearerAuth(),
  );
}

/** The tenant of a TenantAuth route (`anonymous: true` for header-less simulation traffic). */
export const CurrentTenant = createParamDecorator((_data: unknown, context: ExecutionContext): TenantPrincipal => {
  const tenant = context.switchToHttp().getRequest<AuthenticatedRequest>().nfTenant;
  if (!tenant) throw new Error('CurrentTenant() used on a route without TenantAuth()');
  return tenant;
});
