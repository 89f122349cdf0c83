import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from './http';

/** The built entry point, next to this file's compiled folder (dist/apps/api/src/main.js). */
export const ENTRY_POINT = path.resolve(__dirname, '..', 'main.js');

/** A secret the service prints once (the first admin's one-time password) never leaves verify. */
export const redact = (line: string) => line.replace(/password=\S+/gi, 'password=[redacted]');

export interface StartedService {
  url: string;
  /** Undefined when the https listener is off. */
  httpsUrl?: string;
  dataDir: string;
  /** Every output line in arrival order (stdout and stderr), kept in memory only. */
  lines: string[];
  /** The first line the process wrote on each stream, as it came. */
  firstStdout?: string;
  firstStderr?: string;
  /** Whether anything had been written to stderr when the first stdout line came. */
  stderrBeforeStdout: boolean;
  stop(): Promise<void>;
}

export interface StartOptions {
  cwd: string;
  /** The environment the service gets: serviceEnv()'s. */
  env: NodeJS.ProcessEnv;
  /** Its temporary state (removed when it stops). */
  dataDir: string;
  /** Whether to wait for the https listener too. */
  tls: boolean;
  startupTimeoutMs?: number;
}

/** A temporary directory for one service's state. */
export const temporaryDataDir = () => mkdtempSync(path.join(tmpdir(), 'nf-verify-'));

/**
 * The environment a verified service runs with: the operator's (.env.default < .env < this) with free
 * ports on 127.0.0.1, all state (database, keystore, generated secrets) in `dataDir`, start-up reports
 * in `reportsDir`, JSON logs at a level that shows the listening lines.
 */
export function serviceEnv(base: NodeJS.ProcessEnv, dataDir: string, reportsDir: string): NodeJS.ProcessEnv {
  return {
    ...base,
    PORT: '0',
    TLS_PORT: '0',
    GRPC_PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    REPORTS_DIR: reportsDir,
    VAULT_PQC_KEY_PATH: path.join(dataDir, 'keystore'),
    DATABASE_URL: `sqlite:${path.join(dataDir, 'neural-fabric.sqlite')}`,
    LOG_FORMAT: 'json',
    LOG_LEVEL: 'log',
  };
}

/**
 * Starts the built service as an operator would (`node dist/apps/api/src/main.js`) on free ports
 * with its state in a temporary directory, and resolves once the start-up probe answers 200.
 */
export async function startService(options: StartOptions): Promise<StartedService> {
  if (!existsSync(ENTRY_POINT)) {
    rmSync(options.dataDir, { recursive: true, force: true });
    throw new Error(`${ENTRY_POINT} is missing: build first (npm run build)`);
  }
  const { dataDir } = options;
  const child = spawn(process.execPath, [ENTRY_POINT], { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const service: StartedService = { url: '', dataDir, lines: [], stderrBeforeStdout: false, stop: () => stop(child, dataDir) };
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const collect = (stream: 'stdout' | 'stderr') => {
    let partial = '';
    return (chunk: Buffer) => {
      const text = partial + chunk.toString('utf8');
      const lines = text.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines.filter(Boolean)) {
        if (stream === 'stdout' && service.firstStdout === undefined) {
          service.firstStdout = line;
          service.stderrBeforeStdout = service.firstStderr !== undefined;
        }
        if (stream === 'stderr') service.firstStderr ??= line;
        service.lines.push(line);
      }
    };
  };
  child.stdout!.on('data', collect('stdout'));
  child.stderr!.on('data', collect('stderr'));

  const deadline = Date.now() + (options.startupTimeoutMs ?? 120_000);
  const failed = (why: string) => {
    const tail = service.lines.slice(-15).map(redact).join('\n    ');
    return new Error(`${why}${tail ? `; its last lines:\n    ${tail}` : ''}`);
  };
  try {
    let code: number | null | undefined;
    void exited.then((c) => (code = c));
    const listening = (scheme: 'http' | 'https') => service.lines.map((l) => new RegExp(`listening on (${scheme}://[^ "]+)`).exec(l)?.[1]).find(Boolean);
    while (!service.url || (options.tls && !service.httpsUrl)) {
      if (code !== undefined) throw failed(`the service exited with code ${code} before listening`);
      if (Date.now() > deadline) throw failed('the service did not listen in time');
      service.url = listening('http')?.replace('[::1]', '127.0.0.1') ?? '';
      service.httpsUrl = listening('https')?.replace('[::1]', '127.0.0.1');
      await sleep(50);
    }
    // Models load and keys are checked after the listeners open: the start-up probe says when that is done.
    for (;;) {
      const answer = await request(`${service.url}/health/startup`).catch((error: Error) => ({ status: 0, text: error.message }));
      if (answer.status === 200) break;
      if (code !== undefined) throw failed(`the service exited with code ${code} during start-up`);
      if (Date.now() > deadline) throw failed(`GET /health/startup still answers ${answer.status}: ${answer.text.slice(0, 300)}`);
      await sleep(200);
    }
    return service;
  } catch (error) {
    await service.stop();
    throw error;
  }
}

/** SIGTERM (the service drains and exits), SIGKILL if it has not exited within 15 s; then the temporary state goes. */
async function stop(child: ChildProcess, dataDir: string): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
  rmSync(dataDir, { recursive: true, force: true });
}
