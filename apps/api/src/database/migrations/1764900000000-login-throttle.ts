import { MigrationInterface, QueryRunner, Table, TableColumn } from 'typeorm';

/**
 * Login throttling moves off the account row into its own table, keyed by account name (known or
 * not) and by client address, so every replica sees the same counts for both (auth/lockout.ts).
 * The account row's failed_logins and locked_until are no longer read: dropped. Replicas still on
 * the previous version read those columns, so upgrade all replicas together (see docs/auth.md).
 */
export class LoginThrottle1764900000000 implements MigrationInterface {
  name = 'LoginThrottle1764900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'nf_login_throttle',
        columns: [
          { name: 'key', type: 'varchar', length: '100', isPrimary: true },
          { name: 'failures', type: 'integer' },
          { name: 'window_start', type: 'bigint' },
          { name: 'locked_until', type: 'bigint' },
        ],
      }),
    );
    await queryRunner.dropColumns('nf_admin_account', ['failed_logins', 'locked_until']);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumns('nf_admin_account', [
      new TableColumn({ name: 'failed_logins', type: 'integer', default: 0 }),
      new TableColumn({ name: 'locked_until', type: 'bigint', default: 0 }),
    ]);
    await queryRunner.dropTable('nf_login_throttle');
  }
}
