/** An API answer other than 2xx, with the server's message in words. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Validation failures keyed by field, where the API gives them. */
    readonly fields: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/**
 * The words to show for a failed call: the service's `message` (its usual error body), the
 * Open Inference Protocol's `error`, or the status line when the body says nothing usable.
 */
export function errorMessage(status: number, statusText: string, body: unknown): string {
  if (typeof body === 'object' && body !== null) {
    const { message, error, errors } = body as { message?: unknown; error?: unknown; errors?: Record<string, string> };
    // The validation pipe's summary only names fields; its per-field messages say what is wrong.
    if (typeof message === 'string' && message.startsWith('invalid fields') && errors && Object.keys(errors).length) {
      return Object.values(errors).join('; ');
    }
    if (typeof message === 'string' && message) return message;
    if (Array.isArray(message) && message.length) return message.join('; ');
    if (typeof error === 'string' && error) return error;
  }
  if (typeof body === 'string' && body.trim() && !body.trimStart().startsWith('<')) return body.trim().slice(0, 300);
  return `${status} ${statusText || 'request failed'}`.trim();
}

let csrfToken: string | undefined;
const expiryListeners = new Set<() => void>();

/** Mutating requests carry this (from /auth/login or /auth/me) in x-csrf-token. */
export function rememberCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

/** Called whenever a signed-in call answers 401: the session expired or was ended elsewhere. */
export function onSessionExpired(listener: () => void): () => void {
  expiryListeners.add(listener);
  return () => expiryListeners.delete(listener);
}

export interface RequestOptions {
  body?: unknown;
  /** For calls where 401 is an ordinary answer (sign-in, "am I signed in?"), not an expiry. */
  unauthorizedIsAnswer?: boolean;
}

/** Same-origin JSON call: the session cookie goes along, and the CSRF header on anything but GET. */
export async function request<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH', path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
  } catch (error) {
    throw new ApiError(0, `the service could not be reached (${(error as Error).message})`);
  }
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text for the message
  }
  if (!response.ok) {
    if (response.status === 401 && !options.unauthorizedIsAnswer) expiryListeners.forEach((listener) => listener());
    const fields = (body as { errors?: Record<string, string> } | undefined)?.errors;
    throw new ApiError(response.status, errorMessage(response.status, response.statusText, body), fields ?? {});
  }
  return body as T;
}
