import { ServerCredentials } from '@grpc/grpc-js';
import type { SecureContextOptions } from 'node:tls';
import type { CertificateReloader } from '../tls/certificate-reloader';

/**
 * gRPC server credentials from the https listener's own TLS context options: TLS 1.3 only, its
 * key-exchange groups (X25519MLKEM768 first, `ecdhCurve`) and certificates. grpc-js's createSsl takes
 * only key/certificate pairs and would leave OpenSSL's default groups, so the options go in as
 * grpc-js's ServerCredentials base class takes them (it hands them to http2.createSecureServer and,
 * on every update, to setSecureContext). Certificate reloads follow the https listener's.
 */
export class PostQuantumServerCredentials extends ServerCredentials {
  constructor(reloader: CertificateReloader) {
    super({}, reloader.contextOptions);
    reloader.onReload((options: SecureContextOptions) => this.updateSecureContextOptions(options));
  }

  _equals(other: ServerCredentials): boolean {
    return other === this;
  }
}
