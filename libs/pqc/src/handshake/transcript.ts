import { createHash, createHmac, createSecretKey } from 'node:crypto';
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

const HKDF_FIRST_BLOCK = Uint8Array.of(1);
const SHA256_LENGTH = 32;

/**
 * HKDF-SHA-256(ikm = ss_s || ss_e, salt = TH, info = kdfInfo(...)); one expand per purpose.
 *
 * Written out (RFC 5869 §2.2-2.3) rather than one hkdfSync per purpose, which would extract the same
 * PRK four times: PRK = HMAC(TH, ikm) once, then each output, at most one hash long, is the first
 * bytes of T(1) = HMAC(PRK, info || 0x01). Keys go to node:crypto as KeyObjects: handed a plain byte
 * array it tells it from a KeyObject by throwing and catching two errors (see provider/key-import.ts).
 * Together this is under half the cost; handshake.spec.ts checks the outputs against hkdfSync.
 */
export function deriveHandshakeSecrets(
  staticSecret: Uint8Array,
  ephemeralSecret: Uint8Array,
  th: Uint8Array,
  suite: SuiteId,
  keyVersion: number,
): HandshakeSecrets {
  const ikm = concatBytes(staticSecret, ephemeralSecret);
  const prk = createHmac('sha256', createSecretKey(th)).update(ikm).digest();
  ikm.fill(0);
  const prkKey = createSecretKey(prk);
  prk.fill(0);
  const expand = (purpose: string, length: number) => {
    if (length > SHA256_LENGTH) throw new RangeError('a single HKDF block is at most 32 bytes');
    const block = createHmac('sha256', prkKey).update(kdfInfo(suite, keyVersion, purpose)).update(HKDF_FIRST_BLOCK).digest();
    const out = Uint8Array.from(block.subarray(0, length));
    block.fill(0);
    return out;
  };
  return {
    clientToServer: expand(KDF_PURPOSES.clientToServer, 32),
    serverToClient: expand(KDF_PURPOSES.serverToClient, 32),
    confirmation: expand(KDF_PURPOSES.confirmation, 32),
    sessionId: expand(KDF_PURPOSES.sessionId, SESSION_ID_LENGTH),
  };
}

/** HMAC-SHA-256(confirmKey, "neural-fabric/handshake/v1/server-finished" || TH). */
export function serverFinished(confirmationKey: Uint8Array, th: Uint8Array): Uint8Array {
  return asBytes(createHmac('sha256', createSecretKey(confirmationKey)).update(utf8(LABELS.serverFinished)).update(th).digest());
}
