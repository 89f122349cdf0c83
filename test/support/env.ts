import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { LoadedEnv, loadEnv } from '../../apps/api/src/env/env.loader';
import { REPO_ROOT } from './paths';

/** A fresh temporary directory for one test's state. */
export function tempDir(prefix = 'nf-test-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

/**
 * Settings as the service would load them from the repository's real .env.default, with
 * the given overrides standing in for the process environment and state kept in a temp dir.
 */
export function testEnv(overrides: Record<string, string> = {}): LoadedEnv {
  const dir = tempDir();
  return loadEnv(REPO_ROOT, {
    DATA_DIR: path.join(dir, 'data'),
    REPORTS_DIR: path.join(dir, 'reports'),
    VAULT_PQC_KEY_PATH: path.join(dir, 'data', 'keystore'),
    DATABASE_URL: 'sqlite::memory:',
    TLS_PORT: '0',
    GRPC_PORT: '0',
    // Production requires the telemetry pseudonym key (simulation generates one under DATA_DIR), and a TLS
    // certificate unless TLS is off: in-process apps serve plain HTTP only unless a test starts https itself.
    ...(overrides.NEURAL_FABRIC_MODE === 'production' ? { TELEMETRY_PSEUDONYM_KEY: '5e'.repeat(32), TLS_ENABLED: 'false' } : {}),
    ...overrides,
  });
}
