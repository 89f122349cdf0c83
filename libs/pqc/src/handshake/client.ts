import { equalBytes, zeroize } from '../bytes';
import { verifyBundle } from '../bundle/verify';
import type { KeyBundle } from '../bundle/types';
import { PqcProtocolError } from '../errors';
import { fromHex } from '../encoding';
import type { KemDecapsulationKey } from '../kem/types';
import type { PqcProvider } from '../provider/types';
import { systemRandom, type RandomSource } from '../random';
import { PqcSession, type SessionOptions } from '../session/session';
import { getSuite, type Suite } from '../suite';
import { parseInstant, toMillis, type Instant } from '../time';
import {
  HASH_LENGTH,
  NONCE_LENGTH,
  encodeClientHello,
  parseHandshakeResponse,
  type ClientHello,
  type ClientHelloJson,
} from './messages';
import { verifyReceipt } from './receipt';
import { deriveHandshakeSecrets, serverFinished, transcriptHash } from './transcript';

export interface CreateClientHelloOptions {
  /** Parsed (parseBundle) but not yet trusted: it is verified here, so that cannot be skipped. */
  readonly bundle: KeyBundle;
  readonly now: Instant;
  /** Identity pin (lowercase hex SHA-256 of the identity public key), §4.3. */
  readonly pin?: string;
  /** Older bundles for following key transitions from the pinned identity (GET /pqc/handshake/chain). */
  readonly chain?: readonly KeyBundle[];
  readonly receipt?: boolean;
  readonly provider?: PqcProvider;
  /** Only for reproducible examples. */
  readonly random?: RandomSource;
}

/** Secrets the client holds between its hello and the server's response. Single use. */
export interface ClientHandshakeState {
  readonly suite: Suite;
  readonly bundle: KeyBundle;
  readonly hello: ClientHello;
  readonly ephemeral: KemDecapsulationKey;
  readonly staticSecret: Uint8Array;
  used: boolean;
}

export function createClientHello(options: CreateClientHelloOptions): { hello: ClientHelloJson; state: ClientHandshakeState } {
  const { bundle } = options;
  const provider = options.provider;
  const { bundleSha256 } = verifyBundle(bundle, { now: options.now, pin: options.pin, chain: options.chain, provider });
  const suite = getSuite(bundle.suite, provider);
  const random = options.random ?? systemRandom;

  const clientNonce = random(NONCE_LENGTH);
  const ephemeralSeed = random(suite.kem.seedLength);
  const ephemeral = suite.kem.decapsulationKey(ephemeralSeed);
  zeroize(ephemeralSeed);
  const encapsulation = suite.kem.encapsulate(bundle.kemPublicKey, options.random?.(suite.kem.encapsulationRandomnessLength));

  const hello: ClientHello = {
    v: 1,
    suite: suite.id,
    keyVersion: bundle.keyVersion,
    bundleSha256: fromHex(bundleSha256, 'bundle sha256', HASH_LENGTH),
    clientNonce,
    timestamp: toMillis(options.now),
    ephemeralPublicKey: ephemeral.publicKey,
    ciphertext: encapsulation.ciphertext,
    receipt: options.receipt ?? false,
  };
  return {
    hello: encodeClientHello(hello),
    state: { suite, bundle, hello, ephemeral, staticSecret: encapsulation.sharedSecret, used: false },
  };
}

export interface FinishHandshakeOptions {
  readonly state: ClientHandshakeState;
  /** The JSON body of the server's 200 response. */
  readonly response: unknown;
  readonly now: Instant;
  readonly session?: Omit<SessionOptions, 'receipt'>;
}

/**
 * Verifies the server's key confirmation (proof that it holds the bundle's KEM private key and
 * saw exactly our transcript) and returns the client session.
 */
export function finishHandshake(options: FinishHandshakeOptions): PqcSession {
  const { state } = options;
  if (state.used) throw new Error('client handshake state can only be used once');
  state.used = true;
  try {
    const { suite, hello } = state;
    const response = parseHandshakeResponse(options.response, suite);
    if (response.keyVersion !== hello.keyVersion) {
      throw new PqcProtocolError('transcript_mismatch', 'response key version differs from the hello');
    }
    if (hello.receipt !== (response.receipt !== undefined)) {
      throw new PqcProtocolError('transcript_mismatch', hello.receipt ? 'requested receipt is missing' : 'unrequested receipt');
    }
    const ephemeralSecret = state.ephemeral.decapsulate(response.ciphertext);
    const th = transcriptHash({
      hello,
      serverCiphertext: response.ciphertext,
      serverNonce: response.serverNonce,
      expiresAt: response.expiresAt,
    });
    const secrets = deriveHandshakeSecrets(state.staticSecret, ephemeralSecret, th, suite.id, hello.keyVersion);
    zeroize(ephemeralSecret);
    const confirmed =
      equalBytes(serverFinished(secrets.confirmation, th), response.confirmation) &&
      equalBytes(th, response.transcriptSha256) &&
      equalBytes(secrets.sessionId, response.sessionId);
    zeroize(secrets.confirmation);
    if (!confirmed) {
      zeroize(secrets.clientToServer, secrets.serverToClient);
      throw new PqcProtocolError('transcript_mismatch', 'server key confirmation failed');
    }
    const expiresAt = parseInstant(response.expiresAt, 'response.expiresAt');
    if (toMillis(options.now) >= expiresAt) {
      zeroize(secrets.clientToServer, secrets.serverToClient);
      throw new PqcProtocolError('session_expired', 'server issued an already expired session');
    }
    if (response.receipt !== undefined) {
      verifyReceipt(state.bundle.identityPublicKey, th, secrets.sessionId, response.receipt, suite.provider);
    }
    return PqcSession.fromKeys(
      {
        suite: suite.id,
        keyVersion: hello.keyVersion,
        sessionId: secrets.sessionId,
        transcriptHash: th,
        expiresAt,
        clientToServer: secrets.clientToServer,
        serverToClient: secrets.serverToClient,
      },
      'client',
      { ...options.session, receipt: response.receipt },
    );
  } finally {
    disposeClientHandshake(state);
  }
}

/** Wipes the handshake secrets; for callers that abandon a handshake before finishing it. */
export function disposeClientHandshake(state: ClientHandshakeState): void {
  state.used = true;
  state.ephemeral.destroy();
  zeroize(state.staticSecret);
}
