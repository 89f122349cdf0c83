import { PqcProtocolError, assertLength } from '../errors';
import { decodeFields, encodeFields, readU32be, readU64be, u32be, u64be, u8 } from '../encoding';
import { LABELS } from '../labels';
import { parseSuiteId } from '../suite';
import { SESSION_ID_LENGTH, HASH_LENGTH } from '../handshake/messages';
import type { SessionKeys, SessionRole } from './keys';

export interface SessionState {
  readonly role: SessionRole;
  readonly keys: SessionKeys;
  readonly sendSeq: number;
  readonly receiveNext: number;
  readonly receiveBitmap: bigint;
}

const FIELD_COUNT = 12;
const ROLES: readonly SessionRole[] = ['client', 'server'];

function u64FromBigint(value: bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, value);
  return out;
}

/**
 * Binary, length-prefixed export of keys plus counters. It contains secret keys: the caller
 * must encrypt it before storing (e.g. AES-GCM under a KMS-held key) and zeroize it after use.
 */
export function encodeSessionState(state: SessionState): Uint8Array {
  const { keys } = state;
  return encodeFields([
    LABELS.sessionState,
    u8(ROLES.indexOf(state.role)),
    keys.suite,
    u32be(keys.keyVersion),
    keys.sessionId,
    keys.transcriptHash,
    u64be(keys.expiresAt),
    keys.clientToServer,
    keys.serverToClient,
    u64be(state.sendSeq),
    u64be(state.receiveNext),
    u64FromBigint(state.receiveBitmap),
  ]);
}

export function decodeSessionState(bytes: Uint8Array): SessionState {
  const f = decodeFields(bytes, FIELD_COUNT, 'session state');
  if (new TextDecoder().decode(f[0]) !== LABELS.sessionState) {
    throw new PqcProtocolError('bad_encoding', 'not a session state export (wrong label or version)');
  }
  assertLength(f[1], 1, 'session state role');
  const role = ROLES[f[1][0]];
  if (role === undefined) throw new PqcProtocolError('bad_encoding', 'session state role is invalid');
  assertLength(f[4], SESSION_ID_LENGTH, 'session state sessionId');
  assertLength(f[5], HASH_LENGTH, 'session state transcriptHash');
  assertLength(f[7], 32, 'session state clientToServer key');
  assertLength(f[8], 32, 'session state serverToClient key');
  assertLength(f[11], 8, 'session state receive bitmap');
  return {
    role,
    keys: {
      suite: parseSuiteId(new TextDecoder().decode(f[2])),
      keyVersion: readU32be(f[3], 'session state keyVersion'),
      sessionId: f[4].slice(),
      transcriptHash: f[5].slice(),
      expiresAt: readU64be(f[6], 'session state expiresAt'),
      clientToServer: f[7].slice(),
      serverToClient: f[8].slice(),
    },
    sendSeq: readU64be(f[9], 'session state sendSeq'),
    receiveNext: readU64be(f[10], 'session state receiveNext'),
    receiveBitmap: new DataView(f[11].buffer, f[11].byteOffset, 8).getBigUint64(0),
  };
}
