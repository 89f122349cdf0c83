import { MigrationInterface, QueryRunner, Table, TableColumnOptions } from 'typeorm';

const count = (name: string): TableColumnOptions => ({ name, type: 'integer' });
const total = (name: string): TableColumnOptions => ({ name, type: 'bigint' });

/**
 * Per-tenant inference aggregates per time bucket (apps/api/src/policy/telemetry.entity.ts; policy P1).
 * The primary key (bucket_start, tenant_pseudonym, model) is the only index: its leading column
 * serves the retention purge (bucket_start < cutoff).
 */
export class Telemetry1764460800000 implements MigrationInterface {
  name = 'Telemetry1764460800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'nf_telemetry_aggregate',
        columns: [
          { name: 'bucket_start', type: 'bigint', isPrimary: true },
          { name: 'tenant_pseudonym', type: 'varchar', length: '32', isPrimary: true },
          { name: 'model', type: 'varchar', length: '64', isPrimary: true },
          ...['requests', 'errors', 'contributors'].map(count),
          ...[5, 25, 100, 250, 1000, 2500, 10000].map((ms) => count(`latency_le_${ms}ms`)),
          ...['latency_us_sum', 'received_bytes', 'sent_bytes'].map(total),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('nf_telemetry_aggregate');
  }
}
