import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../support/paths';

jest.setTimeout(Number(process.env.NF_STRESS_MS ?? 0) + 60_000);

const LIBRARY = path.join(REPO_ROOT, 'dist', 'libs', 'pqc', 'src', 'provider', 'x25519.js');
/** Seconds of generation; the old code stalled in about half of 5-second runs here. Longer: NF_STRESS_MS. */
const RUN_MS = Number(process.env.NF_STRESS_MS ?? 5_000);

/**
 * Ephemeral X25519 keys the way every handshake makes them, nonstop for a few seconds, in a child
 * process that can be killed: on Node 20, generateKeyPairSync followed by a JWK export deadlocked the
 * thread inside the export (a GC finalising the key-generation job takes a mutex the export holds).
 */
describe('X25519 ephemeral keys under sustained generation (built library)', () => {
  it('never stalls the thread', async () => {
    if (!existsSync(LIBRARY)) throw new Error(`${LIBRARY} is missing: run npm run build:api first (npm test does)`);
    const script = `
      const { nodeX25519 } = require(${JSON.stringify(LIBRARY)});
      const until = Date.now() + ${RUN_MS};
      let n = 0;
      while (Date.now() < until) { nodeX25519.generate().destroy(); n++; }
      process.stdout.write(String(n));`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const killer = setTimeout(() => child.kill('SIGKILL'), RUN_MS + 20_000);
    const [code, signal] = await new Promise<[number | null, string | null]>((resolve) => child.on('exit', (c, s) => resolve([c, s])));
    clearTimeout(killer);
    expect({ code, signal, stalled: signal === 'SIGKILL' }).toEqual({ code: 0, signal: null, stalled: false });
    expect(Number(out)).toBeGreaterThan(1000);
  });
});
