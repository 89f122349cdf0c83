import type { SuiteId } from '../suite';

/** Everything a party needs to run a session; what the server stores (encrypted) between requests. */
export interface SessionKeys {
  readonly suite: SuiteId;
  readonly keyVersion: number;
  readonly sessionId: Uint8Array;
  readonly transcriptHash: Uint8Array;
  /** Milliseconds since the Unix epoch. */
  readonly expiresAt: number;
  readonly clientToServer: Uint8Array;
  readonly serverToClient: Uint8Array;
}

export type SessionRole = 'client' | 'server';
