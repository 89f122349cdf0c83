/** The Cookie header as name -> value (first occurrence wins, values percent-decoded when valid). */
export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if (!name || name in out) continue;
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    try {
      out[name] = decodeURIComponent(value);
    } catch {
      out[name] = value;
    }
  }
  return out;
}

export interface CookieOptions {
  maxAgeSeconds?: number;
  secure: boolean;
}

/**
 * Whether the session cookie gets `Secure`: whenever the request came over https, directly or (with
 * TRUST_PROXY) as X-Forwarded-Proto from a trusted proxy, which is what Fastify's request.protocol
 * says; and always in production, where the dashboard is only ever reached over TLS.
 */
export function secureCookie(protocol: string | undefined, production: boolean): boolean {
  return production || protocol?.toLowerCase() === 'https';
}

/** A session cookie: HttpOnly, SameSite=Strict, Path=/, Secure when asked (secureCookie). Max-Age 0 clears it. */
export function serializeSessionCookie(name: string, value: string, options: CookieOptions): string {
  const parts = [`${name}=${encodeURIComponent(value)}`, 'Path=/', 'HttpOnly', 'SameSite=Strict'];
  if (options.maxAgeSeconds !== undefined) parts.push(`Max-Age=${Math.max(0, Math.floor(options.maxAgeSeconds))}`);
  if (options.secure) parts.push('Secure');
  return parts.join('; ');
}
