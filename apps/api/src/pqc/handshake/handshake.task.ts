import type { ClientHelloJson, HandshakeResponseJson, PqcErrorCode, SessionKeys, SuiteId } from '@nf/pqc';

/** What the event loop hands a crypto worker: the request plus the active key version's material. */
export interface HandshakeTask {
  hello: unknown;
  suite: SuiteId;
  bundle: unknown;
  bundleSha256: string;
  kemSeed: Uint8Array;
  identitySeed: Uint8Array;
  now: number;
  maxSkewMs: number;
  sessionTtlMs: number;
}

/** Protocol errors cross the thread boundary as data: Error subclasses lose their fields there. */
export type HandshakeOutcome =
  | { ok: true; response: HandshakeResponseJson; keys: SessionKeys; replayKey: string }
  | { ok: false; code: PqcErrorCode; message: string };

export type { ClientHelloJson };
