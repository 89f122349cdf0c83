/**
 * Postgres advisory lock ids, one per purpose, in one place so no two purposes ever share one
 * (a shared id makes unrelated work across replicas wait on each other). Replicas of different
 * versions must agree on an id, so ids are not changed: audit appends moved off the keystore's id
 * once, which is safe because the audit log's primary key (seq) refuses a second entry anyway.
 */
export const ADVISORY_LOCK = {
  migrations: 0x4e460001,
  keystore: 0x4e460002,
  auditAppend: 0x4e460003,
  telemetryPurge: 0x4e460005,
} as const;
