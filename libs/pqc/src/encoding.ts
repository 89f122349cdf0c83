import { asBytes } from './bytes';
import { PqcProtocolError, assertLength } from './errors';

const BASE64URL = /^[A-Za-z0-9_-]*$/;
const LOWER_HEX = /^(?:[0-9a-f]{2})*$/;
const textEncoder = new TextEncoder();

export function toBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

/** The 6-bit value of a base64url character (the text was checked against BASE64URL first). */
function base64UrlValue(code: number): number {
  if (code >= 0x61) return code - 0x61 + 26; // a-z
  if (code >= 0x41) return code === 0x5f ? 63 : code - 0x41; // A-Z, _
  return code === 0x2d ? 62 : code - 0x30 + 52; // -, 0-9
}

/**
 * Whether unpadded base64url text (alphabet already checked) is the one encoding of the bytes it
 * decodes to: no lone final character, and the bits the last character carries beyond the final
 * byte are zero. The same as decoding and encoding again, without the second encoding.
 */
function isCanonicalBase64Url(text: string): boolean {
  const tail = text.length % 4;
  if (tail === 0) return true;
  if (tail === 1) return false;
  const unusedBits = tail === 2 ? 0x0f : 0x03;
  return (base64UrlValue(text.charCodeAt(text.length - 1)) & unusedBits) === 0;
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
  if (!isCanonicalBase64Url(text)) {
    throw new PqcProtocolError('bad_encoding', `${field} is not canonical base64url`);
  }
  const bytes = asBytes(Buffer.from(text, 'base64url'));
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
  // One allocation for the whole encoding: this runs several times per handshake, on kilobytes.
  const lengths = fields.map((field) => (typeof field === 'string' ? Buffer.byteLength(field, 'utf8') : field.length));
  const out = new Uint8Array(lengths.reduce((sum, length) => sum + 4 + length, 0));
  const view = new DataView(out.buffer);
  let offset = 0;
  fields.forEach((field, i) => {
    const length = lengths[i];
    if (length > 0xffffffff) throw new RangeError(`u32 out of range: ${length}`);
    view.setUint32(offset, length);
    offset += 4;
    if (typeof field !== 'string') out.set(field, offset);
    else if (textEncoder.encodeInto(field, out.subarray(offset, offset + length)).written !== length) throw new Error('UTF-8 length mismatch');
    offset += length;
  });
  return out;
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
