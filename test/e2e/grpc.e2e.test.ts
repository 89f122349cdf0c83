import { credentials, Metadata, ServiceError, status } from '@grpc/grpc-js';
import { readFileSync, writeFileSync } from 'node:fs';
import * as http2 from 'node:http2';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { SESSION_COOKIE } from '../../apps/api/src/auth/admin-sessions.service';
import { TenantsService } from '../../apps/api/src/auth/tenants.service';
import { inferenceServiceConstructor } from '../../apps/api/src/grpc/grpc-listener';
import { grpcRaw, grpcTyped } from '../../bench/runtime/grpc-client';
import { ModelRepository } from '../../apps/api/src/runtime/model-repository.service';
import { devCertificateSource, generateDevCertificate } from '../../apps/api/src/tls/dev-certificates';
import { float32ToHalf, halfToFloat32 } from '../../apps/api/src/runtime/half-floats';
import { forward, MLP_MODELS, mlpLayers, sampleInput } from '../../apps/api/src/runtime/models/reference';
import { InferenceScheduler, runsFor } from '../../apps/api/src/runtime/scheduler/inference.scheduler';
import { newAdminPassword } from '../support/admins';
import { startModelTestApp, TestApp } from '../support/app';
import { spawnService } from '../support/service-process';
import { tempDir } from '../support/env';
import { holdRuns, until } from '../support/runs';

/** Runs of tiny-mlp in flight at once, as the served model's config sets them (one: it runs on the event loop). */
const tinyRuns = (t: TestApp) => runsFor(t.app.get(ModelRepository).get('tiny-mlp'));

jest.setTimeout(120_000);

const QUEUE_CAPACITY = 3;
const BODY_LIMIT = 64 * 1024;
const Client = inferenceServiceConstructor();
type Client = InstanceType<typeof Client>;
type Reply = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** One unary call; resolves to the reply or rejects with the ServiceError. */
function call(client: Client, method: string, request: object, metadata = new Metadata(), options: { deadline?: number } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const deadline = options.deadline === undefined ? {} : { deadline: Date.now() + options.deadline };
    (client[method] as (...args: unknown[]) => void)(request, metadata, deadline, (error: ServiceError | null, reply: Reply) => (error ? reject(error) : resolve(reply)));
  });
}

const bearer = (key: string) => {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${key}`);
  return metadata;
};

const tinyInput = (batch = 2) => Array.from(sampleInput(4, batch, 11));
const typedRequest = (batch = 2, extra: object = {}) => ({
  model_name: 'tiny-mlp',
  id: 'grpc-1',
  inputs: [{ name: 'input', datatype: 'FP32', shape: [batch, 4], contents: { fp32_contents: tinyInput(batch) } }],
  ...extra,
});
const rawRequest = (batch = 2) => ({
  model_name: 'tiny-mlp',
  inputs: [{ name: 'input', datatype: 'FP32', shape: [batch, 4] }],
  raw_input_contents: [Buffer.from(new Float32Array(tinyInput(batch)).buffer)],
});

const restInfer = async (t: TestApp, body: object) => {
  const res = await fetch(`${t.url}/v2/models/tiny-mlp/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return (await res.json()) as { outputs: { name: string; shape: number[]; data: number[] }[] };
};

describe('KServe V2 over gRPC (inference.GRPCInferenceService)', () => {
  let t: TestApp;
  let client: Client;
  beforeAll(async () => {
    t = await startModelTestApp({ INFER_QUEUE_CAPACITY: String(QUEUE_CAPACITY), HTTP_BODY_LIMIT_BYTES: String(BODY_LIMIT) }, { grpc: true });
    client = new Client(t.grpc!.target, credentials.createInsecure());
  });
  afterAll(async () => {
    client?.close();
    await t?.close();
  });

  it('answers health and metadata RPCs like the REST routes', async () => {
    await expect(call(client, 'ServerLive', {})).resolves.toEqual({ live: true });
    await expect(call(client, 'ServerReady', {})).resolves.toEqual({ ready: true });
    await expect(call(client, 'ModelReady', { name: 'tiny-mlp' })).resolves.toEqual({ ready: true });
    const server = await call(client, 'ServerMetadata', {});
    expect(server).toEqual({ name: 'neural-fabric', version: expect.any(String), extensions: ['model_repository'] });
    const model = await call(client, 'ModelMetadata', { name: 'tiny-mlp', version: '1' });
    expect(model).toEqual({
      name: 'tiny-mlp',
      versions: ['1'],
      platform: 'onnxruntime_onnx',
      inputs: [{ name: 'input', datatype: 'FP32', shape: ['-1', '4'] }],
      outputs: [{ name: 'output', datatype: 'FP32', shape: ['-1', '3'] }],
    });
  });

  it('runs tiny-mlp with typed contents, giving the REST JSON outputs', async () => {
    const rest = await restInfer(t, { inputs: [{ name: 'input', datatype: 'FP32', shape: [2, 4], data: tinyInput(2) }] });
    const reply = await call(client, 'ModelInfer', typedRequest(2));
    expect(reply).toMatchObject({ model_name: 'tiny-mlp', model_version: '1', id: 'grpc-1', raw_output_contents: [] });
    expect(reply.parameters).toMatchObject({ simulated: { bool_param: false }, framework: { string_param: 'onnx' } });
    expect(reply.outputs).toEqual([{ name: 'output', datatype: 'FP32', shape: ['2', '3'], parameters: {}, contents: expect.any(Object) }]);
    expect(reply.outputs[0].contents.fp32_contents).toEqual(rest.outputs[0].data);
  });

  it('answers raw outputs to raw inputs, with the REST JSON outputs as little-endian FP32', async () => {
    const rest = await restInfer(t, { inputs: [{ name: 'input', datatype: 'FP32', shape: [3, 4], data: tinyInput(3) }] });
    const reply = await call(client, 'ModelInfer', rawRequest(3));
    expect(reply.outputs).toEqual([{ name: 'output', datatype: 'FP32', shape: ['3', '3'], parameters: {}, contents: null }]);
    expect(reply.raw_output_contents).toHaveLength(1);
    const bytes: Buffer = reply.raw_output_contents[0];
    expect(Array.from(new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)))).toEqual(rest.outputs[0].data);
  });

  it.each(['FP16', 'BF16'] as const)('%s round trip over raw contents matches FP32 tiny-mlp within the format\'s precision', async (datatype) => {
    const BATCH = 3;
    const input = new Float32Array(tinyInput(BATCH));
    const fp32 = await call(client, 'ModelInfer', { model_name: 'tiny-mlp', inputs: [{ name: 'input', datatype: 'FP32', shape: [BATCH, 4], contents: { fp32_contents: Array.from(input) } }] });
    const expected: number[] = fp32.outputs[0].contents.fp32_contents;
    const bits = float32ToHalf(datatype, input);
    const reply = await call(client, 'ModelInfer', {
      model_name: `tiny-mlp-${datatype.toLowerCase()}`,
      inputs: [{ name: 'input', datatype, shape: [BATCH, 4] }],
      raw_input_contents: [Buffer.from(bits.buffer, bits.byteOffset, bits.byteLength)],
    });
    expect(reply.outputs).toEqual([{ name: 'output', datatype, shape: [String(BATCH), '3'], parameters: {}, contents: null }]);
    const raw: Buffer = reply.raw_output_contents[0];
    expect(raw.byteLength).toBe(BATCH * 3 * 2);
    const outBits = new Uint16Array(Uint8Array.from(raw).buffer);
    // Against FP32: the input's rounding and the output's (FP16: 11 significant bits, BF16: 8), as over binary REST.
    const tolerance = datatype === 'FP16' ? 5e-3 : 4e-2;
    halfToFloat32(datatype, outBits).forEach((v, i) => expect(Math.abs(v - expected[i])).toBeLessThan(tolerance));
    // Against the reference forward pass on the rounded inputs, rounded the same way: at most one unit in the last place apart.
    const exact = float32ToHalf(datatype, forward(mlpLayers(MLP_MODELS.find((m) => m.name === 'tiny-mlp')!), halfToFloat32(datatype, bits), BATCH));
    expect(Math.max(...Array.from(outBits, (b, i) => Math.abs(b - exact[i])))).toBeLessThanOrEqual(1);
    // Typed contents cannot carry 16-bit floats.
    await expect(call(client, 'ModelInfer', { model_name: `tiny-mlp-${datatype.toLowerCase()}`, inputs: [{ name: 'input', datatype, shape: [1, 4], contents: { fp32_contents: [0, 0, 0, 0] } }] })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: expect.stringContaining(`${datatype} tensors travel as raw bytes in raw_input_contents`),
    });
  });

  it('answers NOT_FOUND for an unknown model or version, with the REST error text', async () => {
    const rest = (await (await fetch(`${t.url}/v2/models/nope/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"inputs":[]}' })).json()) as { error: string };
    await expect(call(client, 'ModelInfer', { ...typedRequest(), model_name: 'nope' })).rejects.toMatchObject({ code: status.NOT_FOUND, details: rest.error });
    await expect(call(client, 'ModelMetadata', { name: 'tiny-mlp', version: '9' })).rejects.toMatchObject({ code: status.NOT_FOUND });
    await expect(call(client, 'ModelReady', { name: 'nope' })).rejects.toMatchObject({ code: status.NOT_FOUND });
  });

  it.each([
    ['a wrong shape', { inputs: [{ name: 'input', datatype: 'FP32', shape: [2, 5], contents: { fp32_contents: new Array(10).fill(0) } }] }, /inputs\[0\] \(input\)\.shape \[2,5\] does not match/],
    ['a wrong datatype', { inputs: [{ name: 'input', datatype: 'FP64', shape: [1, 4], contents: { fp64_contents: [1, 2, 3, 4] } }] }, /inputs\[0\] \(input\)\.datatype must be FP32/],
    ['an unknown datatype', { inputs: [{ name: 'input', datatype: 'FP8', shape: [1, 4], contents: { fp32_contents: [1, 2, 3, 4] } }] }, /inputs\[0\] \(input\)\.datatype must be FP32 \(got "FP8"\)/],
    ['contents in the wrong field', { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], contents: { int_contents: [1, 2, 3, 4] } }] }, /inputs\[0\] \(input\)\.contents: FP32 elements go in fp32_contents, not int_contents/],
    ['too few elements', { inputs: [{ name: 'input', datatype: 'FP32', shape: [2, 4], contents: { fp32_contents: [1, 2, 3] } }] }, /inputs\[0\] \(input\)\.data has 3 elements but shape \[2,4\] needs 8/],
    ['raw bytes of the wrong size', { inputs: [{ name: 'input', datatype: 'FP32', shape: [2, 4] }], raw_input_contents: [Buffer.alloc(12)] }, /inputs\[0\] \(input\): 12 bytes given, but FP32 shape \[2,4\] needs 32/],
    ['raw contents not one per input', { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4] }], raw_input_contents: [Buffer.alloc(16), Buffer.alloc(16)] }, /raw_input_contents has 2 entries but inputs has 1/],
    ['an unknown output', { ...typedRequest(1), outputs: [{ name: 'logits' }] }, /outputs\[0\] \(logits\): unknown output/],
    ['a bad timeout_ms', { ...typedRequest(1), parameters: { timeout_ms: { int64_param: -5 } } }, /parameters\.timeout_ms must be a whole number/],
  ])('answers INVALID_ARGUMENT naming the field for %s', async (_what, request, message) => {
    await expect(call(client, 'ModelInfer', { model_name: 'tiny-mlp', ...request })).rejects.toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringMatching(message) });
  });

  it('authenticates with the tenant API key in metadata: a valid key passes, a malformed or unknown one is UNAUTHENTICATED', async () => {
    const tenants = t.app.get(TenantsService);
    const tenant = await tenants.createTenant('grpc-tenant', { type: 'cli', name: 'test' });
    const { key } = await tenants.createApiKey(tenant.id, { type: 'cli', name: 'test' });
    await expect(call(client, 'ModelInfer', typedRequest(1), bearer(key))).resolves.toMatchObject({ model_name: 'tiny-mlp' });
    await expect(call(client, 'ModelInfer', typedRequest(1), bearer('nf_short'))).rejects.toMatchObject({ code: status.UNAUTHENTICATED, details: 'invalid API key' });
    await expect(call(client, 'ModelInfer', typedRequest(1), bearer(`nf_${'a'.repeat(43)}`))).rejects.toMatchObject({ code: status.UNAUTHENTICATED, details: 'invalid API key' });
    await expect(call(client, 'ModelMetadata', { name: 'tiny-mlp' }, bearer(`nf_${'a'.repeat(43)}`))).rejects.toMatchObject({ code: status.UNAUTHENTICATED });
    // Liveness and readiness are open, as GET /v2/health/* is.
    await expect(call(client, 'ServerLive', {}, bearer(`nf_${'a'.repeat(43)}`))).resolves.toEqual({ live: true });
  });

  it('answers RESOURCE_EXHAUSTED with retry-after when the model queue is full', async () => {
    const scheduler = t.app.get(InferenceScheduler);
    const held = holdRuns(t.app.get(ModelRepository).get('tiny-mlp'));
    const accepted = Array.from({ length: tinyRuns(t) + QUEUE_CAPACITY }, () => call(client, 'ModelInfer', typedRequest(64)));
    try {
      await until(() => scheduler.stats('tiny-mlp', '1')?.queued === QUEUE_CAPACITY && scheduler.stats('tiny-mlp', '1')?.running === tinyRuns(t));
      const refused = await call(client, 'ModelInfer', typedRequest(64)).catch((e: ServiceError) => e);
      expect(refused).toMatchObject({ code: status.RESOURCE_EXHAUSTED, details: expect.stringContaining('queue full') });
      expect(Number((refused as ServiceError).metadata.get('retry-after')[0])).toBeGreaterThanOrEqual(1);
    } finally {
      held.release();
    }
    expect(await Promise.all(accepted)).toHaveLength(tinyRuns(t) + QUEUE_CAPACITY);
  });

  it('answers DEADLINE_EXCEEDED: parameters.timeout_ms as over REST, and the call deadline becomes the request deadline', async () => {
    const scheduler = t.app.get(InferenceScheduler);
    const held = holdRuns(t.app.get(ModelRepository).get('tiny-mlp'));
    const busy = Array.from({ length: tinyRuns(t) }, () => call(client, 'ModelInfer', typedRequest(64)));
    const deadlines = () => scheduler.stats('tiny-mlp', '1');
    try {
      await until(() => deadlines()?.running === tinyRuns(t));
      await expect(call(client, 'ModelInfer', typedRequest(64, { parameters: { timeout_ms: { int64_param: 150 } } }))).rejects.toMatchObject({
        code: status.DEADLINE_EXCEEDED,
        details: 'deadline exceeded while queued',
      });
      // The client gives up at its own deadline; the server must drop the queued job by then too, not run it later.
      await expect(call(client, 'ModelInfer', typedRequest(64), new Metadata(), { deadline: 300 })).rejects.toMatchObject({ code: status.DEADLINE_EXCEEDED });
      await until(() => deadlines()?.queued === 0, 2_000);
    } finally {
      held.release();
    }
    await Promise.all(busy);
    const metrics = (await t.http.get('/metrics').expect(200)).text;
    expect(Number(/nf_inference_requests_total\{model="tiny-mlp",outcome="deadline"\} (\d+)/.exec(metrics)?.[1])).toBeGreaterThanOrEqual(2);
  });

  it('refuses a message over HTTP_BODY_LIMIT_BYTES with RESOURCE_EXHAUSTED', async () => {
    const big = { ...rawRequest(1), raw_input_contents: [Buffer.alloc(BODY_LIMIT + 1)] };
    await expect(call(client, 'ModelInfer', big)).rejects.toMatchObject({ code: status.RESOURCE_EXHAUSTED, details: expect.stringMatching(/larger than max/) });
    await expect(call(client, 'ServerLive', {})).resolves.toEqual({ live: true });
  });

  it('bounds the calls one connection may have open (HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS)', async () => {
    const session = http2.connect(`http://${t.grpc!.target}`);
    try {
      const settings = await new Promise<http2.Settings>((resolve, reject) => {
        session.once('remoteSettings', resolve);
        session.once('error', reject);
      });
      expect(settings.maxConcurrentStreams).toBe(256);
    } finally {
      session.close();
    }
  });

  it('serves the benchmark gRPC clients (typed and raw): each call succeeds, a call the server refuses counts as failed', async () => {
    const requests = [[{ name: 'input', datatype: 'FP32' as const, shape: [1, 4], data: new Float32Array(tinyInput(1)) }]];
    for (const protocol of [grpcTyped, grpcRaw]) {
      const ok = await protocol.open({ url: t.url, model: 'tiny-mlp', restInferPath: '', grpcAddress: t.grpc!.target }, requests, 2);
      const refused = await protocol.open({ url: t.url, model: 'nope', restInferPath: '', grpcAddress: t.grpc!.target }, requests, 2);
      try {
        await expect(Promise.all([ok.infer(0), ok.infer(1)])).resolves.toEqual([true, true]);
        await expect(refused.infer(0)).resolves.toBe(false);
      } finally {
        await ok.close();
        await refused.close();
      }
    }
    expect(() => grpcTyped.open({ url: t.url, model: 'tiny-mlp', restInferPath: '' }, requests, 1)).toThrow('grpc: this server has no gRPC listener');
  });

  describe('model repository extension (admin session cookie and CSRF token in metadata)', () => {
    let admin: Metadata;
    beforeAll(async () => {
      const password = await newAdminPassword(t, 'grpc-admin');
      const res = await t.http.post('/auth/login').send({ name: 'grpc-admin', password }).expect(200);
      const cookie = (res.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith(`${SESSION_COOKIE}=`))!.split(';')[0];
      admin = new Metadata();
      admin.set('cookie', cookie);
      admin.set('x-csrf-token', res.body.csrfToken);
    });

    it('refuses repository RPCs without a session (UNAUTHENTICATED) or without the CSRF token (PERMISSION_DENIED)', async () => {
      await expect(call(client, 'RepositoryIndex', {})).rejects.toMatchObject({ code: status.UNAUTHENTICATED });
      await expect(call(client, 'RepositoryModelUnload', { model_name: 'tiny-mlp' }, bearer(`nf_${'a'.repeat(43)}`))).rejects.toMatchObject({ code: status.UNAUTHENTICATED });
      const noCsrf = new Metadata();
      noCsrf.set('cookie', admin.get('cookie')[0] as string);
      await expect(call(client, 'RepositoryModelUnload', { model_name: 'tiny-mlp' }, noCsrf)).rejects.toMatchObject({ code: status.PERMISSION_DENIED });
      expect(t.app.get(ModelRepository).get('tiny-mlp').state).toBe('READY');
    });

    it('lists, unloads (inference then UNAVAILABLE, ModelReady false) and loads a model', async () => {
      const index = await call(client, 'RepositoryIndex', { ready: true }, admin);
      expect(index.models).toEqual(expect.arrayContaining([{ name: 'tiny-mlp', version: '1', state: 'READY', reason: '' }]));
      await expect(call(client, 'RepositoryModelUnload', { model_name: 'tiny-mlp' }, admin)).resolves.toEqual({});
      await expect(call(client, 'ModelInfer', typedRequest(1))).rejects.toMatchObject({ code: status.UNAVAILABLE, details: expect.stringContaining('not ready') });
      await expect(call(client, 'ModelReady', { name: 'tiny-mlp' })).resolves.toEqual({ ready: false });
      await expect(call(client, 'ServerReady', {})).resolves.toEqual({ ready: false });
      await expect(call(client, 'RepositoryModelLoad', { model_name: 'tiny-mlp' }, admin)).resolves.toEqual({});
      await expect(call(client, 'ModelInfer', typedRequest(1))).resolves.toMatchObject({ model_name: 'tiny-mlp' });
      await expect(call(client, 'RepositoryModelLoad', { model_name: 'nope' }, admin)).rejects.toMatchObject({ code: status.NOT_FOUND });
    });
  });
});

describe('KServe V2 over gRPC in production mode', () => {
  let t: TestApp;
  let client: Client;
  beforeAll(async () => {
    t = await startModelTestApp(
      { NEURAL_FABRIC_MODE: 'production', SIMULATION_MODE: 'false', GPU_DRIVER_MOCK: 'false', VAULT_PQC_KEK: 'ab'.repeat(32) },
      { grpc: true },
    );
    client = new Client(t.grpc!.target, credentials.createInsecure());
  });
  afterAll(async () => {
    client?.close();
    await t?.close();
  });

  it('refuses calls without an API key (UNAUTHENTICATED, the REST text) but answers health without one', async () => {
    await expect(call(client, 'ModelInfer', typedRequest(1))).rejects.toMatchObject({ code: status.UNAUTHENTICATED, details: 'API key required: Authorization: Bearer nf_...' });
    await expect(call(client, 'ServerMetadata', {})).rejects.toMatchObject({ code: status.UNAUTHENTICATED });
    await expect(call(client, 'ServerLive', {})).resolves.toEqual({ live: true });
  });
});

describe('KServe V2 over gRPC with TLS (the https listener on)', () => {
  let t: TestApp;
  let trust: Buffer;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = tempDir('nf-grpc-tls-');
    t = await startModelTestApp({ TLS_ENABLED: 'true', DATA_DIR: dataDir }, { https: true, grpc: true });
    trust = readFileSync(path.join(dataDir, 'tls', 'dev-trust.pem'));
  });
  afterAll(async () => {
    await t?.close();
  });

  const port = () => Number(t.grpc!.target.split(':').pop());

  it('serves gRPC over TLS 1.3 with the https certificate and X25519MLKEM768 key exchange', async () => {
    expect(t.grpc!.secure).toBe(true);
    const negotiated = await new Promise<{ protocol: string | null; group?: string; alpn: string | false | null; fingerprint: string }>((resolve, reject) => {
      const socket = tls.connect({ host: '127.0.0.1', port: port(), servername: 'localhost', ca: trust, ALPNProtocols: ['h2'] }, () => {
        resolve({
          protocol: socket.getProtocol(),
          group: (socket.getEphemeralKeyInfo() as { name?: string } | null)?.name,
          alpn: socket.alpnProtocol,
          fingerprint: socket.getPeerX509Certificate()!.fingerprint256,
        });
        socket.end();
      });
      socket.on('error', reject);
    });
    expect(negotiated).toMatchObject({ protocol: 'TLSv1.3', group: 'X25519MLKEM768', alpn: 'h2' });
    expect(t.https!.reloader.current.map((c) => c.fingerprint)).toContain(negotiated.fingerprint);

    const client = new Client(`localhost:${port()}`, credentials.createSsl(trust));
    try {
      await expect(call(client, 'ServerLive', {})).resolves.toEqual({ live: true });
      await expect(call(client, 'ModelInfer', typedRequest(1))).resolves.toMatchObject({ model_name: 'tiny-mlp' });
    } finally {
      client.close();
    }
  });

  const servedFingerprint = () =>
    new Promise<string>((resolve, reject) => {
      const socket = tls.connect({ host: '127.0.0.1', port: port(), servername: 'localhost', rejectUnauthorized: false, ALPNProtocols: ['h2'] }, () => {
        resolve(socket.getPeerX509Certificate()!.fingerprint256);
        socket.end();
      });
      socket.on('error', reject);
    });

  it('serves the new certificate after the https listener reloads its files', async () => {
    const before = await servedFingerprint();
    for (const kind of ['classical', 'ml-dsa'] as const) {
      const { certPem, keyPem } = await generateDevCertificate(kind, new Date());
      const source = devCertificateSource(dataDir, kind);
      writeFileSync(source.certFile, certPem);
      writeFileSync(source.keyFile, keyPem, { mode: 0o600 });
    }
    expect(t.https!.reloader.reload('SIGHUP')).toBe(true);
    const after = await servedFingerprint();
    expect(after).not.toBe(before);
    expect(t.https!.reloader.current.map((c) => c.fingerprint)).toContain(after);
  });

  it('refuses a client that offers only the classical X25519 key exchange', async () => {
    const outcome = await new Promise<string>((resolve) => {
      const socket = tls.connect({ host: '127.0.0.1', port: port(), servername: 'localhost', ca: trust, ALPNProtocols: ['h2'], ecdhCurve: 'X25519' }, () => {
        resolve('connected');
        socket.end();
      });
      socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    });
    expect(outcome).toMatch(/HANDSHAKE_FAILURE|ALERT/);
  });

  it('refuses a plaintext client', async () => {
    const client = new Client(`127.0.0.1:${port()}`, credentials.createInsecure());
    try {
      await expect(call(client, 'ServerLive', {}, new Metadata(), { deadline: 3_000 })).rejects.toMatchObject({ code: expect.any(Number) });
    } finally {
      client.close();
    }
  });
});

describe('the gRPC listener under SIGTERM (built entry point)', () => {
  it('answers every call already sent, says not ready while draining, and exits 0', async () => {
    const CALLS = 200;
    const svc = spawnService({ TLS_ENABLED: 'false', SHUTDOWN_DRAIN_MS: '300', SHUTDOWN_TIMEOUT_MS: '30000', INFER_QUEUE_CAPACITY: '1000' });
    const line = await svc.waitForLine(/gRPC \(inference\.GRPCInferenceService\) listening on/, 60_000);
    const target = /listening on (\S+) \(plaintext\)/.exec(line)![1];
    const client = new Client(target, credentials.createInsecure());
    try {
      // Ready once the models have loaded (ServerReady answers false until then).
      while (!(await call(client, 'ServerReady', {})).ready) await new Promise((resolve) => setTimeout(resolve, 100));
      // Full batches of the wide model: seconds of work, far more than the drain period, still running when the listeners close.
      const wide = { model_name: 'wide-mlp', inputs: [{ name: 'input', datatype: 'FP32', shape: [64, 256], contents: { fp32_contents: new Array(64 * 256).fill(0.5) } }] };
      const calls = Array.from({ length: CALLS }, () => call(client, 'ModelInfer', wide, new Metadata(), { deadline: 60_000 }));
      await new Promise((resolve) => setTimeout(resolve, 20));
      svc.child.kill('SIGTERM');
      await svc.waitForLine(/SIGTERM received/);
      await expect(call(client, 'ServerReady', {})).resolves.toEqual({ ready: false });
      const replies = await Promise.all(calls);
      expect(replies.map((r) => r.model_name)).toEqual(new Array(CALLS).fill('wide-mlp'));
      expect(await svc.exited).toBe(0);
    } finally {
      client.close();
      if (svc.child.exitCode === null) svc.child.kill('SIGKILL');
    }
  });
});
