import { parseCookies, secureCookie, serializeSessionCookie } from './cookies';
import { csrfRequired, csrfTokenFor, csrfValid } from './csrf';

describe('CSRF rule', () => {
  it.each(['POST', 'PUT', 'PATCH', 'DELETE', 'post'])('%s needs the header', (method) => {
    expect(csrfRequired(method)).toBe(true);
  });
  it.each(['GET', 'HEAD', 'OPTIONS'])('%s does not', (method) => {
    expect(csrfRequired(method)).toBe(false);
  });

  it('accepts only the token derived from this session', () => {
    const token = 'a'.repeat(43);
    const csrf = csrfTokenFor(token);
    expect(csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(csrf).not.toContain(token);
    expect(csrfValid(token, csrf)).toBe(true);
    expect(csrfValid('b'.repeat(43), csrf)).toBe(false);
    expect(csrfValid(token, undefined)).toBe(false);
    expect(csrfValid(token, '')).toBe(false);
    expect(csrfValid(token, csrf.slice(1))).toBe(false);
    expect(csrfValid(token, [csrf, csrf])).toBe(false);
  });
});

describe('cookies', () => {
  it('parses the Cookie header (first occurrence wins, quotes and escapes handled)', () => {
    expect(parseCookies('a=1; nf_session=abc; a=2; q="x y"; e=%41%zz; junk')).toEqual({ a: '1', nf_session: 'abc', q: 'x y', e: '%41%zz' });
    expect(parseCookies(undefined)).toEqual({});
  });

  it('serialises an HttpOnly, SameSite=Strict, Path=/ session cookie, Secure only over TLS', () => {
    expect(serializeSessionCookie('nf_session', 'tok', { secure: false })).toBe('nf_session=tok; Path=/; HttpOnly; SameSite=Strict');
    expect(serializeSessionCookie('nf_session', '', { secure: true, maxAgeSeconds: 0 })).toBe('nf_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0; Secure');
  });

  it('is Secure over https (whatever the case of a forwarded scheme) and always in production', () => {
    expect(secureCookie('https', false)).toBe(true);
    expect(secureCookie('HTTPS', false)).toBe(true);
    expect(secureCookie('http', false)).toBe(false);
    expect(secureCookie(undefined, false)).toBe(false);
    expect(secureCookie('http', true)).toBe(true);
  });
});
