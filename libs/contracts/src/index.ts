/** Shapes shared by the API and its clients (dashboard, SDK), so the two cannot drift. */

/** Every error response: one shape, an id that also appears in the server log. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  errorId: string;
  /** Machine-readable reason where the API defines one (e.g. PQC protocol error codes). */
  code?: string;
  /** Validation failures keyed by field path. */
  errors?: Record<string, string>;
}

export type ProbeName = 'live' | 'ready' | 'startup';
