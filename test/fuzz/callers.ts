import { AdminAccountsService } from '../../apps/api/src/auth/admin-accounts.service';
import { AdminSessionsService, SESSION_COOKIE } from '../../apps/api/src/auth/admin-sessions.service';
import { CSRF_HEADER } from '../../apps/api/src/auth/csrf';
import { TenantsService } from '../../apps/api/src/auth/tenants.service';
import { TestApp } from '../support/app';

/** Who sends a request: the kinds the route table distinguishes, each with valid credentials. */
export type CallerKind = 'none' | 'tenant' | 'viewer' | 'admin';
export const CALLER_KINDS: readonly CallerKind[] = ['none', 'tenant', 'viewer', 'admin'];

interface Session {
  adminId: string;
  cookie: string;
  csrf: string;
}

/**
 * Credentials for the fuzzer's callers. Sessions are minted through the service (not /auth/login,
 * which the fuzzer itself drives into lockouts and IP throttling) and minted again whenever one stops
 * working: the fuzzer signs out on /auth/logout like any caller would.
 */
export class Callers {
  private constructor(
    private readonly t: TestApp,
    readonly apiKey: string,
    private readonly sessions: Record<'viewer' | 'admin', Session>,
  ) {}

  static async create(t: TestApp): Promise<Callers> {
    const accounts = t.app.get(AdminAccountsService);
    const sessions = {} as Record<'viewer' | 'admin', Session>;
    for (const role of ['viewer', 'admin'] as const) {
      const { account, password } = await accounts.create(`fuzz-${role}`, role, { type: 'cli', name: 'fuzz' });
      // The forced first password change would refuse every route but two: this caller has made it.
      await accounts.changePassword(account.id, password, `fuzz-${role}-granite-lantern-orbit`, '');
      sessions[role] = await Callers.session(t, account.id);
    }
    const tenants = t.app.get(TenantsService);
    const actor = { type: 'cli' as const, name: 'fuzz' };
    const tenant = await tenants.createTenant('fuzz-tenant', actor);
    const { key } = await tenants.createApiKey(tenant.id, actor);
    return new Callers(t, key, sessions);
  }

  private static async session(t: TestApp, adminId: string): Promise<Session> {
    const { token, csrfToken } = await t.app.get(AdminSessionsService).create(adminId);
    return { adminId, cookie: `${SESSION_COOKIE}=${token}`, csrf: csrfToken };
  }

  /** The headers a caller of this kind sends (`csrf: false`: a session without its CSRF header). */
  headers(kind: CallerKind, csrf = true): Record<string, string> {
    if (kind === 'none') return {};
    if (kind === 'tenant') return { authorization: `Bearer ${this.apiKey}` };
    const s = this.sessions[kind];
    return csrf ? { cookie: s.cookie, [CSRF_HEADER]: s.csrf } : { cookie: s.cookie };
  }

  /** A fresh session for every session caller whose own no longer resolves (signed out by the fuzzer). */
  async renew(): Promise<void> {
    const service = this.t.app.get(AdminSessionsService);
    for (const role of ['viewer', 'admin'] as const) {
      const token = this.sessions[role].cookie.slice(SESSION_COOKIE.length + 1);
      if (!(await service.resolve(token))) this.sessions[role] = await Callers.session(this.t, this.sessions[role].adminId);
    }
  }
}
