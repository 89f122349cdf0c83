import { assertNoSecrets, AuditSecretError, secretKeyReason } from './audit.guard';

describe('assertNoSecrets', () => {
  it.each([
    'password', 'newPassword', 'password_hash', 'passphrase', 'secret', 'clientSecret', 'token', 'x_auth_token',
    'refreshTokens', 'Authorization', 'authorisation', 'cookie', 'credentials', 'kek', 'seed', 'identitySeed',
    'keyMaterial', 'key', 'apiKey', 'api_key', 'API-KEY', 'privateKey', 'private_key_pem', 'sessionKeyHex',
    'signingKey', 'secretKey', 'keyBytes',
  ])('refuses the key %s', (key) => {
    expect(secretKeyReason(key)).toBeDefined();
    expect(() => assertNoSecrets({ [key]: 'x' })).toThrow(AuditSecretError);
  });

  it.each([
    'keyVersion', 'keyVersionBefore', 'apiKeyId', 'apiKeyPrefix', 'keyFingerprint', 'fingerprint', 'reason',
    'bundleSha256', 'requestId', 'approvers', 'tenantId', 'expiresAt', 'username',
  ])('allows the key %s', (key) => {
    expect(secretKeyReason(key)).toBeUndefined();
    expect(() => assertNoSecrets({ [key]: 'x' })).not.toThrow();
  });

  it('looks at every depth, inside arrays too, and names the path', () => {
    expect(() => assertNoSecrets({ a: { b: [{ ok: 1 }, { token: 'x' }] } })).toThrow(/details\.a\.b\[1\]\.token looks like a secret/);
  });

  it('refuses values that are credentials whatever their key', () => {
    expect(() => assertNoSecrets({ header: 'Bearer eyJhbGciOi' })).toThrow(/details\.header looks like a credential/);
    expect(() => assertNoSecrets({ blob: '-----BEGIN PRIVATE KEY-----\nMII...' })).toThrow(AuditSecretError);
    expect(() => assertNoSecrets({ list: ['fine', 'Basic dXNlcjpwYXNz'] })).toThrow(AuditSecretError);
    expect(() => assertNoSecrets({ note: 'the bearer of this note' })).not.toThrow();
  });
});
