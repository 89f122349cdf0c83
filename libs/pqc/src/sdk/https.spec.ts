import 'reflect-metadata'; // @peculiar/x509 (the test certificate) needs it
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { createSecureContext } from 'node:tls';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { createHandshakeInfo } from '../bundle/handshake-info';
import { bundleFingerprint } from '../bundle/canonical';
import { parseClientHello } from '../handshake/messages';
import { respondToHello } from '../handshake/server';
import { nobleProvider } from '../provider/noble';
import { PqcSession } from '../session/session';
import { T0, makeServer } from '../testing/fixtures';
import { handshake } from './handshake';

const provider = nobleProvider;
const clock = () => T0;

/** Whether this Node's OpenSSL has the post-quantum group (Node >= 24.7); the SDK also runs on Node 20, where https has only classical groups. */
function hasPostQuantumTls(): boolean {
  try {
    createSecureContext({ ecdhCurve: 'X25519MLKEM768' });
    return true;
  } catch {
    return false;
  }
}
const GROUP = hasPostQuantumTls() ? 'X25519MLKEM768' : 'X25519';

async function selfSignedLocalhost(): Promise<{ cert: string; key: string }> {
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const certificate = await x509.X509CertificateGenerator.createSelfSigned(
    {
      name: 'CN=localhost',
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 3600_000),
      signingAlgorithm: algorithm,
      keys: keys as never,
      extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: 'localhost' }])],
    },
    webcrypto as never,
  );
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { cert: `${certificate.toString('pem')}\n`, key: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY') };
}

/** A real https server answering the two handshake routes with the same library calls the API makes. */
async function startServer(credentials: { cert: string; key: string }, sessions: PqcSession[]): Promise<{ url: string; close(): void }> {
  const fixture = makeServer('X-Wing+ML-DSA-65');
  const server = https.createServer({ ...credentials, minVersion: 'TLSv1.3', ecdhCurve: GROUP }, (request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      response.setHeader('content-type', 'application/json');
      if (request.method === 'GET') return response.end(JSON.stringify(createHandshakeInfo(fixture.bundle)));
      const result = respondToHello({
        hello: parseClientHello(JSON.parse(body), provider),
        bundle: fixture.bundle,
        bundleSha256: bundleFingerprint(fixture.bundle),
        decapsulationKey: fixture.decapsulationKey,
        identityKey: fixture.identityKey,
        now: T0,
        provider,
      });
      sessions.push(PqcSession.fromKeys(result.keys, 'server', { clock }));
      response.end(JSON.stringify(result.response));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `https://localhost:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

describe('handshake() over https', () => {
  let credentials: { cert: string; key: string };
  let server: { url: string; close(): void };
  const sessions: PqcSession[] = [];
  beforeAll(async () => {
    credentials = await selfSignedLocalhost();
    server = await startServer(credentials, sessions);
  });
  afterAll(() => server.close());

  it(`runs on node:https, trusting the given certificate, and reports the TLS connection (${GROUP} on Node ${process.versions.node})`, async () => {
    const session = await handshake(server.url, { tls: { ca: credentials.cert }, clock, provider });
    expect(session.tls).toEqual({ protocol: 'TLSv1.3', group: GROUP, cipher: expect.stringMatching(/^TLS_/), certificateKeyType: 'ec' });
    const serverSession = sessions[sessions.length - 1];
    expect(serverSession.open(session.seal(new TextEncoder().encode('ping')))).toEqual(new TextEncoder().encode('ping'));
  });

  it('fails closed on a certificate it was not told to trust', async () => {
    await expect(handshake(server.url, { clock, provider })).rejects.toMatchObject({ code: expect.stringMatching(/SELF_SIGNED/) });
  });

  (GROUP === 'X25519MLKEM768' ? it : it.skip)('cannot complete against a post-quantum-only server when it offers only X25519 (skipped before Node 24.7: no such group)', async () => {
    await expect(handshake(server.url, { tls: { ca: credentials.cert, ecdhCurve: 'X25519' }, clock, provider })).rejects.toMatchObject({
      message: expect.stringMatching(/handshake failure/),
    });
  });
});
