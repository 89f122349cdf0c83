import { MigrationInterface, QueryRunner, Table } from 'typeorm';

/** The append-only, hash-chained, signed audit log (see apps/api/src/audit/audit.hash.ts). */
export class Audit1764374400001 implements MigrationInterface {
  name = 'Audit1764374400001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'nf_audit',
        columns: [
          // Assigned by the application under a lock, not by a sequence: sequences leave gaps.
          { name: 'seq', type: 'integer', isPrimary: true },
          { name: 'at', type: 'bigint' },
          { name: 'actor_type', type: 'varchar', length: '16' },
          { name: 'actor_id', type: 'varchar', length: '255', isNullable: true },
          { name: 'actor_name', type: 'varchar', length: '255', isNullable: true },
          { name: 'action', type: 'varchar', length: '64' },
          { name: 'target', type: 'varchar', length: '255', isNullable: true },
          { name: 'details', type: 'text' },
          { name: 'key_version_before', type: 'integer', isNullable: true },
          { name: 'key_version_after', type: 'integer', isNullable: true },
          { name: 'prev_hash', type: 'varchar', length: '64' },
          { name: 'hash', type: 'varchar', length: '64' },
          { name: 'signature', type: 'text' },
          { name: 'sig_key_version', type: 'integer' },
        ],
        indices: [{ columnNames: ['at'] }, { columnNames: ['action'] }, { columnNames: ['actor_id'] }],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('nf_audit');
  }
}
