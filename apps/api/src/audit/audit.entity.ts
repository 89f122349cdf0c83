import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { epochMs } from '../database/columns';

/**
 * One audit entry. Rows are only ever inserted: seq is assigned by AuditRepository.append under a
 * lock (gapless from 1), hash chains each entry to the previous one, signature signs the hash.
 * Persistence only: AuditService hands out AuditEntryView.
 */
@Entity('nf_audit')
export class AuditEntryEntity {
  @PrimaryColumn({ type: 'integer' })
  seq!: number;

  @Index()
  @Column({ type: 'bigint', transformer: epochMs })
  at!: number;

  @Column({ name: 'actor_type', type: 'varchar', length: 16 })
  actorType!: string;

  @Index()
  @Column({ name: 'actor_id', type: 'varchar', length: 255, nullable: true })
  actorId!: string | null;

  @Column({ name: 'actor_name', type: 'varchar', length: 255, nullable: true })
  actorName!: string | null;

  @Index()
  @Column({ type: 'varchar', length: 64 })
  action!: string;

  @Column({ type: 'varchar', length: 255, nullable: true })
  target!: string | null;

  /** Canonical JSON (sorted keys), exactly the text that was hashed. */
  @Column({ type: 'text' })
  details!: string;

  @Column({ name: 'key_version_before', type: 'integer', nullable: true })
  keyVersionBefore!: number | null;

  @Column({ name: 'key_version_after', type: 'integer', nullable: true })
  keyVersionAfter!: number | null;

  @Column({ name: 'prev_hash', type: 'varchar', length: 64 })
  prevHash!: string;

  @Column({ type: 'varchar', length: 64 })
  hash!: string;

  /** base64url ML-DSA-65 signature over the 32 hash bytes. */
  @Column({ type: 'text' })
  signature!: string;

  @Column({ name: 'sig_key_version', type: 'integer' })
  sigKeyVersion!: number;
}
