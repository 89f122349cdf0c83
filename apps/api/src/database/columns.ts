import { QueryFailedError, ValueTransformer } from 'typeorm';

/** bigint epoch-millisecond columns as numbers (Postgres returns bigint as a string). */
export const epochMs: ValueTransformer = {
  to: (value?: number | null) => value,
  from: (value: string | number | null) => (value === null ? null : Number(value)),
};

/** A unique or primary-key violation, on SQLite or Postgres. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { driverError?: { code?: string } }).driverError?.code;
  return error instanceof QueryFailedError && (code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY');
}
