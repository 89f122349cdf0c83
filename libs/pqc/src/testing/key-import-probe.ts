import { createPublicKey } from 'node:crypto';
import { importQuietly } from '../provider/key-import';

/**
 * Runs in a worker thread (testing/ts-worker.ts): there node:crypto and this code share one realm,
 * as in the service, so Error.stackTraceLimit really governs the errors node:crypto creates (under
 * Jest they come from another realm, whose limit importQuietly does not touch).
 */
export function failedImportStack(): { message: string; stack: string; limitAfter: number } {
  Error.stackTraceLimit = 10;
  function importBrokenKey() {
    return importQuietly(() => createPublicKey({ key: Buffer.from('not a key'), format: 'der', type: 'spki' }));
  }
  try {
    importBrokenKey();
  } catch (error) {
    return { message: (error as Error).message, stack: String((error as Error).stack), limitAfter: Error.stackTraceLimit };
  }
  throw new Error('the broken key was imported');
}
