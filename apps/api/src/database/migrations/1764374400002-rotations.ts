import { MigrationInterface, QueryRunner, Table } from 'typeorm';

export class Rotations1764374400002 implements MigrationInterface {
  name = 'Rotations1764374400002';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'nf_rotation_request',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'requester_id', type: 'varchar', length: '36' },
          { name: 'requester_name', type: 'varchar', length: '128' },
          { name: 'reason', type: 'text' },
          { name: 'target_key_version', type: 'integer' },
          { name: 'grace_seconds', type: 'integer' },
          { name: 'request_hash', type: 'varchar', length: '64' },
          { name: 'approvals_required', type: 'integer' },
          { name: 'created_at', type: 'bigint' },
          { name: 'expires_at', type: 'bigint' },
          { name: 'decided_at', type: 'bigint', isNullable: true },
          { name: 'lease_until', type: 'bigint', isNullable: true },
          { name: 'executed_at', type: 'bigint', isNullable: true },
          { name: 'key_version_after', type: 'integer', isNullable: true },
          { name: 'error', type: 'text', isNullable: true },
        ],
        indices: [{ columnNames: ['status'] }],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'nf_rotation_vote',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'request_id', type: 'varchar', length: '36' },
          { name: 'admin_id', type: 'varchar', length: '36' },
          { name: 'admin_name', type: 'varchar', length: '128' },
          { name: 'decision', type: 'varchar', length: '8' },
          { name: 'request_hash', type: 'varchar', length: '64' },
          { name: 'created_at', type: 'bigint' },
        ],
        indices: [{ columnNames: ['request_id'] }],
        // One vote per admin on each version of a request (amending it re-opens voting).
        uniques: [{ columnNames: ['request_id', 'admin_id', 'request_hash'] }],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('nf_rotation_vote');
    await queryRunner.dropTable('nf_rotation_request');
  }
}
