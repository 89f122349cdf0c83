import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';

/** A slice of the project's jest projects (unit and e2e), chosen by test path. */
export interface TestTier {
  name: string;
  /** Path fragments (regular expressions, relative to the repository root); a test file matching any belongs to the tier. */
  paths: readonly string[];
}

/**
 * E1's tier: the protocol library and SDK (known-answer tests included), the keystore, rotation requests and
 * the TLS listener's units, and the e2e specs of the handshake, sessions, renewal, rotation and the https listener.
 */
export const PQC_TIER: TestTier = {
  name: 'PQC test tier',
  paths: [
    'libs/pqc/',
    'apps/api/src/pqc/',
    'apps/api/src/rotation/',
    'apps/api/src/tls/',
    'test/e2e/pqc-[^/]*\\.e2e\\.test\\.ts$',
    'test/e2e/rotation\\.e2e\\.test\\.ts$',
    'test/e2e/tls\\.e2e\\.test\\.ts$',
  ],
};

/** E2's tier: the runtime's units (hooks, configs, tensors, scheduler, codec, GPU inventory) and the inference, repository, scheduler and job-hook e2e specs. */
export const RUNTIME_TIER: TestTier = {
  name: 'runtime test tier',
  paths: [
    'apps/api/src/runtime/',
    'test/e2e/inference\\.e2e\\.test\\.ts$',
    'test/e2e/runtime-repository\\.e2e\\.test\\.ts$',
    'test/e2e/scheduler\\.e2e\\.test\\.ts$',
    'test/e2e/job-hooks\\.e2e\\.test\\.ts$',
  ],
};

export interface TierOutcome {
  ok: boolean;
  /** jest's own summary ("Tests: 2 failed, 311 passed, 313 total") and the failing files. */
  summary: string;
  exitCode: number | null;
  ms: number;
}

/**
 * Runs one tier with the repository's jest (its config, both projects) and writes everything jest prints
 * to `logFile`; `onSuite` gets each PASS/FAIL line as a file finishes. The tier passes only when jest
 * exits 0, which it does not when a test fails or when no test matched at all.
 */
export async function runTier(tier: TestTier, root: string, logFile: string, onSuite: (line: string) => void = () => undefined): Promise<TierOutcome> {
  const jest = path.join(root, 'node_modules', 'jest', 'bin', 'jest.js');
  if (!existsSync(path.join(root, 'jest.config.js')) || !existsSync(jest)) {
    throw new Error(`the test tiers need the repository with its dev dependencies (no jest.config.js or jest at ${root})`);
  }
  const args = [jest, '--ci', '--selectProjects', 'unit', 'e2e', '--testPathPattern', `(${tier.paths.join('|')})`];
  mkdirSync(path.dirname(logFile), { recursive: true });
  const log = createWriteStream(logFile);
  log.write(`# ${tier.name}\n# started ${new Date().toISOString()} in ${root}\n# node ${args.map((a) => (/[ ()|\\$[\]]/.test(a) ? `'${a}'` : a)).join(' ')}\n\n`);
  const t0 = performance.now();
  const failedFiles: string[] = [];
  const summaries: string[] = [];
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, FORCE_COLOR: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let partial = '';
  const onData = (chunk: Buffer) => {
    log.write(chunk);
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const suite = /^(PASS|FAIL) +(?:\S+ +)?(\S+\.(?:spec|test)\.ts)/.exec(line);
      if (suite) {
        onSuite(`${suite[1]} ${suite[2]}`);
        if (suite[1] === 'FAIL' && !failedFiles.includes(suite[2])) failedFiles.push(suite[2]);
      }
      if (/^(Test Suites|Tests):|^No tests found/.test(line)) summaries.push(line.trim().replace(/\s+/g, ' '));
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve(code));
  });
  const ms = Math.round(performance.now() - t0);
  log.write(`\n# jest exited with code ${exitCode} after ${(ms / 1000).toFixed(1)} s\n`);
  await new Promise((resolve) => log.end(resolve));
  const summary = [...summaries, ...(failedFiles.length ? [`failed: ${failedFiles.join(', ')}`] : [])].join('; ') || `jest printed no summary (exit code ${exitCode})`;
  return { ok: exitCode === 0, summary, exitCode, ms };
}
