import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { EnvValidationError, loadEnv } from './env.loader';
import { ENV_SCHEMA } from './env.schema';

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
      http: { port: 8600, host: '0.0.0.0', bodyLimitBytes: 1048576, trustProxy: false },
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
    expect(problems).toHaveLength(Object.keys(ENV_SCHEMA).length - 1); // every variable but PQC_MODE, each named
  });

  describe('production mode', () => {
    const production = {
      NEURAL_FABRIC_MODE: 'production',
      SIMULATION_MODE: 'false',
      GPU_DRIVER_MOCK: 'false',
      VAULT_PQC_KEK: KEK_HEX,
      TELEMETRY_PSEUDONYM_KEY: 'cd'.repeat(32),
      TLS_CERT_FILE: '/etc/nf/tls/tls.crt',
      TLS_KEY_FILE: '/etc/nf/tls/tls.key',
    };

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
      [{ TLS_CERT_FILE: '', TLS_KEY_FILE: '' }, expect.stringMatching(/^TLS_CERT_FILE and TLS_KEY_FILE must be set \(.*TLS_ENABLED=false.*\) when NEURAL_FABRIC_MODE=production$/)],
      [{ TLS_ALLOW_CLASSICAL_KEY_EXCHANGE: 'true' }, expect.stringMatching(/^TLS_ALLOW_CLASSICAL_KEY_EXCHANGE must be false unless TLS_ALLOW_CLASSICAL_IN_PRODUCTION=true acknowledges it/)],
    ])('refuses %j', (override, message) => {
      expect(problemsOf(() => loadEnv(REPO_ROOT, { ...production, ...override }))).toEqual([message]);
    });

    it('accepts classical key exchange when acknowledged, and no certificate when TLS is off', () => {
      const acknowledged = loadEnv(REPO_ROOT, { ...production, TLS_ALLOW_CLASSICAL_KEY_EXCHANGE: 'true', TLS_ALLOW_CLASSICAL_IN_PRODUCTION: 'true' });
      expect(acknowledged.settings.tls.allowClassicalKeyExchange).toBe(true);
      const off = loadEnv(REPO_ROOT, { ...production, TLS_CERT_FILE: '', TLS_KEY_FILE: '', TLS_ENABLED: 'false' });
      expect(off.settings.tls.enabled).toBe(false);
    });

    it('limits the plain listener to probes while TLS is on, unless PLAIN_HTTP_ROUTES says otherwise', () => {
      expect(loadEnv(REPO_ROOT, production).settings.http.plainRoutes).toBe('probes');
      expect(loadEnv(REPO_ROOT, { ...production, PLAIN_HTTP_ROUTES: 'all' }).settings.http.plainRoutes).toBe('all');
      expect(loadEnv(REPO_ROOT, { ...production, TLS_ENABLED: 'false' }).settings.http.plainRoutes).toBe('all');
      expect(loadEnv(REPO_ROOT, {}).settings.http.plainRoutes).toBe('all');
    });
  });

  it('reads the TLS settings with their defaults: port 8643, X25519 refused, no files (development certificates)', () => {
    expect(loadEnv(REPO_ROOT, {}).settings.tls).toEqual({ enabled: true, port: 8643, reloadIntervalMs: 10_000, allowClassicalKeyExchange: false });
    const files = loadEnv(REPO_ROOT, { TLS_CERT_FILE: 'certs/a.crt', TLS_KEY_FILE: 'certs/a.key' }).settings.tls;
    expect(files.certificate).toEqual({ certFile: path.join(REPO_ROOT, 'certs', 'a.crt'), keyFile: path.join(REPO_ROOT, 'certs', 'a.key') });
  });

  it.each([
    [{ TLS_CERT_FILE: 'a.crt' }, 'TLS_CERT_FILE and TLS_KEY_FILE must be set together (got only TLS_CERT_FILE)'],
    [{ TLS_MLDSA_KEY_FILE: 'm.key' }, 'TLS_MLDSA_CERT_FILE and TLS_MLDSA_KEY_FILE must be set together (got only TLS_MLDSA_KEY_FILE)'],
    [{ TLS_MLDSA_CERT_FILE: 'm.crt', TLS_MLDSA_KEY_FILE: 'm.key' }, expect.stringMatching(/^TLS_MLDSA_CERT_FILE needs TLS_CERT_FILE and TLS_KEY_FILE too/)],
  ])('refuses %j in any mode', (override, message) => {
    expect(problemsOf(() => loadEnv(REPO_ROOT, override))).toEqual([message]);
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

  it('reads TRUST_PROXY as off, a hop count or a list of proxy addresses and ranges', () => {
    const trust = (raw: string) => loadEnv(REPO_ROOT, { TRUST_PROXY: raw }).settings.http.trustProxy;
    expect(trust('false')).toBe(false);
    expect(trust('')).toBe(false);
    expect(trust('1')).toBe(1);
    expect(trust(' 10.0.0.0/8, 192.168.1.7 ,fd00::/8,loopback,10.0.0.0/255.0.0.0')).toEqual(['10.0.0.0/8', '192.168.1.7', 'fd00::/8', 'loopback', '10.0.0.0/255.0.0.0']);
    expect(loadEnv(REPO_ROOT, { TRUST_PROXY: '10.0.0.0/8,127.0.0.1' }).shown.TRUST_PROXY).toBe('10.0.0.0/8,127.0.0.1');
  });

  it.each(['true', '33', '-1', '10.0.0.0/33', '300.1.1.1', 'proxy.internal', '::1/129', '10.0.0.0/8/8'])('refuses TRUST_PROXY=%s, naming it and the value', (raw) => {
    const problems = problemsOf(() => loadEnv(REPO_ROOT, { TRUST_PROXY: raw }));
    expect(problems).toEqual([expect.stringMatching(/^TRUST_PROXY must be false, a hop count from 1 to 32, or a comma-separated list of proxy IP addresses or CIDR ranges/)]);
    expect(problems[0]).toContain(`(got "${raw}")`);
  });

  it('lists unknown keys from .env files (likely typos) without failing', () => {
    const dir = workdir({ dotenv: 'PQC_MOD=pqc\n' });
    expect(loadEnv(dir, {}).unknownKeys).toEqual(['PQC_MOD']);
  });
});
