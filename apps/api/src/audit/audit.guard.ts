import { isPlainObject } from './audit.hash';

/** Raised when an entry would carry something that looks like a secret; nothing is stored. */
export class AuditSecretError extends Error {
  override readonly name = 'AuditSecretError';
}

/** Words that name a secret wherever they appear in a key: "password", "newPassword", "x_auth_token". */
const SECRET_WORDS = new Set([
  'password', 'passwords', 'passwd', 'passphrase', 'pwd', 'otp', 'totp',
  'secret', 'secrets', 'token', 'tokens', 'bearer', 'authorization', 'authorisation',
  'cookie', 'cookies', 'credential', 'credentials', 'kek', 'seed', 'seeds', 'mnemonic',
  'material', 'privkey', 'privatekey', 'secretkey', 'apikey', 'signingkey', 'sessionkey',
]);

/** "<qualifier> key" names key material ("privateKey", "api_key", "sessionKeyHex"); "apiKeyId" does not. */
const KEY_QUALIFIERS = new Set([
  'private', 'signing', 'secret', 'session', 'encryption', 'decapsulation', 'master', 'api', 'access',
  'shared', 'client', 'identity', 'raw',
]);
const KEY_ENCODINGS = new Set(['bytes', 'pem', 'der', 'hex', 'b64', 'base64', 'base64url', 'value', 'data']);

/** Values that are unmistakably credentials whatever their key. */
const SECRET_VALUE = [/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/, /^\s*bearer\s+\S/i, /^\s*basic\s+[A-Za-z0-9+/=]{8,}\s*$/i];

function words(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/** Why `key` looks like it names a secret, or undefined. */
export function secretKeyReason(key: string): string | undefined {
  const w = words(key);
  const hit = w.find((word) => SECRET_WORDS.has(word));
  if (hit) return `"${hit}"`;
  if (w.length === 1 && (w[0] === 'key' || w[0] === 'keys')) return 'a bare "key"';
  for (let i = 0; i < w.length; i++) {
    if (w[i] !== 'key' && w[i] !== 'keys') continue;
    const qualified = i > 0 && KEY_QUALIFIERS.has(w[i - 1]);
    const last = i === w.length - 1;
    if (qualified && (last || KEY_ENCODINGS.has(w[i + 1]))) return `"${w.slice(i - 1, i + 1).join(' ')}"`;
    if (i === 0 && !last && KEY_ENCODINGS.has(w[i + 1])) return `"key ${w[i + 1]}"`;
  }
  return undefined;
}

/**
 * Guard rail, not a filter: the audit log must never hold a secret, so details whose keys (at any
 * depth, inside arrays too) look like they name one (password, token, secret, authorization,
 * cookies, seeds, private/API/session key material ...) or whose string values look like a
 * credential (PEM private key, "Bearer ...") are refused outright rather than redacted: the caller
 * has a bug to fix. Names such as keyVersion, apiKeyId or keyFingerprint pass.
 */
export function assertNoSecrets(value: unknown, path = 'details'): void {
  if (typeof value === 'string') {
    if (SECRET_VALUE.some((pattern) => pattern.test(value))) {
      throw new AuditSecretError(`audit: ${path} looks like a credential; audit entries never carry secrets`);
    }
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => assertNoSecrets(item, `${path}[${i}]`));
    return;
  }
  if (isPlainObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      const reason = secretKeyReason(key);
      if (reason) throw new AuditSecretError(`audit: ${path}.${key} looks like a secret (${reason}); audit entries never carry secrets`);
      assertNoSecrets(item, `${path}.${key}`);
    }
  }
}
