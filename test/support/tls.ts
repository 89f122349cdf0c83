import { readFileSync } from 'node:fs';
import * as https from 'node:https';
import * as path from 'node:path';
import * as tls from 'node:tls';

/** Every development certificate a service generated under its DATA_DIR, for clients to trust. */
export const devTrust = (serviceDir: string) => readFileSync(path.join(serviceDir, 'data', 'tls', 'dev-trust.pem'));

export interface Negotiated {
  protocol: string | null;
  group: string | undefined;
  /** Public key type of the certificate the server presented ('ec', 'ml-dsa-65'). */
  keyType: string | undefined;
  fingerprint: string;
}

/** One full TLS handshake against `url` (certificate verified against `ca`); what it negotiated, or the error code. */
export function handshakeWith(url: string, options: tls.ConnectionOptions): Promise<Negotiated> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: hostname, port: Number(port), servername: 'localhost', ...options }, () => {
      const peer = socket.getPeerX509Certificate()!;
      resolve({
        protocol: socket.getProtocol(),
        group: (socket.getEphemeralKeyInfo() as { name?: string } | null)?.name,
        keyType: peer.publicKey.asymmetricKeyType,
        fingerprint: peer.fingerprint256,
      });
      socket.end();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => reject(Object.assign(new Error(error.code ?? error.message), { code: error.code })));
  });
}

/** A request over node:https trusting `ca`: status, headers and body text. */
export function httpsRequest(
  url: string,
  ca: Buffer,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const request = https.request(url, { method: init.method ?? 'GET', headers: init.headers, ca, servername: 'localhost', agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body }));
    });
    request.on('error', reject);
    request.end(init.body);
  });
}
