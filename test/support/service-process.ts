import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { tempDir } from './env';
import { REPO_ROOT } from './paths';

export const ENTRY_POINT = path.join(REPO_ROOT, 'dist', 'apps', 'api', 'src', 'main.js');

export interface ServiceProcess {
  child: ChildProcess;
  /** stdout and stderr lines, in arrival order. */
  lines: string[];
  dir: string;
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  exited: Promise<number | null>;
  url(): Promise<string>;
  /** The https listener's base URL (https://127.0.0.1:<port>), once it is listening. */
  httpsUrl(): Promise<string>;
}

/**
 * Runs the built entry point (`npm start` minus the build) as its own process, with state
 * in a temp dir, so tests see exactly what an operator would: exit codes, log lines, files.
 */
export function spawnService(env: Record<string, string> = {}, dir = tempDir('nf-svc-')): ServiceProcess {
  if (!existsSync(ENTRY_POINT)) throw new Error(`${ENTRY_POINT} is missing: run npm run build:api first (npm test does)`);
  const child = spawn(process.execPath, [ENTRY_POINT], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH,
      PORT: '0',
      TLS_PORT: '0',
      GRPC_PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: path.join(dir, 'data'),
      REPORTS_DIR: path.join(dir, 'reports'),
      VAULT_PQC_KEY_PATH: path.join(dir, 'data', 'keystore'),
      DATABASE_URL: `sqlite:${path.join(dir, 'data', 'nf.sqlite')}`,
      LOG_FORMAT: 'json',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  const onData = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
      lines.push(line);
      for (const w of waiters.filter((w) => w.pattern.test(line))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

  const waitForLine = (pattern: RegExp, timeoutMs = 20_000) => {
    const seen = lines.find((l) => pattern.test(l));
    if (seen) return Promise.resolve(seen);
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms:\n${lines.join('\n')}`)), timeoutMs);
      waiters.push({ pattern, resolve: (line) => (clearTimeout(timer), resolve(line)) });
      exited.then((code) => reject(new Error(`service exited (${code}) before ${pattern}:\n${lines.join('\n')}`)));
    });
  };
  const url = async () => {
    const line = await waitForLine(/listening on http/);
    return line.match(/listening on (http:\/\/[^ ]+?) /)![1].replace('[::1]', '127.0.0.1');
  };
  const httpsUrl = async () => {
    const line = await waitForLine(/listening on https:/);
    return line.match(/listening on (https:\/\/[^ ]+?) /)![1].replace('[::1]', '127.0.0.1');
  };
  return { child, lines, dir, waitForLine, exited, url, httpsUrl };
}
