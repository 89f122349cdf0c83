import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { loadEnv } from '../env/env.loader';
import { ENV_SCHEMA } from '../env/env.schema';
import { loadBudgetCheck, POLICY_IDS, POLICY_NAMES, worst } from './policy.checks';
import { POLICY_DOCUMENT_VERSION, readPolicyDocument } from './policy.document';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..');

describe('policy document', () => {
  it('the repository document carries the version this code enforces', () => {
    const state = readPolicyDocument(path.join(REPO_ROOT, 'docs', 'policies', 'model_telemetry.md'));
    expect(state).toMatchObject({ present: true, version: POLICY_DOCUMENT_VERSION, expectedVersion: POLICY_DOCUMENT_VERSION });
    expect(state.problem).toBeUndefined();
  });

  it('and the code agree: every path and setting it names exists, every policy has its section', () => {
    const text = readFileSync(path.join(REPO_ROOT, 'docs', 'policies', 'model_telemetry.md'), 'utf8');
    const paths = [...text.matchAll(/`((?:apps|test|docs)\/[^`\s]+)`/g)].map((m) => m[1]);
    expect(paths.length).toBeGreaterThan(10);
    expect(paths.filter((p) => !existsSync(path.join(REPO_ROOT, p)))).toEqual([]);
    // An upper-case name is a setting, else a constant of the policy module's code.
    const code = readdirSync(__dirname).filter((f) => f.endsWith('.ts')).map((f) => readFileSync(path.join(__dirname, f), 'utf8')).join('\n');
    const names = [...text.matchAll(/`([A-Z][A-Z0-9_]+_[A-Z0-9_]+)`/g)].map((m) => m[1]);
    expect(names.filter((n) => !(n in ENV_SCHEMA) && !new RegExp(`\\bconst ${n}\\b`).test(code))).toEqual([]);
    for (const id of POLICY_IDS) expect(text).toContain(`### ${id} ${POLICY_NAMES[id]}`);
    expect(text).not.toMatch(/^### P5/m);
  });

  it('names a missing file, a missing version line and another version', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nf-policy-'));
    const file = path.join(dir, 'policy.md');
    expect(readPolicyDocument(file)).toMatchObject({ present: false, version: null, problem: expect.stringMatching(/is missing \(ENOENT\)/) });
    writeFileSync(file, '# Policy\n\nno version here\n');
    expect(readPolicyDocument(file)).toMatchObject({ present: true, version: null, problem: expect.stringMatching(/has no "Policy-Version:" line/) });
    writeFileSync(file, '# Policy\n\nPolicy-Version: 0\n');
    expect(readPolicyDocument(file)).toMatchObject({ version: '0', problem: expect.stringMatching(/is version 0, this service enforces version 1/) });
  });
});

describe('P6 performance budget', () => {
  const buckets = (counts: number[]) => [0.05, 0.1, 0.25, 0.5, 0.8, 1, 2.5].map((le, i) => ({ le, count: counts[i] }));

  it('warns while no load was measured', () => {
    expect(loadBudgetCheck(buckets([0, 0, 0, 0, 0, 0, 0]), 0, 800)).toMatchObject({ id: 'P6', status: 'warn', evidence: { loads: 0, p95LoadSecondsAtMost: null } });
  });

  it('passes when 95% of loads took at most 800 ms', () => {
    const result = loadBudgetCheck(buckets([10, 15, 18, 19, 20, 20, 20]), 20, 800);
    expect(result).toMatchObject({ status: 'pass', evidence: { loads: 20, p95LoadSecondsAtMost: 0.5, budgetSeconds: 0.8 } });
  });

  it('fails when the 95th percentile lies above 800 ms, also beyond the last bucket', () => {
    expect(loadBudgetCheck(buckets([10, 10, 10, 10, 10, 20, 20]), 20, 800)).toMatchObject({ status: 'fail', evidence: { p95LoadSecondsAtMost: 1 } });
    expect(loadBudgetCheck(buckets([0, 0, 0, 0, 0, 0, 0]), 3, 800)).toMatchObject({ status: 'fail', evidence: { p95LoadSecondsAtMost: '+Inf' } });
  });
});

describe('worst', () => {
  it('orders pass < warn < fail', () => {
    expect(worst([])).toBe('pass');
    expect(worst(['pass', 'warn', 'pass'])).toBe('warn');
    expect(worst(['warn', 'fail', 'pass'])).toBe('fail');
  });
});

describe('POLICY_READINESS', () => {
  it('takes a comma-separated list of policy ids and refuses anything else, naming it', () => {
    expect(loadEnv(REPO_ROOT, {}).settings.policy.readiness).toEqual([]);
    expect(loadEnv(REPO_ROOT, { POLICY_READINESS: 'P2, P1,P2' }).settings.policy.readiness).toEqual(['P2', 'P1']);
    expect(() => loadEnv(REPO_ROOT, { POLICY_READINESS: 'P1,P5' })).toThrow(/POLICY_READINESS must be a comma-separated list of P1, P2, P3, P4, P6, P7 \(got "P1,P5"\)/);
  });
});
