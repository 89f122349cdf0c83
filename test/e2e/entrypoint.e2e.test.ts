import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { tempDir } from '../support/env';
import { ServiceProcess, spawnService } from '../support/service-process';

jest.setTimeout(30_000);

describe('the real entry point', () => {
  it('exits non-zero naming PQC_MODE and its allowed values when PQC_MODE=bogus, and records the failure in the env check report', async () => {
    const svc = spawnService({ PQC_MODE: 'bogus' });
    expect(await svc.exited).toBe(78);
    expect(svc.lines.join('\n')).toContain('PQC_MODE must be one of hybrid, pqc (got "bogus")');
    const report = readFileSync(path.join(svc.dir, 'reports', 'H.2.E4_envcheck.log'), 'utf8');
    expect(report).toMatch(/^result: FAILED \(the service did not start\)$/m);
    expect(report).toContain('  - PQC_MODE must be one of hybrid, pqc (got "bogus")');
    expect(report).not.toContain('env_hash');
  });

  it('refuses production with SIMULATION_MODE=true', async () => {
    const svc = spawnService({ NEURAL_FABRIC_MODE: 'production', SIMULATION_MODE: 'true', GPU_DRIVER_MOCK: 'false', VAULT_PQC_KEK: 'ab'.repeat(32) });
    expect(await svc.exited).not.toBe(0);
    expect(svc.lines.join('\n')).toContain('SIMULATION_MODE must be false when NEURAL_FABRIC_MODE=production');
  });

  it('stops with one line naming the database path and DATABASE_URL when DATA_DIR cannot be created', async () => {
    const dir = tempDir('nf-rodata-');
    writeFileSync(path.join(dir, 'not-a-dir'), '');
    const data = path.join(dir, 'not-a-dir', 'data');
    // TLS off: the development certificates, written under DATA_DIR before the database opens, would fail first (below).
    const svc = spawnService({ DATA_DIR: data, DATABASE_URL: `sqlite:${path.join(data, 'nf.sqlite')}`, TLS_ENABLED: 'false' }, dir);
    expect(await svc.exited).not.toBe(0);
    const log = svc.lines.join('\n');
    expect(log).toContain(`SQLite database ${path.join(data, 'nf.sqlite')} (DATABASE_URL): cannot create or write its directory: ENOTDIR`);
    expect(log).not.toMatch(/^\s+at /m); // no stack trace

    const withTls = spawnService({ DATA_DIR: data, DATABASE_URL: `sqlite:${path.join(data, 'nf.sqlite')}` }, dir);
    expect(await withTls.exited).toBe(1);
    expect(withTls.lines.join('\n')).toContain(
      `start-up failed: development TLS certificates in ${path.join(data, 'tls')} (DATA_DIR): cannot create or write its directory: ENOTDIR`,
    );
  });

  describe('a normal start', () => {
    let svc: ServiceProcess;
    let url: string;
    beforeAll(async () => {
      svc = spawnService();
      url = await svc.url();
    });
    afterAll(async () => {
      svc.child.kill('SIGKILL');
      await svc.exited;
    });

    it('logs the env hash as one structured line before the first Nest line', () => {
      const first = JSON.parse(svc.lines[0]);
      expect(first).toMatchObject({ context: 'EnvCheck', envHash: expect.stringMatching(/^[0-9a-f]{64}$/), mode: 'simulation' });
      const firstNest = svc.lines.findIndex((l) => l.includes('NestFactory'));
      expect(firstNest).toBeGreaterThan(0);
    });

    it('writes reports/H.2.E4_envcheck.log with the hash and each key source, no secrets', () => {
      const report = readFileSync(path.join(svc.dir, 'reports', 'H.2.E4_envcheck.log'), 'utf8');
      const hash = JSON.parse(svc.lines[0]).envHash;
      expect(report).toContain(`env_hash: sha256:${hash}`);
      expect(report).toMatch(/^env_default: present /m);
      expect(report).toMatch(/^ {2}PQC_MODE +from \.env\.default +hybrid$/m);
      expect(report).toMatch(/^ {2}PORT +from process +0$/m);
    });

    it('logs JSON lines in json format', () => {
      const nestLine = svc.lines.find((l) => l.includes('NestFactory'))!;
      expect(JSON.parse(nestLine)).toMatchObject({ level: 'log', context: 'NestFactory' });
    });

    it('is ready and exposes the same env hash in /metrics', async () => {
      expect((await fetch(`${url}/health/ready`)).status).toBe(200);
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toContain(`nf_env_info{env_hash="${JSON.parse(svc.lines[0]).envHash}",mode="simulation"} 1`);
    });

    it('created its SQLite database under DATA_DIR, readable by no other user', () => {
      expect(existsSync(path.join(svc.dir, 'data', 'nf.sqlite'))).toBe(true);
      expect(statSync(path.join(svc.dir, 'data')).mode & 0o777).toBe(0o700);
      for (const file of readdirSync(path.join(svc.dir, 'data')).filter((f) => f.startsWith('nf.sqlite'))) {
        expect([file, statSync(path.join(svc.dir, 'data', file)).mode & 0o777]).toEqual([file, 0o600]);
      }
    });
  });

  it('on SIGTERM finishes an in-flight request, answers readiness 503 meanwhile, and exits 0', async () => {
    const svc = spawnService({ SHUTDOWN_DRAIN_MS: '500' });
    const { hostname, port } = new URL(await svc.url());

    // A slow client: headers now, the body trickles in, so the request is in flight at SIGTERM.
    const body = JSON.stringify({ slow: 'x'.repeat(64) });
    const socket = net.connect(Number(port), hostname);
    await new Promise((resolve) => socket.once('connect', resolve));
    const response = new Promise<string>((resolve) => {
      let data = '';
      socket.on('data', (d) => (data += d));
      socket.on('close', () => resolve(data));
    });
    socket.write(`POST /slow-upload HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`);
    socket.write(body.slice(0, 10));

    svc.child.kill('SIGTERM');
    await svc.waitForLine(/SIGTERM received/);
    const ready = await fetch(`http://${hostname}:${port}/health/ready`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { error: { shutdown: { message: string } } }).error.shutdown.message).toBe('shutting down');

    // Past the drain period: the listener is closing while this request is still arriving.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(svc.child.exitCode).toBeNull();
    socket.write(body.slice(10));
    expect(await response).toMatch(/^HTTP\/1\.1 404 /); // completed, not cut off
    expect(await svc.exited).toBe(0);
  });
});
