import { MigrationInterface, QueryRunner, Table } from 'typeorm';

/** Admin accounts and their dashboard sessions; tenants and their API keys. */
export class Auth1764374400000 implements MigrationInterface {
  name = 'Auth1764374400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'nf_admin_account',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'name', type: 'varchar', length: '64' },
          { name: 'role', type: 'varchar', length: '16' },
          { name: 'password_hash', type: 'varchar', length: '255' },
          { name: 'must_change_password', type: 'boolean' },
          { name: 'failed_logins', type: 'integer', default: 0 },
          { name: 'locked_until', type: 'bigint', default: 0 },
          { name: 'created_at', type: 'bigint' },
          { name: 'password_changed_at', type: 'bigint' },
        ],
        indices: [{ columnNames: ['name'], isUnique: true }],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'nf_admin_session',
        columns: [
          { name: 'id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'admin_id', type: 'varchar', length: '36' },
          { name: 'created_at', type: 'bigint' },
          { name: 'last_seen_at', type: 'bigint' },
          { name: 'expires_at', type: 'bigint' },
        ],
        indices: [{ columnNames: ['admin_id'] }, { columnNames: ['expires_at'] }],
        foreignKeys: [{ columnNames: ['admin_id'], referencedTableName: 'nf_admin_account', referencedColumnNames: ['id'], onDelete: 'CASCADE' }],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'nf_tenant',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'name', type: 'varchar', length: '64' },
          { name: 'created_at', type: 'bigint' },
        ],
        indices: [{ columnNames: ['name'], isUnique: true }],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'nf_api_key',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'tenant_id', type: 'varchar', length: '36' },
          { name: 'prefix', type: 'varchar', length: '16' },
          { name: 'key_sha256', type: 'varchar', length: '64' },
          { name: 'created_at', type: 'bigint' },
          { name: 'revoked_at', type: 'bigint', isNullable: true },
        ],
        indices: [{ columnNames: ['tenant_id'] }, { columnNames: ['key_sha256'], isUnique: true }],
        foreignKeys: [{ columnNames: ['tenant_id'], referencedTableName: 'nf_tenant', referencedColumnNames: ['id'], onDelete: 'CASCADE' }],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('nf_api_key');
    await queryRunner.dropTable('nf_tenant');
    await queryRunner.dropTable('nf_admin_session');
    await queryRunner.dropTable('nf_admin_account');
  }
}
