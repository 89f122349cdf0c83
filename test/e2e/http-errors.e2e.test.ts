import { startTestApp, TestApp } from '../support/app';
import { rawRequest } from '../support/raw-http';

/** Errors answered before a route's handler runs (URL, body parsing, media type, size): found by the fuzzer (test/fuzz). */
describe('errors answered before the route runs', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ PQC_WORKERS: '1' });
  });
  afterAll(async () => {
    await t.close();
  });

  const serviceBody = (statusCode: number, error: string, message: string | RegExp) => ({
    statusCode,
    error,
    message: typeof message === 'string' ? message : expect.stringMatching(message),
    errorId: expect.stringMatching(/^[0-9a-f-]{36}$/),
  });

  /** The answer to exactly these bytes, its body parsed as JSON. */
  const raw = async (method: string, path: string, headers: Record<string, string> = {}, body?: Buffer) => {
    const answer = await rawRequest(t.url, method, path, headers, body);
    if (answer === 'hang') throw new Error(`${method} ${path}: no answer`);
    return { status: answer.status, type: answer.contentType, body: JSON.parse(answer.body.toString('utf8')) as unknown };
  };

  it.each(['/audit/%ff', '/pqc/rotations/%c3%28', '/%'])('answers a URL whose escapes do not decode (%s) with 400 in the service error body', async (path) => {
    const res = await raw('GET', path);
    expect(res).toMatchObject({ status: 400, body: serviceBody(400, 'Bad Request', 'the URL does not decode: a percent escape is malformed or not UTF-8') });
  });

  it('answers a path parameter past the length limit with 414 in the service error body', async () => {
    const res = await raw('GET', `/pqc/rotations/${'a'.repeat(600)}`);
    expect(res).toMatchObject({ status: 414, body: serviceBody(414, 'URI Too Long', /^a path parameter is longer than \d+ characters$/) });
  });

  it('answers a static file path the file sender refuses (a NUL past a file name) with its 4xx, not 500', async () => {
    const res = await raw('GET', '/docs/swagger-ui.css/%00');
    expect(res).toMatchObject({ status: 400, body: serviceBody(400, 'Bad Request', 'Bad Request') });
  });

  it('refuses a JSON body that is not UTF-8 with 400 saying so', async () => {
    const body = Buffer.concat([Buffer.from('{"name":"a'), Buffer.from([0xc3, 0x28]), Buffer.from('","password":"x"}')]);
    const res = await raw('POST', '/auth/login', { 'content-type': 'application/json' }, body);
    expect(res).toMatchObject({ status: 400, body: serviceBody(400, 'Bad Request', 'JSON body is not valid UTF-8') });
  });

  it('names the refused media type in a 415', async () => {
    const res = await raw('POST', '/auth/login', { 'content-type': 'text/plain' }, Buffer.from('{}'));
    expect(res).toMatchObject({ status: 415, body: serviceBody(415, 'Unsupported Media Type', 'unsupported content type "text/plain": send application/json') });
  });

  describe('under /v2 the Open Inference Protocol error body {"error"}', () => {
    const infer = '/v2/models/tiny-mlp/infer';
    it.each([
      ['malformed JSON', 400, { 'content-type': 'application/json' }, Buffer.from('{bad'), /JSON/],
      ['JSON not UTF-8', 400, { 'content-type': 'application/json' }, Buffer.from([0x7b, 0xff, 0x7d]), /^JSON body is not valid UTF-8$/],
      ['JSON nested too deep', 400, { 'content-type': 'application/json' }, Buffer.from(`${'['.repeat(2000)}${']'.repeat(2000)}`), /deeper than 64 levels/],
      ['a body over the limit', 413, { 'content-type': 'application/json' }, Buffer.from(JSON.stringify({ pad: 'x'.repeat(1_100_000) })), /exceeds the limit of 1048576 bytes/],
      ['another media type', 415, { 'content-type': 'text/plain' }, Buffer.from('{}'), /"text\/plain"/],
    ])('refuses %s with %d', async (_what, status, headers, body, message) => {
      const res = await raw('POST', infer, headers, body);
      expect(res.status).toBe(status);
      expect(res.body).toEqual({ error: expect.stringMatching(message) });
    });

    it.each(['/v2/models/%ff', '/v2/no/such/route'])('answers %s (before any /v2 controller) with {"error"}', async (path) => {
      const res = await raw('GET', path);
      expect(res.status).toBe(path.includes('%') ? 400 : 404);
      expect(res.body).toEqual({ error: expect.any(String) });
    });
  });
});
