// Public entry of @nf/pqc. Anything not exported here is an implementation detail.

export { PQC_ERROR_CODES, PQC_ERROR_STATUS, PqcProtocolError, isPqcProtocolError } from './errors';
export type { PqcErrorCode, PqcHttpStatus } from './errors';

export { LABELS, KDF_PURPOSES, PROTOCOL_VERSION } from './labels';
export { fromBase64Url, toBase64Url, fromHex, toHex } from './encoding';
export type { RandomSource } from './random';

export { ML_DSA_65, ML_KEM_768, X25519 } from './provider/types';
export type {
  KemEncapsulation,
  MlDsa65Primitive,
  MlDsaSigningKey,
  MlKem768Primitive,
  MlKemDecapsulationKey,
  PqcProvider,
  X25519Primitive,
  X25519PrivateKey,
} from './provider/types';
export { nobleProvider } from './provider/noble';
export { getNativeProvider } from './provider/native';
export { selectProvider } from './provider/select';
export { assertMlKem768EncapsulationKey } from './provider/checks';

export type { Kem, KemDecapsulationKey, KemKeyPair, KemName } from './kem/types';
export { createXWing, XWING } from './kem/xwing';
export { createMlKem768 } from './kem/ml-kem';

export { DEFAULT_SUITE, SUITES, getSuite, isSuiteId, parseSuiteId, suiteForMode } from './suite';
export type { PqcMode, Suite, SuiteId } from './suite';

export type { KeyBundle, KeyBundleJson, KeyTransition } from './bundle/types';
export { createBundle } from './bundle/create';
export type { CreateBundleOptions } from './bundle/create';
export { encodeBundle, parseBundle } from './bundle/codec';
export { bundleCanonicalBytes, bundleFingerprint, bundleSignedBytes, identityFingerprint } from './bundle/canonical';
export { verifyBundle, verifyKeyTransition } from './bundle/verify';
export type { VerifiedBundle, VerifyBundleOptions } from './bundle/verify';
export { MAX_KEY_CHAIN, createHandshakeInfo, createKeyChain, parseHandshakeInfo, parseKeyChain } from './bundle/handshake-info';
export type { HandshakeInfoJson, KeyChainJson } from './bundle/handshake-info';

export { encodeClientHello, parseClientHello, parseHandshakeResponse } from './handshake/messages';
export type { ClientHello, ClientHelloJson, HandshakeResponse, HandshakeResponseJson } from './handshake/messages';
export { DEFAULT_MAX_SKEW_MS, DEFAULT_SESSION_TTL_MS, helloReplayKey, respondToHello } from './handshake/server';
export type { RespondToHelloOptions, RespondToHelloResult } from './handshake/server';
export { createClientHello, disposeClientHandshake, finishHandshake } from './handshake/client';
export type { ClientHandshakeState, CreateClientHelloOptions, FinishHandshakeOptions } from './handshake/client';
export { signReceipt, verifyReceipt } from './handshake/receipt';
export { ReplayCache } from './handshake/replay-cache';
export type { ReplayCacheOptions } from './handshake/replay-cache';

export { inferenceAad } from './session/inference-aad';
export { PqcSession } from './session/session';
export type { SealedEnvelope, SessionOptions } from './session/session';
export type { SessionKeys, SessionRole } from './session/keys';
export { AEAD_CIPHERS, DEFAULT_AEAD_CIPHER } from './session/aead';
export type { AeadCipher } from './session/aead';

export { handshake, handshakeEndpoint } from './sdk/handshake';
export type { HandshakeOptions, HandshakeResult } from './sdk/handshake';
export type { HttpsClientOptions, TlsConnectionInfo } from './sdk/https-transport';
export { PqcServerError } from './sdk/errors';
