import { assertLength } from '../errors';
import { fromBase64Url, fromHex, toBase64Url, toHex } from '../encoding';
import { expectBoolean, expectInteger, expectObject, expectString, expectVersion } from '../json';
import { MAX_KEY_VERSION } from '../bundle/types';
import { ML_DSA_65, type PqcProvider } from '../provider/types';
import { getSuite, parseSuiteId, type Suite, type SuiteId } from '../suite';
import { parseInstant } from '../time';

export const NONCE_LENGTH = 32;
export const SESSION_ID_LENGTH = 16;
export const HASH_LENGTH = 32;

export interface ClientHello {
  readonly v: 1;
  readonly suite: SuiteId;
  readonly keyVersion: number;
  readonly bundleSha256: Uint8Array;
  readonly clientNonce: Uint8Array;
  /** Client clock, milliseconds since the Unix epoch. */
  readonly timestamp: number;
  readonly ephemeralPublicKey: Uint8Array;
  /** ct_s: encapsulation to the server's static KEM key. */
  readonly ciphertext: Uint8Array;
  readonly receipt: boolean;
}

export interface ClientHelloJson {
  v: 1;
  suite: SuiteId;
  keyVersion: number;
  bundleSha256: string;
  clientNonce: string;
  timestamp: number;
  ephemeralPublicKey: string;
  ciphertext: string;
  receipt?: boolean;
}

export interface HandshakeResponse {
  readonly v: 1;
  readonly sessionId: Uint8Array;
  readonly keyVersion: number;
  readonly serverNonce: Uint8Array;
  /** ct_e: encapsulation to the client's ephemeral KEM key. */
  readonly ciphertext: Uint8Array;
  readonly confirmation: Uint8Array;
  readonly transcriptSha256: Uint8Array;
  readonly expiresAt: string;
  readonly receipt?: Uint8Array;
}

export interface HandshakeResponseJson {
  v: 1;
  sessionId: string;
  keyVersion: number;
  serverNonce: string;
  ciphertext: string;
  confirmation: string;
  transcriptSha256: string;
  expiresAt: string;
  receipt?: string;
}

/**
 * Field-level rules shared by the parser and the server, so a ClientHello built in code gets
 * exactly the same checks as one that arrived as JSON.
 */
export function validateClientHello(hello: ClientHello, suite: Suite): void {
  assertLength(hello.bundleSha256, HASH_LENGTH, 'hello.bundleSha256');
  assertLength(hello.clientNonce, NONCE_LENGTH, 'hello.clientNonce');
  assertLength(hello.ephemeralPublicKey, suite.kem.publicKeyLength, 'hello.ephemeralPublicKey');
  assertLength(hello.ciphertext, suite.kem.ciphertextLength, 'hello.ciphertext');
  suite.kem.checkPublicKey(hello.ephemeralPublicKey);
}

export function encodeClientHello(hello: ClientHello): ClientHelloJson {
  const json: ClientHelloJson = {
    v: hello.v,
    suite: hello.suite,
    keyVersion: hello.keyVersion,
    bundleSha256: toHex(hello.bundleSha256),
    clientNonce: toBase64Url(hello.clientNonce),
    timestamp: hello.timestamp,
    ephemeralPublicKey: toBase64Url(hello.ephemeralPublicKey),
    ciphertext: toBase64Url(hello.ciphertext),
  };
  if (hello.receipt) json.receipt = true;
  return json;
}

const HELLO_MEMBERS = ['v', 'suite', 'keyVersion', 'bundleSha256', 'clientNonce', 'timestamp', 'ephemeralPublicKey', 'ciphertext'];

/** Strict parse of the POST body. Suite-dependent sizes and the ephemeral key's modulus check included. */
export function parseClientHello(json: unknown, provider?: PqcProvider): ClientHello {
  const record = expectObject(json, 'hello', HELLO_MEMBERS, ['receipt']);
  const v = expectVersion(record.v, 'hello');
  const suite = getSuite(parseSuiteId(record.suite), provider);
  const hello: ClientHello = {
    v,
    suite: suite.id,
    keyVersion: expectInteger(record.keyVersion, 'hello.keyVersion', 0, MAX_KEY_VERSION),
    bundleSha256: fromHex(record.bundleSha256, 'hello.bundleSha256', HASH_LENGTH),
    clientNonce: fromBase64Url(record.clientNonce, 'hello.clientNonce', NONCE_LENGTH),
    timestamp: expectInteger(record.timestamp, 'hello.timestamp', 0, Number.MAX_SAFE_INTEGER),
    ephemeralPublicKey: fromBase64Url(record.ephemeralPublicKey, 'hello.ephemeralPublicKey', suite.kem.publicKeyLength),
    ciphertext: fromBase64Url(record.ciphertext, 'hello.ciphertext', suite.kem.ciphertextLength),
    receipt: record.receipt === undefined ? false : expectBoolean(record.receipt, 'hello.receipt'),
  };
  validateClientHello(hello, suite);
  return hello;
}

export function encodeHandshakeResponse(response: HandshakeResponse): HandshakeResponseJson {
  const json: HandshakeResponseJson = {
    v: response.v,
    sessionId: toBase64Url(response.sessionId),
    keyVersion: response.keyVersion,
    serverNonce: toBase64Url(response.serverNonce),
    ciphertext: toBase64Url(response.ciphertext),
    confirmation: toBase64Url(response.confirmation),
    transcriptSha256: toHex(response.transcriptSha256),
    expiresAt: response.expiresAt,
  };
  if (response.receipt !== undefined) json.receipt = toBase64Url(response.receipt);
  return json;
}

const RESPONSE_MEMBERS = ['v', 'sessionId', 'keyVersion', 'serverNonce', 'ciphertext', 'confirmation', 'transcriptSha256', 'expiresAt'];

export function parseHandshakeResponse(json: unknown, suite: Suite): HandshakeResponse {
  const record = expectObject(json, 'handshake response', RESPONSE_MEMBERS, ['receipt']);
  const response: HandshakeResponse = {
    v: expectVersion(record.v, 'handshake response'),
    sessionId: fromBase64Url(record.sessionId, 'response.sessionId', SESSION_ID_LENGTH),
    keyVersion: expectInteger(record.keyVersion, 'response.keyVersion', 0, MAX_KEY_VERSION),
    serverNonce: fromBase64Url(record.serverNonce, 'response.serverNonce', NONCE_LENGTH),
    ciphertext: fromBase64Url(record.ciphertext, 'response.ciphertext', suite.kem.ciphertextLength),
    confirmation: fromBase64Url(record.confirmation, 'response.confirmation', HASH_LENGTH),
    transcriptSha256: fromHex(record.transcriptSha256, 'response.transcriptSha256', HASH_LENGTH),
    expiresAt: expectString(record.expiresAt, 'response.expiresAt'),
  };
  parseInstant(response.expiresAt, 'response.expiresAt');
  if (record.receipt === undefined) return response;
  return { ...response, receipt: fromBase64Url(record.receipt, 'response.receipt', ML_DSA_65.signatureLength) };
}
