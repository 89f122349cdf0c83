import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../support/env';
import { REPO_ROOT } from '../support/paths';

jest.setTimeout(30_000);

const LIMIT = path.join(REPO_ROOT, 'dist', 'bench', 'limit.js');

function run(args: string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [LIMIT, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, output })));
}

/** Running, not a zombie waiting for a parent to reap it (a killed orphan may stay one for a while). */
const running = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1][0] !== 'Z';
  } catch {
    return false;
  }
};

describe('benchmark time limit (dist/bench/limit.js)', () => {
  beforeAll(() => {
    if (!existsSync(LIMIT)) throw new Error(`${LIMIT} is missing: run npm run build:api first (npm test does)`);
  });

  it('kills a benchmark whose thread is stuck, and the server it started, and exits 124', async () => {
    const dir = tempDir('nf-bench-limit-');
    const pidFile = path.join(dir, 'server.pid');
    const script = path.join(dir, 'stuck.js');
    // A "server" child, then the main thread blocks for good, as in a native deadlock: no timer of its own could fire.
    writeFileSync(script, `
      const { spawn } = require('node:child_process');
      const server = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
      require('node:fs').writeFileSync(${JSON.stringify(pidFile)}, String(server.pid));
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);`);
    const { code, output } = await run(['1', script]);
    expect(code).toBe(124);
    expect(output).toContain('ran past its limit of 1 s: killed');
    const serverPid = Number(readFileSync(pidFile, 'utf8'));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(running(serverPid)).toBe(false);
  });

  it('passes the exit code of a benchmark that finishes in time', async () => {
    const dir = tempDir('nf-bench-limit-');
    const script = path.join(dir, 'done.js');
    writeFileSync(script, 'console.log("measured"); process.exitCode = 3;');
    await expect(run(['30', script])).resolves.toEqual({ code: 3, output: 'measured\n' });
  });
});
