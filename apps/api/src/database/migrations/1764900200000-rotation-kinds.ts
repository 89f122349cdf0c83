import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/**
 * Rotation requests get a kind: 'rotate' (every request so far) or 'min-version', which sets the
 * minimum usable key version under the same two-person rule, with the minimum in `min_version`.
 */
export class RotationKinds1764900200000 implements MigrationInterface {
  name = 'RotationKinds1764900200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumns('nf_rotation_request', [
      new TableColumn({ name: 'kind', type: 'varchar', length: '16', default: "'rotate'" }),
      new TableColumn({ name: 'min_version', type: 'integer', isNullable: true }),
    ]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumns('nf_rotation_request', ['min_version', 'kind']);
  }
}
