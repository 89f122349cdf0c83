import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AuditInput, AuditService } from '../audit/audit.service';
import { DrainedFailures, FailedLogin, FailedLoginCell, FailedLoginSummary, FailedLoginTally } from './failed-logins';

/** How often refused sign-ins are written to the audit log. */
export const FAILED_LOGIN_FLUSH_MS = 60_000;
/** (reason, account, address) combinations recorded one entry each per flush; the rest share one entry. */
export const FAILED_LOGIN_TOP = 10;

const actor = { type: 'anonymous' } as const;

/** Audit entries for one drained tally: at most FAILED_LOGIN_TOP + 1. */
export function failedLoginEntries(drained: DrainedFailures): AuditInput[] {
  const entries = drained.top.map((cell: FailedLoginCell): AuditInput => ({
    actor,
    action: 'login_failed',
    ...(cell.accountId ? { target: `admin:${cell.accountId}` } : {}),
    details: {
      reason: cell.reason,
      ip: cell.address,
      accountKnown: Boolean(cell.accountId),
      attempts: cell.attempts,
      firstAt: cell.firstAt,
      lastAt: cell.lastAt,
      accountLocks: cell.accountLocks,
      addressLocks: cell.addressLocks,
    },
  }));
  const rest: FailedLoginSummary | undefined = drained.rest;
  if (rest) entries.push({ actor, action: 'login_failed', details: { summary: true, ...rest } });
  return entries;
}

/**
 * Refused sign-ins reach the audit log aggregated: LoginService only counts them in memory
 * (note(), no await, no signing), and every FAILED_LOGIN_FLUSH_MS this writes at most
 * FAILED_LOGIN_TOP + 1 signed `login_failed` entries, so a flood of guesses costs a handful of
 * appends a minute and never queues in front of an admin's action. What is left is written at
 * shutdown; entries the audit log refuses to take are kept for the next flush.
 */
@Injectable()
export class FailedLoginAuditService implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger(FailedLoginAuditService.name);
  private readonly tally = new FailedLoginTally();
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;

  constructor(private readonly audit: AuditService) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.flush(), FAILED_LOGIN_FLUSH_MS).unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  note(failure: FailedLogin): void {
    this.tally.add(failure);
  }

  /** Refused sign-ins counted and not yet written. */
  get pending(): number {
    return this.tally.attempts;
  }

  /** Writes what has been counted; concurrent calls share one run. */
  flush(): Promise<void> {
    this.flushing ??= this.flushNow().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async flushNow(): Promise<void> {
    const drained = this.tally.drain(FAILED_LOGIN_TOP);
    const entries = failedLoginEntries(drained);
    for (let i = 0; i < entries.length; i++) {
      try {
        await this.audit.record(entries[i]);
      } catch (error) {
        this.logger.error(`could not record refused sign-ins (kept for the next flush): ${(error as Error).message}`);
        this.tally.restore({ top: drained.top.slice(i), rest: drained.rest });
        return;
      }
    }
  }
}
