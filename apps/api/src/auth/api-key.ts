import { createHash, randomBytes } from 'node:crypto';

const KEY_PATTERN = /^nf_[A-Za-z0-9_-]{43}$/;
/** "nf_" and six characters: enough to tell keys apart in a list, far too little to guess from. */
const DISPLAY_PREFIX_LENGTH = 9;

export interface NewApiKey {
  readonly key: string;
  readonly sha256: string;
  readonly prefix: string;
}

/** `nf_` + 32 random bytes base64url. High entropy, so a fast hash is the right storage. */
export function generateApiKey(): NewApiKey {
  const key = `nf_${randomBytes(32).toString('base64url')}`;
  return { key, sha256: apiKeyHash(key), prefix: key.slice(0, DISPLAY_PREFIX_LENGTH) };
}

export function apiKeyHash(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export type BearerParse = { kind: 'absent' } | { kind: 'malformed' } | { kind: 'key'; key: string };

/** Reads `Authorization: Bearer nf_...`; anything else that is present is malformed. */
export function parseBearer(header: string | string[] | undefined): BearerParse {
  if (header === undefined) return { kind: 'absent' };
  if (typeof header !== 'string') return { kind: 'malformed' };
  const match = /^Bearer +(\S+)\s*$/i.exec(header);
  if (!match || !KEY_PATTERN.test(match[1])) return { kind: 'malformed' };
  return { kind: 'key', key: match[1] };
}
