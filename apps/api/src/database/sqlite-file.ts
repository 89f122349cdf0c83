import { accessSync, chmodSync, closeSync, constants, mkdirSync, openSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { DataSource } from 'typeorm';
import { BetterSqlite3ConnectionOptions } from 'typeorm/driver/better-sqlite3/BetterSqlite3ConnectionOptions';

/** The database file could not be opened: names the file, the setting and what the service needs. */
export class SqliteOpenError extends Error {
  override readonly name = 'SqliteOpenError';

  constructor(file: string, what: string, cause: unknown) {
    super(
      `SQLite database ${file} (DATABASE_URL): cannot ${what}: ${(cause as Error).message}. `
        + `The service must be able to create and write files in ${path.dirname(file)}: make it writable, or point DATABASE_URL (and DATA_DIR) elsewhere.`,
    );
    // What to fix is all in the message; a driver stack trace in the start-up log would only bury it.
    this.stack = `${this.name}: ${this.message}`;
  }
}

/**
 * Opens the SQLite database file. Its directory is created 0700 and the file 0600 (SQLite gives its
 * -wal and -shm files the file's mode), so no other user can read sessions or audit entries; an
 * existing file readable by others is tightened. Any failure is one message naming the path and
 * DATABASE_URL rather than a driver stack trace.
 */
export async function openSqlite(options: BetterSqlite3ConnectionOptions): Promise<DataSource> {
  const file = options.database;
  if (file !== ':memory:') {
    const dir = path.dirname(file);
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      accessSync(dir, constants.W_OK);
    } catch (error) {
      throw new SqliteOpenError(file, 'create or write its directory', error);
    }
    try {
      closeSync(openSync(file, 'a', 0o600));
      if (statSync(file).mode & 0o077) chmodSync(file, 0o600);
    } catch (error) {
      throw new SqliteOpenError(file, 'create or open the file', error);
    }
  }
  try {
    return await new DataSource(options).initialize();
  } catch (error) {
    throw new SqliteOpenError(file, 'open it', error);
  }
}

/**
 * Makes rows deleted so far unrecoverable from the database files, where the backend allows it.
 * SQLite (secure_delete is on) zeroes them in the database file, but the WAL still holds page images
 * from before the delete until a checkpoint: TRUNCATE copies them back and empties the WAL file.
 * PostgreSQL keeps deleted tuples until VACUUM reuses their space; nothing here can force that
 * (see docs/architecture.md).
 */
export async function eraseDeleted(dataSource: DataSource): Promise<void> {
  if (dataSource.options.type !== 'better-sqlite3') return;
  const [result] = (await dataSource.query('PRAGMA wal_checkpoint(TRUNCATE)')) as { busy: number }[];
  if (result?.busy) throw new Error('the SQLite WAL could not be checkpointed (a reader held it); deleted rows stay in the WAL until the next one');
}
