import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { X509Certificate } from 'node:crypto';
import { handshake } from '@nf/pqc';
import { generateDevCertificate } from '../../apps/api/src/tls/dev-certificates';
import { tempDir } from '../support/env';
import { REPO_ROOT } from '../support/paths';
import { ServiceProcess, spawnService } from '../support/service-process';
import { devTrust, handshakeWith, httpsRequest } from '../support/tls';

jest.setTimeout(60_000);

const LIGHT = { PQC_WORKERS: '1', RUNTIME_WORKERS: '1', MODEL_LOAD_AT_STARTUP: 'none' };

async function stop(svc: ServiceProcess): Promise<void> {
  svc.child.kill('SIGTERM');
  await svc.exited;
}

/** The https refusal as the client sees it: an alert from the server, so the handshake never completes. */
async function refusal(url: string, options: object): Promise<string> {
  try {
    await handshakeWith(url, options);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  }
  throw new Error('the handshake completed');
}

describe('the https listener with its development certificates (simulation)', () => {
  let svc: ServiceProcess;
  let url: string;
  let httpsUrl: string;
  let ca: Buffer;
  beforeAll(async () => {
    svc = spawnService({ ...LIGHT, MODEL_LOAD_AT_STARTUP: 'all' });
    url = await svc.url();
    httpsUrl = await svc.httpsUrl();
    ca = devTrust(svc.dir);
  });
  afterAll(() => stop(svc));

  it('logs its https URL after the plain one, and negotiates TLS 1.3 with X25519MLKEM768 by default', async () => {
    const plainLine = svc.lines.findIndex((l) => /listening on http:\/\//.test(l));
    expect(svc.lines.findIndex((l) => /listening on https:\/\/.*key exchange X25519MLKEM768/.test(l))).toBeGreaterThan(plainLine);
    await expect(handshakeWith(httpsUrl, { ca })).resolves.toMatchObject({ protocol: 'TLSv1.3', group: 'X25519MLKEM768' });
  });

  it('refuses a client that offers only X25519, or only TLS 1.2, and counts the refusals', async () => {
    expect(await refusal(httpsUrl, { ca, ecdhCurve: 'X25519' })).toBe('ERR_SSL_SSL/TLS_ALERT_HANDSHAKE_FAILURE');
    expect(await refusal(httpsUrl, { ca, maxVersion: 'TLSv1.2' })).toMatch(/PROTOCOL_VERSION|UNSUPPORTED_PROTOCOL/);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/^nf_tls_handshake_failures_total\{reason="no_shared_group"\} 1$/m);
    expect(metrics).toMatch(/^nf_tls_handshake_failures_total\{reason="protocol_version"\} 1$/m);
    expect(metrics).toMatch(/^nf_tls_handshakes_total\{group="X25519MLKEM768"\} [1-9]\d*$/m);
    expect(metrics).toMatch(/^nf_tls_certificate_expiry_timestamp_seconds\{kind="ml-dsa"\} \d{10}$/m);
    const promtool = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => existsSync(p));
    if (promtool) expect(() => execFileSync(promtool, ['check', 'metrics'], { input: metrics, stdio: 'pipe' })).not.toThrow();
    else if (process.env.CI === 'true') throw new Error('promtool is required in CI (.ci/run installs Debian package prometheus)');
  });

  it('presents the ML-DSA-65 certificate to clients that offer ML-DSA and the ECDSA one to the others, both as logged', async () => {
    const mldsa = await handshakeWith(httpsUrl, { ca, sigalgs: 'mldsa65' });
    const ecdsa = await handshakeWith(httpsUrl, { ca, sigalgs: 'ecdsa_secp256r1_sha256:rsa_pss_rsae_sha256' });
    expect([mldsa.keyType, ecdsa.keyType]).toEqual(['ml-dsa-65', 'ec']);
    const log = svc.lines.join('\n');
    expect(log).toContain(`development TLS ml-dsa certificate at ${path.join(svc.dir, 'data', 'tls', 'dev-mldsa-cert.pem')}`);
    expect(log).toContain(`SHA-256 fingerprint ${mldsa.fingerprint}`);
    expect(log).toContain(`SHA-256 fingerprint ${ecdsa.fingerprint}`);
    // Node's own default offers ML-DSA first: a fully post-quantum handshake.
    await expect(handshakeWith(httpsUrl, { ca })).resolves.toMatchObject({ keyType: 'ml-dsa-65', group: 'X25519MLKEM768' });
  });

  it('keeps the development keys readable by no other user', () => {
    for (const file of ['dev-key.pem', 'dev-mldsa-key.pem']) expect(statSync(path.join(svc.dir, 'data', 'tls', file)).mode & 0o777).toBe(0o600);
    expect(statSync(path.join(svc.dir, 'data', 'tls')).mode & 0o777).toBe(0o700);
  });

  it('serves the API, V2, the dashboard and the probes over https as the plain listener does', async () => {
    if (!existsSync(path.join(REPO_ROOT, 'dist', 'dashboard', 'index.html'))) throw new Error('dist/dashboard is missing: run npm run build first');
    for (const route of ['/health/ready', '/v2/models/tiny-mlp', '/', '/pqc/handshake', '/metrics']) {
      const [plain, secure] = await Promise.all([fetch(`${url}${route}`), httpsRequest(`${httpsUrl}${route}`, ca)]);
      expect([route, secure.status]).toEqual([route, plain.status]);
      expect([route, secure.body.slice(0, 15)]).toEqual([route, (await plain.text()).slice(0, 15)]);
    }
    const infer = await httpsRequest(`${httpsUrl}/v2/models/tiny-mlp/infer`, ca, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: [0.1, 0.2, 0.3, 0.4] }] }),
    });
    expect(infer.status).toBe(200);
    // No HSTS in simulation: it would pin the host name to https and break http://localhost:8600 in that browser.
    expect(infer.headers['strict-transport-security']).toBeUndefined();
  });

  it('marks the session cookie Secure when signing in over https (request.protocol is https)', async () => {
    const password = readFileSync(path.join(svc.dir, 'data', 'initial-admin-password'), 'utf8').trim();
    const body = JSON.stringify({ name: 'admin', password });
    const secure = await httpsRequest(`${httpsUrl}/auth/login`, ca, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(secure.status).toBe(200);
    expect(String(secure.headers['set-cookie'])).toMatch(/; Secure$/);
    const plain = await fetch(`${url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(plain.headers.get('set-cookie')).not.toMatch(/Secure/);
  });

  it('runs the SDK handshake over https and reports the TLS connection in its result', async () => {
    const session = await handshake(httpsUrl, { tls: { ca } });
    expect(session.tls).toEqual({ protocol: 'TLSv1.3', group: 'X25519MLKEM768', cipher: 'TLS_AES_256_GCM_SHA384', certificateKeyType: 'ml-dsa-65' });
    const browserLike = await handshake(httpsUrl, { tls: { ca, sigalgs: 'ecdsa_secp256r1_sha256' } });
    expect(browserLike.tls).toMatchObject({ group: 'X25519MLKEM768', certificateKeyType: 'ec' });
    expect((await handshake(url)).tls).toBeUndefined();
  });

  it('reuses its development certificates after a restart', async () => {
    const before = await handshakeWith(httpsUrl, { ca });
    const again = spawnService(LIGHT, svc.dir);
    try {
      const after = await handshakeWith(await again.httpsUrl(), { ca: devTrust(svc.dir) });
      expect(after.fingerprint).toBe(before.fingerprint);
      expect(again.lines.join('\n')).toContain(`using the development TLS ml-dsa certificate at ${path.join(svc.dir, 'data', 'tls', 'dev-mldsa-cert.pem')} (SHA-256 fingerprint ${before.fingerprint}`);
    } finally {
      await stop(again);
    }
  });
});

describe('TLS_ALLOW_CLASSICAL_KEY_EXCHANGE=true', () => {
  it('serves an X25519-only client, and still insists on X25519MLKEM768 with a client that supports it but prefers X25519', async () => {
    const svc = spawnService({ ...LIGHT, TLS_ALLOW_CLASSICAL_KEY_EXCHANGE: 'true' });
    try {
      const httpsUrl = await svc.httpsUrl();
      const ca = devTrust(svc.dir);
      await expect(handshakeWith(httpsUrl, { ca, ecdhCurve: 'X25519' })).resolves.toMatchObject({ group: 'X25519' });
      await expect(handshakeWith(httpsUrl, { ca, ecdhCurve: 'X25519:X25519MLKEM768' })).resolves.toMatchObject({ group: 'X25519MLKEM768' });
      expect(svc.lines.join('\n')).toMatch(/listening on https:\/\/\S+ \(TLS 1\.3, key exchange X25519MLKEM768\/X25519\)/);
    } finally {
      await stop(svc);
    }
  });
});

/** A certificate pair written where TLS_CERT_FILE / TLS_KEY_FILE point, replacing the files as a deploy would (rename over). */
async function writePair(dir: string, name = 'server'): Promise<{ certFile: string; keyFile: string; fingerprint: string }> {
  const { certPem, keyPem } = await generateDevCertificate('classical', new Date());
  const [certFile, keyFile] = [path.join(dir, `${name}.crt`), path.join(dir, `${name}.key`)];
  writeFileSync(`${keyFile}.new`, keyPem, { mode: 0o600 });
  writeFileSync(`${certFile}.new`, certPem);
  renameSync(`${keyFile}.new`, keyFile);
  renameSync(`${certFile}.new`, certFile);
  return { certFile, keyFile, fingerprint: new X509Certificate(certPem).fingerprint256 };
}

describe('TLS_CERT_FILE / TLS_KEY_FILE', () => {
  it('reloads them on SIGHUP without a restart, and keeps serving the old pair when the new one is bad', async () => {
    const dir = tempDir('nf-certs-');
    const first = await writePair(dir);
    const svc = spawnService({ ...LIGHT, TLS_CERT_FILE: first.certFile, TLS_KEY_FILE: first.keyFile, TLS_CERT_RELOAD_SECONDS: '0' });
    try {
      const httpsUrl = await svc.httpsUrl();
      const trustFirst = readFileSync(first.certFile);
      await expect(handshakeWith(httpsUrl, { ca: trustFirst })).resolves.toMatchObject({ fingerprint: first.fingerprint, keyType: 'ec' });
      expect(existsSync(path.join(svc.dir, 'data', 'tls'))).toBe(false); // no development certificate when files are given

      const second = await writePair(dir);
      const trustSecond = readFileSync(second.certFile);
      svc.child.kill('SIGHUP');
      await svc.waitForLine(/TLS certificates reloaded \(SIGHUP\)/);
      await expect(handshakeWith(httpsUrl, { ca: trustSecond })).resolves.toMatchObject({ fingerprint: second.fingerprint });

      // A key that does not belong to the certificate: refused, the second pair stays.
      writeFileSync(second.keyFile, (await generateDevCertificate('classical', new Date())).keyPem);
      svc.child.kill('SIGHUP');
      const failed = await svc.waitForLine(/TLS certificate reload \(SIGHUP\) failed/);
      expect(failed).toContain(`the TLS key file ${second.keyFile} does not belong to the certificate in ${second.certFile}`);
      expect(failed).not.toMatch(/PRIVATE KEY/);
      await expect(handshakeWith(httpsUrl, { ca: trustSecond })).resolves.toMatchObject({ fingerprint: second.fingerprint });
      expect(svc.child.exitCode).toBeNull();
    } finally {
      await stop(svc);
    }
  });

  it('notices replaced files by itself (TLS_CERT_RELOAD_SECONDS)', async () => {
    const dir = tempDir('nf-certs-');
    const first = await writePair(dir);
    const svc = spawnService({ ...LIGHT, TLS_CERT_FILE: first.certFile, TLS_KEY_FILE: first.keyFile, TLS_CERT_RELOAD_SECONDS: '1' });
    try {
      const httpsUrl = await svc.httpsUrl();
      const second = await writePair(dir);
      await svc.waitForLine(/TLS certificates reloaded \(changed\)/);
      await expect(handshakeWith(httpsUrl, { ca: readFileSync(second.certFile) })).resolves.toMatchObject({ fingerprint: second.fingerprint });
    } finally {
      await stop(svc);
    }
  });

  it('stops start-up naming the file when the certificate is unreadable', async () => {
    const dir = tempDir('nf-certs-');
    const svc = spawnService({ TLS_CERT_FILE: path.join(dir, 'missing.crt'), TLS_KEY_FILE: path.join(dir, 'missing.key') });
    expect(await svc.exited).toBe(1);
    expect(svc.lines.join('\n')).toContain(`cannot read the TLS certificate file ${path.join(dir, 'missing.crt')}: ENOENT`);
  });
});

describe('production', () => {
  const PRODUCTION = {
    ...LIGHT,
    NEURAL_FABRIC_MODE: 'production',
    SIMULATION_MODE: 'false',
    GPU_DRIVER_MOCK: 'false',
    VAULT_PQC_KEK: 'ab'.repeat(32),
    TELEMETRY_PSEUDONYM_KEY: 'cd'.repeat(32),
  };

  it('refuses to start without a certificate, or with classical key exchange allowed but not acknowledged', async () => {
    const bare = spawnService(PRODUCTION);
    expect(await bare.exited).toBe(78);
    expect(bare.lines.join('\n')).toContain('TLS_CERT_FILE and TLS_KEY_FILE must be set');
    const classical = spawnService({ ...PRODUCTION, TLS_CERT_FILE: '/etc/nf/tls.crt', TLS_KEY_FILE: '/etc/nf/tls.key', TLS_ALLOW_CLASSICAL_KEY_EXCHANGE: 'true' });
    expect(await classical.exited).toBe(78);
    expect(classical.lines.join('\n')).toContain('TLS_ALLOW_CLASSICAL_KEY_EXCHANGE must be false unless TLS_ALLOW_CLASSICAL_IN_PRODUCTION=true acknowledges it');
  });

  it('serves only probes and /metrics on the plain listener, everything on https', async () => {
    const pair = await writePair(tempDir('nf-certs-'));
    const svc = spawnService({ ...PRODUCTION, TLS_CERT_FILE: pair.certFile, TLS_KEY_FILE: pair.keyFile });
    try {
      const url = await svc.url();
      const httpsUrl = await svc.httpsUrl();
      const ca = readFileSync(pair.certFile);
      expect(svc.lines.join('\n')).not.toContain('development TLS');
      for (const probe of ['/health/live', '/health/startup', '/metrics']) expect([probe, (await fetch(`${url}${probe}`)).status]).toEqual([probe, 200]);
      const refused = await fetch(`${url}/pqc/handshake`);
      expect(refused.status).toBe(403);
      expect(await refused.json()).toEqual({
        statusCode: 403,
        error: 'Forbidden',
        message: 'this plain HTTP listener serves only /health/* and /metrics (PLAIN_HTTP_ROUTES=probes): use https on port 0 (TLS_PORT)',
      });
      const secure = await httpsRequest(`${httpsUrl}/pqc/handshake`, ca);
      expect(secure.status).toBe(200);
      expect(secure.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    } finally {
      await stop(svc);
    }
  });
});
