import type { SuiteId } from '../suite';

/** Statement by the previous identity key that it hands over to this bundle's identity. */
export interface KeyTransition {
  readonly keyVersion: number;
  readonly signature: Uint8Array;
}

/** The server's signed key statement. All binary fields are raw bytes here, base64url on the wire. */
export interface KeyBundle {
  readonly v: 1;
  readonly suite: SuiteId;
  readonly keyVersion: number;
  readonly kemPublicKey: Uint8Array;
  readonly identityPublicKey: Uint8Array;
  /** ISO-8601 UTC, exactly as Date#toISOString prints it. */
  readonly notBefore: string;
  readonly notAfter: string;
  readonly signature: Uint8Array;
  readonly previous?: KeyTransition;
}

export interface KeyBundleJson {
  v: 1;
  suite: SuiteId;
  keyVersion: number;
  kemPublicKey: string;
  identityPublicKey: string;
  notBefore: string;
  notAfter: string;
  signature: string;
  previous?: { keyVersion: number; signature: string };
}

export type UnsignedBundle = Omit<KeyBundle, 'signature' | 'previous'>;

export const MAX_KEY_VERSION = 0xffffffff;
