import { newAdmin } from '../support/admins';
import { startTestApp, TestApp } from '../support/app';

describe('GET /admin/env', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ VAULT_PQC_KEK: 'cd'.repeat(32) });
  });
  afterAll(async () => {
    await t.close();
  });

  it('shows the env hash, each setting source, and this instance, without secret values', async () => {
    const viewer = await newAdmin(t, 'vera', 'viewer');
    const res = await viewer.get('/admin/env').expect(200);
    const metrics = (await t.http.get('/metrics')).text;
    expect(metrics).toContain(`nf_env_info{env_hash="${res.body.envHash}",mode="simulation"} 1`);
    expect(res.body.variables.PQC_MODE).toEqual({ source: '.env.default', value: 'hybrid' });
    expect(res.body.variables.VAULT_PQC_KEK).toEqual({ source: 'process', value: 'set' });
    expect(JSON.stringify(res.body)).not.toContain('cd'.repeat(32));
    expect(res.body.instances).toEqual([expect.objectContaining({ id: res.body.instanceId, envHash: res.body.envHash, sameEnv: true })]);
  });
});
