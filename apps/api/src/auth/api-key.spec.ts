import { apiKeyHash, generateApiKey, parseBearer } from './api-key';

describe('API keys', () => {
  it('are nf_ + 32 random bytes base64url, stored as SHA-256 with a short display prefix', () => {
    const { key, sha256, prefix } = generateApiKey();
    expect(key).toMatch(/^nf_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(key.slice(3), 'base64url')).toHaveLength(32);
    expect(sha256).toBe(apiKeyHash(key));
    expect(sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(prefix).toBe(key.slice(0, 9));
    expect(generateApiKey().key).not.toBe(key);
  });

  it('parses a Bearer header', () => {
    const { key } = generateApiKey();
    expect(parseBearer(`Bearer ${key}`)).toEqual({ kind: 'key', key });
    expect(parseBearer(`bearer ${key}`)).toEqual({ kind: 'key', key });
    expect(parseBearer(undefined)).toEqual({ kind: 'absent' });
  });

  it.each([
    ['empty', ''],
    ['no scheme', 'nf_' + 'a'.repeat(43)],
    ['basic auth', 'Basic dXNlcjpwYXNz'],
    ['wrong prefix', 'Bearer sk_' + 'a'.repeat(43)],
    ['too short', 'Bearer nf_' + 'a'.repeat(42)],
    ['too long', 'Bearer nf_' + 'a'.repeat(44)],
    ['bad characters', 'Bearer nf_' + '+'.repeat(43)],
    ['two tokens', 'Bearer nf_' + 'a'.repeat(43) + ' extra'],
  ])('calls %s malformed', (_name, header) => {
    expect(parseBearer(header)).toEqual({ kind: 'malformed' });
  });
});
