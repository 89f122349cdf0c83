import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { epochMs } from '../database/columns';

export type AdminRole = 'admin' | 'viewer';
export const ADMIN_ROLES: readonly AdminRole[] = ['admin', 'viewer'];

/** A dashboard / CLI operator. Approvals compare accounts by `id`, never by name. */
@Entity('nf_admin_account')
export class AdminAccountEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Index({ unique: true })
  @Column({ type: 'varchar', length: 64 })
  name!: string;

  @Column({ type: 'varchar', length: 16 })
  role!: AdminRole;

  /** `scrypt$N$r$p$salt$hash` (see password.ts). */
  @Column({ name: 'password_hash', type: 'varchar', length: 255 })
  passwordHash!: string;

  @Column({ name: 'must_change_password', type: 'boolean' })
  mustChangePassword!: boolean;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs })
  createdAt!: number;

  @Column({ name: 'password_changed_at', type: 'bigint', transformer: epochMs })
  passwordChangedAt!: number;
}

/** A dashboard session; the row's id is the SHA-256 of the cookie token, never the token. */
@Entity('nf_admin_session')
export class AdminSessionEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id!: string;

  @Index()
  @Column({ name: 'admin_id', type: 'varchar', length: 36 })
  adminId!: string;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs })
  createdAt!: number;

  @Column({ name: 'last_seen_at', type: 'bigint', transformer: epochMs })
  lastSeenAt!: number;

  /** Absolute expiry: no activity extends a session past this. */
  @Index()
  @Column({ name: 'expires_at', type: 'bigint', transformer: epochMs })
  expiresAt!: number;
}

/** An API consumer; its keys authenticate inference and handshake calls. */
@Entity('nf_tenant')
export class TenantEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Index({ unique: true })
  @Column({ type: 'varchar', length: 64 })
  name!: string;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs })
  createdAt!: number;
}

@Entity('nf_api_key')
export class ApiKeyEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Index()
  @Column({ name: 'tenant_id', type: 'varchar', length: 36 })
  tenantId!: string;

  /** Non-secret display prefix (`nf_` + 6 characters). */
  @Column({ type: 'varchar', length: 16 })
  prefix!: string;

  @Index({ unique: true })
  @Column({ name: 'key_sha256', type: 'varchar', length: 64 })
  keySha256!: string;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs })
  createdAt!: number;

  @Column({ name: 'revoked_at', type: 'bigint', nullable: true, transformer: epochMs })
  revokedAt!: number | null;
}

/**
 * Login throttling state of one key, `account:<name>` (known or not) or `address:<ip>`, shared by
 * every replica (lockout.ts has the rule, login-throttle.repository.ts the atomic statements). Rows
 * whose window and lock have passed are purged.
 */
@Entity('nf_login_throttle')
export class LoginThrottleEntity {
  @PrimaryColumn({ type: 'varchar', length: 100 })
  key!: string;

  /** Attempts counted in the current window (a reserved attempt counts until its password verifies). */
  @Column({ type: 'integer' })
  failures!: number;

  @Column({ name: 'window_start', type: 'bigint', transformer: epochMs })
  windowStart!: number;

  /** Epoch ms until which attempts are refused; 0 when not locked. */
  @Column({ name: 'locked_until', type: 'bigint', transformer: epochMs })
  lockedUntil!: number;
}
