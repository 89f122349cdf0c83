import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { AdminClient, expectStatus } from '../../apps/api/src/verify/http';
import { runTier } from '../../apps/api/src/verify/test-tiers';
import { tempDir } from '../support/env';
import { REPO_ROOT } from '../support/paths';
import { ServiceProcess, spawnService } from '../support/service-process';
import { devTrust } from '../support/tls';

// `npm run verify` minus the build: the built verify against the built service, as an operator runs it.
// The test tiers are skipped here (--skip-tests; npm test runs them anyway); the tier runner is tested below.
const VERIFY = path.join(REPO_ROOT, 'dist', 'apps', 'api', 'src', 'verify.js');

interface Run {
  code: number | null;
  output: string;
  reports: string;
}

function runVerify(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<Run> {
  if (!existsSync(VERIFY)) throw new Error(`${VERIFY} is missing: run npm run build:api first (npm test does)`);
  const reports = tempDir('nf-verify-reports-');
  const child = spawn(process.execPath, [VERIFY, '--reports', reports, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: { PATH: process.env.PATH, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d));
  child.stderr!.on('data', (d: Buffer) => (output += d));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, output, reports })));
}

const read = (run: Run, file: string) => readFileSync(path.join(run.reports, file), 'utf8');
/** The summary's checklist row of one check: its result and reason. */
const row = (run: Run, label: string) => read(run, 'H.2.summary.md').split('\n').find((line) => line.startsWith(`| ${label} |`)) ?? '';

const EVERY_FILE = [
  'H.2.E1.md',
  'H.2.E2.md',
  'H.2.E3.md',
  'H.2.E4.md',
  'H.2.summary.md',
  'H.2.E1_output.json',
  'H.2.E4_envcheck.log',
  'logs/H.2.E1.log',
  'logs/H.2.E2.log',
  'logs/H.2.E3.log',
];

describe('npm run verify (release verification)', () => {
  jest.setTimeout(180_000);

  it('passes on a fresh temporary state and writes every report, all naming version 8.1.1 and one env hash', async () => {
    const run = await runVerify(['--skip-tests']);
    expect([run.code, run.output]).toEqual([0, expect.stringContaining('verify: PASS (test tiers SKIPPED')]);
    for (const file of EVERY_FILE) expect([file, existsSync(path.join(run.reports, file))]).toEqual([file, true]);
    // Progress came as it went: each check with its steps, results and times.
    expect(run.output).toMatch(/\] +E1 GET \/pqc\/handshake: ok \(\d+ ms\)/);
    expect(run.output).toMatch(/\] E3 Policy: PASS in \d+\.\d s/);

    const e1 = JSON.parse(read(run, 'H.2.E1_output.json'));
    expect(e1.handshakeEndpoint).toEqual({ status: 'ok', algorithm: 'X-Wing+ML-DSA-65', sha256: expect.stringMatching(/^[0-9a-f]{64}$/), bundleSha256: expect.any(String), keyVersion: 1 });
    expect(e1.sdkHttps.tls).toMatchObject({ protocol: 'TLSv1.3', group: 'X25519MLKEM768' });
    expect(e1.sdkHttp.sealedEcho.intact).toBe(true);
    expect(e1.rotation).toMatchObject({ selfApproval: { status: 403 }, statusAfterSelfApproval: 'PENDING', activeKeyVersion: 1, finalStatus: 'CANCELLED' });

    const hash = /^env_hash: sha256:([0-9a-f]{64})$/m.exec(read(run, 'H.2.E4_envcheck.log'))![1];
    for (const report of ['H.2.E1.md', 'H.2.E2.md', 'H.2.E3.md', 'H.2.E4.md', 'H.2.summary.md']) {
      expect([report, read(run, report)]).toEqual([report, expect.stringContaining(`sha256:${hash}`)]);
      expect(read(run, report)).toContain('| version | 8.1.1 |');
    }
    for (const label of ['E1 PQC bridge', 'E2 Runtime hooks', 'E3 Policy', 'E4 Env', 'Health and metrics']) expect(row(run, label)).toContain('| PASS |');
    // Skipping the tiers is said, in the summary and in the logs that would hold them.
    expect(read(run, 'H.2.summary.md')).toContain('**Not a complete verification:**');
    expect(read(run, 'logs/H.2.E1.log')).toContain('NOT RUN: verify was started with --skip-tests');
    expect(read(run, 'H.2.E2.md')).toMatch(/tiny-mlp v1 onnx \d+ ms/);
    expect(read(run, 'H.2.E2.md')).toMatch(/tf-classifier v1 mock \(simulated\)/);

    // Nothing secret in the reports: the bootstrap admin's password and the tenant's API key stay in memory.
    // (An API key is nf_ + 43 base64url characters; metric names have neither capitals nor digits.)
    const apiKeys = (text: string) => (text.match(/nf_[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/g) ?? []).filter((token) => /[A-Z0-9-]/.test(token));
    for (const file of EVERY_FILE) {
      expect([file, read(run, file)]).not.toEqual([file, expect.stringContaining('password=')]);
      expect([file, apiKeys(read(run, file))]).toEqual([file, []]);
    }
  });

  it('fails naming E3 when the policy document is missing', async () => {
    const run = await runVerify(['--skip-tests'], { env: { POLICY_DOCUMENT_PATH: path.join(tempDir(), 'model_telemetry.md') } });
    expect(run.code).toBe(1);
    expect(run.output).toMatch(/FAILED E3 Policy: policy document present with the enforced version: policy document \S+model_telemetry\.md is missing/);
    expect(run.output).toMatch(/verify: FAIL \(E3, health\)/);
    expect(row(run, 'E3 Policy')).toMatch(/\| FAIL \|.*is missing/);
    for (const label of ['E1 PQC bridge', 'E2 Runtime hooks', 'E4 Env']) expect(row(run, label)).toContain('| PASS |');
    expect(read(run, 'H.2.E3.md')).toMatch(/^# H\.2\.E3 Policy: FAIL/);
  });

  it('fails naming E4 when .env.default sets a safe default otherwise, and when it lacks one (the service then cannot start)', async () => {
    const elsewhere = (edit: (text: string) => string) => {
      const cwd = tempDir('nf-verify-cwd-');
      writeFileSync(path.join(cwd, '.env.default'), edit(readFileSync(path.join(REPO_ROOT, '.env.default'), 'utf8')));
      // The repository's models and policy document, since this working directory has neither.
      const env = { MODEL_REPOSITORY_PATH: path.join(REPO_ROOT, 'models'), POLICY_DOCUMENT_PATH: path.join(REPO_ROOT, 'docs', 'policies', 'model_telemetry.md') };
      return { cwd, env };
    };

    const unsafe = await runVerify(['--skip-tests'], elsewhere((text) => text.replace(/^GPU_DRIVER_MOCK=true$/m, 'GPU_DRIVER_MOCK=false')));
    expect(unsafe.code).toBe(1);
    expect(unsafe.output).toMatch(/FAILED E4 Env: \.env\.default has the four safe defaults: \S+\.env\.default: GPU_DRIVER_MOCK=false is not the safe default GPU_DRIVER_MOCK=true/);
    expect(unsafe.output).toMatch(/verify: FAIL \(E4\)/);
    expect(row(unsafe, 'E4 Env')).toMatch(/\| FAIL \|.*GPU_DRIVER_MOCK=false is not the safe default/);

    const lacking = await runVerify(['--skip-tests'], elsewhere((text) => text.replace(/^GPU_DRIVER_MOCK=true\n/m, '')));
    expect(lacking.code).toBe(1);
    expect(lacking.output).toMatch(/FAILED E4 Env: \.env\.default has the four safe defaults: \S+: GPU_DRIVER_MOCK is missing \(safe default: GPU_DRIVER_MOCK=true\)/);
    expect(row(lacking, 'E4 Env')).toContain('GPU_DRIVER_MOCK is not set');
    expect(row(lacking, 'Service start-up')).toMatch(/\| FAIL \|.*exited with code 78/);
    expect(row(lacking, 'E1 PQC bridge')).toMatch(/\| FAIL \|.*not run: the service did not start/);
  });

  describe('against a running service (--url)', () => {
    let svc: ServiceProcess;
    let proxy: http.Server;
    const admin = { NF_VERIFY_ADMIN_NAME: 'admin', NF_VERIFY_ADMIN_PASSWORD: 'tarnish-quiver-hollow-41' };

    beforeAll(async () => {
      svc = spawnService();
      const url = await svc.url();
      const oneTime = readFileSync(path.join(svc.dir, 'data', 'initial-admin-password'), 'utf8').trim();
      const first = await AdminClient.signIn(url, 'admin', oneTime);
      expectStatus(await first.post('/auth/password', { current: oneTime, new: admin.NF_VERIFY_ADMIN_PASSWORD }), 204, 'password change');
      // In front of it, a proxy whose GET /pqc/handshake answers 503 (as a service with an unusable keystore would).
      const target = new URL(url);
      proxy = http.createServer((req, res) => {
        if (req.method === 'GET' && req.url === '/pqc/handshake') {
          res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ statusCode: 503, error: 'Service Unavailable', message: 'keystore unavailable' }));
          return;
        }
        const upstream = http.request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
          res.writeHead(answer.statusCode!, answer.headers);
          answer.pipe(res);
        });
        req.pipe(upstream);
      });
      await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    });

    afterAll(async () => {
      await new Promise((resolve) => proxy?.close(resolve));
      svc?.child.kill('SIGTERM');
      await svc?.exited;
    });

    it('fails naming E1 when GET /pqc/handshake answers 503, the rest passing', async () => {
      const proxied = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
      const caFile = path.join(tempDir(), 'ca.pem');
      writeFileSync(caFile, devTrust(svc.dir));
      const run = await runVerify(['--skip-tests', '--url', proxied, '--https-url', await svc.httpsUrl(), '--ca', caFile], { env: admin });
      expect(run.code).toBe(1);
      expect(run.output).toMatch(/FAILED E1 PQC bridge: GET \/pqc\/handshake: GET \/pqc\/handshake answered 503 \(expected 200\): keystore unavailable/);
      expect(run.output).toMatch(/verify: FAIL \(E1\)/);
      expect(row(run, 'E1 PQC bridge')).toMatch(/\| FAIL \|.*answered 503/);
      for (const label of ['E2 Runtime hooks', 'E3 Policy', 'E4 Env', 'Health and metrics']) expect(row(run, label)).toContain('| PASS |');
      // What a running service cannot show is said, not passed over.
      expect(read(run, 'H.2.E4.md')).toMatch(/env hash logged before anything ran \| SKIPPED \|.*not observable on a running service/);
      expect(JSON.parse(read(run, 'H.2.E1_output.json')).result).toBe('fail');
    });

    it('names the missing account when no admin credentials are given', async () => {
      const run = await runVerify(['--skip-tests', '--url', await svc.url(), '--https-url', await svc.httpsUrl(), '--ca', path.join(svc.dir, 'data', 'tls', 'dev-trust.pem')]);
      expect(run.code).toBe(1);
      expect(row(run, 'E1 PQC bridge')).toContain('rotation refused without a second admin: needs an admin account on the service: set NF_VERIFY_ADMIN_NAME and NF_VERIFY_ADMIN_PASSWORD');
      expect(row(run, 'E1 PQC bridge')).not.toMatch(/GET \/pqc\/handshake:/);
    });
  });

  it('refuses a usage error with exit code 2', async () => {
    const run = await runVerify(['--https-url', 'https://127.0.0.1:8643']);
    expect([run.code, run.output]).toEqual([2, expect.stringContaining('--https-url goes with --url')]);
    expect(readdirSync(run.reports)).toEqual([]);
  });
});

describe('test tiers', () => {
  jest.setTimeout(120_000);

  it("pass with jest's exit code 0 and write its output to the log", async () => {
    const log = path.join(tempDir(), 'logs', 'tier.log');
    const seen: string[] = [];
    const outcome = await runTier({ name: 'tiny tier', paths: ['apps/api/src/version\\.spec\\.ts$'] }, REPO_ROOT, log, (line) => seen.push(line));
    expect(outcome).toMatchObject({ ok: true, exitCode: 0, summary: expect.stringContaining('Tests: 1 passed') });
    expect(seen).toEqual(['PASS apps/api/src/version.spec.ts']);
    expect(readFileSync(log, 'utf8')).toMatch(/# tiny tier[\s\S]*PASS unit apps\/api\/src\/version\.spec\.ts[\s\S]*# jest exited with code 0/);
  });

  it('fail when jest fails, here because no test matched', async () => {
    const outcome = await runTier({ name: 'empty tier', paths: ['no/such/test\\.spec\\.ts$'] }, REPO_ROOT, path.join(tempDir(), 'tier.log'));
    expect(outcome.ok).toBe(false);
    expect(outcome.summary).toMatch(/No tests found/);
  });
});
