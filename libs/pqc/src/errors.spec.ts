import { PQC_ERROR_CODES, PQC_ERROR_STATUS, PqcProtocolError, isPqcProtocolError } from './errors';

describe('PqcProtocolError', () => {
  it('maps every code to a 4xx status from the allowed set', () => {
    expect(PQC_ERROR_CODES.length).toBeGreaterThanOrEqual(14);
    for (const code of PQC_ERROR_CODES) expect([400, 401, 403, 404, 409, 410, 413]).toContain(PQC_ERROR_STATUS[code]);
  });

  it('includes the documented codes', () => {
    for (const code of [
      'bad_length', 'bad_encapsulation_key', 'weak_x25519', 'unknown_key_version', 'bundle_expired',
      'bundle_signature', 'pin_mismatch', 'suite_mismatch', 'transcript_mismatch', 'replay', 'stale_hello',
      'bad_encoding', 'decrypt_failed', 'session_expired',
    ]) {
      expect(PQC_ERROR_CODES).toContain(code);
    }
  });

  it('carries code, status and name', () => {
    const error = new PqcProtocolError('replay', 'seen before');
    expect(error).toBeInstanceOf(Error);
    expect(isPqcProtocolError(error)).toBe(true);
    expect(isPqcProtocolError(new Error('x'))).toBe(false);
    expect(error.name).toBe('PqcProtocolError');
    expect(error.code).toBe('replay');
    expect(error.status).toBe(409);
    expect(error.message).toBe('seen before');
  });
});
