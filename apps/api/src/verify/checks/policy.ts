import type { PoliciesView, ServiceModeView } from '@nf/contracts';
import { POLICY_DOCUMENT_VERSION, readPolicyDocument } from '../../policy/policy.document';
import { CheckResult, CheckRun } from '../checklist';
import { liveStep, VerifyContext, writeReportFile } from '../context';
import { expectStatus, json, request } from '../http';

/**
 * E3 Policy: the model telemetry policy document is where the service reads it, with the version the code
 * enforces; GET /policies passes (warn allowed in simulation, each with its reason); readiness checks it.
 */
export async function checkPolicy(ctx: VerifyContext): Promise<CheckResult> {
  const run = new CheckRun('E3', 'Policy', ctx.progress);
  const log: string[] = [`# H.2.E3 policy check, ${new Date().toISOString()}`, `# enforced Policy-Version: ${POLICY_DOCUMENT_VERSION}`, ''];

  await run.step('policy document present with the enforced version', () => {
    if (!ctx.env) throw new Error(`the environment does not validate, so where the document is cannot be told (${ctx.envProblem})`);
    const state = readPolicyDocument(ctx.env.settings.policy.documentPath);
    log.push(`document: ${JSON.stringify(state)}`, '');
    if (state.problem) throw new Error(state.problem);
    return `${state.path}, Policy-Version ${state.version}`;
  });

  await liveStep(run, ctx, 'GET /policies', async (target) => {
    const mode = json<ServiceModeView>(await request(`${target.url}/auth/mode`), 'GET /auth/mode');
    const answer = await (await target.admin()).get('/policies');
    expectStatus(answer, 200, 'GET /policies');
    const view = json<PoliciesView>(answer, 'GET /policies');
    log.push(`GET /policies (${mode.mode} mode):`, JSON.stringify(view, null, 2), '');
    const problems: string[] = [];
    const { document } = view;
    if (!document.present || document.version !== document.expectedVersion) {
      problems.push(`the service reads ${document.path}: ${document.present ? `version ${document.version}, expected ${document.expectedVersion}` : 'missing'}`);
    }
    for (const policy of view.policies) {
      if (policy.status === 'fail') problems.push(`${policy.id} ${policy.name} fails: ${policy.summary}`);
      else if (policy.status === 'warn' && mode.mode !== 'simulation') problems.push(`${policy.id} ${policy.name} warns in ${mode.mode} mode: ${policy.summary}`);
      else if (policy.status === 'warn' && !policy.summary.trim()) problems.push(`${policy.id} ${policy.name} warns without a reason`);
    }
    if (view.policies.length === 0) problems.push('no policy was checked');
    if (problems.length) throw new Error(problems.join('; '));
    return view.policies.map((p) => `${p.id} ${p.status}${p.status === 'warn' ? ` (${p.summary})` : ''}`).join(', ');
  });

  await liveStep(run, ctx, 'readiness checks the policy', async (target) => {
    const answer = await request(`${target.url}/health/ready`);
    const body = json<{ details?: Record<string, { status: string; [k: string]: unknown }> }>(answer, 'GET /health/ready');
    const policy = body.details?.policy;
    log.push(`GET /health/ready: ${answer.status} policy ${JSON.stringify(policy ?? null)}`);
    if (!policy) throw new Error('readiness has no policy check');
    if (policy.status !== 'up') throw new Error(`readiness policy check is ${policy.status}: ${JSON.stringify(policy)}`);
    return `policy ${policy.status} (version ${String(policy.version)})`;
  });

  writeReportFile(run, ctx, 'logs/H.2.E3.log', `${log.join('\n')}\n`);
  return run.finish();
}
