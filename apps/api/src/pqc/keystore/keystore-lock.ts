import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ADVISORY_LOCK } from '../../database/advisory-locks';
import { KeyedMutex } from '../sessions/keyed-mutex';

/**
 * Serialises every keystore write (creation, rotation, minimum version, bundle renewal): an
 * in-process mutex, and on Postgres an advisory lock so replicas take turns too. SQLite has one
 * process per database file. Not reentrant: a locked section must not take it again.
 */
@Injectable()
export class KeystoreLock {
  private readonly local = new KeyedMutex();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  run<T>(section: () => Promise<T>): Promise<T> {
    return this.local.run('keystore', async () => {
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
    });
  }
}
