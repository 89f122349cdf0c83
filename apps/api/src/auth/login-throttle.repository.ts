import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { LoginThrottleEntity } from './auth.entities';
import { Reservation, ReserveOutcome, retryAfterMs, ThrottleRule } from './lockout';

/**
 * nf_login_throttle. `reserve` is ONE statement (INSERT ... ON CONFLICT DO UPDATE ... WHERE not
 * locked RETURNING), atomic on SQLite (one connection) and on Postgres (the conflicting row is
 * locked), so however many requests arrive together, on however many replicas, at most
 * `maxFailures` of them pass before the key locks. The SET mirrors afterReservation in lockout.ts.
 */
@Injectable()
export class LoginThrottleRepository {
  private reserveSql?: string;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Counts one attempt against `key` unless it is locked; a refusal says how long the lock lasts. */
  async reserve(key: string, rule: ThrottleRule, now: number): Promise<ReserveOutcome> {
    const lockUntil = now + rule.lockMs;
    const parameters = { key, now, windowCutoff: now - rule.windowMs, max: rule.maxFailures, lockUntil, firstLock: rule.maxFailures <= 1 ? lockUntil : 0 };
    const rows = (await this.run(this.reserveStatement(), parameters)) as { window_start: string | number; locked_until: string | number }[];
    if (rows.length === 1) {
      return { ok: true, reservation: { key, windowStart: Number(rows[0].window_start), lockSet: Number(rows[0].locked_until) } };
    }
    const row = await this.dataSource.getRepository(LoginThrottleEntity).findOneBy({ key });
    return { ok: false, retryAfterMs: retryAfterMs(row?.lockedUntil ?? 0, now) };
  }

  /**
   * Takes a reserved attempt back (its password verified, or the other key refused), and the lock
   * it set if it set one. Nothing happens when the key's window has started again since.
   */
  async release(reservation: Reservation): Promise<void> {
    await this.run(
      `UPDATE ${this.table()} SET failures = failures - 1, locked_until = CASE WHEN locked_until = CAST(:lockSet AS BIGINT) THEN 0 ELSE locked_until END ` +
        `WHERE ${this.q('key')} = :key AND window_start = CAST(:windowStart AS BIGINT) AND failures > 0`,
      { key: reservation.key, windowStart: reservation.windowStart, lockSet: reservation.lockSet === 0 ? -1 : reservation.lockSet },
    );
  }

  /** Forgets a key (a successful sign-in clears its account's count; a password reset lifts its lock). */
  async clear(key: string): Promise<void> {
    await this.dataSource.getRepository(LoginThrottleEntity).delete({ key });
  }

  /**
   * Deletes rows whose window has passed and whose lock has run out (they say nothing a missing row
   * does not). Any replica may run it at any time: it is idempotent and never removes a live row.
   */
  async purgeExpired(now: number, windowMs: number): Promise<number> {
    const result = await this.dataSource
      .createQueryBuilder()
      .delete()
      .from(LoginThrottleEntity)
      .where('locked_until <= :now AND window_start <= :cutoff', { now, cutoff: now - windowMs })
      .execute();
    return result.affected ?? 0;
  }

  private reserveStatement(): string {
    if (this.reserveSql) return this.reserveSql;
    const [key, failures, windowStart, lockedUntil] = ['key', 'failures', 'window_start', 'locked_until'].map((c) => this.q(c));
    const fresh = `(t.${lockedUntil} <> 0 OR t.${windowStart} <= CAST(:windowCutoff AS BIGINT))`;
    const next = `(CASE WHEN ${fresh} THEN 1 ELSE t.${failures} + 1 END)`;
    this.reserveSql =
      `INSERT INTO ${this.table()} AS t (${key}, ${failures}, ${windowStart}, ${lockedUntil}) ` +
      `VALUES (:key, 1, CAST(:now AS BIGINT), CAST(:firstLock AS BIGINT)) ` +
      `ON CONFLICT (${key}) DO UPDATE SET ` +
      `${failures} = ${next}, ` +
      `${windowStart} = CASE WHEN ${fresh} THEN CAST(:now AS BIGINT) ELSE t.${windowStart} END, ` +
      `${lockedUntil} = CASE WHEN ${next} >= :max THEN CAST(:lockUntil AS BIGINT) ELSE 0 END ` +
      `WHERE t.${lockedUntil} <= CAST(:now AS BIGINT) ` +
      `RETURNING ${windowStart}, ${lockedUntil}`;
    return this.reserveSql;
  }

  private table(): string {
    const metadata = this.dataSource.getMetadata(LoginThrottleEntity);
    return metadata.schema ? `${this.q(metadata.schema)}.${this.q(metadata.tableName)}` : this.q(metadata.tableName);
  }

  private q(name: string): string {
    return this.dataSource.driver.escape(name);
  }

  private run(sql: string, parameters: Record<string, unknown>): Promise<unknown> {
    const [query, values] = this.dataSource.driver.escapeQueryWithParameters(sql, parameters, {});
    return this.dataSource.query(query, values);
  }
}
