import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ADVISORY_LOCK } from '../../database/advisory-locks';
import { KeyedMutex } from '../sessions/keyed-mutex';

/**
 * Serialises every keystore write (creation, rotation, minimum version, bundle renewal): an
 * in-process mutex, and on Postgres an advisory lock so replicas take turns too. SQLite has one
 * process per database file. Reentrant within one async call chain: a section that needs more than
 * one write (the rotation executor records the outcome before anyone may judge it) holds the lock
 * and calls KeyService.rotate, which takes it again and runs at once.
 */
@Injectable()
export class KeystoreLock {
  private readonly local = new KeyedMutex();
  private readonly held = new AsyncLocalStorage<true>();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  run<T>(section: () => Promise<T>): Promise<T> {
    if (this.held.getStore()) return section();
    return this.local.run('keystore', () => this.held.run(true, () => this.acquired(section)));
  }

  private async acquired<T>(section: () => Promise<T>): Promise<T> {
    if (this.dataSource.options.type !== 'postgres') return section();
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.query('SELECT pg_advisory_lock($1)', [ADVISORY_LOCK.keystore]);
      return await section();
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [ADVISORY_LOCK.keystore]).catch(() => undefined);
      await runner.release();
    }
  }
}
