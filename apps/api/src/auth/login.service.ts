import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { InjectSettings } from '../env/env.module';
import { Settings } from '../env/env.schema';
import { Clock } from '../lifecycle/clock';
import { AdminAccountsService, adminActor } from './admin-accounts.service';
import { AdminSessionsService } from './admin-sessions.service';
import { AdminAccountEntity } from './auth.entities';
import { badCredentials, TooManyLoginsException } from './auth.errors';
import { AuthMetrics } from './auth.metrics';
import { FailedLoginAuditService } from './failed-login-audit.service';
import { RefusalReason } from './failed-logins';
import { accountKey, addressKey, normaliseAddress, ThrottleRule } from './lockout';
import { LoginThrottleRepository } from './login-throttle.repository';
import { dummyPasswordHash, verifyPassword } from './password';

export interface LoginResult {
  account: AdminAccountEntity;
  token: string;
  csrfToken: string;
  expiresAt: number;
}

/** How often throttle rows whose window and lock have passed are deleted. */
export const THROTTLE_PURGE_INTERVAL_MS = 60_000;

/**
 * Password login with two throttles, both in the database so every replica sees the same counts:
 * per client address and per account name, unknown names exactly like real ones, so neither the
 * answer nor the lock reveals whether an account exists. Each attempt is reserved against both
 * keys in one atomic statement per key BEFORE the password is checked, so concurrent guesses can
 * never get past the limits; the reservation counts as a failure until the password verifies.
 * Refusals are counted for the audit log in memory (FailedLoginAuditService), never signed here.
 */
@Injectable()
export class LoginService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(LoginService.name);
  private readonly accountRule: ThrottleRule;
  private readonly addressRule: ThrottleRule;
  private purgeTimer?: NodeJS.Timeout;

  constructor(
    @InjectSettings() settings: Settings,
    private readonly accounts: AdminAccountsService,
    private readonly sessions: AdminSessionsService,
    private readonly throttle: LoginThrottleRepository,
    private readonly failures: FailedLoginAuditService,
    private readonly audit: AuditService,
    private readonly metrics: AuthMetrics,
    private readonly clock: Clock,
  ) {
    const { lockoutMs } = settings.auth;
    this.accountRule = { maxFailures: settings.auth.loginMaxFailures, windowMs: lockoutMs, lockMs: lockoutMs };
    this.addressRule = { maxFailures: settings.auth.loginIpMaxFailures, windowMs: lockoutMs, lockMs: lockoutMs };
  }

  onApplicationBootstrap(): void {
    this.purgeTimer = setInterval(() => void this.purge(), THROTTLE_PURGE_INTERVAL_MS).unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.purgeTimer);
  }

  async login(name: string, password: string, clientIp: string | undefined): Promise<LoginResult> {
    const now = this.clock.now();
    const address = normaliseAddress(clientIp);
    const account = await this.accounts.byName(name);
    const refuse = (reason: RefusalReason, error: Error, locks: { lockedAccount?: boolean; lockedAddress?: boolean } = {}) => {
      this.metrics.login(reason);
      this.failures.note({ reason, address, accountId: account?.id, at: now, ...locks });
      return error;
    };

    const byAddress = await this.throttle.reserve(addressKey(address), this.addressRule, now);
    if (!byAddress.ok) throw refuse('rate_limited', new TooManyLoginsException('too many failed logins from this address; try again later', byAddress.retryAfterMs));
    const byAccount = await this.throttle.reserve(accountKey(name), this.accountRule, now);
    if (!byAccount.ok) {
      await this.throttle.release(byAddress.reservation); // a locked name does not use up the address's attempts
      throw refuse('locked', new TooManyLoginsException('account temporarily locked after repeated failed logins; try again later', byAccount.retryAfterMs));
    }

    const ok = await verifyPassword(password, account?.passwordHash ?? (await dummyPasswordHash()));
    if (!ok || !account) {
      throw refuse('bad_credentials', badCredentials(), { lockedAccount: byAccount.reservation.lockSet !== 0, lockedAddress: byAddress.reservation.lockSet !== 0 });
    }

    await this.throttle.clear(byAccount.reservation.key);
    await this.throttle.release(byAddress.reservation);
    const session = await this.sessions.create(account.id);
    this.metrics.login('ok');
    await this.audit.record({ actor: adminActor(account), action: 'login_succeeded', target: `admin:${account.id}`, details: { ip: address } });
    return { account, ...session };
  }

  /** Deletes throttle rows that no longer throttle anything; every replica may run it. */
  async purge(): Promise<number> {
    try {
      return await this.throttle.purgeExpired(this.clock.now(), Math.max(this.accountRule.windowMs, this.addressRule.windowMs));
    } catch (error) {
      this.logger.error(`login throttle purge failed: ${(error as Error).message}`);
      return 0;
    }
  }
}
