import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { ProbeRegistry } from '../../apps/api/src/health/probe-registry';
import { startTestApp, TestApp } from '../support/app';

describe('HTTP surface: probes, metrics, errors, docs', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it.each(['live', 'ready', 'startup'])('/health/%s answers 200 with status ok', async (probe) => {
    const res = await t.http.get(`/health/${probe}`).expect(200);
    expect(res.body.status).toBe('ok');
  });

  it('readiness checks the database', async () => {
    const res = await t.http.get('/health/ready').expect(200);
    expect(res.body.details.database.status).toBe('up');
  });

  it('startup answers 503 while a start-up task is pending and names it', async () => {
    let finish!: () => void;
    t.app.get(ProbeRegistry).trackStartup('slow-task', new Promise<void>((resolve) => (finish = resolve)));
    const pending = await t.http.get('/health/startup').expect(503);
    expect(pending.body.error.startup.pending).toEqual(['slow-task']);
    finish();
    await new Promise((r) => setImmediate(r));
    await t.http.get('/health/startup').expect(200);
  });

  it('exposes nf_env_info with the env hash and mode, and counts requests by route template', async () => {
    await t.http.get('/no/such/route').expect(404);
    const res = await t.http.get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toMatch(/^nf_env_info\{env_hash="[0-9a-f]{64}",mode="simulation"\} 1$/m);
    expect(res.text).toMatch(/^nf_http_requests_total\{method="GET",route="\/health\/live",status_code="200"\} \d+$/m);
    expect(res.text).toMatch(/^nf_http_requests_total\{method="GET",route="unmatched",status_code="404"\} 1$/m);
    expect(res.text).toContain('process_cpu_user_seconds_total');
  });

  it('passes promtool check metrics', async () => {
    const promtool = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => existsSync(p));
    if (!promtool) {
      if (process.env.CI === 'true') throw new Error('promtool is required in CI (.ci/run installs Debian package prometheus)');
      console.warn('promtool not installed (apt-get install prometheus): exposition lint skipped outside CI');
      return;
    }
    const res = await t.http.get('/metrics').expect(200);
    expect(() => execFileSync(promtool, ['check', 'metrics'], { input: res.text, stdio: 'pipe' })).not.toThrow();
  });

  it('answers unknown routes with the JSON error shape', async () => {
    const res = await t.http.get('/no/such/route').expect(404);
    expect(res.body).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'Cannot GET /no/such/route',
      errorId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
  });

  it('refuses a body over the limit with 413 naming the limit', async () => {
    const res = await t.http
      .post('/no/such/route')
      .set('content-type', 'application/json')
      .send(JSON.stringify({ pad: 'x'.repeat(1_100_000) }))
      .expect(413);
    expect(res.body.message).toBe('request body exceeds the limit of 1048576 bytes');
    expect(res.body.errorId).toBeDefined();
  });

  it('refuses malformed JSON with 400, not 500', async () => {
    const res = await t.http.post('/no/such/route').set('content-type', 'application/json').send('{bad').expect(400);
    expect(res.body.message).toMatch(/JSON/);
  });

  const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
  it.each([
    ['POST', '/auth/login', 'application/json'],
    ['POST', '/pqc/handshake', 'application/json'],
    ['POST', '/pqc/echo', 'application/json'],
    ['POST', '/v2/models/tiny-mlp/infer', 'application/json'],
    ['POST', '/v2/models/tiny-mlp/infer', 'application/nf-sealed+json'],
  ])('refuses JSON nested 2,000 levels deep on %s %s (%s) with 400 naming the limit', async (method, route, type) => {
    const body = JSON.stringify({ name: 'admin', password: 'x', deep: JSON.parse(nested(2000)) });
    const res = await t.http[method.toLowerCase() as 'post'](route).set('content-type', type).send(body).expect(400);
    const refusal = 'JSON body nests objects or arrays deeper than 64 levels';
    // Under /v2 the Open Inference Protocol's {"error"} body, before the controller runs too.
    expect(route.startsWith('/v2/') ? res.body : res.body.message).toEqual(route.startsWith('/v2/') ? { error: refusal } : refusal);
  });

  it.each(['/pqc/handshake', '/pqc/echo'])('gives body errors on the protocol route %s their PQC code (400 bad_encoding, 413 body_too_large)', async (route) => {
    const malformed = await t.http.post(route).set('content-type', 'application/json').send('{bad').expect(400);
    expect(malformed.body).toMatchObject({ statusCode: 400, code: 'bad_encoding' });
    const deep = await t.http.post(route).set('content-type', 'application/json').send(nested(100)).expect(400);
    expect(deep.body).toMatchObject({ code: 'bad_encoding', message: 'JSON body nests objects or arrays deeper than 64 levels' });
    const large = await t.http.post(route).set('content-type', 'application/json').send(JSON.stringify({ pad: 'x'.repeat(1_100_000) })).expect(413);
    expect(large.body).toMatchObject({ statusCode: 413, code: 'body_too_large', message: 'request body exceeds the limit of 1048576 bytes' });
    // Other routes keep their codeless body errors.
    expect((await t.http.post('/auth/login').set('content-type', 'application/json').send('{bad').expect(400)).body.code).toBeUndefined();
  });

  it('still accepts JSON nested up to the limit (it reaches the route)', async () => {
    const res = await t.http.post('/auth/login').set('content-type', 'application/json').send(JSON.stringify({ name: JSON.parse(nested(63)) }));
    expect(res.status).toBe(400);
    expect(res.body.errors).toHaveProperty('name'); // the DTO's answer, not the parser's
  });

  it('sends helmet\'s document headers on HTML pages', async () => {
    const res = await t.http.get('/docs');
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'SAMEORIGIN',
      'referrer-policy': 'no-referrer',
      'cross-origin-opener-policy': 'same-origin',
    });
    // HSTS binds the host name: in simulation it would make a browser that trusted https://localhost:8643 refuse the
    // plain http://localhost:8600 dashboard for a year. Production sends it (test/e2e/tls.e2e.test.ts).
    expect(res.headers['strict-transport-security']).toBeUndefined();
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it.each([
    ['GET', '/health/live', 200],
    ['GET', '/pqc/handshake', 200],
    ['GET', '/no/such/route', 404],
    ['POST', '/v2/models/tiny-mlp/infer', 400],
    ['GET', '/metrics', 200],
    ['GET', '/v2/models/%E0%A4%A', 400], // refused before routing (frameworkErrors): no route context, no hooks
    ['GET', `/v2/models/${'m'.repeat(101)}`, 414],
  ])('sends the API headers, not the document ones, on %s %s (%d)', async (method, route, status) => {
    const res = await (method === 'GET' ? t.http.get(route) : t.http.post(route).send({})).expect(status);
    expect(res.headers['content-type']).not.toMatch(/^text\/html/);
    expect(res.headers).toMatchObject({
      'content-security-policy': "default-src 'none';frame-ancestors 'none'",
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'cache-control': 'no-store',
    });
    for (const documentOnly of ['referrer-policy', 'cross-origin-opener-policy', 'x-dns-prefetch-control', 'strict-transport-security', 'x-powered-by']) {
      expect(res.headers[documentOnly]).toBeUndefined();
    }
  });

  it('serves the OpenAPI document and its UI at /docs', async () => {
    const doc = await t.http.get('/docs/openapi.json').expect(200);
    expect(doc.body.info).toMatchObject({ title: 'Neural Fabric API', version: '8.1.1' });
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/health/live', '/health/ready', '/health/startup', '/metrics']));
    // The infer route lives on Fastify directly; its description is still in the document.
    for (const path of ['/v2/models/{model}/infer', '/v2/models/{model}/versions/{version}/infer']) {
      expect(Object.keys(doc.body.paths[path])).toEqual(['post']);
      expect(Object.keys(doc.body.paths[path].post.requestBody.content)).toEqual(['application/json', 'application/octet-stream', 'application/nf-sealed+json']);
    }
    await t.http.get('/docs').expect(200).expect('content-type', /html/);
  });
});

describe('readiness during shutdown', () => {
  // A separate app: prom-client's registry is global, so apps must not overlap in time.
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers 503 with the reason once shutdown begins, while liveness stays 200', async () => {
    t.app.get(ProbeRegistry).beginShutdown();
    const res = await t.http.get('/health/ready').expect(503);
    expect(res.body.error.shutdown).toEqual({ status: 'down', message: 'shutting down' });
    await t.http.get('/health/live').expect(200);
  });
});
