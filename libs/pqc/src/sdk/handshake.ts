import { parseHandshakeInfo } from '../bundle/handshake-info';
import { PqcProtocolError } from '../errors';
import { createClientHello, disposeClientHandshake, finishHandshake } from '../handshake/client';
import type { PqcProvider } from '../provider/types';
import type { AeadCipher } from '../session/aead';
import type { PqcSession } from '../session/session';
import { assertSameSuite, type SuiteId } from '../suite';
import { toServerError } from './errors';

export interface HandshakeOptions {
  /** Expected bundle fingerprint (lowercase hex SHA-256). Strongly recommended. */
  readonly pin?: string;
  /** Require this suite; a server offering another one is an error, never a downgrade. */
  readonly suite?: SuiteId;
  /** Ask the server for a signed receipt of this handshake. */
  readonly receipt?: boolean;
  readonly fetch?: typeof fetch;
  readonly cipher?: AeadCipher;
  readonly clock?: () => number;
  readonly provider?: PqcProvider;
}

export function handshakeEndpoint(baseUrl: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/pqc/handshake`;
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
 * Full client handshake against `baseUrl`: GET the bundle, verify it (signature, validity, pin),
 * POST the hello, verify the server's key confirmation. Returns a session ready to seal/open.
 */
export async function handshake(baseUrl: string, options: HandshakeOptions = {}): Promise<PqcSession> {
  const doFetch = options.fetch ?? fetch;
  const clock = options.clock ?? Date.now;
  const endpoint = handshakeEndpoint(baseUrl);

  const info = parseHandshakeInfo(
    await readJson(await doFetch(endpoint, { method: 'GET', headers: { accept: 'application/json' } })),
    options.provider,
  );
  if (options.suite !== undefined) assertSameSuite(options.suite, info.bundle.suite, 'server bundle');

  const { hello, state } = createClientHello({
    bundle: info.bundle,
    now: clock(),
    pin: options.pin,
    receipt: options.receipt,
    provider: options.provider,
  });
  let body: unknown;
  try {
    body = await readJson(
      await doFetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(hello),
      }),
    );
  } catch (error) {
    disposeClientHandshake(state);
    throw error;
  }
  return finishHandshake({ state, response: body, now: clock(), session: { cipher: options.cipher, clock } });
}
