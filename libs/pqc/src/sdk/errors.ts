/**
 * A non-2xx answer from the server, carrying its JSON error body
 * ({statusCode, error, message, errorId, code?}); `code` is the protocol error code (§9) when one applies.
 */
export class PqcServerError extends Error {
  override readonly name = 'PqcServerError';

  constructor(
    readonly statusCode: number,
    readonly error: string,
    message: string,
    readonly errorId: string | undefined,
    readonly code?: string,
  ) {
    super(message);
  }
}

export async function toServerError(response: Response): Promise<PqcServerError> {
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  const record = (body !== null && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  return new PqcServerError(
    typeof record.statusCode === 'number' ? record.statusCode : response.status,
    text(record.error) ?? (response.statusText || 'Error'),
    text(record.message) ?? `server answered HTTP ${response.status}`,
    text(record.errorId),
    text(record.code),
  );
}
