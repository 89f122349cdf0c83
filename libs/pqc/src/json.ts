import { PqcProtocolError } from './errors';

export type JsonObject = Record<string, unknown>;

/**
 * Wire objects are closed: unknown or missing members are errors, so an attacker cannot smuggle
 * fields that one implementation reads and another ignores.
 */
export function expectObject(
  value: unknown,
  what: string,
  required: readonly string[],
  optional: readonly string[] = [],
): JsonObject {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new PqcProtocolError('bad_encoding', `${what} must be a JSON object`);
  }
  const record = value as JsonObject;
  for (const key of Object.keys(record)) {
    if (!required.includes(key) && !optional.includes(key)) {
      throw new PqcProtocolError('bad_encoding', `${what} has unexpected member "${key}"`);
    }
  }
  for (const key of required) {
    if (record[key] === undefined) throw new PqcProtocolError('bad_encoding', `${what} is missing "${key}"`);
  }
  return record;
}

export function expectString(value: unknown, field: string): string {
  if (typeof value !== 'string') throw new PqcProtocolError('bad_encoding', `${field} must be a string`);
  return value;
}

export function expectInteger(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new PqcProtocolError('bad_encoding', `${field} must be an integer in [${min}, ${max}]`);
  }
  return value;
}

export function expectBoolean(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') throw new PqcProtocolError('bad_encoding', `${field} must be a boolean`);
  return value;
}

export function expectVersion(value: unknown, what: string): 1 {
  if (value !== 1) throw new PqcProtocolError('unsupported_version', `${what} version must be 1`);
  return 1;
}
