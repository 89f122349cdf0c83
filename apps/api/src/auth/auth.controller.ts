import { Body, Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { ServiceModeView, SessionView } from '@nf/contracts';
import { FastifyReply, FastifyRequest } from 'fastify';
import { AdminAccountsService, adminActor, AdminPrincipal, toPrincipal } from './admin-accounts.service';
import { AdminSessionsService, SESSION_COOKIE } from './admin-sessions.service';
import { AdminOnly, AllowPasswordChangePending, CurrentAdmin } from './auth.decorators';
import { ChangePasswordDto, LoginDto } from './auth.dto';
import { AuthenticatedRequest } from './auth.guards';
import { AuditService } from '../audit/audit.service';
import { InjectSettings } from '../env/env.module';
import { Settings } from '../env/env.schema';
import { secureCookie, serializeSessionCookie } from './cookies';
import { LoginService } from './login.service';

/** What sign-in and GET /auth/me answer: the admin, the session's CSRF token and when it ends. */
function sessionView(account: Parameters<typeof toPrincipal>[0], session: { csrfToken: string; expiresAt: number }): SessionView {
  return { admin: toPrincipal(account), csrfToken: session.csrfToken, mustChangePassword: account.mustChangePassword, expiresAt: session.expiresAt };
}

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly login: LoginService,
    private readonly accounts: AdminAccountsService,
    private readonly sessions: AdminSessionsService,
    private readonly audit: AuditService,
    @InjectSettings() private readonly settings: Settings,
  ) {}

  @Get('mode')
  @ApiOperation({ summary: 'Run mode and simulation flags, for the sign-in page (public, like nf_env_info on /metrics)' })
  mode(): ServiceModeView {
    const { mode, simulation, gpuDriverMock } = this.settings;
    return { mode, simulationMode: simulation, gpuDriverMock };
  }

  @Post('login')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Dashboard sign-in: sets the session cookie, returns the CSRF token',
    description: `Sets \`${SESSION_COOKIE}\` (HttpOnly, SameSite=Strict; Secure over https, directly or via a TRUST_PROXY proxy, and always in production). Send \`csrfToken\` as x-csrf-token on every non-GET request.`,
  })
  @ApiResponse({ status: 200, description: '{admin:{id,name,role}, csrfToken, mustChangePassword, expiresAt}' })
  @ApiResponse({ status: 400, description: 'missing or malformed fields' })
  @ApiResponse({ status: 401, description: 'invalid name or password (the same answer for both)' })
  @ApiResponse({ status: 429, description: 'account locked or address rate-limited; Retry-After says for how long' })
  async signIn(@Body() body: LoginDto, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<SessionView> {
    const result = await this.login.login(body.name, body.password, request.ip);
    reply.header('Set-Cookie', serializeSessionCookie(SESSION_COOKIE, result.token, { secure: this.secure(request) }));
    reply.header('Cache-Control', 'no-store');
    return sessionView(result.account, result);
  }

  @Post('logout')
  @HttpCode(204)
  @AdminOnly('viewer')
  @AllowPasswordChangePending()
  @ApiOperation({ summary: 'Ends this session and clears the cookie' })
  @ApiResponse({ status: 204, description: 'signed out' })
  async signOut(@Req() request: AuthenticatedRequest, @Res({ passthrough: true }) reply: FastifyReply, @CurrentAdmin() admin: AdminPrincipal): Promise<void> {
    await this.sessions.destroy(request.nfAdminSession!.id);
    reply.header('Set-Cookie', serializeSessionCookie(SESSION_COOKIE, '', { secure: this.secure(request), maxAgeSeconds: 0 }));
    await this.audit.record({ actor: adminActor(admin), action: 'logout', target: `admin:${admin.id}` });
  }

  @Get('me')
  @AdminOnly('viewer')
  @ApiOperation({ summary: 'The signed-in admin and the session CSRF token' })
  @ApiResponse({ status: 200, description: '{admin:{id,name,role}, csrfToken, mustChangePassword, expiresAt}' })
  me(@Req() request: AuthenticatedRequest, @Res({ passthrough: true }) reply: FastifyReply): SessionView {
    const session = request.nfAdminSession!;
    reply.header('Cache-Control', 'no-store');
    return sessionView(session.account, session);
  }

  @Post('password')
  @HttpCode(204)
  @AdminOnly('viewer')
  @AllowPasswordChangePending()
  @ApiOperation({
    summary: 'Changes the own password (the only call allowed while a change is pending)',
    description: 'Needs the current password; the new one has at least 12 characters, is not easy to guess (zxcvbn score 3 or more) and differs from it. Other sessions of the account end.',
  })
  @ApiResponse({ status: 204, description: 'changed' })
  @ApiResponse({ status: 400, description: 'current password wrong, or new password too short, too easy to guess or unchanged (errors keyed by field)' })
  async changePassword(@Body() body: ChangePasswordDto, @Req() request: AuthenticatedRequest, @CurrentAdmin() admin: AdminPrincipal): Promise<void> {
    await this.accounts.changePassword(admin.id, body.current, body.new, request.nfAdminSession!.id);
  }

  private secure(request: FastifyRequest): boolean {
    return secureCookie(request.protocol, this.settings.mode === 'production');
  }
}
