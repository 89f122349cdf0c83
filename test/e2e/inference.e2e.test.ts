import { handshake, inferenceAad } from '@nf/pqc';
import { ModelRepository } from '../../apps/api/src/runtime/model-repository.service';
import { forward, MLP_MODELS, mlpLayers, sampleInput } from '../../apps/api/src/runtime/models/reference';
import { InferenceScheduler, runsFor } from '../../apps/api/src/runtime/scheduler/inference.scheduler';
import { newAdmin } from '../support/admins';
import { startModelTestApp, TestApp } from '../support/app';
import { holdRuns, until } from '../support/runs';

/** Runs of tiny-mlp in flight at once, as the served model's config sets them (one: it runs on the event loop). */
const tinyRuns = (t: TestApp) => runsFor(t.app.get(ModelRepository).get('tiny-mlp'));

jest.setTimeout(120_000);

const QUEUE_CAPACITY = 3;
const tiny = MLP_MODELS.find((m) => m.name === 'tiny-mlp')!;
const tinyRequest = (batch = 2, extra: Record<string, unknown> = {}) => ({
  id: 'req-1',
  inputs: [{ name: 'input', datatype: 'FP32', shape: [batch, 4], data: Array.from(sampleInput(4, batch, 11)) }],
  ...extra,
});

const post = (t: TestApp, path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${t.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

describe('Open Inference Protocol (/v2)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startModelTestApp({ INFER_QUEUE_CAPACITY: String(QUEUE_CAPACITY) });
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers server metadata, health and the simulated GPU inventory', async () => {
    const server = await t.http.get('/v2').expect(200);
    expect(server.body).toMatchObject({ name: 'neural-fabric', extensions: expect.arrayContaining(['model_repository']) });
    expect(server.body.parameters.gpus).toEqual([
      expect.objectContaining({ index: 0, name: 'NF-Sim A10', memoryBytes: 24 * 1024 ** 3 }),
      expect.objectContaining({ index: 1, name: 'NF-Sim A10', memoryBytes: 24 * 1024 ** 3 }),
    ]);
    await t.http.get('/v2/health/live').expect(200, { live: true });
    await t.http.get('/v2/health/ready').expect(200, { ready: true });
  });

  it('describes a model: versions, platform, tensors, simulated, framework and its GPU placement', async () => {
    for (const path of ['/v2/models/tiny-mlp', '/v2/models/tiny-mlp/versions/1']) {
      const res = await t.http.get(path).expect(200);
      expect(res.body).toMatchObject({
        name: 'tiny-mlp',
        versions: ['1'],
        platform: 'onnxruntime_onnx',
        inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 4] }],
        outputs: [{ name: 'output', datatype: 'FP32', shape: [-1, 3] }],
        simulated: false,
        framework: 'onnx',
      });
      expect(res.body.parameters.placement).toMatchObject({ device: 'gpu', gpuName: 'NF-Sim A10', estimatedBytes: expect.any(Number) });
      expect(res.body.parameters.execution).toBe('event-loop');
    }
    expect((await t.http.get('/v2/models/wide-mlp').expect(200)).body.parameters.execution).toBe('worker');
    await t.http.get('/v2/models/tiny-mlp/ready').expect(200);
    await t.http.get('/v2/models/tiny-mlp/versions/1/ready').expect(200);
  });

  it('runs tiny-mlp on ONNX Runtime with outputs equal to the reference implementation', async () => {
    const body = tinyRequest(3, { parameters: { trace: 'abc' } });
    const res = await t.http.post('/v2/models/tiny-mlp/infer').send(body).expect(200);
    expect(res.body).toMatchObject({ model_name: 'tiny-mlp', model_version: '1', id: 'req-1', parameters: { simulated: false, framework: 'onnx', trace: 'abc' } });
    const [output] = res.body.outputs;
    expect(output).toMatchObject({ name: 'output', datatype: 'FP32', shape: [3, 3] });
    const expected = forward(mlpLayers(tiny), body.inputs[0].data, 3);
    expect(output.data).toHaveLength(9);
    output.data.forEach((v: number, i: number) => expect(v).toBeCloseTo(expected[i], 4));
  });

  it('accepts nested data and a versioned path', async () => {
    const flat = tinyRequest(2);
    const nested = { inputs: [{ ...flat.inputs[0], data: [flat.inputs[0].data.slice(0, 4), flat.inputs[0].data.slice(4)] }], outputs: [{ name: 'output' }] };
    const a = await t.http.post('/v2/models/tiny-mlp/infer').send(flat).expect(200);
    const b = await t.http.post('/v2/models/tiny-mlp/versions/1/infer').send(nested).expect(200);
    expect(b.body.outputs[0].data).toEqual(a.body.outputs[0].data);
    expect(b.body.id).toBeUndefined();
  });

  it('serves tf-classifier simulated (mock runtime) in simulation mode', async () => {
    const res = await t.http.post('/v2/models/tf-classifier/infer').send({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 8], data: [1, 2, 3, 4, 5, 6, 7, 8] }] }).expect(200);
    expect(res.body.parameters).toEqual({ simulated: true, framework: 'mock' });
    expect(res.body.outputs[0]).toMatchObject({ name: 'probabilities', shape: [1, 4] });
    expect((await t.http.get('/v2/models/tf-classifier').expect(200)).body).toMatchObject({ simulated: true, platform: 'tensorflow_savedmodel' });
  });

  it('answers 404 {"error"} for an unknown model or version', async () => {
    const unknown = await t.http.post('/v2/models/no-such-model/infer').send(tinyRequest()).expect(404);
    expect(unknown.body).toEqual({ error: expect.stringContaining('no-such-model') });
    await t.http.get('/v2/models/no-such-model').expect(404);
    await t.http.get('/v2/models/tiny-mlp/versions/7').expect(404);
    await t.http.post('/v2/models/tiny-mlp/versions/7/infer').send(tinyRequest()).expect(404);
  });

  describe('refuses malformed tensors with 400 {"error"} naming the field', () => {
    const input = tinyRequest(2).inputs[0];
    it.each([
      ['a wrong datatype', { inputs: [{ ...input, datatype: 'INT32' }] }, /inputs\[0\] \(input\)\.datatype must be FP32/],
      ['a wrong shape', { inputs: [{ ...input, shape: [2, 5] }] }, /inputs\[0\] \(input\)\.shape \[2,5\] does not match the model's \[-1,4\]/],
      ['a wrong data length', { inputs: [{ ...input, data: input.data.slice(1) }] }, /data has 7 elements but shape \[2,4\] needs 8/],
      ['a missing input', { inputs: [{ ...input, name: 'other' }] }, /unknown input; the model expects input/],
      ['no inputs at all', { id: 'x' }, /inputs must be a non-empty array/],
      ['an unknown output', { inputs: [input], outputs: [{ name: 'logits' }] }, /outputs\[0\] \(logits\): unknown output/],
      ['a non-numeric value', { inputs: [{ ...input, data: [...input.data.slice(1), null] }] }, /data\[7\]: FP32 data must be finite numbers/],
      ['a batch above max_batch_size', { inputs: [{ ...input, shape: [65, 4], data: new Array(260).fill(0) }] }, /shape\[0\] \(batch\) must be between 1 and 64/],
      ['a bad deadline', { inputs: [input], parameters: { timeout_ms: -5 } }, /parameters\.timeout_ms must be a whole number/],
    ])('%s', async (_what, body, message) => {
      const res = await t.http.post('/v2/models/tiny-mlp/infer').send(body).expect(400);
      expect(res.body).toEqual({ error: expect.stringMatching(message) });
    });

    it('never answers 5xx to junk bodies', async () => {
      const deep = `${'['.repeat(5000)}1${']'.repeat(5000)}`;
      const junk = ['null', '[]', '"x"', '{"inputs":[null]}', '{"inputs":[{"name":"input","datatype":"FP32","shape":[1,4],"data":[[[[1]]],2,3,4]}]}',
        `{"inputs":[{"name":"input","datatype":"FP32","shape":[1,4],"data":${deep}}]}`, '{"inputs":[{"name":"input","datatype":"FP32","shape":[1,"4"],"data":[1,2,3,4]}]}',
        '{"inputs":[{"name":"input","datatype":"FP32","shape":[1,4],"data":[1,2,3,1e999]}]}'];
      for (const body of junk) {
        const res = await t.http.post('/v2/models/tiny-mlp/infer').set('content-type', 'application/json').send(body);
        expect(`${body.slice(0, 60)} -> ${res.status}`).toBe(`${body.slice(0, 60)} -> 400`);
        expect(res.body.error).toEqual(expect.any(String));
      }
      const sealedJunk = await t.http.post('/v2/models/tiny-mlp/infer').set('content-type', 'application/nf-sealed+json').send('{not json');
      expect(sealedJunk.status).toBe(400);
      const text = await t.http.post('/v2/models/tiny-mlp/infer').set('content-type', 'text/plain').send('hello');
      expect(text.status).toBe(415); // only JSON media types are parsed
      expect(text.body).toEqual({
        error: 'unsupported content type "text/plain": send application/json, binary tensors (application/octet-stream with Inference-Header-Content-Length) or application/nf-sealed+json',
      });
    });

    it('malformed JSON', async () => {
      const res = await t.http.post('/v2/models/tiny-mlp/infer').set('content-type', 'application/json').send('{"inputs": [').expect(400);
      expect(res.body.error).toEqual(expect.any(String));
    });
  });

  it('answers 429 with Retry-After when the model queue is full, and serves the queued requests after', async () => {
    const scheduler = t.app.get(InferenceScheduler);
    const held = holdRuns(t.app.get(ModelRepository).get('tiny-mlp'));
    // Full batches (64 rows) so each request is one run: tinyRuns(t) run, QUEUE_CAPACITY wait.
    const full = tinyRequest(64);
    const accepted = Array.from({ length: tinyRuns(t) + QUEUE_CAPACITY }, () => post(t, '/v2/models/tiny-mlp/infer', full));
    try {
      await until(() => scheduler.stats('tiny-mlp', '1')?.queued === QUEUE_CAPACITY && scheduler.stats('tiny-mlp', '1')?.running === tinyRuns(t));
      const refused = await post(t, '/v2/models/tiny-mlp/infer', full);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(await refused.json()).toEqual({ error: expect.stringContaining('queue full') });
    } finally {
      held.release();
    }
    const statuses = (await Promise.all(accepted)).map((r) => r.status);
    expect(statuses).toEqual(new Array(tinyRuns(t) + QUEUE_CAPACITY).fill(200));
  });

  it('answers 504 when the deadline passes while queued, and drops the job from the queue', async () => {
    const scheduler = t.app.get(InferenceScheduler);
    const held = holdRuns(t.app.get(ModelRepository).get('tiny-mlp'));
    const full = tinyRequest(64);
    const busy = Array.from({ length: tinyRuns(t) }, () => post(t, '/v2/models/tiny-mlp/infer', full));
    try {
      await until(() => scheduler.stats('tiny-mlp', '1')?.running === tinyRuns(t));
      const late = await post(t, '/v2/models/tiny-mlp/infer', full, { 'x-request-deadline-ms': '150' });
      expect(late.status).toBe(504);
      expect(await late.json()).toEqual({ error: 'deadline exceeded while queued' });
      expect(scheduler.stats('tiny-mlp', '1')?.queued).toBe(0);
      const viaParameter = await post(t, '/v2/models/tiny-mlp/infer', { ...full, parameters: { timeout_ms: 100 } });
      expect(viaParameter.status).toBe(504);
    } finally {
      held.release();
    }
    expect((await Promise.all(busy)).map((r) => r.status)).toEqual(new Array(tinyRuns(t)).fill(200));
  });

  it('records nf_inference_* metrics with the model label', async () => {
    const metrics = (await t.http.get('/metrics').expect(200)).text;
    expect(metrics).toMatch(/nf_inference_requests_total\{model="tiny-mlp",outcome="ok"\} \d+/);
    expect(metrics).toMatch(/nf_inference_requests_total\{model="tiny-mlp",outcome="queue_full"\} [1-9]/);
    expect(metrics).toMatch(/nf_inference_requests_total\{model="tiny-mlp",outcome="deadline"\} [1-9]/);
    expect(metrics).toMatch(/nf_inference_requests_total\{model="tiny-mlp",outcome="bad_request"\} [1-9]/);
    expect(metrics).toMatch(/nf_inference_duration_seconds_count\{model="tiny-mlp"\} [1-9]/);
    expect(metrics).toMatch(/nf_inference_queue_depth\{model="tiny-mlp"\} 0/);
    expect(metrics).toMatch(/nf_inference_batch_size_bucket\{le="64",model="tiny-mlp"\} [1-9]/);
  });

  describe('sealed inference under a PQC session', () => {
    // Sealed V2 requests and replies are bound to their model by the application AAD.
    const aad = inferenceAad('tiny-mlp');

    it('round-trips a sealed V2 request and reply with the SDK', async () => {
      const { sha256 } = (await t.http.get('/pqc/handshake').expect(200)).body;
      const session = await handshake(t.url, { pin: sha256 });
      const body = tinyRequest(1, { id: 'sealed-1' });
      const sealed = session.seal(new TextEncoder().encode(JSON.stringify(body)), aad);
      const res = await fetch(`${t.url}/v2/models/tiny-mlp/infer`, {
        method: 'POST',
        headers: { 'content-type': 'application/nf-sealed+json' },
        body: JSON.stringify(sealed),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('application/nf-sealed+json');
      const envelope = await res.json();
      expect(JSON.stringify(envelope)).not.toContain('sealed-1');
      const reply = JSON.parse(new TextDecoder().decode(session.open(envelope, aad)));
      expect(reply).toMatchObject({ model_name: 'tiny-mlp', id: 'sealed-1', parameters: { simulated: false, framework: 'onnx' } });
      const expected = forward(mlpLayers(tiny), body.inputs[0].data, 1);
      reply.outputs[0].data.forEach((v: number, i: number) => expect(v).toBeCloseTo(expected[i], 4));

      // A plain application/json body that is an envelope is recognised too.
      const again = await post(t, '/v2/models/tiny-mlp/infer', session.seal(new TextEncoder().encode(JSON.stringify(body)), aad));
      expect(again.status).toBe(200);
      expect(JSON.parse(new TextDecoder().decode(session.open(await again.json(), aad)))).toMatchObject({ id: 'sealed-1' });
    });

    it('seals the errors of a request whose session is fine: the status is clear, the message only for the session', async () => {
      const session = await handshake(t.url, { pin: (await t.http.get('/pqc/handshake').expect(200)).body.sha256 });
      const headers = { 'content-type': 'application/nf-sealed+json' };
      const wrongShape = { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 3], data: [0.5, 0.25, 0.125] }] };
      const res = await post(t, '/v2/models/tiny-mlp/infer', session.seal(new TextEncoder().encode(JSON.stringify(wrongShape)), aad), headers);
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/nf-sealed+json');
      const envelope = await res.json();
      expect(JSON.stringify(envelope)).not.toMatch(/shape|input/);
      expect(JSON.parse(new TextDecoder().decode(session.open(envelope, aad)))).toEqual({ error: expect.stringMatching(/shape/) });

      const notJson = await post(t, '/v2/models/tiny-mlp/infer', session.seal(new TextEncoder().encode('{nope'), aad), headers);
      expect(notJson.status).toBe(400);
      expect(JSON.parse(new TextDecoder().decode(session.open(await notJson.json(), aad)))).toEqual({ error: expect.stringMatching(/UTF-8 JSON/) });

      // Nesting is bounded inside the plaintext as in a clear body (parameters are echoed into the reply).
      const deep = `${JSON.stringify(tinyRequest(1)).slice(0, -1)},"parameters":{"deep":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`;
      const tooDeep = await post(t, '/v2/models/tiny-mlp/infer', session.seal(new TextEncoder().encode(deep), aad), headers);
      expect(tooDeep.status).toBe(400);
      expect(JSON.parse(new TextDecoder().decode(session.open(await tooDeep.json(), aad)))).toEqual({ error: 'JSON body nests objects or arrays deeper than 64 levels' });

      // The session carries on: the next request in sequence succeeds.
      const ok = await post(t, '/v2/models/tiny-mlp/infer', session.seal(new TextEncoder().encode(JSON.stringify(tinyRequest(1))), aad), headers);
      expect(ok.status).toBe(200);
      expect(JSON.parse(new TextDecoder().decode(session.open(await ok.json(), aad)))).toMatchObject({ model_name: 'tiny-mlp' });
    });

    it('refuses a tampered envelope (401), an unknown session (404) and a replay (409) with the PQC error status', async () => {
      const info = (await t.http.get('/pqc/handshake')).body;
      const session = await handshake(t.url, { pin: info.sha256 });
      const sealed = session.seal(new TextEncoder().encode(JSON.stringify(tinyRequest(1))), aad);
      const bytes = Buffer.from(sealed.ciphertext, 'base64url');
      bytes[0] ^= 1;
      const headers = { 'content-type': 'application/nf-sealed+json' };
      const tampered = await post(t, '/v2/models/tiny-mlp/infer', { ...sealed, ciphertext: bytes.toString('base64url') }, headers);
      expect(tampered.status).toBe(401);
      expect(await tampered.json()).toEqual({ error: expect.any(String), code: expect.any(String) });
      const unknown = await post(t, '/v2/models/tiny-mlp/infer', { ...sealed, sessionId: 'AAAAAAAAAAAAAAAAAAAAAA' }, headers);
      expect(unknown.status).toBe(404);
      expect((await post(t, '/v2/models/tiny-mlp/infer', sealed, headers)).status).toBe(200);
      const replay = await post(t, '/v2/models/tiny-mlp/infer', sealed, headers);
      expect(replay.status).toBe(409);
      expect(await replay.json()).toEqual({ error: expect.any(String), code: 'replay' });
    });
  
    it('refuses a sealed request sent on to another model (the AAD names the model) with 401 decrypt_failed', async () => {
      const session = await handshake(t.url);
      const sealed = session.seal(new TextEncoder().encode(JSON.stringify(tinyRequest(1))), aad);
      const headers = { 'content-type': 'application/nf-sealed+json' };
      const redirected = await post(t, '/v2/models/wide-mlp/infer', sealed, headers);
      expect(redirected.status).toBe(401);
      expect(await redirected.json()).toEqual({ error: expect.any(String), code: 'decrypt_failed' });
      const unbound = await post(t, '/v2/models/tiny-mlp/infer', session.seal(new TextEncoder().encode(JSON.stringify(tinyRequest(1)))), headers);
      expect(unbound.status).toBe(401);
      expect((await post(t, '/v2/models/tiny-mlp/infer', sealed, headers)).status).toBe(200); // the refusals burnt nothing
    });
  });

  describe('model repository extension (admin only)', () => {
    it('refuses index, load and unload without an admin session', async () => {
      await t.http.post('/v2/repository/index').expect(401);
      await t.http.post('/v2/repository/models/tiny-mlp/load').expect(401);
      await t.http.post('/v2/repository/models/tiny-mlp/unload').expect(401);
    });

    it('lists, unloads and loads a model', async () => {
      const admin = await newAdmin(t, 'repo-admin');
      const index = await admin.post('/v2/repository/index').expect(200);
      expect(index.body).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'tiny-mlp', version: '1', state: 'READY' })]));
      await admin.post('/v2/repository/models/tiny-mlp/unload').expect(200);
      const unloaded = await t.http.get('/v2/models/tiny-mlp/ready').expect(503);
      expect(unloaded.body).toEqual({ error: expect.stringContaining('not ready') });
      await t.http.post('/v2/models/tiny-mlp/infer').send(tinyRequest()).expect(503);
      await t.http.get('/v2/health/ready').expect(503);
      const loaded = await admin.post('/v2/repository/models/tiny-mlp/load').expect(200);
      expect(loaded.body).toMatchObject({ name: 'tiny-mlp', version: '1', state: 'READY' });
      await t.http.get('/v2/models/tiny-mlp/ready').expect(200);
      await t.http.post('/v2/models/tiny-mlp/infer').send(tinyRequest()).expect(200);
      await admin.post('/v2/repository/models/no-such-model/load').expect(404);
    });

    it('leaves no trace of a load of an unknown model: it stays a 404 everywhere, no path shown', async () => {
      const admin = await newAdmin(t, 'repo-admin-2');
      const load = await admin.post('/v2/repository/models/ghost-model/load').expect(404);
      expect(load.body.error).toBe('model ghost-model is not in the repository');
      await t.http.get('/v2/models/ghost-model').expect(404);
      await t.http.get('/v2/models/ghost-model/ready').expect(404);
      await t.http.post('/v2/models/ghost-model/infer').send(tinyRequest()).expect(404);
      const index = await admin.post('/v2/repository/index').expect(200);
      expect(index.body.map((m: { name: string }) => m.name)).not.toContain('ghost-model');
      expect(JSON.stringify(index.body)).not.toContain(process.cwd());
    });
  });
});
