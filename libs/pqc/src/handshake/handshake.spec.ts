import { encodeBundle } from '../bundle/codec';
import { fromBase64Url, toBase64Url } from '../encoding';
import { nobleProvider } from '../provider/noble';
import { PqcSession } from '../session/session';
import { SUITES, type SuiteId } from '../suite';
import { expectCode, flipBit } from '../testing/expect-code';
import { DAY, T0, makeServer, type ServerFixture } from '../testing/fixtures';
import { createClientHello, finishHandshake, type ClientHandshakeState } from './client';
import { encodeClientHello, parseClientHello, type ClientHello, type ClientHelloJson, type HandshakeResponseJson } from './messages';
import { ReplayCache } from './replay-cache';
import { helloReplayKey, respondToHello, type RespondToHelloOptions } from './server';

const provider = nobleProvider;
const wire = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
const clock = () => T0;

function start(server: ServerFixture, options: { receipt?: boolean; now?: number } = {}) {
  return createClientHello({ bundle: server.bundle, now: options.now ?? T0, receipt: options.receipt, provider });
}

function respond(server: ServerFixture, hello: ClientHello, overrides: Partial<RespondToHelloOptions> = {}) {
  return respondToHello({
    hello,
    bundle: server.bundle,
    bundleSha256: server.sha256,
    decapsulationKey: server.decapsulationKey,
    now: T0,
    provider,
    ...overrides,
  });
}

function finish(state: ClientHandshakeState, response: unknown) {
  return finishHandshake({ state, response: wire(response), now: T0, session: { clock } });
}

describe.each(SUITES)('handshake round trip (%s)', (suite) => {
  const server = makeServer(suite);

  it('agrees on keys and carries traffic both ways', () => {
    const { hello, state } = start(server);
    const result = respond(server, parseClientHello(wire(hello), provider));
    const client = finish(state, result.response);
    const serverSession = PqcSession.fromKeys(result.keys, 'server', { clock });

    expect(client.sessionId).toBe(result.response.sessionId);
    expect(client.transcriptSha256).toBe(result.response.transcriptSha256);
    expect(client.keyVersion).toBe(server.bundle.keyVersion);
    expect(client.suite).toBe(suite);
    expect(client.expiresAt).toBe(result.response.expiresAt);
    expect(result.replayKey).toBe(Buffer.from(fromBase64Url(hello.clientNonce, 'n')).toString('hex'));

    const request = new TextEncoder().encode('{"prompt":"hello"}');
    expect(serverSession.open(wire(client.seal(request)))).toEqual(request);
    const reply = new TextEncoder().encode('{"tokens":[1,2,3]}');
    expect(client.open(wire(serverSession.seal(reply)))).toEqual(reply);
  });

  it('gives a fresh session for every handshake', () => {
    const a = start(server);
    const b = start(server);
    const ra = respond(server, parseClientHello(wire(a.hello), provider));
    const rb = respond(server, parseClientHello(wire(b.hello), provider));
    expect(ra.response.sessionId).not.toBe(rb.response.sessionId);
    expect(ra.keys.clientToServer).not.toEqual(rb.keys.clientToServer);
  });

  it('returns a verifiable receipt only when asked', () => {
    const { hello, state } = start(server, { receipt: true });
    const result = respond(server, parseClientHello(wire(hello), provider), { identityKey: server.identityKey });
    expect(result.response.receipt).toBeDefined();
    expect(finish(state, result.response).receipt).toBeDefined();

    const plain = start(server);
    expect(respond(server, parseClientHello(wire(plain.hello), provider), { identityKey: server.identityKey }).response.receipt).toBeUndefined();
  });
});

describe.each(SUITES)('server rejects bad hellos (%s)', (suite: SuiteId) => {
  const server = makeServer(suite);
  const { hello } = start(server);
  const json = wire(hello) as unknown as Record<string, unknown>;
  const parse = (patch: Partial<Record<keyof ClientHelloJson | 'extra', unknown>>) => () => parseClientHello({ ...json, ...patch }, provider);
  const resize = (field: keyof ClientHelloJson, delta: number) => {
    const bytes = fromBase64Url(json[field], field);
    return toBase64Url(delta < 0 ? bytes.subarray(0, bytes.length + delta) : Uint8Array.of(...bytes, ...new Uint8Array(delta)));
  };

  it.each([
    ['clientNonce', -1],
    ['clientNonce', 1],
    ['ephemeralPublicKey', -1],
    ['ephemeralPublicKey', 1],
    ['ciphertext', -1],
    ['ciphertext', 1],
  ] as const)('%s with %i byte(s) off is bad_length', (field, delta) => {
    expectCode(parse({ [field]: resize(field, delta) }), 'bad_length');
  });

  it('bundleSha256 of the wrong size is bad_length', () => {
    expectCode(parse({ bundleSha256: (json.bundleSha256 as string).slice(2) }), 'bad_length');
  });

  it('an ephemeral key failing the modulus check is bad_encapsulation_key', () => {
    const pk = fromBase64Url(json.ephemeralPublicKey, 'pk').slice();
    pk[0] = 0xff;
    pk[1] |= 0x0f;
    expectCode(parse({ ephemeralPublicKey: toBase64Url(pk) }), 'bad_encapsulation_key');
    expectCode(() => respond(server, { ...parseClientHello(json, provider), ephemeralPublicKey: pk }), 'bad_encapsulation_key');
  });

  it.each([
    ['an unknown member', { extra: true }, 'bad_encoding'],
    ['a non-boolean receipt', { receipt: 'yes' }, 'bad_encoding'],
    ['a string timestamp', { timestamp: String(T0) }, 'bad_encoding'],
    ['uppercase hex', { bundleSha256: (json.bundleSha256 as string).toUpperCase() }, 'bad_encoding'],
    ['version 2', { v: 2 }, 'unsupported_version'],
    ['an unknown suite', { suite: 'X25519' }, 'suite_mismatch'],
  ] as const)('%s is rejected', (_name, patch, code) => {
    expectCode(parse(patch), code);
  });

  it('a hello for the other suite is suite_mismatch', () => {
    const other = makeServer(suite === 'X-Wing+ML-DSA-65' ? 'ML-KEM-768+ML-DSA-65' : 'X-Wing+ML-DSA-65');
    const foreign = parseClientHello(wire(start(other).hello), provider);
    expectCode(() => respond(server, { ...foreign, keyVersion: server.bundle.keyVersion }), 'suite_mismatch');
  });

  it('an unknown key version is unknown_key_version', () => {
    expectCode(() => respond(server, { ...parseClientHello(json, provider), keyVersion: 99 }), 'unknown_key_version');
  });

  it('a hello for another bundle is bundle_mismatch', () => {
    expectCode(() => respond(server, { ...parseClientHello(json, provider), bundleSha256: new Uint8Array(32) }), 'bundle_mismatch');
  });

  it('a timestamp outside the skew window is stale_hello, in both directions', () => {
    const parsed = parseClientHello(json, provider);
    expectCode(() => respond(server, parsed, { now: T0 + 60_001 }), 'stale_hello');
    expectCode(() => respond(server, parsed, { now: T0 - 60_001 }), 'stale_hello');
    expectCode(() => respond(server, parsed, { now: T0 + 5_001, maxSkewMs: 5_000 }), 'stale_hello');
    expect(() => respond(server, parsed, { now: T0 + 60_000 })).not.toThrow();
  });

  it('a replayed hello is caught by the ReplayCache', () => {
    const cache = new ReplayCache();
    const parsed = parseClientHello(json, provider);
    cache.checkAndRemember(respond(server, parsed).replayKey, T0);
    expectCode(() => cache.checkAndRemember(respond(server, parsed).replayKey, T0 + 1), 'replay');
  });

  it('a receipt request without an identity key is a server misconfiguration, not a silent skip', () => {
    const parsed = parseClientHello(wire(start(server, { receipt: true }).hello), provider);
    expect(() => respond(server, parsed)).toThrow('misconfiguration');
  });

  it('a decapsulation key that does not match the bundle is a misconfiguration', () => {
    const other = makeServer(suite, { label: 'other' });
    expect(() => respond(server, parseClientHello(json, provider), { decapsulationKey: other.decapsulationKey })).toThrow('misconfiguration');
  });

  it('a bundleSha256 that is not the bundle\'s fingerprint is a misconfiguration, also after a handshake with the bundle', () => {
    const other = makeServer(suite, { label: 'other' });
    respond(server, parseClientHello(wire(start(server).hello), provider));
    expect(() => respond(server, parseClientHello(json, provider), { bundleSha256: other.sha256 })).toThrow('not the fingerprint');
  });
});

describe('X-Wing low-order X25519 inputs', () => {
  const server = makeServer('X-Wing+ML-DSA-65');
  const parsed = parseClientHello(wire(start(server).hello), provider);

  it('in the client ciphertext is weak_x25519', () => {
    const ciphertext = parsed.ciphertext.slice();
    ciphertext.fill(0, 1088);
    expectCode(() => respond(server, { ...parsed, ciphertext }), 'weak_x25519');
  });

  it('in the client ephemeral key is weak_x25519', () => {
    const ephemeralPublicKey = parsed.ephemeralPublicKey.slice();
    ephemeralPublicKey.fill(0, 1184);
    expectCode(() => respond(server, { ...parsed, ephemeralPublicKey }), 'weak_x25519');
  });
});

describe.each(SUITES)('client rejects (%s)', (suite) => {
  const server = makeServer(suite);

  function exchange(receipt = false) {
    const { hello, state } = start(server, { receipt });
    const { response } = respond(server, parseClientHello(wire(hello), provider), { identityKey: server.identityKey });
    return { state, response: wire(response) as HandshakeResponseJson & Record<string, unknown> };
  }

  it('an expired or not-yet-valid bundle', () => {
    expectCode(() => createClientHello({ bundle: server.bundle, now: T0 + 40 * DAY, provider }), 'bundle_expired');
    expectCode(() => createClientHello({ bundle: server.bundle, now: T0 - 2 * DAY, provider }), 'bundle_expired');
  });

  it('a bundle that does not match the pin', () => {
    expectCode(() => createClientHello({ bundle: server.bundle, now: T0, pin: '00'.repeat(32), provider }), 'pin_mismatch');
    expect(() => createClientHello({ bundle: server.bundle, now: T0, pin: server.pin, provider })).not.toThrow();
  });

  it('a bundle with a bad signature', () => {
    const bundle = { ...server.bundle, signature: flipBit(server.bundle.signature, 3) };
    expectCode(() => createClientHello({ bundle, now: T0, provider }), 'bundle_signature');
  });

  const bump = (text: string) => toBase64Url(flipBit(fromBase64Url(text, 'x'), 0));
  it.each([
    ['confirmation', (r: HandshakeResponseJson) => ({ confirmation: bump(r.confirmation) })],
    ['transcriptSha256', (r: HandshakeResponseJson) => ({ transcriptSha256: `${r.transcriptSha256.slice(0, -1)}${r.transcriptSha256.endsWith('0') ? '1' : '0'}` })],
    ['serverNonce', (r: HandshakeResponseJson) => ({ serverNonce: bump(r.serverNonce) })],
    ['ciphertext', (r: HandshakeResponseJson) => ({ ciphertext: bump(r.ciphertext) })],
    ['sessionId', (r: HandshakeResponseJson) => ({ sessionId: bump(r.sessionId) })],
    ['expiresAt', (_r: HandshakeResponseJson) => ({ expiresAt: new Date(T0 + 2 * DAY).toISOString() })],
    ['keyVersion', (r: HandshakeResponseJson) => ({ keyVersion: r.keyVersion + 1 })],
  ])('a tampered response %s as transcript_mismatch', (_field, tamper) => {
    const { state, response } = exchange();
    expectCode(() => finish(state, { ...response, ...tamper(response) }), 'transcript_mismatch');
  });

  it('a hello tampered in transit (the server saw a different transcript)', () => {
    const { hello, state } = start(server);
    const altered = { ...parseClientHello(wire(hello), provider), timestamp: T0 + 1 };
    const { response } = respond(server, altered);
    expectCode(() => finish(state, response), 'transcript_mismatch');
  });

  it('a response ciphertext of the wrong size', () => {
    const { state, response } = exchange();
    const ct = fromBase64Url(response.ciphertext, 'ct');
    expectCode(() => finish(state, { ...response, ciphertext: toBase64Url(ct.subarray(1)) }), 'bad_length');
  });

  it('a missing, unrequested or forged receipt', () => {
    const asked = exchange(true);
    const { receipt: _receipt, ...stripped } = asked.response;
    expectCode(() => finish(asked.state, stripped), 'transcript_mismatch');

    const forged = exchange(true);
    expectCode(() => finish(forged.state, { ...forged.response, receipt: bump(forged.response.receipt!) }), 'receipt_signature');

    const unasked = exchange(false);
    expectCode(() => finish(unasked.state, { ...unasked.response, receipt: forged.response.receipt }), 'transcript_mismatch');
  });

  it('an already expired session', () => {
    const { hello, state } = start(server);
    const { response } = respond(server, parseClientHello(wire(hello), provider), { sessionTtlMs: 1 });
    expectCode(() => finishHandshake({ state, response: wire(response), now: T0 + 5 }), 'session_expired');
  });

  it('reuse of the one-shot client state', () => {
    const { state, response } = exchange();
    finish(state, response);
    expect(() => finish(state, response)).toThrow('only be used once');
  });
});

describe('wire encoding', () => {
  it('omits receipt when false and parses it back as false', () => {
    const server = makeServer('X-Wing+ML-DSA-65');
    const { hello } = start(server);
    expect('receipt' in hello).toBe(false);
    const parsed = parseClientHello(wire(hello), provider);
    expect(parsed.receipt).toBe(false);
    expect(encodeClientHello(parsed)).toEqual(hello);
    expect(encodeBundle(server.bundle).suite).toBe(hello.suite);
  });
});

describe('helloReplayKey: the checks before any KEM work', () => {
  const nonce = new Uint8Array(32).fill(7);
  const hello = (extra: Record<string, unknown> = {}) => ({ clientNonce: toBase64Url(nonce), timestamp: T0, ...extra });

  it('returns hex(clientNonce) for a fresh hello', () => {
    expect(helloReplayKey(hello(), T0 + 59_000, 60_000)).toBe('07'.repeat(32));
  });

  it('refuses a stale hello, a malformed nonce or timestamp, and a non-object', () => {
    expectCode(() => helloReplayKey(hello(), T0 + 60_001, 60_000), 'stale_hello');
    expectCode(() => helloReplayKey(hello({ clientNonce: toBase64Url(new Uint8Array(31)) }), T0, 60_000), 'bad_length');
    expectCode(() => helloReplayKey(hello({ clientNonce: 'not base64url!' }), T0, 60_000), 'bad_encoding');
    expectCode(() => helloReplayKey(hello({ timestamp: '1' }), T0, 60_000), 'bad_encoding');
    for (const notAnObject of [null, [], 'hello', 1]) expectCode(() => helloReplayKey(notAnObject, T0, 60_000), 'bad_encoding');
  });
});
