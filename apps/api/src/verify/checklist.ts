import { performance } from 'node:perf_hooks';

export type StepStatus = 'pass' | 'fail' | 'skipped';

/** One thing a check looked at: what, how it ended, the evidence or the reason, how long it took. */
export interface StepResult {
  name: string;
  status: StepStatus;
  /** Evidence when it passed; the reason when it failed or was skipped. */
  detail: string;
  ms: number;
}

export type CheckId = 'service' | 'E1' | 'E2' | 'E3' | 'E4' | 'health';

/** How a check is named in progress lines and reports: "E1 PQC bridge", or just the title for the others. */
export const checkLabel = (check: { id: CheckId; title: string }) => (check.id.startsWith('E') ? `${check.id} ${check.title}` : check.title);

export interface CheckResult {
  id: CheckId;
  title: string;
  /** fail when any step failed; pass otherwise (skipped steps are listed, and the summary says so). */
  status: 'pass' | 'fail';
  steps: StepResult[];
  /** Files this check wrote (relative to the reports directory). */
  files: string[];
  startedAt: string;
  ms: number;
}

/** What a step function gets: a way to skip itself with a reason (it fails by throwing). */
export class Skip extends Error {}

export type StepFn = () => Promise<string> | string;

/** Prints progress lines as the checks run: elapsed since the start, check, step, result. */
export class Progress {
  private readonly started = performance.now();

  constructor(private readonly write: (line: string) => void) {}

  line(text: string): void {
    const elapsed = ((performance.now() - this.started) / 1000).toFixed(1).padStart(6);
    this.write(`[${elapsed}s] ${text}`);
  }

  /** A line without the clock (e.g. a test tier's own PASS/FAIL lines as they come). */
  raw(text: string): void {
    this.write(`          ${text}`);
  }
}

/**
 * One checklist item being run: steps run one after another, each timed and printed as it ends;
 * a failed step does not stop the next ones (each names its own problem), unless it says so.
 */
export class CheckRun {
  readonly steps: StepResult[] = [];
  readonly files: string[] = [];
  private readonly startedAt = new Date();
  private readonly t0 = performance.now();

  constructor(
    readonly id: CheckId,
    readonly title: string,
    private readonly progress: Progress,
  ) {
    progress.line(checkLabel(this));
  }

  async step(name: string, fn: StepFn): Promise<boolean> {
    const t0 = performance.now();
    let status: StepStatus = 'pass';
    let detail: string;
    try {
      detail = await fn();
    } catch (error) {
      status = error instanceof Skip ? 'skipped' : 'fail';
      detail = error instanceof Error ? error.message : String(error);
    }
    const ms = Math.round(performance.now() - t0);
    this.steps.push({ name, status, detail, ms });
    const label = { pass: 'ok', fail: 'FAIL', skipped: 'SKIPPED' }[status];
    this.progress.line(`  ${this.tag} ${name}: ${label} (${ms} ms)${detail ? ` - ${oneLine(detail)}` : ''}`);
    return status !== 'fail';
  }

  /** Records a step that could not run because something before it failed. */
  notRun(name: string, why: string): void {
    this.steps.push({ name, status: 'fail', detail: `not run: ${why}`, ms: 0 });
    this.progress.line(`  ${this.tag} ${name}: FAIL - not run: ${why}`);
  }

  private get tag(): string {
    return this.id.startsWith('E') ? this.id : '-';
  }

  finish(): CheckResult {
    const failed = this.steps.filter((s) => s.status === 'fail');
    const result: CheckResult = {
      id: this.id,
      title: this.title,
      status: failed.length || this.steps.length === 0 ? 'fail' : 'pass',
      steps: this.steps,
      files: this.files,
      startedAt: this.startedAt.toISOString(),
      ms: Math.round(performance.now() - this.t0),
    };
    const skipped = this.steps.filter((s) => s.status === 'skipped').length;
    this.progress.line(
      `${checkLabel(this)}: ${result.status === 'pass' ? 'PASS' : `FAIL (${failed.map((s) => s.name).join('; ')})`}`
        + `${skipped ? `, ${skipped} step(s) skipped` : ''} in ${(result.ms / 1000).toFixed(1)} s`,
    );
    return result;
  }
}

export const oneLine = (text: string, max = 300) => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 3)}...` : flat;
};

/** Why a check failed, in one line: its failing steps and their reasons. */
export function failureReason(check: CheckResult): string {
  return check.steps
    .filter((s) => s.status === 'fail')
    .map((s) => `${s.name}: ${oneLine(s.detail, 200)}`)
    .join('; ');
}
