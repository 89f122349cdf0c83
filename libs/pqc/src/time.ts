import { PqcProtocolError } from './errors';

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export type Instant = number | Date;

export function toMillis(instant: Instant): number {
  const ms = typeof instant === 'number' ? instant : instant.getTime();
  if (!Number.isSafeInteger(ms) || ms < 0) throw new RangeError('instant must be a non-negative integer of milliseconds');
  return ms;
}

export function formatInstant(instant: Instant): string {
  return new Date(toMillis(instant)).toISOString();
}

/** Only the exact Date#toISOString form (UTC, millisecond precision) is accepted: one instant, one string. */
export function parseInstant(text: unknown, field: string): number {
  if (typeof text !== 'string' || !ISO_INSTANT.test(text)) {
    throw new PqcProtocolError('bad_encoding', `${field} must be an ISO-8601 UTC instant like 2025-01-31T12:00:00.000Z`);
  }
  const ms = Date.parse(text);
  if (!Number.isFinite(ms) || new Date(ms).toISOString() !== text) {
    throw new PqcProtocolError('bad_encoding', `${field} is not a valid calendar instant`);
  }
  return ms;
}
