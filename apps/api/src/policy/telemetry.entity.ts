import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochMs } from '../database/columns';

/** Upper bounds (ms) of the latency histogram buckets; each column counts requests at or under its bound. */
export const LATENCY_BOUNDS_MS = [5, 25, 100, 250, 1000, 2500, 10000] as const;

/**
 * One tenant's inference aggregate for one model in one time bucket (policy P1): counts only.
 * The tenant is a keyed-hash pseudonym; no user id, request content or raw tenant id has a column.
 * Bigint columns are read back as numbers (epochMs is the bigint-to-number transformer).
 * The primary key leads with bucket_start, so its index also serves the retention purge's range
 * delete: no second index (it would cost a write on every upsert).
 */
@Entity('nf_telemetry_aggregate')
export class TelemetryAggregateEntity {
  /** Epoch ms at which the bucket starts (a multiple of the bucket length). */
  @PrimaryColumn({ name: 'bucket_start', type: 'bigint', transformer: epochMs })
  bucketStart!: number;

  /** HMAC-SHA-256 of the tenant id under TELEMETRY_PSEUDONYM_KEY (hex prefix). */
  @PrimaryColumn({ name: 'tenant_pseudonym', type: 'varchar', length: 32 })
  tenantPseudonym!: string;

  /** A model name from the model repository. */
  @PrimaryColumn({ type: 'varchar', length: 64 })
  model!: string;

  @Column({ type: 'integer' })
  requests!: number;

  /** Requests whose outcome was not ok. */
  @Column({ type: 'integer' })
  errors!: number;

  /** Distinct contributors (API clients) seen by one replica in the bucket: a lower bound across replicas. */
  @Column({ type: 'integer' })
  contributors!: number;

  @Column({ name: 'latency_le_5ms', type: 'integer' })
  latencyLe5ms!: number;

  @Column({ name: 'latency_le_25ms', type: 'integer' })
  latencyLe25ms!: number;

  @Column({ name: 'latency_le_100ms', type: 'integer' })
  latencyLe100ms!: number;

  @Column({ name: 'latency_le_250ms', type: 'integer' })
  latencyLe250ms!: number;

  @Column({ name: 'latency_le_1000ms', type: 'integer' })
  latencyLe1000ms!: number;

  @Column({ name: 'latency_le_2500ms', type: 'integer' })
  latencyLe2500ms!: number;

  @Column({ name: 'latency_le_10000ms', type: 'integer' })
  latencyLe10000ms!: number;

  /** Sum of request latencies in microseconds. */
  @Column({ name: 'latency_us_sum', type: 'bigint', transformer: epochMs })
  latencyUsSum!: number;

  @Column({ name: 'received_bytes', type: 'bigint', transformer: epochMs })
  receivedBytes!: number;

  @Column({ name: 'sent_bytes', type: 'bigint', transformer: epochMs })
  sentBytes!: number;
}
