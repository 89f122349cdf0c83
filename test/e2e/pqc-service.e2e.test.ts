import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { createClientHello, parseHandshakeInfo } from '@nf/pqc';
import { tempDir } from '../support/env';
import { spawnService } from '../support/service-process';

jest.setTimeout(60_000);

async function stop(svc: ReturnType<typeof spawnService>): Promise<void> {
  svc.child.kill('SIGTERM');
  expect(await svc.exited).toBe(0);
}

describe('the keystore across restarts (real entry point)', () => {
  it('serves the same fingerprint after a restart', async () => {
    const dir = tempDir('nf-restart-');
    const first = spawnService({}, dir);
    const before = await (await fetch(`${await first.url()}/pqc/handshake`)).json();
    await stop(first);

    const second = spawnService({}, dir);
    const after = await (await fetch(`${await second.url()}/pqc/handshake`)).json();
    await stop(second);
    expect(after).toEqual(before);
    expect(first.lines.join('\n')).toContain('created keystore');
    expect(second.lines.join('\n')).not.toContain('created keystore');
  });

  it('refuses to start on a corrupted key file, naming it', async () => {
    const dir = tempDir('nf-corrupt-');
    await stop(await started(spawnService({}, dir)));
    const file = path.join(dir, 'data', 'keystore', 'v000001.json');
    writeFileSync(file, readFileSync(file).subarray(0, 64));
    const svc = spawnService({}, dir);
    expect(await svc.exited).not.toBe(0);
    expect(svc.lines.join('\n')).toContain(`${file} is corrupted or truncated`);
  });

  it('refuses to start with the wrong KEK, naming the file, and creates no new key', async () => {
    const dir = tempDir('nf-kek-');
    await stop(await started(spawnService({ VAULT_PQC_KEK: 'aa'.repeat(32) }, dir)));
    const svc = spawnService({ VAULT_PQC_KEK: 'bb'.repeat(32) }, dir);
    expect(await svc.exited).not.toBe(0);
    expect(svc.lines.join('\n')).toContain(`${path.join(dir, 'data', 'keystore', 'manifest.json')} fails its integrity check`);
    expect(svc.lines.join('\n')).not.toContain('bb'.repeat(32));
  });
});

const PRODUCTION = {
  NEURAL_FABRIC_MODE: 'production',
  SIMULATION_MODE: 'false',
  GPU_DRIVER_MOCK: 'false',
  VAULT_PQC_KEK: '9a'.repeat(32),
  TELEMETRY_PSEUDONYM_KEY: '5e'.repeat(32),
  TLS_ENABLED: 'false', // the plain listener serves everything (the keystore is what this is about)
};

describe('a keystore that goes missing after the first start (real entry point)', () => {
  it.each([
    ['simulation', {}],
    ['production', PRODUCTION],
  ])('%s: refuses to start, naming the directory, creates no new keys, and starts again once it is back', async (_mode, env) => {
    const dir = tempDir('nf-lost-');
    const first = spawnService(env, dir);
    const pin = ((await (await fetch(`${await first.url()}/pqc/handshake`)).json()) as { sha256: string }).sha256;
    await stop(first);

    const keystore = path.join(dir, 'data', 'keystore');
    renameSync(keystore, `${keystore}.moved`);
    const svc = spawnService(env, dir);
    const outcome = await svc.url().then(
      () => 'listening',
      () => 'exited',
    );
    if (outcome === 'listening') await stop(svc);
    expect(outcome).toBe('exited');
    expect(await svc.exited).not.toBe(0);
    const log = svc.lines.join('\n');
    expect(log).toContain(`the keystore ${keystore} is missing (no ${path.join(keystore, 'manifest.json')} and no key files)`);
    expect(log).toContain(pin); // what the database knows: the lost keystore's identity
    expect(log).not.toContain('created keystore');
    expect(existsSync(keystore)).toBe(false);

    renameSync(`${keystore}.moved`, keystore);
    const back = spawnService(env, dir);
    expect(((await (await fetch(`${await back.url()}/pqc/handshake`)).json()) as { sha256: string }).sha256).toBe(pin);
    await stop(back);
  });
});

async function started(svc: ReturnType<typeof spawnService>) {
  await svc.url();
  return svc;
}

describe('handshake flood (real entry point)', () => {
  // Latency under load is measured by `npm run bench:handshake` (liveness p99/max during the run,
  // against the 1 s goal); here the functional part: nothing fails and liveness never stops answering.
  it('answers every handshake and keeps /health/live answering while crypto runs on worker threads', async () => {
    const svc = spawnService({ PQC_WORKERS: '2' });
    const url = await svc.url();
    try {
      const { bundle } = parseHandshakeInfo(await (await fetch(`${url}/pqc/handshake`)).json());
      const hellos = Array.from({ length: 400 }, () => createClientHello({ bundle, now: Date.now() }).hello);

      let flooding = true;
      const liveStatuses: number[] = [];
      const probe = (async () => {
        while (flooding) {
          liveStatuses.push((await fetch(`${url}/health/live`, { signal: AbortSignal.timeout(10_000) })).status);
          await new Promise((r) => setTimeout(r, 50));
        }
      })();
      const statuses = await Promise.all(
        hellos.map((hello) =>
          fetch(`${url}/pqc/handshake`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(hello) }).then((r) => r.status),
        ),
      );
      flooding = false;
      await probe;

      expect(statuses.filter((s) => s === 200).length).toBe(hellos.length);
      expect(liveStatuses.length).toBeGreaterThan(1);
      expect(liveStatuses.every((s) => s === 200)).toBe(true);
    } finally {
      await stop(svc);
    }
  });
});
