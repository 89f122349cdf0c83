import type { OverviewView } from '@nf/contracts';
import { CheckResult, CheckRun } from '../checklist';
import { liveStep, tierStep, VerifyContext } from '../context';
import { MetricFamily, parseExposition, sampleSum } from '../exposition';
import { expectStatus, json, request } from '../http';
import type { Target } from '../target';
import { RUNTIME_TIER } from '../test-tiers';

/** The seed's load budget (load + warmup per model); MODEL_LOAD_BUDGET_MS may only make it stricter. */
export const SEED_LOAD_BUDGET_MS = 800;

type Frameworks = OverviewView['runtime']['frameworks'];

/**
 * E2 Runtime hooks: which frameworks the hooks detected (ONNX Runtime real, the others simulated),
 * a live reload of every model in the repository inside the budget, counted by nf_runtime_loaded_total,
 * and the runtime test tier.
 */
export async function checkRuntime(ctx: VerifyContext): Promise<CheckResult> {
  const run = new CheckRun('E2', 'Runtime hooks', ctx.progress);

  await liveStep(run, ctx, 'frameworks detected', async (target) => {
    const { frameworks } = (await overview(target)).runtime;
    const onnx = frameworks.find((f) => f.framework === 'onnx');
    if (!onnx?.available || onnx.simulated) throw new Error(`ONNX Runtime is not available for real: ${onnx?.reason ?? 'not reported'}`);
    return frameworks.map(describeFramework).join('; ');
  });

  await liveStep(run, ctx, `live load of every repository model within ${SEED_LOAD_BUDGET_MS} ms`, async (target) => {
    const admin = await target.admin();
    const index = await admin.post('/v2/repository/index');
    expectStatus(index, 200, 'POST /v2/repository/index');
    const names = json<{ name: string }[]>(index, 'POST /v2/repository/index').map((m) => m.name);
    if (names.length === 0) throw new Error('the model repository is empty');
    const before = await metrics(target);
    const problems: string[] = [];
    for (const name of names) {
      const loaded = await admin.post(`/v2/repository/models/${encodeURIComponent(name)}/load`);
      if (loaded.status !== 200) problems.push(`${name}: load answered ${loaded.status} ${loaded.text.slice(0, 160)}`);
    }
    const view = await overview(target);
    const budget = Math.min(SEED_LOAD_BUDGET_MS, view.runtime.loadBudgetMs);
    const evidence: string[] = [];
    for (const name of names) {
      const model = view.runtime.models.find((m) => m.name === name);
      if (!model || model.state !== 'READY' || model.loadMs === null) {
        problems.push(`${name}: ${model ? `${model.state}${model.reason ? ` (${model.reason})` : ''}` : 'not in the overview'}`);
        continue;
      }
      const ms = Math.round(model.loadMs);
      if (model.loadMs > budget || model.overBudget) problems.push(`${name}: load + warmup took ${ms} ms, over the ${budget} ms budget`);
      evidence.push(`${name} v${model.version} ${model.framework}${model.simulated ? ' (simulated)' : ''} ${ms} ms`);
    }
    // Every load above counted once under the framework that actually runs the model.
    const after = await metrics(target);
    const counted = (families: MetricFamily[]) => sampleSum(families, 'nf_runtime_loaded_total');
    if (counted(after) - counted(before) < names.length) {
      problems.push(`nf_runtime_loaded_total rose by ${counted(after) - counted(before)} for ${names.length} loads`);
    }
    if (problems.length) throw new Error(problems.join('; '));
    return `${names.length} models, budget ${budget} ms: ${evidence.join(', ')}; nf_runtime_loaded_total +${counted(after) - counted(before)}`;
  });

  await tierStep(run, ctx, RUNTIME_TIER, 'H.2.E2.log');
  return run.finish();
}

function describeFramework(f: Frameworks[number]): string {
  if (f.available && !f.simulated) return `${f.framework} ${f.version ?? ''} real${f.providers?.length ? ` (${f.providers.join(', ')})` : ''}`.replace('  ', ' ');
  return `${f.framework} ${f.simulated ? 'simulated' : 'refused'}: ${f.reason ?? 'not available'}`;
}

async function overview(target: Target): Promise<OverviewView> {
  const answer = await (await target.admin()).get('/admin/overview');
  expectStatus(answer, 200, 'GET /admin/overview');
  return json<OverviewView>(answer, 'GET /admin/overview');
}

async function metrics(target: Target): Promise<MetricFamily[]> {
  const answer = await request(`${target.url}/metrics`);
  expectStatus(answer, 200, 'GET /metrics');
  return parseExposition(answer.text);
}
