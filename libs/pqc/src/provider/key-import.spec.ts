import { createPublicKey } from 'node:crypto';
import * as path from 'node:path';
import { runInTsWorker } from '../testing/ts-worker';
import { importQuietly } from './key-import';

describe('importQuietly', () => {
  const limit = Error.stackTraceLimit;
  afterEach(() => {
    Error.stackTraceLimit = limit;
  });

  it('returns the imported key and leaves Error.stackTraceLimit as it was', () => {
    Error.stackTraceLimit = 7;
    const key = importQuietly(() => createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: Buffer.alloc(32, 9).toString('base64url') }, format: 'jwk' }));
    expect(key.asymmetricKeyType).toBe('x25519');
    expect(Error.stackTraceLimit).toBe(7);
  });

  it('turns stack capture off only inside the call', () => {
    let inside: number | undefined;
    importQuietly(() => (inside = Error.stackTraceLimit));
    expect(inside).toBe(0);
    expect(Error.stackTraceLimit).toBe(limit);
  });

  it('rethrows a failed import with a stack that names the caller (in a realm of its own, as in the service)', async () => {
    const result = await runInTsWorker<{ message: string; stack: string; limitAfter: number }>(
      path.join(__dirname, '..', 'testing', 'key-import-probe.ts'),
      'failedImportStack',
      undefined,
    );
    expect(result.stack).toContain(result.message); // OpenSSL's words, which differ between versions
    expect(result.stack).toContain('importBrokenKey');
    expect(result.limitAfter).toBe(10);
  });
});
