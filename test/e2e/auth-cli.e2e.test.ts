import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../support/env';
import { REPO_ROOT } from '../support/paths';
import { spawnService } from '../support/service-process';

jest.setTimeout(90_000);

const CLI = path.join(REPO_ROOT, 'dist', 'apps', 'api', 'src', 'cli.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function stateEnv(dir: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    DATA_DIR: path.join(dir, 'data'),
    REPORTS_DIR: path.join(dir, 'reports'),
    VAULT_PQC_KEY_PATH: path.join(dir, 'data', 'keystore'),
    DATABASE_URL: `sqlite:${path.join(dir, 'data', 'nf.sqlite')}`,
    PQC_WORKERS: '1',
  };
}

/** `npm run nf -- <args>` minus npm: the built CLI as its own process, state in `dir`. */
function nf(dir: string, ...args: string[]): Promise<Run> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build:api first (npm test does)`);
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, env: stateEnv(dir), timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('the nf CLI (built)', () => {
  const dir = tempDir('nf-cli-');

  it('prints usage and exits 2 for an unknown command or none', async () => {
    for (const args of [['bogus'], [], ['admin'], ['admin', 'delete', 'x']]) {
      const run = await nf(dir, ...args);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/Usage: nf (admin )?(\[options\] )?(<command>|\[command\])/);
      expect(run.stderr).toMatch(/^ {2}(admin|create \[options\] <name>) /m);
    }
  });

  it('--help exits 0 with every command, without touching the database or the keystore', async () => {
    const empty = tempDir('nf-cli-help-');
    for (const args of [['--help'], ['admin', '--help'], ['help', 'apikey']]) {
      const run = await nf(empty, ...args);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('Usage: nf');
    }
    expect((await nf(empty, '--help')).stdout).toMatch(/admin[\s\S]*tenant[\s\S]*apikey[\s\S]*audit/);
    expect(existsSync(path.join(empty, 'data'))).toBe(false);
  });

  it('is what `npm run nf` runs', async () => {
    const run = await new Promise<Run>((resolve) =>
      execFile('npm', ['run', '-s', 'nf', '--', 'bogus'], { cwd: REPO_ROOT, env: stateEnv(dir) }, (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      ),
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Usage: nf');
  });

  it('admin create prints a one-time password that signs in to the service and must be changed', async () => {
    const created = await nf(dir, 'admin', 'create', 'alice', '--role', 'viewer');
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^created viewer "alice" \(id [0-9a-f-]{36}\)$/m);
    const password = /one-time password \(change it at first login\): (\S+)$/m.exec(created.stdout)![1];
    expect(password).toMatch(/^[A-Za-z0-9_-]{24}$/);

    const again = await nf(dir, 'admin', 'create', 'alice');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('an admin account named "alice" exists');
    expect((await nf(dir, 'admin', 'create', 'bob', '--role', 'root')).code).toBe(2);

    // The CLI never bootstraps; the service does on its first start (no admin-role account yet).
    const svc = spawnService({}, dir);
    try {
      const url = await svc.url();
      await svc.waitForLine(/INITIAL ADMIN PASSWORD/);
      const res = await fetch(`${url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'alice', password }) });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ admin: { name: 'alice', role: 'viewer' }, mustChangePassword: true });
    } finally {
      svc.child.kill('SIGKILL');
      await svc.exited;
    }
  });

  it('creates tenants and API keys, revokes keys, and verifies the audit chain they were recorded in', async () => {
    expect((await nf(dir, 'tenant', 'create', 'acme')).stdout).toMatch(/^created tenant "acme"/m);
    const key = await nf(dir, 'apikey', 'create', 'acme');
    expect(key.code).toBe(0);
    expect(key.stdout).toMatch(/^key \(shown once\): nf_[A-Za-z0-9_-]{43}$/m);
    const id = /created API key ([0-9a-f-]{36})/.exec(key.stdout)![1];
    expect((await nf(dir, 'apikey', 'create', 'nobody')).code).toBe(1);
    expect((await nf(dir, 'apikey', 'revoke', id)).stdout).toContain(`revoked API key ${id}`);

    const verify = await nf(dir, 'audit', 'verify');
    expect(verify.stdout).toMatch(/^audit chain intact: \d+ entries$/m);
    expect(verify.code).toBe(0);
    // Only what the command needs is opened: no model repository, no policy checks, no handshake workers.
    expect(`${verify.stdout}${verify.stderr}`).not.toMatch(/model |ModelRepository|PolicyService|policy P\d|WorkerPool/);
  });
});
