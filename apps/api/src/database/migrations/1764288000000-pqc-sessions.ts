import { MigrationInterface, QueryRunner, Table } from 'typeorm';

export class PqcSessions1764288000000 implements MigrationInterface {
  name = 'PqcSessions1764288000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'nf_pqc_session',
        columns: [
          { name: 'id', type: 'varchar', length: '32', isPrimary: true },
          { name: 'key_version', type: 'integer' },
          { name: 'suite', type: 'varchar', length: '32' },
          { name: 'transcript_sha256', type: 'varchar', length: '64' },
          { name: 'sealed_state', type: 'text' },
          { name: 'revision', type: 'integer' },
          { name: 'created_at', type: 'bigint' },
          { name: 'expires_at', type: 'bigint' },
        ],
        indices: [{ columnNames: ['expires_at'] }],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'nf_pqc_replay',
        columns: [
          { name: 'replay_key', type: 'varchar', length: '64', isPrimary: true },
          { name: 'expires_at', type: 'bigint' },
        ],
        indices: [{ columnNames: ['expires_at'] }],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('nf_pqc_replay');
    await queryRunner.dropTable('nf_pqc_session');
  }
}
