import { DataSourceOptions } from 'typeorm';
import { Settings } from '../env/env.schema';
import { MIGRATIONS } from './migrations';

/**
 * One definition of the connection for the app, the migration CLI and the tests.
 * SQLite (better-sqlite3) is the embedded default; Postgres when replicas share state.
 */
export function dataSourceOptions(database: Settings['database'], extra: { schema?: string } = {}): DataSourceOptions {
  const common = { migrations: MIGRATIONS, migrationsRun: false, synchronize: false, logging: false } as const;
  if (database.type === 'sqlite') {
    return {
      ...common,
      type: 'better-sqlite3',
      database: database.path,
      // WAL lets readers proceed during writes; synchronous=NORMAL is WAL's recommended pairing
      // (durable across crashes of the process, may drop the last commits on power loss, never
      // corrupts); the busy timeout rides out short write locks.
      // secure_delete overwrites deleted content with zeros, so purged session keys do not linger in
      // free pages (eraseDeleted() then clears the WAL, which still holds older page images).
      prepareDatabase: (db: { pragma(s: string): unknown }) => {
        db.pragma('secure_delete = ON');
        db.pragma('journal_mode = WAL');
        db.pragma('synchronous = NORMAL');
        db.pragma('busy_timeout = 5000');
        db.pragma('foreign_keys = ON');
      },
    };
  }
  return { ...common, type: 'postgres', url: database.url, schema: extra.schema, extra: { max: 10 } };
}
