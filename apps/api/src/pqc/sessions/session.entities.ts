import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { epochMs } from '../../database/columns';

/** A session any replica can serve: its keys sealed under the KEK, its counters in `state`. */
@Entity('nf_pqc_session')
export class PqcSessionEntity {
  @PrimaryColumn({ type: 'varchar', length: 32 })
  id!: string;

  @Column({ name: 'key_version', type: 'integer' })
  keyVersion!: number;

  @Column({ type: 'varchar', length: 32 })
  suite!: string;

  @Column({ name: 'transcript_sha256', type: 'varchar', length: 64 })
  transcriptSha256!: string;

  /** KEK-sealed PqcSession.exportState(): direction keys, send counter, receive window. */
  @Column({ name: 'sealed_state', type: 'text' })
  sealedState!: string;

  /** The API key that made the session (null: anonymous, simulation only); only it may use the session. */
  @Column({ name: 'api_key_id', type: 'varchar', length: 36, nullable: true })
  apiKeyId!: string | null;

  /** Optimistic concurrency: each update must name the revision it read. */
  @Column({ type: 'integer' })
  revision!: number;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs })
  createdAt!: number;

  @Index()
  @Column({ name: 'expires_at', type: 'bigint', transformer: epochMs })
  expiresAt!: number;
}

/** Client nonces seen inside the freshness window: a second use is a replayed handshake. */
@Entity('nf_pqc_replay')
export class PqcReplayEntity {
  @PrimaryColumn({ name: 'replay_key', type: 'varchar', length: 64 })
  replayKey!: string;

  @Index()
  @Column({ name: 'expires_at', type: 'bigint', transformer: epochMs })
  expiresAt!: number;
}
