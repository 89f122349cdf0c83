import type { AddressInfo } from 'node:net';

/**
 * The URL a listener is really bound to (0.0.0.0 and :: stay as they are: every interface), for the
 * start-up log; not a guess at an address to browse to.
 */
export function boundUrl(scheme: 'http' | 'https', address: AddressInfo | string | null): string {
  if (address === null || typeof address === 'string') return `${scheme}://${address ?? 'unbound'}`;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const everywhere = address.address === '0.0.0.0' || address.address === '::' ? ' (every interface)' : '';
  return `${scheme}://${host}:${address.port}${everywhere}`;
}
