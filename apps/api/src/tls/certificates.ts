import { createPrivateKey, KeyObject, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext, SecureContextOptions } from 'node:tls';
import type { TlsCertificateFiles } from '../env/env.schema';

export type CertificateKind = 'classical' | 'ml-dsa';

export interface CertificateSource extends TlsCertificateFiles {
  readonly kind: CertificateKind;
}

/** A certificate pair read from its files and checked: parses, key matches, key type fits its kind. */
export interface LoadedCertificate {
  readonly source: CertificateSource;
  readonly certPem: Buffer;
  readonly keyPem: Buffer;
  readonly leaf: X509Certificate;
  /** SHA-256 of the leaf certificate (DER), as `openssl x509 -fingerprint -sha256` prints it. */
  readonly fingerprint: string;
}

/** A certificate that cannot be used; the message names the files and never shows key material. */
export class TlsCertificateError extends Error {}

const KEY_TYPES: Record<CertificateKind, string[]> = { classical: ['ec', 'rsa', 'rsa-pss', 'ed25519'], 'ml-dsa': ['ml-dsa-65'] };

function readPem(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new TlsCertificateError(`cannot read the TLS ${what} file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

export function readCertificate(source: CertificateSource): LoadedCertificate {
  const certPem = readPem(source.certFile, 'certificate');
  const keyPem = readPem(source.keyFile, 'key');
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(certPem); // the first certificate of the chain
  } catch (error) {
    throw new TlsCertificateError(`the TLS certificate file ${source.certFile} holds no PEM certificate (${(error as Error).message})`);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(keyPem);
  } catch {
    throw new TlsCertificateError(`the TLS key file ${source.keyFile} holds no readable PEM private key`);
  }
  if (!leaf.checkPrivateKey(key)) {
    throw new TlsCertificateError(`the TLS key file ${source.keyFile} does not belong to the certificate in ${source.certFile}`);
  }
  const type = key.asymmetricKeyType ?? 'unknown';
  if (!KEY_TYPES[source.kind].includes(type)) {
    const setting = source.kind === 'ml-dsa' ? 'TLS_MLDSA_CERT_FILE' : 'TLS_CERT_FILE';
    throw new TlsCertificateError(`the certificate in ${source.certFile} has a ${type} key; ${setting} needs ${KEY_TYPES[source.kind].join(' or ')}`);
  }
  return { source, certPem, keyPem, leaf, fingerprint: leaf.fingerprint256 };
}

export const describeCertificate = (c: LoadedCertificate) =>
  `${c.source.kind} certificate ${c.source.certFile} (${c.leaf.publicKey.asymmetricKeyType}, ${c.leaf.subject.replace(/\n/g, ', ')}, ` +
  `valid until ${new Date(c.leaf.validTo).toISOString()}, SHA-256 fingerprint ${c.fingerprint})`;

/**
 * The listener's TLS options: TLS 1.3 only, the given key-exchange groups, every certificate (OpenSSL
 * presents the one whose signature algorithm the client offers). Checked by building a context, so
 * a problem surfaces here rather than at the first handshake.
 */
export function tlsContextOptions(certificates: LoadedCertificate[], groups: string): SecureContextOptions {
  const options: SecureContextOptions = {
    minVersion: 'TLSv1.3',
    ecdhCurve: groups,
    cert: certificates.map((c) => c.certPem),
    key: certificates.map((c) => c.keyPem),
  };
  try {
    createSecureContext(options);
  } catch (error) {
    throw new TlsCertificateError(`OpenSSL refuses ${certificates.map((c) => c.source.certFile).join(' + ')}: ${(error as Error).message}`);
  }
  return options;
}
