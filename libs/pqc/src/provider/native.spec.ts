import { randomBytes } from 'node:crypto';
import { createClientHello, finishHandshake } from '../handshake/client';
import { parseClientHello } from '../handshake/messages';
import { respondToHello } from '../handshake/server';
import { createXWing } from '../kem/xwing';
import { PqcSession } from '../session/session';
import { SUITES } from '../suite';
import { makeServer, T0 } from '../testing/fixtures';
import { getNativeProvider } from './native';
import { nobleProvider } from './noble';
import { selectProvider } from './select';

const native = getNativeProvider();
const seed = (n: number) => Uint8Array.from(randomBytes(n));

it('selectProvider prefers native when present', () => {
  expect(selectProvider()).toBe(native ?? nobleProvider);
});

if (native === undefined) {
  console.info(
    `[skip] native provider cross-tests: Node ${process.version} has no working crypto ML-KEM/ML-DSA ` +
      '(needs Node >= 24.7 with OpenSSL 3.5); the noble provider is in use',
  );
}

// Interoperability in both directions, so switching providers can never change the wire format.
(native ? describe : describe.skip)('native <-> noble cross-tests', () => {
  const n = native!;
  const pairs = [
    ['noble', nobleProvider, 'native', n],
    ['native', n, 'noble', nobleProvider],
  ] as const;

  it('derive identical public keys from the same seeds', () => {
    const kemSeed = seed(64);
    expect(n.mlKem768.decapsulationKey(kemSeed).publicKey).toEqual(nobleProvider.mlKem768.decapsulationKey(kemSeed).publicKey);
    const dsaSeed = seed(32);
    expect(n.mlDsa65.signingKey(dsaSeed).publicKey).toEqual(nobleProvider.mlDsa65.signingKey(dsaSeed).publicKey);
  });

  it.each(pairs)('ML-KEM: %s encapsulates, %s decapsulates', (_a, encapsulator, _b, decapsulator) => {
    const kemSeed = seed(64);
    const dk = decapsulator.mlKem768.decapsulationKey(kemSeed);
    const { ciphertext, sharedSecret } = encapsulator.mlKem768.encapsulate(dk.publicKey);
    expect(dk.decapsulate(ciphertext)).toEqual(sharedSecret);
  });

  it.each(pairs)('ML-KEM implicit rejection agrees (%s vs %s)', (_a, p, _b, q) => {
    const kemSeed = seed(64);
    const garbage = seed(1088);
    expect(p.mlKem768.decapsulationKey(kemSeed).decapsulate(garbage)).toEqual(q.mlKem768.decapsulationKey(kemSeed).decapsulate(garbage));
  });

  it.each(pairs)('ML-DSA: %s signs, %s verifies (with context)', (_a, signer, _b, verifier) => {
    const key = signer.mlDsa65.signingKey(seed(32));
    const msg = seed(100);
    const sig = key.sign(msg, Uint8Array.of(1, 2));
    expect(verifier.mlDsa65.verify(key.publicKey, msg, sig, Uint8Array.of(1, 2))).toBe(true);
    expect(verifier.mlDsa65.verify(key.publicKey, msg, sig, Uint8Array.of(1, 3))).toBe(false);
  });

  it.each(pairs)('X-Wing: %s encapsulates, %s decapsulates', (_a, p, _b, q) => {
    const xwingSeed = seed(32);
    const dk = createXWing(q).decapsulationKey(xwingSeed);
    expect(createXWing(p).keypairFromSeed(xwingSeed).publicKey).toEqual(dk.publicKey);
    const { ciphertext, sharedSecret } = createXWing(p).encapsulate(dk.publicKey);
    expect(dk.decapsulate(ciphertext)).toEqual(sharedSecret);
  });

  it.each(SUITES.flatMap((suite) => pairs.map(([a, client, b, server]) => [suite, a, b, client, server] as const)))(
    '%s handshake: a %s client and a %s server agree and carry traffic',
    (suite, _a, _b, clientProvider, serverProvider) => {
      const server = makeServer(suite, { provider: serverProvider, label: `cross/${suite}` });
      const { hello, state } = createClientHello({ bundle: server.bundle, now: T0, pin: server.pin, provider: clientProvider });
      const result = respondToHello({
        hello: parseClientHello(JSON.parse(JSON.stringify(hello)), serverProvider),
        bundle: server.bundle,
        bundleSha256: server.sha256,
        decapsulationKey: server.decapsulationKey,
        now: T0,
        provider: serverProvider,
      });
      const client = finishHandshake({ state, response: JSON.parse(JSON.stringify(result.response)), now: T0, session: { clock: () => T0 } });
      const onServer = PqcSession.fromKeys(result.keys, 'server', { clock: () => T0 });
      const message = new TextEncoder().encode('across providers');
      expect(onServer.open(JSON.parse(JSON.stringify(client.seal(message))))).toEqual(message);
    },
  );

  it('refuses caller-supplied randomness instead of ignoring it', () => {
    const dk = n.mlKem768.decapsulationKey(seed(64));
    expect(() => n.mlKem768.encapsulate(dk.publicKey, seed(32))).toThrow('does not support');
    expect(() => n.mlDsa65.signingKey(seed(32)).sign(Uint8Array.of(1), new Uint8Array(0), seed(32))).toThrow('does not support');
  });
});
