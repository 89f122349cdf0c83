import { equalBytes, zeroize } from '../bytes';
import { bundleFingerprintBytes } from '../bundle/canonical';
import type { KeyBundle } from '../bundle/types';
import { PqcProtocolError } from '../errors';
import { fromBase64Url, fromHex, toHex } from '../encoding';
import { expectInteger } from '../json';
import type { KemDecapsulationKey } from '../kem/types';
import type { MlDsaSigningKey, PqcProvider } from '../provider/types';
import { systemRandom, type RandomSource } from '../random';
import type { SessionKeys } from '../session/keys';
import { assertSameSuite, getSuite } from '../suite';
import { formatInstant, toMillis, type Instant } from '../time';
import { HASH_LENGTH, NONCE_LENGTH, encodeHandshakeResponse, validateClientHello, type ClientHello, type HandshakeResponseJson } from './messages';
import { signReceipt } from './receipt';
import { deriveHandshakeSecrets, serverFinished, transcriptHash } from './transcript';

export const DEFAULT_MAX_SKEW_MS = 60_000;

// A bundle's fingerprint, computed once per bundle object rather than on every handshake (it hashes
// the whole canonical bundle, over 5 kB). Bundles are never changed after they are built or parsed.
const fingerprints = new WeakMap<KeyBundle, Uint8Array>();

function fingerprintOf(bundle: KeyBundle): Uint8Array {
  let fingerprint = fingerprints.get(bundle);
  if (fingerprint === undefined) {
    fingerprint = bundleFingerprintBytes(bundle);
    fingerprints.set(bundle, fingerprint);
  }
  return fingerprint;
}
export const DEFAULT_SESSION_TTL_MS = 60 * 60 * 1000;

export interface RespondToHelloOptions {
  readonly hello: ClientHello;
  readonly bundle: KeyBundle;
  /** Fingerprint of `bundle` (lowercase hex), computed once when the bundle is loaded. */
  readonly bundleSha256: string;
  /** From suite.kem.decapsulationKey(seed), created once per key version. */
  readonly decapsulationKey: KemDecapsulationKey;
  readonly now: Instant;
  readonly maxSkewMs?: number;
  readonly sessionTtlMs?: number;
  /** Needed only to honour hello.receipt; a receipt request without it is a server misconfiguration. */
  readonly identityKey?: MlDsaSigningKey;
  readonly provider?: PqcProvider;
  /** Only for reproducible examples. */
  readonly random?: RandomSource;
}

export interface RespondToHelloResult {
  readonly response: HandshakeResponseJson;
  readonly keys: SessionKeys;
  /** Store for maxSkewMs*2 and reject a hello whose replayKey was seen (see ReplayCache). */
  readonly replayKey: string;
}

/**
 * The checks a server makes before any KEM work (§6.2 steps 3 and 4): the hello is a JSON object
 * with a 32-byte `clientNonce` and an integer `timestamp` within `maxSkewMs` of `now`. Returns the
 * replay key, which the server claims before it decapsulates anything, so a replayed hello costs
 * it no KEM work. respondToHello checks everything again, in full.
 */
export function helloReplayKey(json: unknown, now: Instant, maxSkewMs = DEFAULT_MAX_SKEW_MS): string {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new PqcProtocolError('bad_encoding', 'hello must be a JSON object');
  const { clientNonce, timestamp } = json as Record<string, unknown>;
  const nonce = fromBase64Url(clientNonce, 'hello.clientNonce', NONCE_LENGTH);
  const sent = expectInteger(timestamp, 'hello.timestamp', 0, Number.MAX_SAFE_INTEGER);
  if (Math.abs(toMillis(now) - sent) > maxSkewMs) {
    throw new PqcProtocolError('stale_hello', `hello timestamp is more than ${maxSkewMs} ms away from server time`);
  }
  return toHex(nonce);
}

/**
 * Server side of the handshake. Pure: no storage, no clock reads, no logging. One KEM
 * decapsulation and one encapsulation; no signature unless the client asked for a receipt.
 */
export function respondToHello(options: RespondToHelloOptions): RespondToHelloResult {
  const { hello, bundle } = options;
  const suite = getSuite(bundle.suite, options.provider);
  assertSameSuite(bundle.suite, hello.suite, 'hello');
  validateClientHello(hello, suite);
  if (hello.keyVersion !== bundle.keyVersion) {
    throw new PqcProtocolError('unknown_key_version', `key version ${hello.keyVersion} is not served here`);
  }
  if (!equalBytes(options.decapsulationKey.publicKey, bundle.kemPublicKey)) {
    throw new Error('server misconfiguration: decapsulation key does not match the bundle KEM public key');
  }
  const expectedSha256 = fromHex(options.bundleSha256, 'bundleSha256', HASH_LENGTH);
  if (!equalBytes(expectedSha256, fingerprintOf(bundle))) {
    throw new Error('server misconfiguration: bundleSha256 is not the fingerprint of bundle');
  }
  if (!equalBytes(hello.bundleSha256, expectedSha256)) {
    throw new PqcProtocolError('bundle_mismatch', 'hello was made for a different bundle; fetch the current one');
  }
  const now = toMillis(options.now);
  const maxSkewMs = options.maxSkewMs ?? DEFAULT_MAX_SKEW_MS;
  if (Math.abs(now - hello.timestamp) > maxSkewMs) {
    throw new PqcProtocolError('stale_hello', `hello timestamp is more than ${maxSkewMs} ms away from server time`);
  }
  if (hello.receipt && options.identityKey === undefined) {
    throw new Error('server misconfiguration: receipt requested but no identity key was provided');
  }

  const random = options.random ?? systemRandom;
  const staticSecret = options.decapsulationKey.decapsulate(hello.ciphertext);
  let ephemeral: { ciphertext: Uint8Array; sharedSecret: Uint8Array };
  try {
    ephemeral = suite.kem.encapsulate(
      hello.ephemeralPublicKey,
      options.random?.(suite.kem.encapsulationRandomnessLength),
    );
  } catch (error) {
    zeroize(staticSecret);
    throw error;
  }
  const serverNonce = random(NONCE_LENGTH);
  const expiresAtMs = now + (options.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS);
  const expiresAt = formatInstant(expiresAtMs);
  const th = transcriptHash({ hello, serverCiphertext: ephemeral.ciphertext, serverNonce, expiresAt });
  const secrets = deriveHandshakeSecrets(staticSecret, ephemeral.sharedSecret, th, suite.id, hello.keyVersion);
  zeroize(staticSecret, ephemeral.sharedSecret);
  const confirmation = serverFinished(secrets.confirmation, th);
  zeroize(secrets.confirmation);

  const receipt =
    hello.receipt && options.identityKey !== undefined
      ? signReceipt(options.identityKey, th, secrets.sessionId, options.random)
      : undefined;

  return {
    response: encodeHandshakeResponse({
      v: 1,
      sessionId: secrets.sessionId,
      keyVersion: hello.keyVersion,
      serverNonce,
      ciphertext: ephemeral.ciphertext,
      confirmation,
      transcriptSha256: th,
      expiresAt,
      receipt,
    }),
    keys: {
      suite: suite.id,
      keyVersion: hello.keyVersion,
      sessionId: secrets.sessionId,
      transcriptHash: th,
      expiresAt: expiresAtMs,
      clientToServer: secrets.clientToServer,
      serverToClient: secrets.serverToClient,
    },
    replayKey: toHex(hello.clientNonce),
  };
}
