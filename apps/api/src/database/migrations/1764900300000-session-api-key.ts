import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/**
 * A PQC session belongs to the API key that made it (null: anonymous simulation traffic), so it
 * cannot be used with another key, without one, or after its key is revoked.
 */
export class SessionApiKey1764900300000 implements MigrationInterface {
  name = 'SessionApiKey1764900300000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('nf_pqc_session', new TableColumn({ name: 'api_key_id', type: 'varchar', length: '36', isNullable: true }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('nf_pqc_session', 'api_key_id');
  }
}
