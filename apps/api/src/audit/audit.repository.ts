import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, QueryFailedError } from 'typeorm';
import { ADVISORY_LOCK } from '../database/advisory-locks';
import { isUniqueViolation } from '../database/columns';
import { AuditEntryEntity } from './audit.entity';
import { GENESIS_HASH } from './audit.hash';

/** The chain head an append builds on: the last entry's seq and hash (0 and 64 zeros when empty). */
export interface ChainHead {
  seq: number;
  hash: string;
}

export interface AuditQuery {
  action?: string;
  actorId?: string;
  since?: number;
  until?: number;
  beforeSeq?: number;
  limit: number;
}

const MAX_ATTEMPTS = 5;

/**
 * nf_audit through TypeORM. Appends are serialised so that seq stays gapless and prev_hash always
 * names the entry before:
 * - in this process, by a queue: on SQLite TypeORM shares one connection, and overlapping
 *   transactions on it would nest as savepoints instead of excluding each other;
 * - across replicas on Postgres, by pg_advisory_xact_lock taken first in the transaction that
 *   reads the head and inserts (released by its commit or rollback);
 * - on SQLite, by the database's single writer; a second process on the same file that loses a
 *   race gets SQLITE_BUSY or a seq conflict and the append is retried.
 * The seq primary key is the last line of defence: two entries can never share a seq.
 */
@Injectable()
export class AuditRepository {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly dataSource: DataSource) {}

  /** Builds the next entry from the head under the append lock (build must be synchronous) and inserts it. */
  append(build: (head: ChainHead) => AuditEntryEntity): Promise<AuditEntryEntity> {
    const run = this.tail.then(() => this.appendWithRetry(build));
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Newest first. */
  list(query: AuditQuery): Promise<AuditEntryEntity[]> {
    const qb = this.dataSource.getRepository(AuditEntryEntity).createQueryBuilder('a');
    if (query.action !== undefined) qb.andWhere('a.action = :action', { action: query.action });
    if (query.actorId !== undefined) qb.andWhere('a.actor_id = :actorId', { actorId: query.actorId });
    if (query.since !== undefined) qb.andWhere('a.at >= :since', { since: query.since });
    if (query.until !== undefined) qb.andWhere('a.at <= :until', { until: query.until });
    if (query.beforeSeq !== undefined) qb.andWhere('a.seq < :beforeSeq', { beforeSeq: query.beforeSeq });
    return qb.orderBy('a.seq', 'DESC').limit(query.limit).getMany();
  }

  /** Up to `size` entries after `afterSeq`, oldest first: the page walk of verification. */
  pageAfter(afterSeq: number, size: number): Promise<AuditEntryEntity[]> {
    return this.dataSource
      .getRepository(AuditEntryEntity)
      .createQueryBuilder('a')
      .where('a.seq > :afterSeq', { afterSeq })
      .orderBy('a.seq', 'ASC')
      .limit(size)
      .getMany();
  }

  count(): Promise<number> {
    return this.dataSource.getRepository(AuditEntryEntity).count();
  }

  private async appendWithRetry(build: (head: ChainHead) => AuditEntryEntity): Promise<AuditEntryEntity> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.dataSource.transaction((manager) => this.appendInTransaction(manager, build));
      } catch (error) {
        if (attempt >= MAX_ATTEMPTS || !isRetryable(error)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 5 * attempt + Math.random() * 10));
      }
    }
  }

  private async appendInTransaction(manager: EntityManager, build: (head: ChainHead) => AuditEntryEntity): Promise<AuditEntryEntity> {
    if (this.dataSource.options.type === 'postgres') {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [ADVISORY_LOCK.auditAppend]);
    }
    const last = await manager
      .getRepository(AuditEntryEntity)
      .createQueryBuilder('a')
      .select(['a.seq', 'a.hash'])
      .orderBy('a.seq', 'DESC')
      .limit(1)
      .getOne();
    const entry = build(last ? { seq: last.seq, hash: last.hash } : { seq: 0, hash: GENESIS_HASH });
    await manager.getRepository(AuditEntryEntity).insert(entry);
    return entry;
  }
}

/** Lost a race the locks cannot prevent (a second process on one SQLite file): read the head again. */
function isRetryable(error: unknown): boolean {
  const code = String((error as QueryFailedError & { driverError?: { code?: string } }).driverError?.code ?? '');
  return isUniqueViolation(error) || (error instanceof QueryFailedError && code.startsWith('SQLITE_BUSY'));
}
