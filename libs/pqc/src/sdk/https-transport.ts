import * as https from 'node:https';
import type { TLSSocket } from 'node:tls';

/** What one TLS connection negotiated, as the client sees it. */
export interface TlsConnectionInfo {
  /** 'TLSv1.3'. */
  readonly protocol: string;
  /** Key-exchange group, e.g. 'X25519MLKEM768' (post-quantum hybrid) or 'X25519'. */
  readonly group: string | undefined;
  /** IANA name, e.g. 'TLS_AES_256_GCM_SHA384'. */
  readonly cipher: string;
  /** Public key type of the server's certificate: 'ec', 'rsa', 'ml-dsa-65'... */
  readonly certificateKeyType: string | undefined;
}

/** How the SDK connects to an https:// server (node:https; fetch cannot report the TLS group). */
export interface HttpsClientOptions {
  /** Certificates to trust instead of the system's: e.g. the service's development certificates (DATA_DIR/tls/dev-trust.pem). */
  readonly ca?: string | Buffer | readonly (string | Buffer)[];
  /** Key-exchange groups to offer (OpenSSL syntax); default: Node's, which on Node >= 24.7 starts with X25519MLKEM768. */
  readonly ecdhCurve?: string;
  /** Signature algorithms to offer (OpenSSL syntax), e.g. 'mldsa65' to ask for the server's ML-DSA-65 certificate. */
  readonly sigalgs?: string;
}

export interface HttpsFetch {
  readonly fetch: typeof fetch;
  /** The TLS parameters of the connection the last answer came on. */
  info(): TlsConnectionInfo | undefined;
  close(): void;
}

function connectionInfo(socket: TLSSocket): TlsConnectionInfo {
  return {
    protocol: socket.getProtocol() ?? 'unknown',
    // Node >= 24.7 reports { type: 'TLSGroup', name } for any group; older ones { type: 'ECDH', name } for curves.
    group: (socket.getEphemeralKeyInfo() as { name?: string } | null)?.name,
    cipher: socket.getCipher().standardName,
    certificateKeyType: socket.getPeerX509Certificate?.()?.publicKey.asymmetricKeyType,
  };
}

/**
 * A minimal fetch over node:https for the handshake's few JSON requests: one keep-alive connection
 * (so the handshake's requests share one TLS handshake), whose negotiated parameters it records.
 */
export function httpsFetch(options: HttpsClientOptions = {}): HttpsFetch {
  const agent = new https.Agent({
    keepAlive: true,
    maxSockets: 1,
    // No TLS session resumption: a resumed connection shows no certificate, and each handshake() should see the server's own.
    maxCachedSessions: 0,
    ca: options.ca as https.AgentOptions['ca'],
    ecdhCurve: options.ecdhCurve,
    sigalgs: options.sigalgs,
  });
  let last: TlsConnectionInfo | undefined;
  // Read once per connection, at its first answer: on a reused keep-alive socket Node no longer shows the peer certificate.
  const seen = new WeakMap<TLSSocket, TlsConnectionInfo>();
  const doFetch = (input: string | URL | Request, init: RequestInit = {}) =>
    new Promise<Response>((resolve, reject) => {
      const request = https.request(
        String(input),
        { method: init.method ?? 'GET', headers: init.headers as Record<string, string> | undefined, agent },
        (response) => {
          const socket = response.socket as TLSSocket;
          if (!seen.has(socket)) seen.set(socket, connectionInfo(socket));
          last = seen.get(socket);
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () => {
            const headers = new Headers();
            for (const [name, value] of Object.entries(response.headers)) {
              for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) headers.append(name, v);
            }
            const status = response.statusCode ?? 0;
            const body = [204, 205, 304].includes(status) ? null : new Uint8Array(Buffer.concat(chunks));
            resolve(new Response(body, { status, statusText: response.statusMessage, headers }));
          });
        },
      );
      request.on('error', reject);
      request.end(typeof init.body === 'string' ? init.body : undefined);
    });
  return { fetch: doFetch as typeof fetch, info: () => last, close: () => agent.destroy() };
}
