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

/** What GET /audit filters on (every one optional). */
export interface AuditMatch {
  action?: string;
  actorId?: string;
  actorName?: string;
  since?: number;
  until?: number;
}

export interface AuditQuery extends AuditMatch {
  beforeSeq?: number;
  afterSeq?: number;
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
 * The seq primary key is the last line of defence: two entries can never share a seq. A caller's
 * own writes can join an append's transaction (appendWith), serialised by the same locks.
 */
@Injectable()
export class AuditRepository {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly dataSource: DataSource) {}

  /** Builds the next entry from the head under the append lock (build must be synchronous) and inserts it. */
  async append(build: (head: ChainHead) => AuditEntryEntity): Promise<AuditEntryEntity> {
    return (await this.appendWith(async () => undefined, build)).entry;
  }

  /**
   * Runs `work` and then appends the entry `build` makes from the head and work's result, in ONE
   * transaction under the append lock: both are stored or neither. An error from work rolls it all
   * back and comes out unchanged (a unique violation in it is the caller's answer, not a lost race).
   * Only SQLITE_BUSY (from any statement) and a seq taken at the insert retry the whole transaction,
   * so work may run again and must do nothing outside `manager`.
   */
  appendWith<T>(work: (manager: EntityManager) => Promise<T>, build: (head: ChainHead, result: T) => AuditEntryEntity): Promise<{ entry: AuditEntryEntity; result: T }> {
    const run = this.tail.then(() => this.appendWithRetry(work, build));
    this.tail = run.catch(() => undefined);
    return run;
  }

  /**
   * Newest first. With afterSeq (and no beforeSeq) the page is the `limit` entries just above it
   * (the next newer page), still returned newest first.
   */
  async list(query: AuditQuery): Promise<AuditEntryEntity[]> {
    const qb = this.matching(query);
    if (query.beforeSeq !== undefined) qb.andWhere('a.seq < :beforeSeq', { beforeSeq: query.beforeSeq });
    if (query.afterSeq !== undefined) qb.andWhere('a.seq > :afterSeq', { afterSeq: query.afterSeq });
    if (query.afterSeq !== undefined && query.beforeSeq === undefined) {
      return (await qb.orderBy('a.seq', 'ASC').limit(query.limit).getMany()).reverse();
    }
    return qb.orderBy('a.seq', 'DESC').limit(query.limit).getMany();
  }

  /** How many entries match, and how many of them have a seq above `aboveSeq`. */
  async counts(match: AuditMatch, aboveSeq?: number): Promise<{ total: number; above: number }> {
    const total = await this.matching(match).getCount();
    const above = aboveSeq === undefined ? 0 : await this.matching(match).andWhere('a.seq > :aboveSeq', { aboveSeq }).getCount();
    return { total, above };
  }

  /** One entry, or null. */
  bySeq(seq: number): Promise<AuditEntryEntity | null> {
    return this.dataSource.getRepository(AuditEntryEntity).findOneBy({ seq });
  }

  /** The actions and actors found in the log, sorted: what the filters can be set to. */
  async facets(): Promise<{ actions: string[]; actors: { type: string; name: string }[] }> {
    const repository = this.dataSource.getRepository(AuditEntryEntity);
    const actions = await repository.createQueryBuilder('a').select('a.action', 'action').distinct(true).orderBy('a.action', 'ASC').getRawMany<{ action: string }>();
    const actors = await repository
      .createQueryBuilder('a')
      .select('a.actor_type', 'type')
      .addSelect('a.actor_name', 'name')
      .distinct(true)
      .where('a.actor_name IS NOT NULL')
      .orderBy('a.actor_name', 'ASC')
      .addOrderBy('a.actor_type', 'ASC')
      .getRawMany<{ type: string; name: string }>();
    return { actions: actions.map((a) => a.action), actors: actors.map(({ type, name }) => ({ type, name })) };
  }

  private matching(match: AuditMatch) {
    const qb = this.dataSource.getRepository(AuditEntryEntity).createQueryBuilder('a');
    if (match.action !== undefined) qb.andWhere('a.action = :action', { action: match.action });
    if (match.actorId !== undefined) qb.andWhere('a.actor_id = :actorId', { actorId: match.actorId });
    if (match.actorName !== undefined) qb.andWhere('a.actor_name = :actorName', { actorName: match.actorName });
    if (match.since !== undefined) qb.andWhere('a.at >= :since', { since: match.since });
    if (match.until !== undefined) qb.andWhere('a.at <= :until', { until: match.until });
    return qb;
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

  private async appendWithRetry<T>(
    work: (manager: EntityManager) => Promise<T>,
    build: (head: ChainHead, result: T) => AuditEntryEntity,
  ): Promise<{ entry: AuditEntryEntity; result: T }> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.dataSource.transaction((manager) => this.appendInTransaction(manager, work, build));
      } catch (error) {
        const cause = error instanceof SeqTaken ? error.cause : error;
        if (attempt >= MAX_ATTEMPTS || !(error instanceof SeqTaken || isBusy(error))) throw cause;
        await new Promise((resolve) => setTimeout(resolve, 5 * attempt + Math.random() * 10));
      }
    }
  }

  private async appendInTransaction<T>(
    manager: EntityManager,
    work: (manager: EntityManager) => Promise<T>,
    build: (head: ChainHead, result: T) => AuditEntryEntity,
  ): Promise<{ entry: AuditEntryEntity; result: T }> {
    if (this.dataSource.options.type === 'postgres') {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [ADVISORY_LOCK.auditAppend]);
    }
    const result = await work(manager);
    const last = await manager
      .getRepository(AuditEntryEntity)
      .createQueryBuilder('a')
      .select(['a.seq', 'a.hash'])
      .orderBy('a.seq', 'DESC')
      .limit(1)
      .getOne();
    const entry = build(last ? { seq: last.seq, hash: last.hash } : { seq: 0, hash: GENESIS_HASH }, result);
    try {
      await manager.getRepository(AuditEntryEntity).insert(entry);
    } catch (error) {
      throw isUniqueViolation(error) ? new SeqTaken(error) : error;
    }
    return { entry, result };
  }
}

/** Another process appended the same seq first (a second process on one SQLite file): read the head again. */
class SeqTaken extends Error {
  constructor(override readonly cause: unknown) {
    super('audit seq taken by a concurrent append');
  }
}

/** The database was locked by another process (SQLite): the whole transaction may run again. */
function isBusy(error: unknown): boolean {
  const code = String((error as QueryFailedError & { driverError?: { code?: string } }).driverError?.code ?? '');
  return error instanceof QueryFailedError && code.startsWith('SQLITE_BUSY');
}
