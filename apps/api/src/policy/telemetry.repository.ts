import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ADVISORY_LOCK } from '../database/advisory-locks';
import { TelemetryAggregateEntity } from './telemetry.entity';


/**
 * nf_telemetry_aggregate. Adding is one upsert per row (counts add up; contributors keep the larger
 * count, a lower bound when several replicas saw the same bucket), atomic on its own, so no
 * transaction is held and a failed flush leaves earlier rows stored and later ones pending.
 */
@Injectable()
export class TelemetryRepository {
  private upsertSql?: string;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async add(row: TelemetryAggregateEntity): Promise<void> {
    const columns = this.dataSource.getMetadata(TelemetryAggregateEntity).columns;
    const parameters = Object.fromEntries(columns.map((c) => [c.propertyName, c.getEntityValue(row, true)]));
    const [sql, values] = this.dataSource.driver.escapeQueryWithParameters(this.upsert(), parameters, {});
    await this.dataSource.query(sql, values);
  }

  /**
   * Deletes aggregates of buckets that started before `cutoff`; undefined when another replica is
   * purging. On Postgres the replicas take turns on a transaction-scoped advisory lock (released by
   * the commit). On SQLite one process owns the database file and the DELETE is atomic on its own,
   * so there is no lock to take.
   */
  async purgeBefore(cutoff: number): Promise<number | undefined> {
    const remove = async (manager: EntityManager) => {
      const result = await manager.createQueryBuilder().delete().from(TelemetryAggregateEntity).where('bucket_start < :cutoff', { cutoff }).execute();
      return result.affected ?? 0;
    };
    if (this.dataSource.options.type !== 'postgres') return remove(this.dataSource.manager);
    return this.dataSource.transaction(async (manager) => {
      const [{ locked }] = (await manager.query('SELECT pg_try_advisory_xact_lock($1) AS locked', [ADVISORY_LOCK.telemetryPurge])) as { locked: boolean }[];
      return locked ? remove(manager) : undefined;
    });
  }

  /** The columns the table has in the database (not what the entity declares): P1 checks them. */
  async storedColumns(): Promise<string[]> {
    const runner = this.dataSource.createQueryRunner();
    try {
      const table = await runner.getTable(this.dataSource.getMetadata(TelemetryAggregateEntity).tablePath);
      return table?.columns.map((c) => c.name) ?? [];
    } finally {
      await runner.release();
    }
  }

  private upsert(): string {
    if (this.upsertSql) return this.upsertSql;
    const metadata = this.dataSource.getMetadata(TelemetryAggregateEntity);
    const q = (name: string) => this.dataSource.driver.escape(name);
    const table = metadata.schema ? `${q(metadata.schema)}.${q(metadata.tableName)}` : q(metadata.tableName);
    const greatest = this.dataSource.options.type === 'postgres' ? 'GREATEST' : 'MAX';
    const names = metadata.columns.map((c) => q(c.databaseName));
    const updates = metadata.columns
      .filter((c) => !c.isPrimary)
      .map((c) => q(c.databaseName))
      .map((n) => (n === q('contributors') ? `${n} = ${greatest}(t.${n}, excluded.${n})` : `${n} = t.${n} + excluded.${n}`));
    this.upsertSql =
      `INSERT INTO ${table} AS t (${names.join(', ')}) VALUES (${metadata.columns.map((c) => `:${c.propertyName}`).join(', ')}) ` +
      `ON CONFLICT (${metadata.primaryColumns.map((c) => q(c.databaseName)).join(', ')}) DO UPDATE SET ${updates.join(', ')}`;
    return this.upsertSql;
  }
}
