import { MigrationInterface, QueryRunner, Table } from 'typeorm';

/**
 * The keystore's record in the database (which keystore this database belongs to, so a missing
 * keystore is never silently replaced), and the database keystore backend: per key version the
 * KEK-sealed seeds and signed bundles, and one manifest row (states, minimum version, MAC, revision).
 */
export class Keystore1764900100000 implements MigrationInterface {
  name = 'Keystore1764900100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'nf_keystore',
        columns: [
          { name: 'slot', type: 'integer', isPrimary: true },
          { name: 'backend', type: 'varchar', length: '16' },
          { name: 'location', type: 'varchar', length: '1024' },
          { name: 'identity_version', type: 'integer' },
          { name: 'identity_sha256', type: 'varchar', length: '64' },
          { name: 'created_at', type: 'bigint' },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'nf_keystore_version',
        columns: [
          { name: 'version', type: 'integer', isPrimary: true },
          { name: 'created_at', type: 'varchar', length: '32' },
          { name: 'sealed_seeds', type: 'text' },
          { name: 'bundles', type: 'text' },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'nf_keystore_manifest',
        columns: [
          { name: 'slot', type: 'integer', isPrimary: true },
          { name: 'format', type: 'varchar', length: '32' },
          { name: 'versions', type: 'text' },
          { name: 'min_version', type: 'integer' },
          { name: 'mac', type: 'varchar', length: '64' },
          { name: 'revision', type: 'integer' },
          { name: 'updated_at', type: 'bigint' },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('nf_keystore_manifest');
    await queryRunner.dropTable('nf_keystore_version');
    await queryRunner.dropTable('nf_keystore');
  }
}
