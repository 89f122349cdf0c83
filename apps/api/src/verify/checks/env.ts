import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseEnv } from 'node:util';
import { ENV_CHECK_REPORT } from '../../env/env-check';
import { ENV_SCHEMA } from '../../env/env.schema';
import { CheckResult, CheckRun, Skip } from '../checklist';
import { liveStep, VerifyContext } from '../context';
import { parseExposition, samples } from '../exposition';
import { expectStatus, request } from '../http';
import { ENTRY_POINT } from '../service';

/** The seed's safe defaults: what a fresh checkout runs as when nothing overrides .env.default. */
export const SAFE_DEFAULTS = {
  NEURAL_FABRIC_MODE: 'simulation',
  SIMULATION_MODE: 'true',
  PQC_MODE: 'hybrid',
  GPU_DRIVER_MOCK: 'true',
} as const;

/** What .env.default lacks: each safe default missing or different, and every setting it does not list. */
export function envDefaultProblems(text: string): string[] {
  const values = parseEnv(text);
  const problems: string[] = [];
  for (const [name, safe] of Object.entries(SAFE_DEFAULTS)) {
    const value = values[name]?.trim();
    if (value === undefined) problems.push(`${name} is missing (safe default: ${name}=${safe})`);
    else if (value !== safe) problems.push(`${name}=${value} is not the safe default ${name}=${safe}`);
  }
  const unlisted = Object.keys(ENV_SCHEMA).filter((name) => !(name in values) && !(name in SAFE_DEFAULTS));
  if (unlisted.length) problems.push(`not listed (it is the single source of defaults): ${unlisted.join(', ')}`);
  return problems;
}

/**
 * E4 Env: .env.default with the four safe defaults, typed validation (here and in the built entry
 * point, which refuses a bad value before anything starts), and the env hash logged before anything
 * ran, in reports/H.2.E4_envcheck.log and on /metrics, all the same hash.
 */
export async function checkEnv(ctx: VerifyContext): Promise<CheckResult> {
  const run = new CheckRun('E4', 'Env', ctx.progress);
  const defaultsFile = path.join(ctx.cwd, '.env.default');

  await run.step('.env.default has the four safe defaults', () => {
    if (!existsSync(defaultsFile)) throw new Error(`${defaultsFile} is missing`);
    const problems = envDefaultProblems(readFileSync(defaultsFile, 'utf8'));
    if (problems.length) throw new Error(`${defaultsFile}: ${problems.join('; ')}`);
    return Object.entries(SAFE_DEFAULTS).map(([k, v]) => `${k}=${v}`).join(', ');
  });

  await run.step('typed validation', async () => {
    if (!ctx.env) throw new Error(ctx.envProblem ?? 'the environment does not validate');
    const refusal = await refusedStart(ctx.cwd);
    return `the environment validates (${Object.keys(ctx.env.sources).length} settings, mode ${ctx.env.settings.mode}); ${refusal}`;
  });

  await liveStep(run, ctx, 'env hash logged before anything ran', (target) => {
    if (!target.service || !target.env) throw new Skip('not observable on a running service (--url): its start-up output is on its host');
    const { firstStdout, firstStderr, stderrBeforeStdout, lines } = target.service;
    if (stderrBeforeStdout) throw new Error(`the service wrote to stderr before the env hash: ${firstStderr}`);
    let first: { context?: string; envHash?: string };
    try {
      first = JSON.parse(firstStdout ?? '');
    } catch {
      throw new Error(`the first line is not the env check: ${firstStdout}`);
    }
    if (lines[0] !== firstStdout || first.context !== 'EnvCheck' || !first.envHash) throw new Error(`the first line is not the env check: ${lines[0]}`);
    if (first.envHash !== target.env.hash) throw new Error(`logged env hash ${first.envHash}, but the environment it was given hashes to ${target.env.hash}`);
    return `first line of ${lines.length}: EnvCheck envHash ${first.envHash}`;
  });

  await liveStep(run, ctx, `${ENV_CHECK_REPORT} written with that hash`, (target) => {
    if (!target.env) throw new Skip(`not observable on a running service (--url): it writes ${ENV_CHECK_REPORT} on its host`);
    const file = path.join(ctx.reportsDir, ENV_CHECK_REPORT);
    if (!existsSync(file)) throw new Error(`${file} was not written`);
    run.files.push(ENV_CHECK_REPORT);
    const hash = /^env_hash: sha256:([0-9a-f]{64})$/m.exec(readFileSync(file, 'utf8'))?.[1];
    if (hash !== target.env.hash) throw new Error(`${ENV_CHECK_REPORT} says env_hash ${hash ?? 'nothing'}, expected ${target.env.hash}`);
    return `${ENV_CHECK_REPORT}: env_hash sha256:${hash}`;
  });

  await liveStep(run, ctx, 'nf_env_info carries the env hash', async (target) => {
    const answer = await request(`${target.url}/metrics`);
    expectStatus(answer, 200, 'GET /metrics');
    const info = samples(parseExposition(answer.text), 'nf_env_info');
    const hash = info[0]?.labels?.env_hash;
    if (!hash) throw new Error('no nf_env_info{env_hash} on /metrics');
    if (target.env && hash !== target.env.hash) throw new Error(`nf_env_info says ${hash}, the logged hash is ${target.env.hash}`);
    return `nf_env_info{env_hash="${hash}", mode="${info[0].labels?.mode}"}`;
  });

  return run.finish();
}

/**
 * The built entry point given a bad value (PQC_MODE=classical) must stop before anything runs, naming
 * the variable, with exit code 78 (EX_CONFIG). Its failure report goes to a scratch directory.
 */
async function refusedStart(cwd: string): Promise<string> {
  const scratch = mkdtempSync(path.join(tmpdir(), 'nf-verify-env-'));
  try {
    const child = spawn(process.execPath, [ENTRY_POINT], {
      cwd,
      env: { ...process.env, PQC_MODE: 'classical', REPORTS_DIR: scratch, DATA_DIR: scratch },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d));
    child.stderr!.on('data', (d: Buffer) => (output += d));
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.once('close', (c) => (clearTimeout(timer), resolve(c)));
    });
    const named = /PQC_MODE must be one of[^\n]*/.exec(output)?.[0];
    if (code !== 78 || !named) throw new Error(`PQC_MODE=classical: the entry point exited ${code} (expected 78 naming PQC_MODE): ${output.slice(0, 300)}`);
    return `PQC_MODE=classical refused before start-up (exit 78: "${named}")`;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
