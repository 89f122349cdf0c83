import { asBytes, concatBytes, utf8 } from './bytes';
import { PqcProtocolError, assertLength } from './errors';

const BASE64URL = /^[A-Za-z0-9_-]*$/;
const LOWER_HEX = /^(?:[0-9a-f]{2})*$/;

export function toBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

/**
 * Strict: unpadded RFC 4648 §5 alphabet only, and the text must be the canonical encoding of the
 * decoded bytes (so two different strings never map to the same bytes, which keeps signatures
 * and transcript hashes unambiguous).
 */
export function fromBase64Url(text: unknown, field: string, expectedLength?: number): Uint8Array {
  if (typeof text !== 'string' || !BASE64URL.test(text)) {
    throw new PqcProtocolError('bad_encoding', `${field} must be an unpadded base64url string`);
  }
  const bytes = asBytes(Buffer.from(text, 'base64url'));
  if (toBase64Url(bytes) !== text) {
    throw new PqcProtocolError('bad_encoding', `${field} is not canonical base64url`);
  }
  if (expectedLength !== undefined) assertLength(bytes, expectedLength, field);
  return bytes;
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

export function fromHex(text: unknown, field: string, expectedLength?: number): Uint8Array {
  if (typeof text !== 'string' || !LOWER_HEX.test(text)) {
    throw new PqcProtocolError('bad_encoding', `${field} must be lowercase hex`);
  }
  const bytes = asBytes(Buffer.from(text, 'hex'));
  if (expectedLength !== undefined) assertLength(bytes, expectedLength, field);
  return bytes;
}

export function u8(value: number): Uint8Array {
  return Uint8Array.of(value);
}

export function u32be(value: number): Uint8Array {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new RangeError(`u32 out of range: ${value}`);
  }
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value);
  return out;
}

export function u64be(value: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`u64 out of range: ${value}`);
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(value));
  return out;
}

export function readU64be(bytes: Uint8Array, field: string): number {
  assertLength(bytes, 8, field);
  const value = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new PqcProtocolError('bad_encoding', `${field} exceeds 2^53-1`);
  }
  return Number(value);
}

export function readU32be(bytes: Uint8Array, field: string): number {
  assertLength(bytes, 4, field);
  return new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0);
}

export type Field = Uint8Array | string;

/**
 * The one canonical encoding used for everything that is signed, hashed or MACed:
 * each field is u32be(length) || bytes, strings are UTF-8. Length prefixes make the
 * concatenation injective, so no two field lists share an encoding.
 */
export function encodeFields(fields: readonly Field[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const field of fields) {
    const bytes = typeof field === 'string' ? utf8(field) : field;
    parts.push(u32be(bytes.length), bytes);
  }
  return concatBytes(...parts);
}

/** Inverse of encodeFields; exact field count, no trailing bytes. Returned fields are views. */
export function decodeFields(bytes: Uint8Array, count: number, what: string): Uint8Array[] {
  const fields: Uint8Array[] = [];
  let offset = 0;
  for (let i = 0; i < count; i++) {
    if (offset + 4 > bytes.length) throw new PqcProtocolError('bad_encoding', `${what} is truncated`);
    const length = readU32be(bytes.subarray(offset, offset + 4), what);
    offset += 4;
    if (offset + length > bytes.length) throw new PqcProtocolError('bad_encoding', `${what} is truncated`);
    fields.push(bytes.subarray(offset, offset + length));
    offset += length;
  }
  if (offset !== bytes.length) throw new PqcProtocolError('bad_encoding', `${what} has trailing bytes`);
  return fields;
}
