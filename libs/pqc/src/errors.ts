/**
 * Every protocol failure surfaces as a PqcProtocolError with a stable machine code, so the HTTP
 * layer can map it to a status without parsing messages. Messages name what is wrong (field,
 * expected vs actual size) and never include key material or secrets.
 */

export type PqcHttpStatus = 400 | 401 | 403 | 404 | 409 | 410 | 413;

/** The one place where protocol error codes are mapped to HTTP statuses. */
export const PQC_ERROR_STATUS = Object.freeze({
  bad_length: 400,
  bad_encoding: 400,
  bad_encapsulation_key: 400,
  weak_x25519: 400,
  unsupported_version: 400,
  suite_mismatch: 400,
  stale_hello: 401,
  transcript_mismatch: 401,
  bundle_signature: 401,
  receipt_signature: 401,
  decrypt_failed: 401,
  pin_mismatch: 403,
  unknown_key_version: 404,
  unknown_session: 404,
  bundle_mismatch: 409,
  replay: 409,
  bundle_expired: 410,
  session_expired: 410,
  body_too_large: 413,
} as const satisfies Record<string, PqcHttpStatus>);

export type PqcErrorCode = keyof typeof PQC_ERROR_STATUS;

export const PQC_ERROR_CODES = Object.freeze(Object.keys(PQC_ERROR_STATUS) as PqcErrorCode[]);

export class PqcProtocolError extends Error {
  override readonly name = 'PqcProtocolError';

  constructor(
    readonly code: PqcErrorCode,
    message: string,
  ) {
    super(message);
  }

  get status(): PqcHttpStatus {
    return PQC_ERROR_STATUS[this.code];
  }
}

export function isPqcProtocolError(value: unknown): value is PqcProtocolError {
  return value instanceof PqcProtocolError;
}

export function assertLength(bytes: Uint8Array, expected: number, what: string): void {
  if (bytes.length !== expected) {
    throw new PqcProtocolError('bad_length', `${what} must be ${expected} bytes, got ${bytes.length}`);
  }
}
