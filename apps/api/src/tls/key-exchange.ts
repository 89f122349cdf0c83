import { createSecureContext } from 'node:tls';

/** ML-KEM-768 + X25519 (draft-ietf-tls-ecdhe-mlkem): the post-quantum hybrid every current browser offers first. */
export const PQ_GROUP = 'X25519MLKEM768';
export const CLASSICAL_GROUP = 'X25519';

/**
 * The server's key-exchange groups (OpenSSL 3.5 syntax). With classical allowed, `/` puts the two
 * groups in separate preference tuples: a client that supports X25519MLKEM768 but sent only an
 * X25519 key share is asked again (HelloRetryRequest) instead of being served classically, which
 * `X25519MLKEM768:X25519` (one tuple, the client's share wins) would do.
 */
export function keyExchangeGroups(allowClassical: boolean): string {
  return allowClassical ? `${PQ_GROUP}/${CLASSICAL_GROUP}` : PQ_GROUP;
}

/** Whether this Node's OpenSSL knows X25519MLKEM768 (Node >= 24.7 bundles OpenSSL 3.5). */
export function postQuantumTlsAvailable(): boolean {
  try {
    createSecureContext({ minVersion: 'TLSv1.3', ecdhCurve: PQ_GROUP });
    return true;
  } catch {
    return false;
  }
}

export const runtimeDescription = () => `Node ${process.version} with OpenSSL ${process.versions.openssl}`;
