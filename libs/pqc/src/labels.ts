/**
 * Every domain-separation string in the protocol, in one place so the spec and the code cannot
 * disagree. Changing any of them is a protocol version change.
 */
export const PROTOCOL_VERSION = 1;

export const LABELS = Object.freeze({
  /** ML-DSA context and first canonical field of the bundle signature. */
  bundle: 'neural-fabric/bundle/v1',
  /** ML-DSA context of the previous identity key's cross-signature over a new bundle. */
  keyTransition: 'neural-fabric/key-transition/v1',
  /** ML-DSA context of the optional handshake receipt. */
  receipt: 'neural-fabric/receipt/v1',
  /** First field of the transcript hash input. */
  transcript: 'neural-fabric/handshake/v1/transcript',
  /** First field of every HKDF info. */
  keySchedule: 'neural-fabric/handshake/v1',
  /** Prefix of the server key-confirmation MAC input. */
  serverFinished: 'neural-fabric/handshake/v1/server-finished',
  /** First field of every session AEAD associated data. */
  sessionAad: 'neural-fabric/session/v1',
  /** First field of exported session state. */
  sessionState: 'neural-fabric/session-state/v1',
  /** First field of the application AAD of a sealed V2 inference request and its reply. */
  inferenceAad: 'neural-fabric/v2-infer/v1',
});

export const KDF_PURPOSES = Object.freeze({
  clientToServer: 'c2s key',
  serverToClient: 's2c key',
  confirmation: 'confirm key',
  sessionId: 'session id',
});
