import { createHash, createHmac, hkdfSync } from 'node:crypto';
import { asBytes, concatBytes, utf8 } from '../bytes';
import { encodeFields, u32be, u64be, u8 } from '../encoding';
import { KDF_PURPOSES, LABELS } from '../labels';
import type { SuiteId } from '../suite';
import { SESSION_ID_LENGTH, type ClientHello } from './messages';

export interface TranscriptInput {
  readonly hello: ClientHello;
  readonly serverCiphertext: Uint8Array;
  readonly serverNonce: Uint8Array;
  readonly expiresAt: string;
}

/** Length-prefixed, so every transcript has exactly one encoding. bundleSha256 comes from the hello. */
export function transcriptBytes({ hello, serverCiphertext, serverNonce, expiresAt }: TranscriptInput): Uint8Array {
  return encodeFields([
    LABELS.transcript,
    hello.bundleSha256,
    u8(hello.v),
    hello.suite,
    u32be(hello.keyVersion),
    hello.clientNonce,
    u64be(hello.timestamp),
    hello.ephemeralPublicKey,
    hello.ciphertext,
    u8(hello.receipt ? 1 : 0),
    serverCiphertext,
    serverNonce,
    expiresAt,
  ]);
}

export function transcriptHash(input: TranscriptInput): Uint8Array {
  return asBytes(createHash('sha256').update(transcriptBytes(input)).digest());
}

export interface HandshakeSecrets {
  readonly clientToServer: Uint8Array;
  readonly serverToClient: Uint8Array;
  readonly confirmation: Uint8Array;
  /** Derived, not random: both sides compute it, so it is bound to the transcript. */
  readonly sessionId: Uint8Array;
}

export function kdfInfo(suite: SuiteId, keyVersion: number, purpose: string): Uint8Array {
  return encodeFields([LABELS.keySchedule, suite, u32be(keyVersion), purpose]);
}

/** HKDF-SHA-256(ikm = ss_s || ss_e, salt = TH, info = kdfInfo(...)); one expand per purpose. */
export function deriveHandshakeSecrets(
  staticSecret: Uint8Array,
  ephemeralSecret: Uint8Array,
  th: Uint8Array,
  suite: SuiteId,
  keyVersion: number,
): HandshakeSecrets {
  const ikm = concatBytes(staticSecret, ephemeralSecret);
  const expand = (purpose: string, length: number) =>
    new Uint8Array(hkdfSync('sha256', ikm, th, kdfInfo(suite, keyVersion, purpose), length));
  try {
    return {
      clientToServer: expand(KDF_PURPOSES.clientToServer, 32),
      serverToClient: expand(KDF_PURPOSES.serverToClient, 32),
      confirmation: expand(KDF_PURPOSES.confirmation, 32),
      sessionId: expand(KDF_PURPOSES.sessionId, SESSION_ID_LENGTH),
    };
  } finally {
    ikm.fill(0);
  }
}

/** HMAC-SHA-256(confirmKey, "neural-fabric/handshake/v1/server-finished" || TH). */
export function serverFinished(confirmationKey: Uint8Array, th: Uint8Array): Uint8Array {
  return asBytes(createHmac('sha256', confirmationKey).update(utf8(LABELS.serverFinished)).update(th).digest());
}
