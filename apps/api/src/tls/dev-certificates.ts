import 'reflect-metadata'; // @peculiar/x509 resolves its algorithms through tsyringe, which needs it
import { generateKeyPairSync, KeyObject, KeyPairKeyObjectResult, randomBytes, sign } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import type { LoggerService } from '@nestjs/common';
import * as x509 from '@peculiar/x509';
import { writeFileAtomic } from '../pqc/keystore/atomic-file';
import { CertificateKind, CertificateSource, LoadedCertificate, readCertificate, TlsCertificateError } from './certificates';

/** Under DATA_DIR: the development certificates, their keys (0600) and both certificates in one file for clients to trust. */
export const DEV_TLS_DIR = 'tls';
export const DEV_TRUST_FILE = 'dev-trust.pem';
const FILES: Record<CertificateKind, { cert: string; key: string }> = {
  classical: { cert: 'dev-cert.pem', key: 'dev-key.pem' },
  'ml-dsa': { cert: 'dev-mldsa-cert.pem', key: 'dev-mldsa-key.pem' },
};
const VALIDITY_MS = 365 * 24 * 3600 * 1000;
/** A development certificate this close to its end is replaced at start-up rather than left to expire mid-run. */
const RENEW_BEFORE_MS = 7 * 24 * 3600 * 1000;
const HOSTS = { dns: ['localhost'], ip: ['127.0.0.1', '::1'] };

export const devCertificateSource = (dataDir: string, kind: CertificateKind): CertificateSource => ({
  kind,
  certFile: path.join(dataDir, DEV_TLS_DIR, FILES[kind].cert),
  keyFile: path.join(dataDir, DEV_TLS_DIR, FILES[kind].key),
});

/**
 * Signs with node:crypto rather than WebCrypto: @peculiar/x509 builds and encodes the certificate and
 * hands us only the to-be-signed bytes, and Node's ML-DSA in node:crypto is not experimental (its
 * WebCrypto one is). ECDSA signatures go back in WebCrypto's r||s form, which the library re-encodes.
 */
function signerFor(kind: CertificateKind, privateKey: KeyObject) {
  return {
    getRandomValues: <T extends ArrayBufferView>(array: T) => (randomBytes(array.byteLength).copy(new Uint8Array(array.buffer, array.byteOffset, array.byteLength)), array),
    subtle: {
      sign: async (_algorithm: unknown, _key: unknown, data: ArrayBuffer | ArrayBufferView) => {
        const bytes = ArrayBuffer.isView(data) ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(data);
        return new Uint8Array(kind === 'ml-dsa' ? sign(null, bytes, privateKey) : sign('sha256', bytes, { key: privateKey, dsaEncoding: 'ieee-p1363' })).buffer;
      },
    },
  };
}

/** A self-signed server certificate for localhost, 127.0.0.1 and ::1: ECDSA P-256 (classical) or ML-DSA-65. */
export async function generateDevCertificate(kind: CertificateKind, now: Date): Promise<{ certPem: string; keyPem: string }> {
  // @types/node 20 does not list 'ml-dsa-65' yet; Node >= 24.7 generates it.
  const generate = generateKeyPairSync as (type: string, options?: object) => KeyPairKeyObjectResult;
  const { privateKey, publicKey } = kind === 'ml-dsa' ? generate('ml-dsa-65') : generate('ec', { namedCurve: 'P-256' });
  const algorithm = kind === 'ml-dsa' ? { name: 'ML-DSA-65' } : { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  // Distinct names per kind: a client trusting both finds each one's issuer by name.
  const name = `CN=localhost, OU=${kind === 'ml-dsa' ? 'ML-DSA-65' : 'ECDSA P-256'}, O=Neural Fabric development`;
  const certificate = await x509.X509CertificateGenerator.create(
    {
      serialNumber: `01${randomBytes(15).toString('hex')}`,
      subject: name,
      issuer: name,
      notBefore: new Date(now.getTime() - 60_000),
      notAfter: new Date(now.getTime() + VALIDITY_MS),
      publicKey: new x509.PublicKey(publicKey.export({ type: 'spki', format: 'der' })),
      signingKey: { algorithm } as never, // only its algorithm is read: signerFor signs
      signingAlgorithm: algorithm,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension([...HOSTS.dns.map((value) => ({ type: 'dns' as const, value })), ...HOSTS.ip.map((value) => ({ type: 'ip' as const, value }))]),
      ],
    },
    signerFor(kind, privateKey) as never,
  );
  return { certPem: `${certificate.toString('pem').trimEnd()}\n`, keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

function usable(source: CertificateSource, now: Date): LoadedCertificate | undefined {
  if (!existsSync(source.certFile) || !existsSync(source.keyFile)) return undefined;
  try {
    const loaded = readCertificate(source);
    return new Date(loaded.leaf.validTo).getTime() - RENEW_BEFORE_MS > now.getTime() ? loaded : undefined;
  } catch (error) {
    if (error instanceof TlsCertificateError) return undefined; // damaged: replaced below, and said so
    throw error;
  }
}

/**
 * Simulation without TLS_CERT_FILE: development certificates under DATA_DIR/tls, generated on the
 * first start (and again only when absent, damaged or near expiry), with their fingerprints logged
 * so a client can check what it trusts. Which kinds: classical always, ML-DSA-65 where Node has it.
 */
export async function ensureDevCertificates(dataDir: string, kinds: CertificateKind[], logger: LoggerService, now = new Date()): Promise<CertificateSource[]> {
  const dir = path.join(dataDir, DEV_TLS_DIR);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    accessSync(dir, constants.W_OK);
  } catch (error) {
    throw new TlsCertificateError(`development TLS certificates in ${dir} (DATA_DIR): cannot create or write its directory: ${(error as NodeJS.ErrnoException).code}`);
  }
  const sources = kinds.map((kind) => devCertificateSource(dataDir, kind));
  let changed = false;
  for (const source of sources) {
    const existing = usable(source, now);
    if (existing) {
      logger.warn(`using the development TLS ${source.kind} certificate at ${source.certFile} (SHA-256 fingerprint ${existing.fingerprint}; simulation only)`, 'Tls');
      continue;
    }
    const { certPem, keyPem } = await generateDevCertificate(source.kind, now);
    writeFileAtomic(source.keyFile, keyPem);
    writeFileAtomic(source.certFile, certPem);
    changed = true;
    logger.warn(
      `NO TLS_CERT_FILE CONFIGURED: generated a development TLS ${source.kind} certificate at ${source.certFile} ` +
        `(key ${source.keyFile}, mode 0600; SHA-256 fingerprint ${readCertificate(source).fingerprint}) for localhost, 127.0.0.1 and ::1. ` +
        `Clients trust it explicitly (${path.join(dir, DEV_TRUST_FILE)} holds every development certificate). Simulation only: production refuses to start without TLS_CERT_FILE and TLS_KEY_FILE.`,
      'Tls',
    );
  }
  const trustFile = path.join(dir, DEV_TRUST_FILE);
  if (changed || !existsSync(trustFile)) writeFileAtomic(trustFile, sources.map((s) => `${readCertificate(s).certPem.toString().trimEnd()}\n`).join(''));
  return sources;
}
