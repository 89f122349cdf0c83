import { PqcProtocolError } from '../errors';
import { fromBase64Url, toBase64Url } from '../encoding';
import { expectInteger, expectObject, expectVersion } from '../json';
import { ML_DSA_65, type PqcProvider } from '../provider/types';
import { getSuite, parseSuiteId } from '../suite';
import { parseInstant } from '../time';
import { MAX_KEY_VERSION, type KeyBundle, type KeyBundleJson, type KeyTransition } from './types';

export function encodeBundle(bundle: KeyBundle): KeyBundleJson {
  const json: KeyBundleJson = {
    v: bundle.v,
    suite: bundle.suite,
    keyVersion: bundle.keyVersion,
    kemPublicKey: toBase64Url(bundle.kemPublicKey),
    identityPublicKey: toBase64Url(bundle.identityPublicKey),
    notBefore: bundle.notBefore,
    notAfter: bundle.notAfter,
    signature: toBase64Url(bundle.signature),
  };
  if (bundle.previous !== undefined) {
    json.previous = { keyVersion: bundle.previous.keyVersion, signature: toBase64Url(bundle.previous.signature) };
  }
  return json;
}

const BUNDLE_MEMBERS = ['v', 'suite', 'keyVersion', 'kemPublicKey', 'identityPublicKey', 'notBefore', 'notAfter', 'signature'];

/** Structural validation only (sizes, encodings, KEM key modulus check); see verifyBundle for trust. */
export function parseBundle(json: unknown, provider?: PqcProvider): KeyBundle {
  const record = expectObject(json, 'bundle', BUNDLE_MEMBERS, ['previous']);
  const v = expectVersion(record.v, 'bundle');
  const suite = getSuite(parseSuiteId(record.suite), provider);
  const keyVersion = expectInteger(record.keyVersion, 'bundle.keyVersion', 0, MAX_KEY_VERSION);
  const kemPublicKey = fromBase64Url(record.kemPublicKey, 'bundle.kemPublicKey', suite.kem.publicKeyLength);
  suite.kem.checkPublicKey(kemPublicKey);
  const identityPublicKey = fromBase64Url(record.identityPublicKey, 'bundle.identityPublicKey', ML_DSA_65.publicKeyLength);
  const notBefore = parseInstant(record.notBefore, 'bundle.notBefore');
  const notAfter = parseInstant(record.notAfter, 'bundle.notAfter');
  if (notBefore >= notAfter) throw new PqcProtocolError('bad_encoding', 'bundle.notBefore must be earlier than bundle.notAfter');
  const signature = fromBase64Url(record.signature, 'bundle.signature', ML_DSA_65.signatureLength);

  const bundle: KeyBundle = {
    v,
    suite: suite.id,
    keyVersion,
    kemPublicKey,
    identityPublicKey,
    notBefore: record.notBefore as string,
    notAfter: record.notAfter as string,
    signature,
  };
  if (record.previous === undefined) return bundle;
  return { ...bundle, previous: parseTransition(record.previous, keyVersion) };
}

function parseTransition(json: unknown, keyVersion: number): KeyTransition {
  const record = expectObject(json, 'bundle.previous', ['keyVersion', 'signature']);
  const previousVersion = expectInteger(record.keyVersion, 'bundle.previous.keyVersion', 0, MAX_KEY_VERSION);
  if (previousVersion >= keyVersion) {
    throw new PqcProtocolError('bad_encoding', 'bundle.previous.keyVersion must be lower than bundle.keyVersion');
  }
  return {
    keyVersion: previousVersion,
    signature: fromBase64Url(record.signature, 'bundle.previous.signature', ML_DSA_65.signatureLength),
  };
}
