/**
 * Postgres advisory lock ids, one per purpose, in one place so no two purposes ever share one
 * (a shared id would make unrelated work across replicas wait on each other). Fixed forever:
 * replicas of different versions must agree on them.
 */
export const ADVISORY_LOCK = {
  migrations: 0x4e460001,
  auditAppend: 0x4e460002,
  keystore: 0x4e460003,
  telemetryPurge: 0x4e460005,
} as const;
