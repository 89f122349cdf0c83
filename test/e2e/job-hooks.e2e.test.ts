import { HttpStatus } from '@nestjs/common';
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

  it('is registered at bootstrap in order: model-ready, simulation-policy, then later hooks', () => {
    expect(t.app.get(JobHookChain).names()).toEqual(['model-ready', 'simulation-policy', 'test-admission']);
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
