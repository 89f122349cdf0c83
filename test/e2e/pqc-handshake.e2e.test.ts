import { createHash } from 'node:crypto';
import {
  getNativeProvider,
  nobleProvider,
  createClientHello,
  finishHandshake,
  handshake,
  parseHandshakeInfo,
  verifyReceipt,
} from '@nf/pqc';
import { HandshakePool } from '../../apps/api/src/pqc/handshake/handshake.pool';
import { startTestApp, TestApp } from '../support/app';

const text = (s: string) => new TextEncoder().encode(s);
const decode = (b: Uint8Array) => new TextDecoder().decode(b);

async function freshHello(t: TestApp, tweak: (hello: Record<string, unknown>) => void = () => undefined) {
  const info = await t.http.get('/pqc/handshake').expect(200);
  const { bundle } = parseHandshakeInfo(info.body);
  const { hello, state } = createClientHello({ bundle, now: Date.now() });
  const body = { ...hello } as Record<string, unknown>;
  tweak(body);
  return { body, state, bundle };
}

describe.each([
  ['hybrid', 'X-Wing+ML-DSA-65'],
  ['pqc', 'ML-KEM-768+ML-DSA-65'],
])('PQC handshake, PQC_MODE=%s', (mode, algorithm) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ PQC_MODE: mode, PQC_WORKERS: '1' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('GET /pqc/handshake answers {status:"ok", algorithm, sha256 (identity pin), bundleSha256} with the signed bundle', async () => {
    const res = await t.http.get('/pqc/handshake').expect(200);
    expect(res.body).toMatchObject({ status: 'ok', algorithm, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(res.body.bundle).toMatchObject({ v: 1, suite: algorithm, keyVersion: 1 });
    expect(parseHandshakeInfo(res.body)).toMatchObject({ sha256: res.body.sha256, bundleSha256: res.body.bundleSha256 });
    expect(res.body.sha256).toBe(createHash('sha256').update(Buffer.from(res.body.bundle.identityPublicKey, 'base64url')).digest('hex'));
    // Nothing older to walk from yet.
    expect((await t.http.get('/pqc/handshake/chain').expect(200)).body).toEqual({ bundles: [] });
  });

  it.each([
    ['the default', undefined],
    ['the noble (pure JavaScript)', nobleProvider],
  ])('an SDK client on %s provider, pinned to the identity, completes a handshake and a sealed round trip', async (_name, provider) => {
    const { sha256 } = (await t.http.get('/pqc/handshake')).body;
    const session = await handshake(t.url, { pin: sha256, provider });
    expect(session).toMatchObject({ suite: algorithm, keyVersion: 1 });
    for (const message of ['first', 'second']) {
      const sealed = session.seal(text(message));
      const reply = await t.http.post('/pqc/echo').send(sealed).expect(200);
      expect(reply.body.ciphertext).not.toContain(message);
      expect(decode(session.open(reply.body))).toBe(message);
    }
  });

  it('gives a verifiable ML-DSA receipt over the transcript when asked', async () => {
    const info = (await t.http.get('/pqc/handshake')).body;
    const session = await handshake(t.url, { pin: info.sha256, receipt: true });
    expect(session.receipt).toBeDefined();
    const { bundle } = parseHandshakeInfo(info);
    expect(() => verifyReceipt(bundle.identityPublicKey, Buffer.from(session.transcriptSha256, 'hex'), Buffer.from(session.sessionId, 'base64url'), session.receipt!)).not.toThrow();
  });

  it('refuses a client whose pin does not match', async () => {
    await expect(handshake(t.url, { pin: '0'.repeat(64) })).rejects.toMatchObject({ code: 'pin_mismatch' });
  });

  it('a client detects a tampered server confirmation or transcript', async () => {
    for (const field of ['confirmation', 'serverNonce'] as const) {
      const { body, state } = await freshHello(t);
      const res = await t.http.post('/pqc/handshake').send(body).expect(200);
      const bytes = Buffer.from(res.body[field], 'base64url');
      bytes[0] ^= 1;
      const response = { ...res.body, [field]: bytes.toString('base64url') };
      expect(() => finishHandshake({ state, response, now: Date.now() })).toThrow(
        expect.objectContaining({ code: 'transcript_mismatch' }),
      );
    }
  });

  describe('refuses bad input with a 4xx naming the problem', () => {
    const cases: [string, number, string, (h: Record<string, unknown>) => void][] = [
      ['a short ciphertext', 400, 'bad_length', (h) => (h.ciphertext = (h.ciphertext as string).slice(0, 100))],
      ['a short ephemeral key', 400, 'bad_length', (h) => (h.ephemeralPublicKey = (h.ephemeralPublicKey as string).slice(0, 100))],
      ['an unknown key version', 404, 'unknown_key_version', (h) => (h.keyVersion = 99)],
      ['a stale timestamp', 401, 'stale_hello', (h) => (h.timestamp = Date.now() - 10 * 60_000)],
      ['a hello for another bundle', 409, 'bundle_mismatch', (h) => (h.bundleSha256 = 'ab'.repeat(32))],
      ['an unknown suite', 400, 'suite_mismatch', (h) => (h.suite = 'X25519-only')],
      ['a missing field', 400, 'bad_encoding', (h) => delete h.clientNonce],
      ['an unknown field', 400, 'bad_encoding', (h) => (h.extra = 1)],
    ];
    it.each(cases)('%s', async (_name, status, code, tweak) => {
      const { body } = await freshHello(t, tweak);
      const res = await t.http.post('/pqc/handshake').send(body).expect(status);
      expect(res.body).toMatchObject({ statusCode: status, code, message: expect.any(String), errorId: expect.any(String) });
    });

    it('an ephemeral key that fails the FIPS 203 modulus check', async () => {
      const { body } = await freshHello(t, (h) => {
        const key = Buffer.from(h.ephemeralPublicKey as string, 'base64url');
        key[0] = 0xff; // first 12-bit coefficient becomes >= 3329
        key[1] |= 0x0f;
        h.ephemeralPublicKey = key.toString('base64url');
      });
      const res = await t.http.post('/pqc/handshake').send(body).expect(400);
      expect(res.body.code).toBe('bad_encapsulation_key');
    });

    it('a replayed hello, refused before any KEM work (the crypto workers are not asked)', async () => {
      const { body } = await freshHello(t);
      await t.http.post('/pqc/handshake').send(body).expect(200);
      const workers = jest.spyOn(t.app.get(HandshakePool), 'run');
      try {
        const res = await t.http.post('/pqc/handshake').send(body).expect(409);
        expect(res.body.code).toBe('replay');
        expect(workers).not.toHaveBeenCalled();
      } finally {
        workers.mockRestore();
      }
    });

    it('a body that is not a hello at all', async () => {
      await t.http.post('/pqc/handshake').send([1, 2]).expect(400);
      await t.http.post('/pqc/handshake').set('content-type', 'application/json').send('null').expect(400);
    });

    it('a tampered, replayed or foreign sealed message', async () => {
      const session = await handshake(t.url, {});
      const sealed = session.seal(text('payload'));
      const flipped = Buffer.from(sealed.ciphertext, 'base64url');
      flipped[0] ^= 1;
      expect((await t.http.post('/pqc/echo').send({ ...sealed, ciphertext: flipped.toString('base64url') }).expect(401)).body.code).toBe('decrypt_failed');
      await t.http.post('/pqc/echo').send(sealed).expect(200);
      expect((await t.http.post('/pqc/echo').send(sealed).expect(409)).body.code).toBe('replay');
      expect((await t.http.post('/pqc/echo').send({ ...sealed, sessionId: 'AAAAAAAAAAAAAAAAAAAAAA' }).expect(404)).body.code).toBe('unknown_session');
    });
  });

  it('counts handshakes by outcome and exposes the active key version', async () => {
    const metrics = (await t.http.get('/metrics').expect(200)).text;
    expect(metrics).toMatch(new RegExp(`^nf_pqc_handshakes_total\\{algorithm="${algorithm.replace(/\+/g, '\\+')}",outcome="ok"\\} [1-9]`, 'm'));
    expect(metrics).toMatch(/^nf_pqc_handshakes_total\{.*outcome="replay"\} [1-9]/m);
    expect(metrics).toMatch(/^nf_pqc_active_key_version 1$/m);
    // The provider in use is visible, and on Node >= 24.7 it is the platform's own.
    const provider = getNativeProvider() ? 'native' : 'noble';
    expect(metrics).toContain(`nf_pqc_provider_info{provider="${provider}",node="${process.versions.node}",openssl="${process.versions.openssl}"} 1`);
    expect(metrics).toContain('nf_pqc_handshake_duration_seconds_bucket');
  });

  it('reports the keystore in readiness', async () => {
    const res = await t.http.get('/health/ready').expect(200);
    expect(res.body.details.keystore).toEqual({ status: 'up', keyVersion: 1, algorithm });
  });
});
