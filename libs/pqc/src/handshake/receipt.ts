import { utf8 } from '../bytes';
import { PqcProtocolError } from '../errors';
import { encodeFields } from '../encoding';
import { LABELS } from '../labels';
import { selectProvider } from '../provider/select';
import type { MlDsaSigningKey, PqcProvider } from '../provider/types';
import type { RandomSource } from '../random';

function receiptMessage(transcriptHash: Uint8Array, sessionId: Uint8Array): Uint8Array {
  return encodeFields([LABELS.receipt, transcriptHash, sessionId]);
}

/**
 * A transferable proof that the identity key completed this handshake. Costs one ML-DSA
 * signature, so it is only produced when the client asks for it.
 */
export function signReceipt(
  identityKey: MlDsaSigningKey,
  transcriptHash: Uint8Array,
  sessionId: Uint8Array,
  random?: RandomSource,
): Uint8Array {
  return identityKey.sign(receiptMessage(transcriptHash, sessionId), utf8(LABELS.receipt), random?.(32));
}

export function verifyReceipt(
  identityPublicKey: Uint8Array,
  transcriptHash: Uint8Array,
  sessionId: Uint8Array,
  signature: Uint8Array,
  provider: PqcProvider = selectProvider(),
): void {
  if (!provider.mlDsa65.verify(identityPublicKey, receiptMessage(transcriptHash, sessionId), signature, utf8(LABELS.receipt))) {
    throw new PqcProtocolError('receipt_signature', 'handshake receipt does not verify under the bundle identity key');
  }
}
