import type { HandshakeResponseJson, PqcErrorCode, SessionKeys, SuiteId } from '@nf/pqc';

/** One key version's material, sent to a worker only until it has cached it. */
export interface HandshakeKey {
  suite: SuiteId;
  bundle: unknown;
  kemSeed: Uint8Array;
  identitySeed: Uint8Array;
}

/** What the event loop hands a crypto worker: the request and which key (by bundle fingerprint) to use. */
export interface HandshakeTask {
  hello: unknown;
  bundleSha256: string;
  /** Omitted on the hot path; sent only when the worker answered `missingKey`. */
  key?: HandshakeKey;
  now: number;
  maxSkewMs: number;
  sessionTtlMs: number;
}

/** Protocol errors cross the thread boundary as data: Error subclasses lose their fields there. */
export type HandshakeOutcome =
  | { ok: true; response: HandshakeResponseJson; keys: SessionKeys; replayKey: string }
  | { ok: false; code: PqcErrorCode; message: string }
  | { ok: false; missingKey: true };
