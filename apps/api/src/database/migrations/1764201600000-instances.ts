import { MigrationInterface, QueryRunner, Table } from 'typeorm';

/** Each process that starts records itself, so admins can compare replicas' env hashes. */
export class Instances1764201600000 implements MigrationInterface {
  name = 'Instances1764201600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'nf_instance',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'version', type: 'varchar', length: '32' },
          { name: 'mode', type: 'varchar', length: '16' },
          { name: 'env_hash', type: 'varchar', length: '64' },
          { name: 'hostname', type: 'varchar', length: '255' },
          { name: 'started_at', type: 'bigint' },
        ],
        indices: [{ columnNames: ['started_at'] }],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('nf_instance');
  }
}
