/** Shapes shared by the API and its clients (dashboard, SDK), so the two cannot drift. */

/** Every error response: one shape, an id that also appears in the server log. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  errorId: string;
  /** Validation failures keyed by field path. */
  errors?: Record<string, string>;
}

export type ProbeName = 'live' | 'ready' | 'startup';
