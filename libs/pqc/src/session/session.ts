import { zeroize } from '../bytes';
import { PqcProtocolError } from '../errors';
import { encodeFields, fromBase64Url, toBase64Url, toHex, u64be } from '../encoding';
import { expectInteger, expectObject } from '../json';
import { LABELS } from '../labels';
import { systemRandom, type RandomSource } from '../random';
import type { SuiteId } from '../suite';
import { formatInstant } from '../time';
import {
  AEAD_NONCE_LENGTH,
  DEFAULT_AEAD_CIPHER,
  aeadOpen,
  aeadSeal,
  isAeadCipher,
  type AeadCipher,
} from './aead';
import type { SessionKeys, SessionRole } from './keys';
import { ReplayWindow } from './replay-window';
import { decodeSessionState, encodeSessionState } from './state';

export interface SealedEnvelope {
  sessionId: string;
  seq: number;
  cipher: AeadCipher;
  nonce: string;
  ciphertext: string;
}

export interface SessionOptions {
  /** Cipher for messages this side seals; either is accepted when opening. */
  readonly cipher?: AeadCipher;
  readonly clock?: () => number;
  readonly random?: RandomSource;
  /** Only set on client sessions whose handshake asked for (and verified) a receipt. */
  readonly receipt?: Uint8Array;
}

type Direction = 'c2s' | 's2c';

const EMPTY = new Uint8Array(0);

/**
 * Symmetric channel after the handshake. Each direction has its own key; the associated data
 * binds session id, direction, sequence number and cipher, so a message cannot be reflected,
 * reordered into another session or reinterpreted under the other cipher. Nonces are random
 * (96 bits) rather than counters: a server that restores state from storage can lose its send
 * counter, and a counter nonce would then repeat.
 */
export class PqcSession {
  readonly role: SessionRole;
  readonly sessionId: string;
  readonly suite: SuiteId;
  readonly keyVersion: number;
  readonly transcriptSha256: string;
  readonly expiresAt: string;
  readonly receipt?: Uint8Array;

  private readonly keys: SessionKeys;
  private readonly cipher: AeadCipher;
  private readonly clock: () => number;
  private readonly random: RandomSource;
  private readonly window: ReplayWindow;
  private sendSeq: number;
  private destroyed = false;

  private constructor(role: SessionRole, keys: SessionKeys, options: SessionOptions, sendSeq: number, window: ReplayWindow) {
    const cipher = options.cipher ?? DEFAULT_AEAD_CIPHER;
    if (!isAeadCipher(cipher)) throw new RangeError(`unsupported cipher ${String(cipher)}`);
    this.role = role;
    this.keys = keys;
    this.sessionId = toBase64Url(keys.sessionId);
    this.suite = keys.suite;
    this.keyVersion = keys.keyVersion;
    this.transcriptSha256 = toHex(keys.transcriptHash);
    this.expiresAt = formatInstant(keys.expiresAt);
    this.receipt = options.receipt;
    this.cipher = cipher;
    this.clock = options.clock ?? Date.now;
    this.random = options.random ?? systemRandom;
    this.sendSeq = sendSeq;
    this.window = window;
  }

  static fromKeys(keys: SessionKeys, role: SessionRole, options: SessionOptions = {}): PqcSession {
    return new PqcSession(role, keys, options, 0, new ReplayWindow());
  }

  /** Rebuild from exportState() output (after the caller decrypted it from storage). */
  static restore(state: Uint8Array, options: SessionOptions = {}): PqcSession {
    const decoded = decodeSessionState(state);
    return new PqcSession(
      decoded.role,
      decoded.keys,
      options,
      decoded.sendSeq,
      new ReplayWindow(decoded.receiveNext, decoded.receiveBitmap),
    );
  }

  /** Secret key material plus counters; encrypt before storing, zeroize after. */
  exportState(): Uint8Array {
    this.assertUsable();
    const { next, bitmap } = this.window.snapshot();
    return encodeSessionState({
      role: this.role,
      keys: this.keys,
      sendSeq: this.sendSeq,
      receiveNext: next,
      receiveBitmap: bitmap,
    });
  }

  seal(plaintext: Uint8Array, aad: Uint8Array = EMPTY): SealedEnvelope {
    this.assertUsable();
    if (this.sendSeq >= Number.MAX_SAFE_INTEGER) {
      throw new PqcProtocolError('session_expired', 'session sequence numbers are exhausted');
    }
    const direction: Direction = this.role === 'client' ? 'c2s' : 's2c';
    const seq = this.sendSeq++;
    const nonce = this.random(AEAD_NONCE_LENGTH);
    const sealed = aeadSeal(this.cipher, this.keyFor(direction), nonce, plaintext, this.associatedData(direction, seq, this.cipher, aad));
    return {
      sessionId: this.sessionId,
      seq,
      cipher: this.cipher,
      nonce: toBase64Url(nonce),
      ciphertext: toBase64Url(sealed),
    };
  }

  open(envelope: unknown, aad: Uint8Array = EMPTY): Uint8Array {
    this.assertUsable();
    const record = expectObject(envelope, 'sealed envelope', ['sessionId', 'seq', 'cipher', 'nonce', 'ciphertext']);
    if (record.sessionId !== this.sessionId) {
      throw new PqcProtocolError('decrypt_failed', 'sealed envelope belongs to a different session');
    }
    const seq = expectInteger(record.seq, 'envelope.seq', 0, Number.MAX_SAFE_INTEGER - 1);
    if (!isAeadCipher(record.cipher)) throw new PqcProtocolError('bad_encoding', 'envelope.cipher is not supported');
    const nonce = fromBase64Url(record.nonce, 'envelope.nonce', AEAD_NONCE_LENGTH);
    const sealed = fromBase64Url(record.ciphertext, 'envelope.ciphertext');
    this.window.check(seq);
    const direction: Direction = this.role === 'client' ? 's2c' : 'c2s';
    const plaintext = aeadOpen(record.cipher, this.keyFor(direction), nonce, sealed, this.associatedData(direction, seq, record.cipher, aad));
    this.window.accept(seq);
    return plaintext;
  }

  destroy(): void {
    this.destroyed = true;
    zeroize(this.keys.clientToServer, this.keys.serverToClient);
  }

  private keyFor(direction: Direction): Uint8Array {
    return direction === 'c2s' ? this.keys.clientToServer : this.keys.serverToClient;
  }

  private associatedData(direction: Direction, seq: number, cipher: AeadCipher, aad: Uint8Array): Uint8Array {
    return encodeFields([LABELS.sessionAad, this.keys.sessionId, direction, u64be(seq), cipher, aad]);
  }

  private assertUsable(): void {
    if (this.destroyed) throw new Error('session was destroyed');
    if (this.clock() >= this.keys.expiresAt) {
      throw new PqcProtocolError('session_expired', `session expired at ${this.expiresAt}`);
    }
  }
}
