import { DataSource, QueryFailedError } from 'typeorm';
import { PqcReplayEntity, PqcSessionEntity } from './session.entities';

/** The parts of better-sqlite3 used here (typed here: the driver is loaded by TypeORM, not imported). */
interface SqliteStatement {
  run(...params: unknown[]): unknown;
}
interface SqliteConnection {
  prepare(sql: string): SqliteStatement;
  transaction<A extends unknown[]>(work: (...args: A) => void): (...args: A) => void;
}

interface PendingInsert {
  sql: string;
  params: unknown[];
  resolve(): void;
  reject(error: Error): void;
}

/** A constraint violation rolls back only its own statement; any other error may end the transaction. */
function isConstraintViolation(error: unknown): boolean {
  return String((error as { code?: unknown }).code ?? '').startsWith('SQLITE_CONSTRAINT');
}

export type SessionRow = Pick<
  PqcSessionEntity,
  'id' | 'apiKeyId' | 'keyVersion' | 'suite' | 'transcriptSha256' | 'sealedState' | 'revision' | 'createdAt' | 'expiresAt'
>;

const REPLAY_COLUMNS = ['replayKey', 'expiresAt'] as const satisfies readonly (keyof PqcReplayEntity)[];
const SESSION_COLUMNS = [
  'id',
  'apiKeyId',
  'keyVersion',
  'suite',
  'transcriptSha256',
  'sealedState',
  'revision',
  'createdAt',
  'expiresAt',
] as const satisfies readonly (keyof SessionRow)[];

/**
 * The two inserts every handshake makes (its replay key before any KEM work, its session after), as
 * plain parameterised statements instead of Repository.insert. TypeORM's query builder rebuilt and
 * re-escaped the same SQL on every call, which cost the event loop more than SQLite's own work. Table
 * and column names come from the entity metadata (with the schema on PostgreSQL); failures are
 * QueryFailedError as before, so isUniqueViolation still applies.
 *
 * On SQLite the statements are prepared once and run on the driver's connection, the one TypeORM
 * uses, with group commit: the inserts asked for during one turn of the event loop are written in one
 * transaction, so concurrent handshakes share one WAL commit (and dirty far fewer pages, so the WAL
 * needs checkpointing less often; a checkpoint syncs files on the event loop). Each caller still
 * learns of its own row only once it is committed. A row that violates a constraint fails alone
 * (SQLite rolls back just that statement); any other error fails every row of the batch.
 */
export class HandshakeRows {
  private readonly insertReplaySql: string;
  private readonly insertSessionSql: string;
  private readonly statements = new Map<string, SqliteStatement>();
  private pending: PendingInsert[] = [];
  private writeBatch?: (batch: PendingInsert[], refused: Map<PendingInsert, Error>) => void;

  constructor(private readonly dataSource: DataSource) {
    this.insertReplaySql = this.insertSql(PqcReplayEntity, REPLAY_COLUMNS);
    this.insertSessionSql = this.insertSql(PqcSessionEntity, SESSION_COLUMNS);
  }

  insertReplay(row: Pick<PqcReplayEntity, 'replayKey' | 'expiresAt'>): Promise<void> {
    return this.run(this.insertReplaySql, REPLAY_COLUMNS.map((column) => row[column]));
  }

  insertSession(row: SessionRow): Promise<void> {
    return this.run(this.insertSessionSql, SESSION_COLUMNS.map((column) => row[column]));
  }

  private get sqlite(): boolean {
    return this.dataSource.options.type === 'better-sqlite3';
  }

  private insertSql(entity: new () => object, properties: readonly string[]): string {
    const metadata = this.dataSource.getMetadata(entity);
    const escape = (name: string) => this.dataSource.driver.escape(name);
    const table = metadata.tablePath.split('.').map(escape).join('.');
    const columns = properties.map((property) => {
      const column = metadata.findColumnWithPropertyName(property);
      if (!column) throw new Error(`${metadata.name} has no column for ${property}`);
      return escape(column.databaseName);
    });
    const placeholders = properties.map((_, i) => (this.sqlite ? '?' : `$${i + 1}`));
    return `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${placeholders.join(', ')})`;
  }

  private async run(sql: string, params: unknown[]): Promise<void> {
    if (!this.sqlite) {
      await this.dataSource.query(sql, params);
      return;
    }
    await new Promise<void>((resolve, reject) => {
      if (this.pending.push({ sql, params, resolve, reject }) === 1) setImmediate(() => this.commitPending());
    });
  }

  private get connection(): SqliteConnection {
    return (this.dataSource.driver as unknown as { databaseConnection: SqliteConnection }).databaseConnection;
  }

  private statement(sql: string): SqliteStatement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.connection.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  private commitPending(): void {
    const batch = this.pending;
    this.pending = [];
    const refused = new Map<PendingInsert, Error>();
    try {
      // Inside a transaction TypeORM has open on this connection, better-sqlite3 uses a savepoint:
      // the rows then commit or roll back with it, as Repository.insert's would have.
      this.writeBatch ??= this.connection.transaction((inserts: PendingInsert[], failed: Map<PendingInsert, Error>) => {
        for (const insert of inserts) {
          try {
            this.statement(insert.sql).run(...insert.params);
          } catch (error) {
            if (!isConstraintViolation(error)) throw error;
            failed.set(insert, new QueryFailedError(insert.sql, insert.params, error as Error));
          }
        }
      });
      this.writeBatch(batch, refused);
    } catch (error) {
      for (const insert of batch) insert.reject(new QueryFailedError(insert.sql, insert.params, error as Error));
      return;
    }
    for (const insert of batch) {
      const error = refused.get(insert);
      if (error) insert.reject(error);
      else insert.resolve();
    }
  }
}
