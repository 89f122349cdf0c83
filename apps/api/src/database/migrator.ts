import { DataSource } from 'typeorm';
import { ADVISORY_LOCK } from './advisory-locks';

/**
 * Applies pending migrations. On Postgres, replicas starting together serialise on an
 * advisory lock so that exactly one of them migrates and the others find nothing to do.
 */
export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  if (dataSource.options.type !== 'postgres') {
    return (await dataSource.runMigrations({ transaction: 'each' })).map((m) => m.name);
  }
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [ADVISORY_LOCK.migrations]);
    return (await dataSource.runMigrations({ transaction: 'each' })).map((m) => m.name);
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [ADVISORY_LOCK.migrations]).catch(() => undefined);
    await runner.release();
  }
}
