import { createHash, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, Repository } from 'typeorm';
import { InjectSettings } from '../env/env.module';
import { Settings } from '../env/env.schema';
import { Clock } from '../lifecycle/clock';
import { AdminAccountEntity, AdminSessionEntity } from './auth.entities';
import { csrfTokenFor } from './csrf';

export const SESSION_COOKIE = 'nf_session';

export interface ResolvedSession {
  /** Row id: SHA-256 of the token. */
  id: string;
  account: AdminAccountEntity;
  csrfToken: string;
  /** Whichever comes first: idle or absolute expiry. */
  expiresAt: number;
}

const sessionId = (token: string) => createHash('sha256').update(token).digest('hex');

/** Server-side dashboard sessions with idle and absolute expiry; the database sees only token hashes. */
@Injectable()
export class AdminSessionsService {
  constructor(
    @InjectSettings() private readonly settings: Settings,
    @InjectRepository(AdminSessionEntity) private readonly sessions: Repository<AdminSessionEntity>,
    @InjectRepository(AdminAccountEntity) private readonly accounts: Repository<AdminAccountEntity>,
    private readonly clock: Clock,
  ) {}

  async create(adminId: string): Promise<{ token: string; csrfToken: string; expiresAt: number }> {
    const now = this.clock.now();
    await this.purgeExpired(now);
    const token = randomBytes(32).toString('base64url');
    const expiresAt = now + this.settings.auth.sessionMaxMs;
    await this.sessions.insert({ id: sessionId(token), adminId, createdAt: now, lastSeenAt: now, expiresAt });
    return { token, csrfToken: csrfTokenFor(token), expiresAt: Math.min(expiresAt, now + this.settings.auth.sessionIdleMs) };
  }

  /** The live session for a cookie token, its idle clock advanced; undefined when unknown or expired. */
  async resolve(token: string): Promise<ResolvedSession | undefined> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
    const id = sessionId(token);
    const session = await this.sessions.findOneBy({ id });
    if (!session) return undefined;
    const now = this.clock.now();
    const { sessionIdleMs } = this.settings.auth;
    if (now >= session.expiresAt || now >= session.lastSeenAt + sessionIdleMs) {
      await this.sessions.delete({ id });
      return undefined;
    }
    const account = await this.accounts.findOneBy({ id: session.adminId });
    if (!account) return undefined;
    // Write the idle clock at most every tenth of the idle timeout, not on every request.
    if (now - session.lastSeenAt >= Math.min(60_000, sessionIdleMs / 10)) {
      await this.sessions.update({ id }, { lastSeenAt: now });
    }
    return { id, account, csrfToken: csrfTokenFor(token), expiresAt: Math.min(session.expiresAt, now + sessionIdleMs) };
  }

  async destroy(id: string): Promise<void> {
    await this.sessions.delete({ id });
  }

  private async purgeExpired(now: number): Promise<void> {
    await this.sessions.delete({ expiresAt: LessThan(now) });
    await this.sessions.delete({ lastSeenAt: LessThan(now - this.settings.auth.sessionIdleMs) });
  }
}
