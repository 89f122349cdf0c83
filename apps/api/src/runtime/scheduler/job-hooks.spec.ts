import { HttpStatus } from '@nestjs/common';
import { register } from 'prom-client';
import { V2Error } from '../api/v2.errors';
import { ModelHandle } from '../runtime.types';
import { InferenceMetrics } from './inference.metrics';
import { InferenceJob, JobHook, JobHookChain, JobResult, metricsHook, modelReadyHook, outcomeOf, simulationPolicyHook, tenantAdmissionHook } from './job-hooks';

const handle = (over: Partial<ModelHandle> = {}) => ({ name: 'm', state: 'READY', simulated: false, ...over }) as ModelHandle;
const job = (over: Partial<ModelHandle> = {}, tenant = 't'): InferenceJob => ({ handle: handle(over), tenant, rows: 1, inputBytes: 16 });
const ok = () => Promise.resolve('out');

/** A hook that records both phases under its name. */
function recorder(name: string, seen: string[], refuse?: Error): JobHook {
  return {
    name,
    before: () => {
      seen.push(`${name}:before`);
      if (refuse) throw refuse;
    },
    after: (_job, result) => void seen.push(`${name}:after:${result.outcome}`),
  };
}

describe('JobHookChain', () => {
  it('runs the before phase in registration order, the job, then every after phase with the result', async () => {
    const chain = new JobHookChain();
    const seen: string[] = [];
    let result: JobResult | undefined;
    chain.register(recorder('a', seen), recorder('b', seen), { name: 'c', after: (_job, r) => void (result = r) });
    expect(chain.names()).toEqual(['a', 'b', 'c']);
    await expect(chain.around(job(), () => (seen.push('run'), ok()), (v) => v.length)).resolves.toBe('out');
    expect(seen).toEqual(['a:before', 'b:before', 'run', 'a:after:ok', 'b:after:ok']);
    expect(result).toEqual({ outcome: 'ok', seconds: expect.any(Number), outputBytes: 3 });
  });

  it('stops at the first refusal: the job never runs, later before-hooks never see it, after-only hooks count it', async () => {
    const chain = new JobHookChain();
    const seen: string[] = [];
    const refusal = new V2Error(HttpStatus.FORBIDDEN, 'no');
    chain.register(recorder('a', seen), recorder('refuse', seen, refusal), recorder('c', seen), {
      name: 'count',
      after: (_job, r) => void seen.push(`count:after:${r.outcome}`),
    });
    await expect(chain.around(job(), () => (seen.push('run'), ok()), () => 0)).rejects.toBe(refusal);
    expect(seen).toEqual(['a:before', 'refuse:before', 'a:after:error', 'count:after:error']);
  });

  it('awaits an asynchronous before: the job runs only once it resolved, and its rejection refuses the job', async () => {
    const chain = new JobHookChain();
    const seen: string[] = [];
    let allow = true;
    const refusal = new V2Error(HttpStatus.FORBIDDEN, 'not now');
    chain.register(
      { name: 'slow', before: async () => { await new Promise((resolve) => setTimeout(resolve, 5)); seen.push('slow:before'); if (!allow) throw refusal; } },
      recorder('b', seen),
    );
    await expect(chain.around(job(), () => (seen.push('run'), ok()), () => 0)).resolves.toBe('out');
    expect(seen).toEqual(['slow:before', 'b:before', 'run', 'b:after:ok']);
    seen.length = 0;
    allow = false;
    await expect(chain.around(job(), () => (seen.push('run'), ok()), () => 0)).rejects.toBe(refusal);
    expect(seen).toEqual(['slow:before']);
  });

  it('reports the outcome of a failed job to every hook, and an after hook that throws does not hide it', async () => {
    const chain = new JobHookChain();
    const seen: string[] = [];
    chain.register({ name: 'broken', after: () => { throw new Error('boom'); } }, recorder('a', seen));
    const timeout = new V2Error(HttpStatus.GATEWAY_TIMEOUT, 'deadline');
    await expect(chain.around(job(), () => Promise.reject(timeout), () => 0)).rejects.toBe(timeout);
    expect(seen).toEqual(['a:before', 'a:after:deadline']);
  });

  it('is fixed once the first job ran, and refuses duplicate names', async () => {
    const chain = new JobHookChain();
    chain.register(modelReadyHook);
    expect(() => chain.register(modelReadyHook)).toThrow(/registered twice/);
    await chain.around(job(), ok, () => 0);
    expect(() => chain.register({ name: 'late', before: () => undefined })).toThrow(/before the first job/);
  });
});

describe('built-in hooks', () => {
  it('model-ready refuses a model that is not READY with 503', () => {
    expect(() => modelReadyHook.before!(job({ state: 'LOADING' }))).toThrow(expect.objectContaining({ status: 503 }));
    expect(() => modelReadyHook.before!(job())).not.toThrow();
  });

  it('simulation-policy refuses simulated models only in production without the explicit allowance', () => {
    expect(() => simulationPolicyHook(true, false).before!(job({ simulated: true }))).toThrow(expect.objectContaining({ status: 503 }));
    expect(() => simulationPolicyHook(true, true).before!(job({ simulated: true }))).not.toThrow();
    expect(() => simulationPolicyHook(false, false).before!(job({ simulated: true }))).not.toThrow();
    expect(() => simulationPolicyHook(true, false).before!(job())).not.toThrow();
  });

  describe('tenant-admission', () => {
    let now = 0;
    const admit = (hook: JobHook, tenant: string) => hook.before!(job({}, tenant));

    beforeEach(() => (now = 1_000_000));

    it('admits a burst, then 429 with Retry-After until the bucket refills, per tenant', () => {
      const hook = tenantAdmissionHook(2, 3, () => now);
      for (let i = 0; i < 3; i++) admit(hook, 'a');
      let refusal: unknown;
      try {
        admit(hook, 'a');
      } catch (error) {
        refusal = error;
      }
      expect(refusal).toMatchObject({ status: 429, retryAfterSeconds: 1, message: expect.stringMatching(/rate above 2\/s/) });
      expect(outcomeOf(refusal)).toBe('rate_limited');
      expect(() => admit(hook, 'b')).not.toThrow(); // another tenant has its own bucket
      now += 499;
      expect(() => admit(hook, 'a')).toThrow(expect.objectContaining({ status: 429 }));
      now += 1; // 500 ms at 2/s = one token
      expect(() => admit(hook, 'a')).not.toThrow();
      expect(() => admit(hook, 'a')).toThrow(expect.objectContaining({ status: 429 }));
    });

    it('never holds more than the burst, however long a tenant was idle', () => {
      const hook = tenantAdmissionHook(1, 2, () => now);
      now += 3_600_000;
      admit(hook, 'a');
      admit(hook, 'a');
      expect(() => admit(hook, 'a')).toThrow(expect.objectContaining({ status: 429 }));
    });

    it('admits everything when the rate is 0', () => {
      const hook = tenantAdmissionHook(0, 1, () => now);
      for (let i = 0; i < 100; i++) admit(hook, 'a');
    });
  });

  it('metrics counts every job by model and outcome, and observes its duration', async () => {
    register.clear();
    const metrics = new InferenceMetrics();
    const chain = new JobHookChain();
    chain.register(modelReadyHook, metricsHook(metrics));
    await chain.around(job(), ok, () => 0);
    await expect(chain.around(job({ state: 'LOADING' }), ok, () => 0)).rejects.toMatchObject({ status: 503 });
    const requests = await metrics.requests.get();
    expect(requests.values.map((v) => [v.labels.outcome, v.value])).toEqual([
      ['ok', 1],
      ['unavailable', 1],
    ]);
    const count = (await metrics.duration.get()).values.find((v) => v.metricName === 'nf_inference_duration_seconds_count');
    expect(count?.value).toBe(2);
    register.clear();
  });
});
