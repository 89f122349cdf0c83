import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/** A rejection says why (required from now on; older votes have none), shown in the request's history. */
export class RotationVoteReason1764900415000 implements MigrationInterface {
  name = 'RotationVoteReason1764900415000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('nf_rotation_vote', new TableColumn({ name: 'reason', type: 'text', isNullable: true }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('nf_rotation_vote', 'reason');
  }
}
