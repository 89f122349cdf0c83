import { DataSource, QueryFailedError } from 'typeorm';
import { PqcReplayEntity, PqcSessionEntity } from './session.entities';

/** A statement of better-sqlite3 (typed here: the driver is loaded by TypeORM, not imported). */
interface SqliteStatement {
  run(...params: unknown[]): unknown;
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
 * re-escaped the same SQL on every call, which cost the event loop more than SQLite's own work; on
 * SQLite the statements are prepared once and run on the driver's connection, the one TypeORM uses,
 * so they behave as its inserts did. Table and column names come from the entity metadata (with the
 * schema on PostgreSQL); failures are QueryFailedError as before, so isUniqueViolation still applies.
 */
export class HandshakeRows {
  private readonly insertReplaySql: string;
  private readonly insertSessionSql: string;
  private readonly statements = new Map<string, SqliteStatement>();

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
    try {
      let statement = this.statements.get(sql);
      if (!statement) {
        const connection = (this.dataSource.driver as unknown as { databaseConnection: { prepare(sql: string): SqliteStatement } }).databaseConnection;
        statement = connection.prepare(sql);
        this.statements.set(sql, statement);
      }
      statement.run(...params);
    } catch (error) {
      throw new QueryFailedError(sql, params, error as Error);
    }
  }
}
