import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CertificateKind, readCertificate, tlsContextOptions } from './certificates';
import { generateDevCertificate } from './dev-certificates';
import { keyExchangeGroups } from './key-exchange';

const dir = mkdtempSync(path.join(tmpdir(), 'nf-certs-'));
async function pair(name: string, kind: CertificateKind) {
  const { certPem, keyPem } = await generateDevCertificate(kind, new Date());
  const [certFile, keyFile] = [path.join(dir, `${name}.crt`), path.join(dir, `${name}.key`)];
  writeFileSync(certFile, certPem);
  writeFileSync(keyFile, keyPem, { mode: 0o600 });
  return { certFile, keyFile, keyPem };
}

describe('TLS certificate files', () => {
  it('load a classical and an ML-DSA-65 pair into one TLS 1.3 context with the post-quantum group', async () => {
    const classical = readCertificate({ kind: 'classical', ...(await pair('ec', 'classical')) });
    const mldsa = readCertificate({ kind: 'ml-dsa', ...(await pair('mldsa', 'ml-dsa')) });
    expect(tlsContextOptions([classical, mldsa], keyExchangeGroups(false))).toMatchObject({ minVersion: 'TLSv1.3', ecdhCurve: 'X25519MLKEM768' });
    expect(keyExchangeGroups(true)).toBe('X25519MLKEM768/X25519');
  });

  it('are refused with a message naming the file: missing, not PEM, a key of another certificate, the wrong kind', async () => {
    const a = await pair('a', 'classical');
    const b = await pair('b', 'classical');
    const m = await pair('m', 'ml-dsa');
    expect(() => readCertificate({ kind: 'classical', certFile: path.join(dir, 'none.crt'), keyFile: a.keyFile })).toThrow(
      `cannot read the TLS certificate file ${path.join(dir, 'none.crt')}: ENOENT`,
    );
    writeFileSync(path.join(dir, 'junk.crt'), 'junk');
    expect(() => readCertificate({ kind: 'classical', certFile: path.join(dir, 'junk.crt'), keyFile: a.keyFile })).toThrow(
      new RegExp(`^the TLS certificate file ${path.join(dir, 'junk.crt')} holds no PEM certificate`),
    );
    expect(() => readCertificate({ kind: 'classical', certFile: a.certFile, keyFile: b.keyFile })).toThrow(
      `the TLS key file ${b.keyFile} does not belong to the certificate in ${a.certFile}`,
    );
    expect(() => readCertificate({ kind: 'classical', ...m })).toThrow(`the certificate in ${m.certFile} has a ml-dsa-65 key; TLS_CERT_FILE needs ec or rsa or rsa-pss or ed25519`);
    expect(() => readCertificate({ kind: 'ml-dsa', ...a })).toThrow(`the certificate in ${a.certFile} has a ec key; TLS_MLDSA_CERT_FILE needs ml-dsa-65`);
    try {
      readCertificate({ kind: 'classical', certFile: a.certFile, keyFile: b.keyFile });
    } catch (error) {
      expect((error as Error).message).not.toContain(b.keyPem.split('\n')[1]); // never key material
    }
  });
});
