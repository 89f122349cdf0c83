import { Column, Entity, Index, PrimaryColumn, Unique } from 'typeorm';
import { epochMs } from '../database/columns';

export const ROTATION_STATUSES = ['PENDING', 'APPROVED', 'EXECUTING', 'EXECUTED', 'REJECTED', 'CANCELLED', 'EXPIRED', 'FAILED'] as const;
export type RotationStatus = (typeof ROTATION_STATUSES)[number];
/** What an approved request changes: a new key version, or the minimum usable key version. */
export const ROTATION_KINDS = ['rotate', 'min-version'] as const;
export type RotationKind = (typeof ROTATION_KINDS)[number];

@Entity('nf_rotation_request')
export class RotationRequestEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Index()
  @Column({ type: 'varchar', length: 16 })
  status!: RotationStatus;

  @Column({ name: 'requester_id', type: 'varchar', length: 36 })
  requesterId!: string;

  @Column({ name: 'requester_name', type: 'varchar', length: 128 })
  requesterName!: string;

  @Column({ type: 'varchar', length: 16 })
  kind!: RotationKind;

  @Column({ type: 'text' })
  reason!: string;

  /** 'rotate': the version it creates. 'min-version': the active version when it was requested. */
  @Column({ name: 'target_key_version', type: 'integer' })
  targetKeyVersion!: number;

  /** 'min-version' only: the minimum usable key version it sets. */
  @Column({ name: 'min_version', type: 'integer', nullable: true })
  minVersion!: number | null;

  @Column({ name: 'grace_seconds', type: 'integer' })
  graceSeconds!: number;

  /** SHA-256 of the exact request; votes count only while it is unchanged. */
  @Column({ name: 'request_hash', type: 'varchar', length: 64 })
  requestHash!: string;

  @Column({ name: 'approvals_required', type: 'integer' })
  approvalsRequired!: number;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs })
  createdAt!: number;

  @Column({ name: 'expires_at', type: 'bigint', transformer: epochMs })
  expiresAt!: number;

  @Column({ name: 'decided_at', type: 'bigint', nullable: true, transformer: epochMs })
  decidedAt!: number | null;

  /** While EXECUTING: after this, a replica may assume the executor died and recover. */
  @Column({ name: 'lease_until', type: 'bigint', nullable: true, transformer: epochMs })
  leaseUntil!: number | null;

  @Column({ name: 'executed_at', type: 'bigint', nullable: true, transformer: epochMs })
  executedAt!: number | null;

  @Column({ name: 'key_version_after', type: 'integer', nullable: true })
  keyVersionAfter!: number | null;

  @Column({ type: 'text', nullable: true })
  error!: string | null;
}

@Entity('nf_rotation_vote')
@Unique(['requestId', 'adminId', 'requestHash'])
export class RotationVoteEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Index()
  @Column({ name: 'request_id', type: 'varchar', length: 36 })
  requestId!: string;

  @Column({ name: 'admin_id', type: 'varchar', length: 36 })
  adminId!: string;

  @Column({ name: 'admin_name', type: 'varchar', length: 128 })
  adminName!: string;

  @Column({ type: 'varchar', length: 8 })
  decision!: 'approve' | 'reject';

  /** Why the admin rejected (required for rejections; null for approvals and older rejections). */
  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  /** The request hash this vote was cast on. */
  @Column({ name: 'request_hash', type: 'varchar', length: 64 })
  requestHash!: string;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs })
  createdAt!: number;
}
