import { selectProvider } from '@nf/pqc';

/** The ML-KEM / ML-DSA implementation this process uses, and what it runs on; shown in the log, /metrics and the dashboard. */
export interface CryptoProviderInfo {
  provider: 'native' | 'noble';
  node: string;
  openssl: string;
  /** One line for the start-up log. */
  description: string;
}

export function cryptoProviderInfo(): CryptoProviderInfo {
  const provider = selectProvider().name;
  const { node, openssl } = process.versions;
  const description =
    provider === 'native'
      ? `native (Node ${node}'s ML-KEM-768 and ML-DSA-65 from OpenSSL ${openssl})`
      : `noble (pure JavaScript: Node ${node} with OpenSSL ${openssl} has no ML-KEM/ML-DSA; native needs Node >= 24.7)`;
  return { provider, node, openssl, description };
}
