import { HttpStatus } from '@nestjs/common';
import { TenantsService } from '../../apps/api/src/auth/tenants.service';
import { Clock } from '../../apps/api/src/lifecycle/clock';
import { V2Error } from '../../apps/api/src/runtime/api/v2.errors';
import { JobHookChain } from '../../apps/api/src/runtime/scheduler/job-hooks';
import { startTestApp, TestApp } from '../support/app';

const request = { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: [0.1, 0.2, 0.3, 0.4] }] };

describe('the job hook chain on the inference path', () => {
  let t: TestApp;
  const seen: string[] = [];

  beforeAll(async () => {
    t = await startTestApp();
    // Registered like the built-in hooks, before any job ran.
    t.app.get(JobHookChain).register({
      name: 'test-admission',
      before: ({ handle, tenant }) => {
        seen.push(`${handle.name}:${tenant}`);
        if (handle.name === 'wide-mlp') throw new V2Error(HttpStatus.FORBIDDEN, 'not admitted');
      },
    });
  });
  afterAll(async () => {
    await t.close();
  });

  it('is registered at bootstrap in order: model-ready, simulation-policy, tenant-admission, metrics, telemetry, then later hooks', () => {
    expect(t.app.get(JobHookChain).names()).toEqual(['model-ready', 'simulation-policy', 'tenant-admission', 'metrics', 'telemetry', 'test-admission']);
  });

  it('runs before every job, and a refusal keeps the job out of the queue', async () => {
    await t.http.post('/v2/models/tiny-mlp/infer').send(request).expect(200);
    const refused = await t.http
      .post('/v2/models/wide-mlp/infer')
      .send({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 256], data: new Array(256).fill(0) }] })
      .expect(403);
    expect(refused.body).toEqual({ error: 'not admitted' });
    expect(seen).toEqual(['tiny-mlp:anonymous', 'wide-mlp:anonymous']);
  });
});

describe('tenant admission', () => {
  let t: TestApp;
  const contributors: (string | undefined)[] = [];

  beforeAll(async () => {
    t = await startTestApp({ INFER_TENANT_RATE_LIMIT: '1', INFER_TENANT_BURST: '2' });
    t.app.get(JobHookChain).register({ name: 'test-contributor', after: ({ contributor }) => void contributors.push(contributor) });
  });
  afterAll(async () => {
    await t.close();
  });

  async function apiKey(name: string): Promise<{ id: string; bearer: string }> {
    const tenants = t.app.get(TenantsService);
    const tenant = await tenants.createTenant(name, { type: 'cli', name: 'test' });
    const { id, key } = await tenants.createApiKey(tenant.id, { type: 'cli', name: 'test' });
    return { id, bearer: `Bearer ${key}` };
  }

  it('answers 429 with Retry-After once a tenant exceeds its rate; other tenants are still served', async () => {
    const [busy, quiet] = [await apiKey('busy'), await apiKey('quiet')];
    jest.spyOn(t.app.get(Clock), 'now').mockReturnValue(Date.now()); // no bucket refills between the requests
    const infer = (key: string) => t.http.post('/v2/models/tiny-mlp/infer').set('Authorization', key).send(request);
    await infer(busy.bearer).expect(200);
    await infer(busy.bearer).expect(200);
    const limited = await infer(busy.bearer).expect(429);
    expect(limited.body.error).toMatch(/tenant request rate above 1\/s \(burst 2\)/);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    await infer(quiet.bearer).expect(200);

    const metrics = (await t.http.get('/metrics').expect(200)).text;
    expect(metrics).toMatch(/nf_inference_requests_total\{model="tiny-mlp",outcome="rate_limited"\} 1\n/);
    expect(metrics).toMatch(/nf_inference_requests_total\{model="tiny-mlp",outcome="ok"\} 3\n/);
    // Each job names the API key that sent it (telemetry counts distinct contributors by it).
    expect(contributors).toEqual([busy.id, busy.id, busy.id, quiet.id]);
  });
});
