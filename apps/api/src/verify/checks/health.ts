import { VERSION } from '../../version';
import { CheckResult, CheckRun } from '../checklist';
import { liveStep, VerifyContext } from '../context';
import { findPromtool, MetricFamily, parseExposition, promtoolCheck, samples } from '../exposition';
import { expectStatus, request } from '../http';

/** nf_ families every build exposes (one per module), whatever it has served yet. */
export const REQUIRED_SERIES = [
  'nf_env_info',
  'nf_build_info',
  'nf_pqc_handshakes_total',
  'nf_pqc_handshake_duration_seconds',
  'nf_pqc_active_key_version',
  'nf_pqc_provider_info',
  'nf_key_rotation_requests_total',
  'nf_audit_chain_ok',
  'nf_runtime_loaded_total',
  'nf_runtime_load_duration_seconds',
  'nf_runtime_model_ready',
  'nf_inference_requests_total',
  'nf_policy_status',
  'nf_http_requests_total',
] as const;

/** Only where the https listener runs. */
export const TLS_SERIES = ['nf_tls_handshakes_total', 'nf_tls_certificate_expiry_timestamp_seconds'] as const;

/** Health and metrics: the three Kubernetes probes answer 200, and /metrics parses with every nf_ family present. */
export async function checkHealth(ctx: VerifyContext): Promise<CheckResult> {
  const run = new CheckRun('health', 'Health and metrics', ctx.progress);

  await liveStep(run, ctx, 'probes /health/live, /health/startup, /health/ready', async (target) => {
    const problems: string[] = [];
    for (const probe of ['live', 'startup', 'ready']) {
      const answer = await request(`${target.url}/health/${probe}`);
      if (answer.status !== 200) problems.push(`/health/${probe} answered ${answer.status}: ${answer.text.slice(0, 300)}`);
    }
    if (problems.length) throw new Error(problems.join('; '));
    return 'all three answered 200';
  });

  let families: MetricFamily[] | undefined;
  await liveStep(run, ctx, '/metrics accepted by a Prometheus parser', async (target) => {
    const answer = await request(`${target.url}/metrics`);
    expectStatus(answer, 200, 'GET /metrics');
    families = parseExposition(answer.text);
    const promtool = findPromtool();
    if (promtool) promtoolCheck(promtool, answer.text);
    const nf = families.filter((f) => f.name.startsWith('nf_')).length;
    return `${families.length} families (${nf} nf_) parsed by parse-prometheus-text-format; `
      + (promtool ? `promtool check metrics passed (${promtool})` : 'promtool not installed (apt-get install prometheus), its lint not run');
  });

  await liveStep(run, ctx, 'nf_ series present', (target) => {
    if (!families) throw new Error('needs /metrics, which did not parse');
    const required: readonly string[] = target.httpsUrl ? [...REQUIRED_SERIES, ...TLS_SERIES] : REQUIRED_SERIES;
    const names = new Set(families.map((f) => f.name));
    const missing = required.filter((name) => !names.has(name));
    if (missing.length) throw new Error(`missing: ${missing.join(', ')}`);
    const build = samples(families, 'nf_build_info')[0]?.labels;
    if (build?.version !== VERSION) throw new Error(`nf_build_info says version ${build?.version ?? 'nothing'}, this build is ${VERSION}`);
    return `${required.length} required families present; nf_build_info{version="${build.version}", node_version="${build.node_version}"}`;
  });

  return run.finish();
}
