import 'reflect-metadata';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Command as Program, CommanderError, InvalidArgumentError } from 'commander';
import { EnvValidationError, LoadedEnv, loadEnv } from './env/env.loader';
import { VERSION } from './version';
import { checkLabel, CheckResult, CheckRun, failureReason, Progress } from './verify/checklist';
import { checkHealth } from './verify/checks/health';
import { checkEnv } from './verify/checks/env';
import { checkPolicy } from './verify/checks/policy';
import { checkPqc } from './verify/checks/pqc';
import { checkRuntime } from './verify/checks/runtime';
import { VerifyContext } from './verify/context';
import { request } from './verify/http';
import { removeGeneratedReports, RunFacts, SUMMARY_REPORT, writeReports } from './verify/reports';
import { serviceEnv, StartedService, startService, temporaryDataDir } from './verify/service';
import { runningTarget, startedTarget, Target } from './verify/target';

/** The repository this build came from (dist/apps/api/src/verify.js). */
const ROOT = path.resolve(__dirname, '..', '..', '..', '..');

interface Options {
  url?: string;
  httpsUrl?: string;
  ca?: string;
  reports?: string;
  skipTests?: boolean;
}

function baseUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError('must be an http:// or https:// URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidArgumentError('must be an http:// or https:// URL');
  return url.href.replace(/\/+$/, '');
}

function parse(argv: string[]): Options {
  const program = new Program('verify')
    .description(
      `Neural Fabric ${VERSION} release verification (npm run verify -- [options]): starts the built service on free ports with a `
        + 'temporary data directory (or checks a running one), runs the H.2 checklist E1-E4 plus health and metrics, '
        + 'writes reports/H.2.*, exits 0 only when every check passed.',
    )
    .option('--url <url>', 'check this running service instead of starting one (admin account from NF_VERIFY_ADMIN_NAME / NF_VERIFY_ADMIN_PASSWORD, API key from NF_VERIFY_API_KEY)', baseUrl)
    .option('--https-url <url>', "with --url: the service's https listener", baseUrl)
    .option('--ca <file>', "PEM certificates to trust on the https listener (default: a started service's development ones)")
    .option('--reports <dir>', 'where the reports go (default: REPORTS_DIR, ./reports)')
    .option('--skip-tests', 'do not run the PQC and runtime test tiers (the reports and the summary say so)')
    .addHelpText('after', '\nExit codes: 0 every check passed, 1 a check failed (named in the output and in H.2.summary.md), 2 usage error.')
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
  program.parse(argv, { from: 'user' });
  const options = program.opts<Options>();
  if (options.httpsUrl && !options.url) throw new CommanderError(2, 'verify.usage', 'error: --https-url goes with --url (a started service names its own)\n');
  if (options.ca && !existsSync(options.ca)) throw new CommanderError(2, 'verify.usage', `error: --ca ${options.ca}: no such file\n`);
  return options;
}

function validate(cwd: string, env: NodeJS.ProcessEnv): { env?: LoadedEnv; envProblem?: string } {
  try {
    return { env: loadEnv(cwd, env) };
  } catch (error) {
    if (!(error instanceof EnvValidationError)) throw error;
    return { envProblem: error.message.replace(/\n\s*/g, ' ') };
  }
}

async function verify(options: Options): Promise<number> {
  const t0 = performance.now();
  const startedAt = new Date().toISOString();
  const cwd = process.cwd();
  const progress = new Progress((line) => process.stdout.write(`${line}\n`));
  const local = validate(cwd, process.env);
  const reportsDir = path.resolve(cwd, options.reports ?? local.env?.settings.reportsDir ?? 'reports');
  const skipTests = options.skipTests === true;
  const ca = options.ca ? readFileSync(options.ca) : undefined;

  progress.line(`Neural Fabric ${VERSION} release verification; reports in ${reportsDir}`);
  if (skipTests) progress.line('WARNING: --skip-tests: the PQC and runtime test tiers will NOT run; the reports say so. This is not a complete verification.');
  removeGeneratedReports(reportsDir, !options.url);

  // The service: started here (its environment validated here the same way) or reached at --url.
  const service = new CheckRun('service', options.url ? 'Service' : 'Service start-up', progress);
  let target: Target | undefined;
  let started: StartedService | undefined;
  let verified = local;
  if (options.url) {
    const url = options.url;
    await service.step(`reach ${url}`, async () => {
      const answer = await request(`${url}/health/live`, { timeoutMs: 10_000 });
      if (answer.status !== 200) throw new Error(`GET /health/live answered ${answer.status}`);
      target = runningTarget(url, options.httpsUrl, ca, process.env);
      return `GET /health/live 200${options.httpsUrl ? `; https listener ${options.httpsUrl}` : ''}`;
    });
  } else {
    const dataDir = temporaryDataDir();
    const env = serviceEnv(process.env, dataDir, reportsDir);
    verified = validate(cwd, env);
    await service.step('start the built service', async () => {
      started = await startService({ cwd, env, dataDir, tls: verified.env?.settings.tls.enabled ?? true });
      target = startedTarget(started, verified.env!, ca);
      return `${started.url}${started.httpsUrl ? ` and ${started.httpsUrl}` : ''}, temporary data directory ${dataDir}, ready`;
    });
  }
  const checks: CheckResult[] = [service.finish()];
  const stopService = () => started?.stop();
  const interrupted = () => {
    void Promise.resolve(stopService()).finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted).once('SIGTERM', interrupted);

  const ctx: VerifyContext = {
    root: ROOT,
    cwd,
    reportsDir,
    skipTests,
    progress,
    target,
    noTarget: target ? undefined : `the service ${options.url ? 'could not be reached' : 'did not start'} (see "${checks[0].title}")`,
    ...verified,
  };
  try {
    for (const check of [checkPqc, checkRuntime, checkPolicy, checkEnv, checkHealth]) checks.push(await check(ctx));
  } finally {
    await stopService();
  }

  const envHash = options.url ? await runningEnvHash(target) : verified.env?.hash;
  const facts: RunFacts = {
    startedAt,
    ms: Math.round(performance.now() - t0),
    envHash,
    service: options.url
      ? `running service ${options.url}${options.httpsUrl ? ` and ${options.httpsUrl}` : ''}`
      : `started by verify from ${path.relative(cwd, path.join(__dirname, 'main.js')) || 'main.js'} in ${cwd}, temporary data directory and SQLite database`,
    command: commandLine(),
    skipTests,
  };
  writeReports(reportsDir, checks, facts);

  const failed = checks.filter((c) => c.status === 'fail');
  progress.line(`summary: ${path.join(reportsDir, SUMMARY_REPORT)}`);
  if (failed.length) {
    for (const check of failed) progress.line(`FAILED ${checkLabel(check)}: ${failureReason(check)}`);
    progress.line(`verify: FAIL (${failed.map((c) => c.id).join(', ')}) in ${(facts.ms / 1000).toFixed(1)} s`);
    return 1;
  }
  progress.line(`verify: PASS${skipTests ? ' (test tiers SKIPPED: not a complete verification)' : ''} in ${(facts.ms / 1000).toFixed(1)} s`);
  return 0;
}

/** How verify was run, to repeat it. */
function commandLine(): string {
  const args = process.argv.slice(2);
  if (process.env.npm_lifecycle_event === 'verify') return ['npm run verify', ...(args.length ? ['--', ...args] : [])].join(' ');
  return ['node', path.relative(process.cwd(), __filename) || __filename, ...args].join(' ');
}

/** A running service's env hash, from nf_env_info. */
async function runningEnvHash(target: Target | undefined): Promise<string | undefined> {
  if (!target) return undefined;
  const answer = await request(`${target.url}/metrics`).catch(() => undefined);
  return answer && /nf_env_info\{[^}]*env_hash="([0-9a-f]{64})"/.exec(answer.text)?.[1];
}

async function main(argv: string[]): Promise<number> {
  let options: Options;
  try {
    options = parse(argv);
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    if (error.code === 'verify.usage') process.stderr.write(error.message);
    return error.exitCode === 0 ? 0 : 2;
  }
  return verify(options);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`verify failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    process.exit(1);
  },
);
