import { utf8 } from '../bytes';
import { LABELS } from '../labels';
import type { MlDsaSigningKey } from '../provider/types';
import type { RandomSource } from '../random';
import { getSuite, type SuiteId } from '../suite';
import { formatInstant, toMillis, type Instant } from '../time';
import { bundleSignedBytes, keyTransitionSignedBytes } from './canonical';
import { MAX_KEY_VERSION, type KeyBundle, type UnsignedBundle } from './types';

export interface CreateBundleOptions {
  readonly suite: SuiteId;
  readonly keyVersion: number;
  readonly kemPublicKey: Uint8Array;
  readonly identityKey: MlDsaSigningKey;
  readonly notBefore: Instant;
  readonly notAfter: Instant;
  /** Previous identity key, to cross-sign this bundle as a key-transition statement. */
  readonly previous?: { readonly keyVersion: number; readonly identityKey: MlDsaSigningKey };
  /** Only for reproducible examples: supplies ML-DSA's rnd instead of fresh randomness. */
  readonly random?: RandomSource;
}

function checkKeyVersion(keyVersion: number, what: string): void {
  if (!Number.isInteger(keyVersion) || keyVersion < 0 || keyVersion > MAX_KEY_VERSION) {
    throw new RangeError(`${what} must be an integer in [0, 2^32-1]`);
  }
}

export function createBundle(options: CreateBundleOptions): KeyBundle {
  const suite = getSuite(options.suite);
  checkKeyVersion(options.keyVersion, 'keyVersion');
  suite.kem.checkPublicKey(options.kemPublicKey);
  if (toMillis(options.notBefore) >= toMillis(options.notAfter)) {
    throw new RangeError('notBefore must be earlier than notAfter');
  }
  const unsigned: UnsignedBundle = {
    v: 1,
    suite: suite.id,
    keyVersion: options.keyVersion,
    kemPublicKey: options.kemPublicKey.slice(),
    identityPublicKey: options.identityKey.publicKey.slice(),
    notBefore: formatInstant(options.notBefore),
    notAfter: formatInstant(options.notAfter),
  };
  const rnd = () => options.random?.(32);
  const signature = options.identityKey.sign(bundleSignedBytes(unsigned), utf8(LABELS.bundle), rnd());
  if (options.previous === undefined) return { ...unsigned, signature };

  checkKeyVersion(options.previous.keyVersion, 'previous.keyVersion');
  if (options.previous.keyVersion >= options.keyVersion) {
    throw new RangeError('previous.keyVersion must be lower than keyVersion');
  }
  const transition = options.previous.identityKey.sign(
    keyTransitionSignedBytes(options.previous.keyVersion, unsigned),
    utf8(LABELS.keyTransition),
    rnd(),
  );
  return { ...unsigned, signature, previous: { keyVersion: options.previous.keyVersion, signature: transition } };
}
