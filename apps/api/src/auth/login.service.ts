import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { InjectSettings } from '../env/env.module';
import { Settings } from '../env/env.schema';
import { AdminAccountsService } from './admin-accounts.service';
import { AdminSessionsService } from './admin-sessions.service';
import { Clock } from '../lifecycle/clock';
import { AdminAccountEntity } from './auth.entities';
import { badCredentials, TooManyLoginsException } from './auth.errors';
import { AuthMetrics } from './auth.metrics';
import { afterFailure, LockoutPolicy, LockoutState, lockRemainingMs, SlidingWindowLimiter, UNLOCKED } from './lockout';
import { dummyPasswordHash, verifyPassword } from './password';

export interface LoginResult {
  account: AdminAccountEntity;
  token: string;
  csrfToken: string;
  expiresAt: number;
}

/**
 * Password login with two throttles: per client address (sliding window of failures) and per
 * account name (N failures lock it). Unknown names are throttled exactly like real ones, in
 * memory, so neither the answer nor the lock reveals whether an account exists.
 */
@Injectable()
export class LoginService {
  private readonly policy: LockoutPolicy;
  private readonly byAddress: SlidingWindowLimiter;
  private readonly unknownNames = new Map<string, LockoutState>();

  constructor(
    @InjectSettings() settings: Settings,
    private readonly accounts: AdminAccountsService,
    private readonly sessions: AdminSessionsService,
    private readonly audit: AuditService,
    private readonly metrics: AuthMetrics,
    private readonly clock: Clock,
  ) {
    this.policy = { maxFailures: settings.auth.loginMaxFailures, lockoutMs: settings.auth.lockoutMs };
    this.byAddress = new SlidingWindowLimiter(settings.auth.loginIpMaxFailures, settings.auth.lockoutMs);
  }

  async login(name: string, password: string, clientIp: string): Promise<LoginResult> {
    const now = this.clock.now();
    const lowered = name.toLowerCase();
    const account = await this.accounts.byName(lowered);
    const known = account ? { target: `admin:${account.id}` } : {};
    const refuse = async (outcome: 'locked' | 'rate_limited' | 'bad_credentials', error: Error) => {
      this.metrics.login(outcome);
      await this.audit.record({ actor: { type: 'anonymous' }, action: 'login_failed', ...known, details: { reason: outcome, ip: clientIp, accountKnown: Boolean(account) } });
      return error;
    };

    const addressWait = this.byAddress.retryAfterMs(clientIp, now);
    if (addressWait > 0) throw await refuse('rate_limited', new TooManyLoginsException('too many failed logins from this address; try again later', addressWait));

    const state: LockoutState = account ? { failures: account.failedLogins, lockedUntil: account.lockedUntil } : (this.unknownNames.get(lowered) ?? UNLOCKED);
    const lockWait = lockRemainingMs(state, now);
    if (lockWait > 0) throw await refuse('locked', new TooManyLoginsException('account temporarily locked after repeated failed logins; try again later', lockWait));

    const ok = await verifyPassword(password, account?.passwordHash ?? (await dummyPasswordHash()));
    if (!ok || !account) {
      this.byAddress.record(clientIp, now);
      const next = afterFailure(state, now, this.policy);
      if (account) await this.accounts.saveLockout(account.id, next.failures, next.lockedUntil);
      else this.rememberUnknown(lowered, next);
      throw await refuse('bad_credentials', badCredentials());
    }

    if (account.failedLogins !== 0 || account.lockedUntil !== 0) await this.accounts.saveLockout(account.id, 0, 0);
    const session = await this.sessions.create(account.id);
    this.metrics.login('ok');
    await this.audit.record({ actor: { type: 'admin', id: account.id, name: account.name }, action: 'login_succeeded', target: `admin:${account.id}`, details: { ip: clientIp } });
    return { account, ...session };
  }

  private rememberUnknown(name: string, state: LockoutState): void {
    this.unknownNames.delete(name);
    this.unknownNames.set(name, state);
    if (this.unknownNames.size > 10_000) this.unknownNames.delete(this.unknownNames.keys().next().value!);
  }
}
