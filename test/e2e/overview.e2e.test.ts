import type { OverviewView } from '@nf/contracts';
import { handshake } from '@nf/pqc';
import { AdminClient, newAdmin } from '../support/admins';
import { startTestApp, TestApp } from '../support/app';

jest.setTimeout(90_000);

const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

describe('GET /admin/overview', () => {
  let t: TestApp;
  let viewer: AdminClient;
  const snapshot = async () => (await viewer.get('/admin/overview').expect(200)).body as OverviewView;

  beforeAll(async () => {
    t = await startTestApp({ PQC_WORKERS: '1', RUNTIME_WORKERS: '1' });
    viewer = await newAdmin(t, 'overview-viewer', 'viewer');
  });
  afterAll(async () => {
    await t.close();
  });

  it('describes the keystore, the environment and every model, for a viewer', async () => {
    const overview = await snapshot();
    const keys = (await viewer.get('/pqc/keys').expect(200)).body;
    const env = (await viewer.get('/admin/env').expect(200)).body;
    expect(overview.handshake).toMatchObject({ status: 'ok', algorithm: keys.algorithm, activeKeyVersion: keys.activeVersion, sha256: keys.sha256 });
    expect(overview.env).toEqual({ mode: 'simulation', hash: env.envHash, simulationMode: true, gpuDriverMock: true });
    expect(overview.instanceId).toBe(env.instanceId);
    expect(overview.runtime.loadBudgetMs).toBe(800);
    const tiny = overview.runtime.models.find((m) => m.name === 'tiny-mlp');
    expect(tiny).toMatchObject({ state: 'READY', framework: 'onnx', simulated: false, overBudget: expect.any(Boolean), queueDepth: 0 });
    expect(tiny!.loadMs).toBeGreaterThan(0);
    // Frameworks that are not installed here serve their models through the mock runtime: simulated.
    const byName = Object.fromEntries(overview.runtime.frameworks.map((f) => [f.framework, f]));
    expect(byName.onnx).toMatchObject({ available: true, simulated: false });
    expect(byName.tensorflow).toMatchObject({ available: false, simulated: true });
    expect(overview.runtime.models.find((m) => m.name === 'tf-classifier')).toMatchObject({ framework: 'mock', simulated: true });
  });

  it('counts handshakes by outcome and inference requests with their latency, cumulatively', async () => {
    const before = await snapshot();
    await handshake(t.url, { pin: before.handshake.sha256! });
    const malformed = await fetch(`${t.url}/pqc/handshake`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"v":1}' });
    expect(malformed.status).toBe(400);
    for (let i = 0; i < 3; i++) {
      await t.http
        .post('/v2/models/tiny-mlp/infer')
        .send({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: [0.1, 0.2, 0.3, 0.4] }] })
        .expect(200);
    }
    const after = await snapshot();

    expect(after.at).toBeGreaterThanOrEqual(before.at);
    expect((after.handshake.outcomes.ok ?? 0) - (before.handshake.outcomes.ok ?? 0)).toBe(1);
    expect(sum(after.handshake.outcomes) - sum(before.handshake.outcomes)).toBe(2);
    expect((after.inference.outcomes.ok ?? 0) - (before.inference.outcomes.ok ?? 0)).toBe(3);
    const latency = after.inference.latency;
    expect(latency.count - before.inference.latency.count).toBe(3);
    expect(latency.bounds.length).toBeGreaterThan(0);
    expect(latency.counts).toEqual([...latency.counts].sort((a, b) => a - b));
    expect(latency.counts.at(-1)).toBeLessThanOrEqual(latency.count);
  });

  it('is refused without a session', async () => {
    await t.http.get('/admin/overview').expect(401);
  });
});
