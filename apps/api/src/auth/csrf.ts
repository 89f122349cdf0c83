import { createHash, timingSafeEqual } from 'node:crypto';

export const CSRF_HEADER = 'x-csrf-token';

/** Methods that change state need the CSRF header; reads do not. */
export function csrfRequired(method: string): boolean {
  return !['GET', 'HEAD', 'OPTIONS'].includes(method.toUpperCase());
}

/**
 * The session's CSRF token, derived from the session token: never stored, so a database reader
 * (who only sees the token's SHA-256) cannot derive it either.
 */
export function csrfTokenFor(sessionToken: string): string {
  return createHash('sha256').update(`nf-csrf:${sessionToken}`).digest('base64url');
}

export function csrfValid(sessionToken: string, header: string | string[] | undefined): boolean {
  if (typeof header !== 'string') return false;
  const expected = Buffer.from(csrfTokenFor(sessionToken));
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
