import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { ENV_CHECK_REPORT } from '../env/env-check';
import { VERSION } from '../version';
import { checkLabel, CheckResult, failureReason, StepResult } from './checklist';
import { E1_OUTPUT } from './checks/pqc';

export const SUMMARY_REPORT = 'H.2.summary.md';
export const enhancementReport = (id: string) => `H.2.${id}.md`;

/** What every report says about the run. */
export interface RunFacts {
  startedAt: string;
  ms: number;
  /** The verified service's env hash, when it is known. */
  envHash?: string;
  /** Which service was checked, in words. */
  service: string;
  command: string;
  skipTests: boolean;
}

/** What each generated file is (reports/README.md says the same for people). */
const FILE_MEANING: Record<string, string> = {
  [E1_OUTPUT]: 'what GET /pqc/handshake served, the SDK sessions (plain and post-quantum TLS) and the refused rotation, as JSON',
  'logs/H.2.E1.log': "the PQC test tier's output (jest)",
  'logs/H.2.E2.log': "the runtime test tier's output (jest)",
  'logs/H.2.E3.log': 'the policy document state, GET /policies and the readiness policy check',
  [ENV_CHECK_REPORT]: 'written by the service itself at start-up, before anything else ran: each setting, its layer, the env hash',
};

/** Everything verify writes, so that a run never leaves an earlier run's files looking like its own. */
export function removeGeneratedReports(reportsDir: string, includeEnvCheck: boolean): void {
  const files = [SUMMARY_REPORT, E1_OUTPUT, ...['E1', 'E2', 'E3', 'E4'].map(enhancementReport), ...['E1', 'E2', 'E3'].map((id) => `logs/H.2.${id}.log`)];
  for (const file of [...files, ...(includeEnvCheck ? [ENV_CHECK_REPORT] : [])]) rmSync(path.join(reportsDir, file), { force: true });
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const verdict = (status: string) => (status === 'pass' ? 'PASS' : status === 'fail' ? 'FAIL' : 'SKIPPED');

function stepTable(steps: StepResult[]): string[] {
  return [
    '| step | result | time | evidence, or why it failed |',
    '| --- | --- | --- | --- |',
    ...steps.map((s) => `| ${cell(s.name)} | ${verdict(s.status)} | ${s.ms} ms | ${cell(s.detail)} |`),
  ];
}

function header(facts: RunFacts): string[] {
  return [
    '| | |',
    '| --- | --- |',
    `| version | ${VERSION} |`,
    `| env hash | ${facts.envHash ? `\`sha256:${facts.envHash}\`` : 'unknown (no service was verified)'} |`,
    `| service | ${cell(facts.service)} |`,
    `| command | \`${cell(facts.command)}\` |`,
  ];
}

function enhancementMarkdown(check: CheckResult, facts: RunFacts): string {
  const lines = [
    `# H.2.${check.id} ${check.title}: ${verdict(check.status)}`,
    '',
    ...header(facts),
    `| checked | ${check.startedAt}, ${seconds(check.ms)} |`,
    `| result | **${verdict(check.status)}**${check.status === 'fail' ? `: ${cell(failureReason(check))}` : ''} |`,
    '',
    '## What was checked',
    '',
    ...stepTable(check.steps),
  ];
  if (check.steps.some((s) => s.status === 'skipped')) {
    lines.push('', '**Not a complete verification:** the steps marked SKIPPED did not run.');
  }
  if (check.files.length) {
    lines.push('', '## Evidence files', '', ...check.files.map((f) => `- [\`${f}\`](${f.split(path.sep).join('/')}): ${FILE_MEANING[f] ?? ''}`));
  }
  return `${lines.join('\n')}\n`;
}

function summaryMarkdown(checks: CheckResult[], facts: RunFacts): string {
  const failed = checks.filter((c) => c.status === 'fail');
  const skipped = checks.flatMap((c) => c.steps.filter((s) => s.status === 'skipped').map((s) => `${c.id} ${s.name}`));
  const lines = [
    `# H.2 release verification: ${failed.length ? `FAIL (${failed.map(checkLabel).join(', ')})` : 'PASS'}`,
    '',
    ...header(facts),
    `| run | ${facts.startedAt}, ${seconds(facts.ms)} |`,
    '',
  ];
  if (skipped.length) {
    lines.push(`**Not a complete verification:** ${skipped.length} step(s) did not run: ${skipped.map(cell).join('; ')}.`, '');
  }
  lines.push(
    '## Checklist',
    '',
    '| check | result | time | report | why it failed |',
    '| --- | --- | --- | --- | --- |',
    ...checks.map((c) => {
      const report = c.id.startsWith('E') ? `[${enhancementReport(c.id)}](${enhancementReport(c.id)})` : 'below';
      return `| ${cell(checkLabel(c))} | ${verdict(c.status)} | ${seconds(c.ms)} | ${report} | ${c.status === 'fail' ? cell(failureReason(c)) : ''} |`;
    }),
  );
  for (const check of checks.filter((c) => !c.id.startsWith('E'))) {
    lines.push('', `## ${check.title}`, '', ...stepTable(check.steps));
  }
  return `${lines.join('\n')}\n`;
}

/** H.2.E1.md ... H.2.E4.md and H.2.summary.md; returns the files written (relative). */
export function writeReports(reportsDir: string, checks: CheckResult[], facts: RunFacts): string[] {
  mkdirSync(reportsDir, { recursive: true });
  const written: string[] = [];
  for (const check of checks.filter((c) => c.id.startsWith('E'))) {
    writeFileSync(path.join(reportsDir, enhancementReport(check.id)), enhancementMarkdown(check, facts));
    written.push(enhancementReport(check.id));
  }
  writeFileSync(path.join(reportsDir, SUMMARY_REPORT), summaryMarkdown(checks, facts));
  return [...written, SUMMARY_REPORT];
}
