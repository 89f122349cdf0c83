import { randomBytes } from 'node:crypto';
import { fromBase64Url, toBase64Url } from '../encoding';
import { expectCode, flipBit } from '../testing/expect-code';
import { AEAD_CIPHERS } from './aead';
import type { SessionKeys } from './keys';
import { PqcSession, type SealedEnvelope } from './session';

const NOW = 1_750_000_000_000;
const clock = () => NOW;
const text = (s: string) => new TextEncoder().encode(s);

function keys(): SessionKeys {
  return {
    suite: 'X-Wing+ML-DSA-65',
    keyVersion: 3,
    sessionId: Uint8Array.from(randomBytes(16)),
    transcriptHash: Uint8Array.from(randomBytes(32)),
    expiresAt: NOW + 60_000,
    clientToServer: Uint8Array.from(randomBytes(32)),
    serverToClient: Uint8Array.from(randomBytes(32)),
  };
}

function pair(cipher: (typeof AEAD_CIPHERS)[number] = 'aes-256-gcm') {
  const k = keys();
  return {
    // Each side gets its own copy, as after a real handshake.
    client: PqcSession.fromKeys(structuredClone(k), 'client', { clock, cipher }),
    server: PqcSession.fromKeys(structuredClone(k), 'server', { clock, cipher }),
  };
}

const tamper = (envelope: SealedEnvelope, patch: Partial<SealedEnvelope>): SealedEnvelope => ({ ...envelope, ...patch });

describe.each(AEAD_CIPHERS)('session AEAD (%s)', (cipher) => {
  it('carries messages both ways, with and without associated data', () => {
    const { client, server } = pair(cipher);
    const sealed = client.seal(text('hi'), text('POST /v1/infer'));
    expect(sealed).toMatchObject({ sessionId: client.sessionId, seq: 0, cipher });
    expect(fromBase64Url(sealed.nonce, 'nonce')).toHaveLength(12);
    expect(server.open(sealed, text('POST /v1/infer'))).toEqual(text('hi'));
    expect(client.open(server.seal(text('yo')))).toEqual(text('yo'));
    expect(client.seal(text('next')).seq).toBe(1);
  });

  it('rejects tampered ciphertext, nonce, seq or associated data as decrypt_failed', () => {
    const { client, server } = pair(cipher);
    const sealed = client.seal(text('payload'), text('aad'));
    const ct = fromBase64Url(sealed.ciphertext, 'ct');
    expectCode(() => server.open(tamper(sealed, { ciphertext: toBase64Url(flipBit(ct, 0)) }), text('aad')), 'decrypt_failed');
    expectCode(() => server.open(tamper(sealed, { ciphertext: toBase64Url(flipBit(ct, ct.length - 1)) }), text('aad')), 'decrypt_failed');
    expectCode(() => server.open(tamper(sealed, { ciphertext: toBase64Url(ct.subarray(0, 10)) }), text('aad')), 'decrypt_failed');
    expectCode(() => server.open(tamper(sealed, { nonce: toBase64Url(flipBit(fromBase64Url(sealed.nonce, 'n'))) }), text('aad')), 'decrypt_failed');
    expectCode(() => server.open(tamper(sealed, { seq: 1 }), text('aad')), 'decrypt_failed');
    expectCode(() => server.open(sealed, text('other aad')), 'decrypt_failed');
    expectCode(() => server.open(sealed), 'decrypt_failed');
    // A forgery must not burn the sequence number of the genuine message.
    expect(server.open(sealed, text('aad'))).toEqual(text('payload'));
  });

  it('rejects a message reflected back in the wrong direction', () => {
    const { client } = pair(cipher);
    expectCode(() => client.open(client.seal(text('mine'))), 'decrypt_failed');
  });

  it('rejects a replayed message', () => {
    const { client, server } = pair(cipher);
    const sealed = client.seal(text('once'));
    server.open(sealed);
    expectCode(() => server.open(sealed), 'replay');
  });
});

describe('session binding', () => {
  it('binds the cipher name: relabelling the cipher fails', () => {
    const { client, server } = pair('aes-256-gcm');
    expectCode(() => server.open(tamper(client.seal(text('x')), { cipher: 'chacha20-poly1305' })), 'decrypt_failed');
  });

  it('accepts either cipher from the peer', () => {
    const k = keys();
    const client = PqcSession.fromKeys(structuredClone(k), 'client', { clock, cipher: 'chacha20-poly1305' });
    const server = PqcSession.fromKeys(structuredClone(k), 'server', { clock });
    expect(server.open(client.seal(text('x')))).toEqual(text('x'));
    expect(client.open(server.seal(text('y')))).toEqual(text('y'));
  });

  it('rejects an envelope of another session', () => {
    const a = pair();
    const b = pair();
    expectCode(() => b.server.open(a.client.seal(text('x'))), 'decrypt_failed');
  });

  it('rejects malformed envelopes', () => {
    const { client, server } = pair();
    const sealed = client.seal(text('x'));
    expectCode(() => server.open({ ...sealed, extra: 1 }), 'bad_encoding');
    expectCode(() => server.open({ ...sealed, cipher: 'aes-128-gcm' }), 'bad_encoding');
    expectCode(() => server.open({ ...sealed, seq: -1 }), 'bad_encoding');
    expectCode(() => server.open({ ...sealed, nonce: toBase64Url(new Uint8Array(8)) }), 'bad_length');
  });

  it('refuses to seal or open after expiry', () => {
    const k = keys();
    let now = NOW;
    const client = PqcSession.fromKeys(structuredClone(k), 'client', { clock: () => now });
    const server = PqcSession.fromKeys(structuredClone(k), 'server', { clock: () => now });
    const sealed = client.seal(text('x'));
    now = k.expiresAt;
    expectCode(() => client.seal(text('x')), 'session_expired');
    expectCode(() => server.open(sealed), 'session_expired');
  });

  it('zeroizes keys on destroy', () => {
    const { client } = pair();
    client.destroy();
    expect(() => client.seal(text('x'))).toThrow('destroyed');
  });
});

describe('server-side storage', () => {
  it('restores from exported state, keeping counters and the replay window', () => {
    const { client, server } = pair();
    const first = client.seal(text('1'));
    const second = client.seal(text('2'));
    server.open(first);
    server.seal(text('r0'));

    const stored = server.exportState();
    const restored = PqcSession.restore(stored, { clock });
    expect(restored.sessionId).toBe(server.sessionId);
    expect(restored.role).toBe('server');
    expect(restored.transcriptSha256).toBe(server.transcriptSha256);
    expect(restored.expiresAt).toBe(server.expiresAt);
    expectCode(() => restored.open(first), 'replay');
    expect(restored.open(second)).toEqual(text('2'));
    const reply = restored.seal(text('r1'));
    expect(reply.seq).toBe(1);
    expect(client.open(reply)).toEqual(text('r1'));
  });

  it('rejects corrupted or foreign state', () => {
    const { server } = pair();
    const stored = server.exportState();
    expectCode(() => PqcSession.restore(stored.subarray(0, stored.length - 1)), 'bad_encoding');
    const wrongLabel = stored.slice();
    wrongLabel[4] ^= 0x20;
    expectCode(() => PqcSession.restore(wrongLabel), 'bad_encoding');
  });
});
