import { createHash } from 'node:crypto';

/** prev_hash of the first entry. */
export const GENESIS_HASH = '0'.repeat(64);

/** ML-DSA-65 context string of every audit signature (FIPS 204 ctx, domain separation). */
export const AUDIT_SIGNATURE_CONTEXT = 'neural-fabric/audit/v1';

/** Domain tag that starts every hashed encoding; a new encoding gets a new tag. */
const HASH_DOMAIN = 'nf-audit/v1';

/** Every hashed field of an entry, as stored. */
export interface HashedFields {
  seq: number;
  at: number;
  actorType: string;
  actorId: string | null;
  actorName: string | null;
  action: string;
  target: string | null;
  /** The stored canonical JSON text (canonicalJson of the details object). */
  details: string;
  keyVersionBefore: number | null;
  keyVersionAfter: number | null;
  prevHash: string;
}

/**
 * The entry hash: hex SHA-256 over an unambiguous encoding of every stored field but the hash
 * itself and the signature.
 *
 *   SHA-256( utf8("nf-audit/v1") || 0x00 || F(seq) || F(at) || F(actor_type) || F(actor_id)
 *            || F(actor_name) || F(action) || F(target) || F(details) || F(key_version_before)
 *            || F(key_version_after) || F(prev_hash) )
 *
 *   F(null)  = 0x00
 *   F(value) = 0x01 || uint32 big-endian byte length || bytes
 *
 * where the bytes of a string are its UTF-8, of an integer its shortest decimal ASCII ("42", "-1"),
 * of details the canonical JSON text as stored, of prev_hash its 64 lowercase hex characters.
 * The field count and order are fixed and every value carries its length, so no two different
 * entries encode to the same bytes (no "ab"+"c" vs "a"+"bc", no null vs "" confusion).
 */
export function entryHash(fields: HashedFields): string {
  const parts: Buffer[] = [Buffer.from(HASH_DOMAIN, 'utf8'), Buffer.of(0)];
  const put = (value: string | number | null): void => {
    if (value === null) {
      parts.push(Buffer.of(0));
      return;
    }
    const bytes = Buffer.from(typeof value === 'number' ? integerText(value) : value, 'utf8');
    const header = Buffer.alloc(5);
    header[0] = 1;
    header.writeUInt32BE(bytes.length, 1);
    parts.push(header, bytes);
  };
  put(fields.seq);
  put(fields.at);
  put(fields.actorType);
  put(fields.actorId);
  put(fields.actorName);
  put(fields.action);
  put(fields.target);
  put(fields.details);
  put(fields.keyVersionBefore);
  put(fields.keyVersionAfter);
  put(fields.prevHash);
  return createHash('sha256').update(Buffer.concat(parts)).digest('hex');
}

function integerText(value: number): string {
  if (!Number.isSafeInteger(value)) throw new TypeError(`audit: ${value} is not a safe integer`);
  return String(value);
}

/**
 * JSON with object keys sorted (by UTF-16 code units, Array.prototype.sort's default) at every
 * level and no whitespace, so equal objects always give the same text. Only plain JSON values are
 * accepted: no Dates, Maps, Buffers, class instances, non-finite numbers or bigints. Object
 * properties whose value is undefined are left out, as JSON.stringify does.
 */
export function canonicalJson(value: unknown, path = 'details'): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`audit: ${path} is not a finite number`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    return `[${value.map((item, i) => {
      if (item === undefined) throw new TypeError(`audit: ${path}[${i}] is undefined`);
      return canonicalJson(item, `${path}[${i}]`);
    }).join(',')}]`;
  }
  if (isPlainObject(value)) {
    const keys = Object.keys(value).filter((key) => value[key] !== undefined).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key], `${path}.${key}`)}`).join(',')}}`;
  }
  throw new TypeError(`audit: ${path} is not a JSON value (${value === undefined ? 'undefined' : typeof value})`);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
