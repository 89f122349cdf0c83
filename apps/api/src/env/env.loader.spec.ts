import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { EnvValidationError, loadEnv } from './env.loader';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..');
const KEK_HEX = 'ab'.repeat(32);

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof EnvValidationError) return [...error.problems];
    throw error;
  }
  throw new Error('expected an EnvValidationError');
}

/** A directory with its own .env.default (and optionally .env), to test layering in isolation. */
function workdir(files: { defaults?: string; dotenv?: string }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'nf-env-'));
  writeFileSync(path.join(dir, '.env.default'), files.defaults ?? readFileSync(path.join(REPO_ROOT, '.env.default'), 'utf8'));
  if (files.dotenv !== undefined) writeFileSync(path.join(dir, '.env'), files.dotenv);
  return dir;
}

describe('loadEnv', () => {
  it('loads the repository .env.default into typed settings with the seed defaults', () => {
    const env = loadEnv(REPO_ROOT, {});
    expect(env.settings).toMatchObject({
      mode: 'simulation',
      simulation: true,
      pqcMode: 'hybrid',
      gpuDriverMock: true,
      http: { port: 8600, host: '0.0.0.0', bodyLimitBytes: 1048576 },
      database: { type: 'sqlite', path: path.join(REPO_ROOT, 'data', 'neural-fabric.sqlite') },
    });
    expect(env.settings.vault.keyPath).toBe(path.join(REPO_ROOT, 'data', 'keystore'));
    expect(env.defaultsFile.present).toBe(true);
    expect(env.sources.PQC_MODE).toBe('.env.default');
  });

  it('layers .env.default < .env < process environment and records each source', () => {
    const dir = workdir({ dotenv: 'PORT=9000\nLOG_LEVEL=debug\n' });
    const env = loadEnv(dir, { PORT: '9100' });
    expect(env.settings.http.port).toBe(9100);
    expect(env.settings.log.level).toBe('debug');
    expect(env.sources).toMatchObject({ PORT: 'process', LOG_LEVEL: '.env', PQC_MODE: '.env.default' });
  });

  it('names the variable, the bad value and the allowed values', () => {
    expect(problemsOf(() => loadEnv(REPO_ROOT, { PQC_MODE: 'bogus' }))).toEqual([
      'PQC_MODE must be one of hybrid, pqc (got "bogus")',
    ]);
  });

  it('reports every invalid variable at once', () => {
    const problems = problemsOf(() => loadEnv(REPO_ROOT, { PORT: '99999', SIMULATION_MODE: 'yes', DATABASE_URL: 'mysql://x' }));
    expect(problems).toEqual([
      'SIMULATION_MODE must be one of true, false (got "yes")',
      'PORT must be an integer from 0 to 65535 (got "99999")',
      'DATABASE_URL must start with one of sqlite:, postgres:, postgresql: (got "mysql://x")',
    ]);
  });

  it('never echoes a secret, even when it is invalid', () => {
    const problems = problemsOf(() => loadEnv(REPO_ROOT, { VAULT_PQC_KEK: 'hunter2-hunter2' }));
    expect(problems).toEqual(['VAULT_PQC_KEK must be 32 bytes as 64 hex characters or base64 (value not shown)']);
    expect(problems.join()).not.toContain('hunter2');
  });

  it('masks a database password in errors and in what it shows', () => {
    const env = loadEnv(REPO_ROOT, { DATABASE_URL: 'postgres://nf:s3cret@db:5432/nf' });
    expect(env.shown.DATABASE_URL).toBe('postgres://nf:***@db:5432/nf');
    expect(env.settings.database).toEqual({ type: 'postgres', url: 'postgres://nf:s3cret@db:5432/nf' });
  });

  it('says which variable is missing when .env.default is absent', () => {
    const dir = workdir({ defaults: 'PQC_MODE=hybrid\n' });
    const problems = problemsOf(() => loadEnv(dir, {}));
    expect(problems[0]).toMatch(/^NEURAL_FABRIC_MODE is not set/);
    expect(problems).toHaveLength(47);
  });

  describe('production mode', () => {
    const production = { NEURAL_FABRIC_MODE: 'production', SIMULATION_MODE: 'false', GPU_DRIVER_MOCK: 'false', VAULT_PQC_KEK: KEK_HEX, TELEMETRY_PSEUDONYM_KEY: 'cd'.repeat(32) };

    it('accepts a safe production configuration and logs JSON', () => {
      const env = loadEnv(REPO_ROOT, production);
      expect(env.settings.mode).toBe('production');
      expect(env.settings.log.json).toBe(true);
    });

    it.each([
      [{ SIMULATION_MODE: 'true' }, 'SIMULATION_MODE must be false when NEURAL_FABRIC_MODE=production'],
      [{ GPU_DRIVER_MOCK: 'true' }, 'GPU_DRIVER_MOCK must be false when NEURAL_FABRIC_MODE=production'],
      [{ VAULT_PQC_KEK: '' }, expect.stringMatching(/^VAULT_PQC_KEK or VAULT_PQC_KEK_FILE must be set/)],
      [{ TELEMETRY_PSEUDONYM_KEY: '' }, expect.stringMatching(/^TELEMETRY_PSEUDONYM_KEY must be set/)],
      [{ TELEMETRY_PSEUDONYM_KEY: KEK_HEX }, expect.stringMatching(/^TELEMETRY_PSEUDONYM_KEY must differ from VAULT_PQC_KEK/)],
      [
        { VAULT_PQC_KEK: '', VAULT_PQC_KEK_FILE: './data/keystore/kek' },
        expect.stringMatching(/^VAULT_PQC_KEK_FILE must lie outside VAULT_PQC_KEY_PATH/),
      ],
    ])('refuses %j', (override, message) => {
      expect(problemsOf(() => loadEnv(REPO_ROOT, { ...production, ...override }))).toEqual([message]);
    });
  });

  describe('env hash', () => {
    it('is stable for equal settings regardless of which layer supplied them', () => {
      const dir = workdir({ dotenv: 'PORT=8600\n' });
      expect(loadEnv(dir, {}).hash).toBe(loadEnv(REPO_ROOT, { PORT: '8600' }).hash);
      expect(loadEnv(REPO_ROOT, {}).hash).toMatch(/^[0-9a-f]{64}$/);
    });

    it('changes when a setting changes', () => {
      expect(loadEnv(REPO_ROOT, { PORT: '8601' }).hash).not.toBe(loadEnv(REPO_ROOT, {}).hash);
    });

    it('covers whether a secret is set but never its value', () => {
      const a = loadEnv(REPO_ROOT, { VAULT_PQC_KEK: KEK_HEX });
      const b = loadEnv(REPO_ROOT, { VAULT_PQC_KEK: 'cd'.repeat(32) });
      expect(a.hash).toBe(b.hash);
      expect(a.hash).not.toBe(loadEnv(REPO_ROOT, {}).hash);
      expect(JSON.stringify(a.shown)).not.toContain(KEK_HEX);
    });
  });

  it('lists unknown keys from .env files (likely typos) without failing', () => {
    const dir = workdir({ dotenv: 'PQC_MOD=pqc\n' });
    expect(loadEnv(dir, {}).unknownKeys).toEqual(['PQC_MOD']);
  });
});
