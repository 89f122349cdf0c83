import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { LoadedEnv } from '../env/env.loader';
import { CheckRun, Progress, Skip } from './checklist';
import type { Target } from './target';
import { runTier, TestTier } from './test-tiers';

/** What every check gets. */
export interface VerifyContext {
  /** The repository (jest, its config and the test files). */
  readonly root: string;
  /** Where the service runs and reads .env.default from, as `npm start` would. */
  readonly cwd: string;
  readonly reportsDir: string;
  readonly skipTests: boolean;
  readonly progress: Progress;
  /**
   * The environment validated here exactly as the service validates it: for a started service the one it
   * was given; with --url this checkout's (its policy document path, its .env.default).
   */
  readonly env?: LoadedEnv;
  /** Why the environment does not validate. */
  readonly envProblem?: string;
  /** The service; undefined when it could not be started or reached. */
  readonly target?: Target;
  /** Why there is no target. */
  readonly noTarget?: string;
}

/** A step that needs the service: recorded as not run (a failure) when there is none. */
export function liveStep(run: CheckRun, ctx: VerifyContext, name: string, fn: (target: Target) => Promise<string> | string): Promise<boolean> {
  const target = ctx.target;
  if (!target) {
    run.notRun(name, ctx.noTarget ?? 'no service');
    return Promise.resolve(false);
  }
  return run.step(name, () => fn(target));
}

/** Writes a file under the reports directory and lists it with the check. */
export function writeReportFile(run: CheckRun, ctx: VerifyContext, relative: string, content: string): string {
  const file = path.join(ctx.reportsDir, relative);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
  if (!run.files.includes(relative)) run.files.push(relative);
  return file;
}

/** A test tier as a step whose output goes to `logName` under reports/logs/ (also when skipped, saying so). */
export async function tierStep(run: CheckRun, ctx: VerifyContext, tier: TestTier, logName: string): Promise<void> {
  const relative = path.join('logs', logName);
  if (ctx.skipTests) {
    writeReportFile(run, ctx, relative, `# ${tier.name}\n# NOT RUN: verify was started with --skip-tests.\n# Files: ${tier.paths.join(' ')}\n`);
    await run.step(tier.name, () => {
      throw new Skip(`NOT RUN (--skip-tests); ${relative} says so`);
    });
    return;
  }
  run.files.push(relative);
  await run.step(tier.name, async () => {
    const outcome = await runTier(tier, ctx.root, path.join(ctx.reportsDir, relative), (line) => ctx.progress.raw(line));
    if (!outcome.ok) throw new Error(`${outcome.summary} (full output in ${relative})`);
    return `${outcome.summary} (${relative})`;
  });
}
