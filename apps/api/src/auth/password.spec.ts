import { DEFAULT_SCRYPT, generatePassword, hashPassword, parsePasswordHash, verifyPassword } from './password';

describe('password hashing (scrypt)', () => {
  it('stores the parameters, salt and key with the hash and verifies the right password', async () => {
    const stored = await hashPassword('correct horse battery staple');
    expect(stored).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(parsePasswordHash(stored)?.params).toEqual(DEFAULT_SCRYPT);
    await expect(verifyPassword('correct horse battery staple', stored)).resolves.toBe(true);
  });

  it('rejects a wrong password, and a different one-character change', async () => {
    const stored = await hashPassword('s3cret-password', { N: 1024, r: 8, p: 1 });
    await expect(verifyPassword('s3cret-passworD', stored)).resolves.toBe(false);
    await expect(verifyPassword('', stored)).resolves.toBe(false);
  });

  it('salts: the same password hashes differently each time, and both verify', async () => {
    const params = { N: 1024, r: 8, p: 1 };
    const [a, b] = await Promise.all([hashPassword('same', params), hashPassword('same', params)]);
    expect(a).not.toBe(b);
    await expect(verifyPassword('same', a)).resolves.toBe(true);
    await expect(verifyPassword('same', b)).resolves.toBe(true);
  });

  it('verifies with the parameters stored in the hash, not the current defaults', async () => {
    const stored = await hashPassword('older hash', { N: 2048, r: 4, p: 2 });
    expect(parsePasswordHash(stored)?.params).toEqual({ N: 2048, r: 4, p: 2 });
    await expect(verifyPassword('older hash', stored)).resolves.toBe(true);
  });

  it.each([
    ['empty', ''],
    ['another scheme', '$2b$10$abcdefghijklmnopqrstuv'],
    ['N not a power of two', 'scrypt$1000$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
    ['absurd N', `scrypt$${2 ** 30}$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`],
    ['short key', 'scrypt$1024$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAA'],
  ])('never verifies against a malformed stored hash (%s)', async (_name, stored) => {
    await expect(verifyPassword('anything', stored)).resolves.toBe(false);
  });

  it('generates 24-character one-time passwords that do not repeat', () => {
    const passwords = new Set(Array.from({ length: 50 }, generatePassword));
    expect(passwords.size).toBe(50);
    for (const p of passwords) expect(p).toMatch(/^[A-Za-z0-9_-]{24}$/);
  });
});
