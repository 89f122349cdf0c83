import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { readCertificate } from './certificates';
import { DEV_TLS_DIR, DEV_TRUST_FILE, ensureDevCertificates } from './dev-certificates';

const lines: string[] = [];
const logger = { log: (m: string) => lines.push(m), warn: (m: string) => lines.push(m), error: (m: string) => lines.push(m) };
const DAY = 24 * 3600 * 1000;

describe('development TLS certificates', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'nf-devcert-'));
  const now = new Date('2027-03-01T00:00:00Z');

  it('are generated once: ECDSA P-256 and ML-DSA-65, self-signed for localhost, 127.0.0.1 and ::1, keys 0600, fingerprints logged', async () => {
    lines.length = 0;
    const sources = await ensureDevCertificates(dataDir, ['classical', 'ml-dsa'], logger, now);
    const [classical, mldsa] = sources.map(readCertificate);
    expect([classical.leaf.publicKey.asymmetricKeyType, mldsa.leaf.publicKey.asymmetricKeyType]).toEqual(['ec', 'ml-dsa-65']);
    for (const c of [classical, mldsa]) {
      expect(c.leaf.verify(c.leaf.publicKey)).toBe(true); // the signature node:crypto made is a valid one
      expect(c.leaf.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
      expect(c.leaf.ca).toBe(false);
      expect(new Date(c.leaf.validFrom).getTime()).toBeLessThanOrEqual(now.getTime());
      expect(statSync(c.source.keyFile).mode & 0o777).toBe(0o600);
      expect(lines.join('\n')).toContain(`SHA-256 fingerprint ${c.fingerprint}`);
    }
    expect(classical.leaf.subject).not.toBe(mldsa.leaf.subject); // a client trusting both finds each by name
    const trusted = readFileSync(path.join(dataDir, DEV_TLS_DIR, DEV_TRUST_FILE), 'utf8');
    expect(trusted.match(/-----BEGIN CERTIFICATE-----/g)).toHaveLength(2);
    expect(lines.join('\n')).toMatch(/NO TLS_CERT_FILE CONFIGURED: generated a development TLS classical certificate/);
  });

  it('are reused across restarts while valid, and replaced when near expiry or damaged', async () => {
    const fingerprints = async (at: Date) => (await ensureDevCertificates(dataDir, ['classical', 'ml-dsa'], logger, at)).map((s) => readCertificate(s).fingerprint);
    const first = await fingerprints(now);
    lines.length = 0;
    expect(await fingerprints(new Date(now.getTime() + 300 * DAY))).toEqual(first);
    expect(lines.join('\n')).toContain('using the development TLS classical certificate');

    const renewed = await fingerprints(new Date(now.getTime() + 360 * DAY)); // within a week of its end
    expect(renewed[0]).not.toBe(first[0]);
    expect(renewed[1]).not.toBe(first[1]);

    writeFileSync(path.join(dataDir, DEV_TLS_DIR, 'dev-cert.pem'), 'not a certificate');
    const repaired = await fingerprints(new Date(now.getTime() + 360 * DAY));
    expect(repaired[0]).not.toBe(renewed[0]);
    expect(repaired[1]).toBe(renewed[1]);
    const trusted = readFileSync(path.join(dataDir, DEV_TLS_DIR, DEV_TRUST_FILE), 'utf8');
    expect(trusted.split('-----END CERTIFICATE-----\n').filter(Boolean).map((pem) => new X509Certificate(`${pem}-----END CERTIFICATE-----\n`).fingerprint256)).toEqual(repaired);
  });
});
