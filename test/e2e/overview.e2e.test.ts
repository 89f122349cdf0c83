import type { OverviewHistoryView, OverviewView } from '@nf/contracts';
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
    t = await startTestApp({ PQC_WORKERS: '1', RUNTIME_WORKERS: '1', OVERVIEW_HISTORY_INTERVAL_SECONDS: '1', OVERVIEW_HISTORY_MINUTES: '2' });
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

  it('keeps a history of samples in the service, successful and failed handshakes apart', async () => {
    const history = async (query = '') => (await viewer.get(`/admin/overview/history${query}`).expect(200)).body as OverviewHistoryView;
    /** The history once it holds a sample taken after `at` (one is taken every second). */
    const sampledAfter = async (at: number) => {
      let view = await history();
      for (let i = 0; i < 50 && view.samples.at(-1)!.at <= at; i++) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        view = await history();
      }
      return view;
    };
    // A baseline taken after everything earlier tests sent.
    const first = await sampledAfter(Date.now());
    expect(first).toMatchObject({ instanceId: (await snapshot()).instanceId, intervalMs: 1000, retentionMs: 120_000 });
    const last = first.samples.at(-1)!;

    const { sha256 } = (await t.http.get('/pqc/handshake').expect(200)).body;
    await handshake(t.url, { pin: sha256 });
    await handshake(t.url, { pin: sha256 });
    expect((await fetch(`${t.url}/pqc/handshake`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"v":1}' })).status).toBe(400);
    await t.http.post('/v2/models/tiny-mlp/infer').send({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: [0.1, 0.2, 0.3, 0.4] }] }).expect(200);

    // The next sample counts them; nothing else runs against this app meanwhile.
    const later = await sampledAfter(Date.now());
    const newest = later.samples.at(-1)!;
    expect(newest.handshakes.ok - last.handshakes.ok).toBe(2);
    expect(newest.handshakes.failed - last.handshakes.failed).toBe(1);
    expect(newest.inference.requests - last.inference.requests).toBe(1);
    expect(newest.latency.count - last.latency.count).toBe(1);
    expect(newest.latency.counts).toHaveLength(later.latencyBounds.length);
    expect(later.samples.map((s) => s.at)).toEqual([...later.samples.map((s) => s.at)].sort((a, b) => a - b));

    // A window: its samples and the one just before it, so its first rate has a start.
    const windowed = await history('?minutes=1');
    expect(windowed.samples.every((s) => s.at >= Date.now() - 60_000 - 2000)).toBe(true);
    const invalid = await viewer.get('/admin/overview/history?minutes=0').expect(400);
    expect(Object.keys(invalid.body.errors)).toEqual(['minutes']);
  });

  it('is refused without a session', async () => {
    await t.http.get('/admin/overview').expect(401);
    await t.http.get('/admin/overview/history').expect(401);
  });
});
