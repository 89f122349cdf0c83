import { parseHandshakeInfo, parseKeyChain } from '../bundle/handshake-info';
import type { KeyBundle } from '../bundle/types';
import { PqcProtocolError } from '../errors';
import { createClientHello, disposeClientHandshake, finishHandshake } from '../handshake/client';
import type { PqcProvider } from '../provider/types';
import type { AeadCipher } from '../session/aead';
import type { PqcSession } from '../session/session';
import { assertSameSuite, type SuiteId } from '../suite';
import { PqcServerError, toServerError } from './errors';
import type { HttpsClientOptions, HttpsFetch, TlsConnectionInfo } from './https-transport';

export interface HandshakeOptions {
  /**
   * Expected server identity: lowercase hex SHA-256 of its ML-DSA-65 identity public key (the
   * `sha256` of GET /pqc/handshake). Strongly recommended. It survives bundle renewals; after a
   * key rotation the client follows the cross-signatures from the pinned identity (§4.4).
   */
  readonly pin?: string;
  /**
   * Called when the pin was reached through key transitions: the server's identity is now
   * `identitySha256` (key version `keyVersion`). Store it as the new pin.
   */
  readonly onRepin?: (identitySha256: string, keyVersion: number) => void;
  /** Require this suite; a server offering another one is an error, never a downgrade. */
  readonly suite?: SuiteId;
  /** Ask the server for a signed receipt of this handshake. */
  readonly receipt?: boolean;
  /**
   * The tenant API key (`nf_...`), sent as `Authorization: Bearer` with the hello. The session belongs
   * to that key: sealed requests must carry the same key.
   */
  readonly apiKey?: string;
  /**
   * How requests are sent. Default: for an https:// URL node:https (so the result can report the TLS
   * group; see `tls`), otherwise the global fetch. A fetch given here is used as it is, and the result
   * then carries no `tls`.
   */
  readonly fetch?: typeof fetch;
  /** For https:// URLs without `fetch`: certificates to trust (e.g. the development ones), groups and signature algorithms to offer. */
  readonly tls?: HttpsClientOptions;
  readonly cipher?: AeadCipher;
  readonly clock?: () => number;
  readonly provider?: PqcProvider;
}

/** The session, and over https (node:https transport) what the TLS connection negotiated. */
export type HandshakeResult = PqcSession & {
  /** Protocol, key-exchange group and cipher of the connection the handshake ran on; undefined over plain http or a custom fetch. */
  readonly tls?: TlsConnectionInfo;
};

export function handshakeEndpoint(baseUrl: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/pqc/handshake`;
}

/** Older bundles, fetched only when the served identity is not the pinned one. A server without them has none to offer. */
async function fetchKeyChain(endpoint: string, doFetch: typeof fetch, provider?: PqcProvider): Promise<KeyBundle[]> {
  try {
    return parseKeyChain(await readJson(await doFetch(`${endpoint}/chain`, { method: 'GET', headers: { accept: 'application/json' } })), provider);
  } catch (error) {
    if (error instanceof PqcServerError && error.statusCode === 404) return [];
    throw error;
  }
}

async function readJson(response: Response): Promise<unknown> {
  if (!response.ok) throw await toServerError(response);
  try {
    return await response.json();
  } catch {
    throw new PqcProtocolError('bad_encoding', 'server response is not JSON');
  }
}

/**
 * Full client handshake against `baseUrl`: GET the bundle, verify it (signature, validity, pin;
 * GET the key chain only when the served identity is not the pinned one), POST the hello, verify
 * the server's key confirmation. Returns a session ready to seal/open.
 */
export async function handshake(baseUrl: string, options: HandshakeOptions = {}): Promise<HandshakeResult> {
  // Loaded only for https, so nothing of node:https is required where it is not used.
  const transport: HttpsFetch | undefined =
    options.fetch === undefined && /^https:/i.test(baseUrl) ? (await import('./https-transport')).httpsFetch(options.tls) : undefined;
  try {
    const session = await run(baseUrl, options, transport?.fetch ?? options.fetch ?? fetch);
    const tls = transport?.info();
    return tls ? Object.assign(session, { tls }) : session;
  } finally {
    transport?.close();
  }
}

async function run(baseUrl: string, options: HandshakeOptions, doFetch: typeof fetch): Promise<PqcSession> {
  const clock = options.clock ?? Date.now;
  const endpoint = handshakeEndpoint(baseUrl);

  const info = parseHandshakeInfo(
    await readJson(await doFetch(endpoint, { method: 'GET', headers: { accept: 'application/json' } })),
    options.provider,
  );
  if (options.suite !== undefined) assertSameSuite(options.suite, info.bundle.suite, 'server bundle');
  const chain = options.pin !== undefined && options.pin !== info.sha256 ? await fetchKeyChain(endpoint, doFetch, options.provider) : undefined;

  const { hello, state } = createClientHello({
    bundle: info.bundle,
    now: clock(),
    pin: options.pin,
    chain,
    receipt: options.receipt,
    provider: options.provider,
  });
  let body: unknown;
  try {
    body = await readJson(
      await doFetch(endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          ...(options.apiKey !== undefined ? { authorization: `Bearer ${options.apiKey}` } : {}),
        },
        body: JSON.stringify(hello),
      }),
    );
  } catch (error) {
    disposeClientHandshake(state);
    throw error;
  }
  const session = finishHandshake({ state, response: body, now: clock(), session: { cipher: options.cipher, clock } });
  if (chain !== undefined) options.onRepin?.(info.sha256, info.bundle.keyVersion);
  return session;
}
