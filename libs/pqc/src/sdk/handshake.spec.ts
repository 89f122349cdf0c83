import { createBundle } from '../bundle/create';
import { createHandshakeInfo, createKeyChain } from '../bundle/handshake-info';
import type { KeyBundle } from '../bundle/types';
import { bundleFingerprint } from '../bundle/canonical';
import { isPqcProtocolError } from '../errors';
import { parseClientHello } from '../handshake/messages';
import { respondToHello } from '../handshake/server';
import { nobleProvider } from '../provider/noble';
import { PqcSession } from '../session/session';
import { expectCodeAsync } from '../testing/expect-code';
import { T0, makeServer, type ServerFixture } from '../testing/fixtures';
import { PqcServerError } from './errors';
import { handshake, handshakeEndpoint } from './handshake';

const provider = nobleProvider;
const clock = () => T0;
const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

interface Call {
  method: string;
  url: string;
}

/** An in-process stand-in for the API: same library calls the NestJS controller makes. */
function fakeApi(server: ServerFixture, sessions: PqcSession[] = [], calls: Call[] = [], served: { bundle: KeyBundle; chain?: KeyBundle[] } = server): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input);
    const method = init?.method ?? 'GET';
    calls.push({ method, url });
    if (method === 'GET' && url.endsWith('/chain')) {
      return served.chain ? json(createKeyChain(served.chain)) : json({ statusCode: 404, error: 'Not Found', message: 'no route' }, 404);
    }
    if (method === 'GET') return json(createHandshakeInfo(served.bundle));
    try {
      const hello = parseClientHello(JSON.parse(String(init?.body)), provider);
      const result = respondToHello({
        hello,
        bundle: served.bundle,
        bundleSha256: bundleFingerprint(served.bundle),
        decapsulationKey: server.decapsulationKey,
        identityKey: server.identityKey,
        now: T0,
        provider,
      });
      sessions.push(PqcSession.fromKeys(result.keys, 'server', { clock }));
      return json(result.response);
    } catch (error) {
      if (!isPqcProtocolError(error)) throw error;
      return json({ statusCode: error.status, error: error.code, message: error.message, errorId: 'err-1' }, error.status);
    }
  }) as typeof fetch;
}

describe('handshake() client SDK', () => {
  const server = makeServer('X-Wing+ML-DSA-65');

  it('completes against the API and yields a working session', async () => {
    const sessions: PqcSession[] = [];
    const calls: Call[] = [];
    const session = await handshake('https://api.example/', {
      fetch: fakeApi(server, sessions, calls),
      pin: server.pin,
      receipt: true,
      clock,
      provider,
    });
    expect(calls).toEqual([
      { method: 'GET', url: 'https://api.example/pqc/handshake' },
      { method: 'POST', url: 'https://api.example/pqc/handshake' },
    ]);
    expect(session.keyVersion).toBe(server.bundle.keyVersion);
    expect(session.transcriptSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(session.receipt).toBeDefined();
    const [serverSession] = sessions;
    expect(serverSession.sessionId).toBe(session.sessionId);
    expect(serverSession.open(session.seal(new TextEncoder().encode('ping')))).toEqual(new TextEncoder().encode('ping'));
  });

  it('fails closed on a wrong pin before sending a hello (asking for the key chain first)', async () => {
    const calls: Call[] = [];
    await expectCodeAsync(
      handshake('https://api.example', { fetch: fakeApi(server, [], calls), pin: 'ff'.repeat(32), clock, provider }),
      'pin_mismatch',
    );
    expect(calls).toEqual([
      { method: 'GET', url: 'https://api.example/pqc/handshake' },
      { method: 'GET', url: 'https://api.example/pqc/handshake/chain' },
    ]);
  });

  it('follows a key rotation from the pinned identity and reports the new pin; a renewal needs no chain', async () => {
    const rotated = makeServer('X-Wing+ML-DSA-65', { keyVersion: 8, label: 'rotated' });
    const withTransition = createBundle({
      suite: 'X-Wing+ML-DSA-65',
      keyVersion: 8,
      kemPublicKey: rotated.decapsulationKey.publicKey,
      identityKey: rotated.identityKey,
      notBefore: T0 - 1000,
      notAfter: T0 + 1000,
      previous: { keyVersion: 7, identityKey: server.identityKey },
    });
    const repins: [string, number][] = [];
    const calls: Call[] = [];
    const api = fakeApi(rotated, [], calls, { bundle: withTransition, chain: [server.bundle] });
    const session = await handshake('https://api.example', { fetch: api, pin: server.pin, onRepin: (pin, v) => repins.push([pin, v]), clock, provider });
    expect(session.keyVersion).toBe(8);
    expect(repins).toEqual([[rotated.pin, 8]]);
    expect(calls.map((c) => c.method)).toEqual(['GET', 'GET', 'POST']);

    // Without the older bundle (a server that offers no chain) the pin cannot be followed.
    await expectCodeAsync(handshake('https://api.example', { fetch: fakeApi(rotated, [], [], { bundle: withTransition }), pin: server.pin, clock, provider }), 'pin_mismatch');
    // Pinned to the new identity: no chain request.
    const direct: Call[] = [];
    await handshake('https://api.example', { fetch: fakeApi(rotated, [], direct, { bundle: withTransition }), pin: rotated.pin, clock, provider });
    expect(direct.map((c) => c.method)).toEqual(['GET', 'POST']);
  });

  it('never downgrades: a required suite the server does not offer is suite_mismatch', async () => {
    await expectCodeAsync(
      handshake('https://api.example', { fetch: fakeApi(server), suite: 'ML-KEM-768+ML-DSA-65', clock, provider }),
      'suite_mismatch',
    );
  });

  it('surfaces server error bodies as PqcServerError', async () => {
    // The client clock is far off, so the server answers stale_hello (HTTP 401).
    const promise = handshake('https://api.example', { fetch: fakeApi(server), clock: () => T0 + 3_600_000, provider });
    await expect(promise).rejects.toBeInstanceOf(PqcServerError);
    await expect(promise).rejects.toMatchObject({ statusCode: 401, error: 'stale_hello', errorId: 'err-1' });
  });

  it('reports non-JSON failures with the HTTP status', async () => {
    const failing = (async () => new Response('bad gateway', { status: 502, statusText: 'Bad Gateway' })) as unknown as typeof fetch;
    await expect(handshake('https://api.example', { fetch: failing, clock, provider })).rejects.toMatchObject({
      name: 'PqcServerError',
      statusCode: 502,
      error: 'Bad Gateway',
    });
  });

  it('rejects a success body that is not JSON', async () => {
    const garbled = (async () => new Response('<html>', { status: 200 })) as unknown as typeof fetch;
    await expectCodeAsync(handshake('https://api.example', { fetch: garbled, clock, provider }), 'bad_encoding');
  });

  it('builds the endpoint from a base URL with or without a trailing slash', () => {
    expect(handshakeEndpoint('http://h:3000')).toBe('http://h:3000/pqc/handshake');
    expect(handshakeEndpoint('http://h:3000/api//')).toBe('http://h:3000/api/pqc/handshake');
  });
});
