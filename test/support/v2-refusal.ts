import { V2Error } from '../../apps/api/src/runtime/api/v2.errors';

/** Runs `run`, expects it to throw a V2 400, and returns the message (for the test to check what it names). */
export function refused(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(V2Error);
    expect((error as V2Error).status).toBe(400);
    return (error as V2Error).message;
  }
  throw new Error('expected a 400');
}
