import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochMs } from '../database/columns';

@Entity('nf_instance')
export class InstanceEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ type: 'varchar', length: 32 })
  version!: string;

  @Column({ type: 'varchar', length: 16 })
  mode!: string;

  @Column({ name: 'env_hash', type: 'varchar', length: 64 })
  envHash!: string;

  @Column({ type: 'varchar', length: 255 })
  hostname!: string;

  @Column({ name: 'started_at', type: 'bigint', transformer: epochMs })
  startedAt!: number;
}
