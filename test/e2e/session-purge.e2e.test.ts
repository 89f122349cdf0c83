import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { handshake } from '@nf/pqc';
import { DataSource } from 'typeorm';
import { SessionStore } from '../../apps/api/src/pqc/sessions/session.store';
import { startTestApp, TestApp } from '../support/app';
import { tempDir } from '../support/env';

jest.setTimeout(60_000);

/** Every byte SQLite keeps for the database: the file, its WAL and shared memory. */
function databaseBytes(file: string): Buffer {
  return Buffer.concat([file, `${file}-wal`, `${file}-shm`].filter((f) => existsSync(f)).map((f) => readFileSync(f)));
}

describe('purged PQC sessions on SQLite', () => {
  let t: TestApp;
  let file: string;

  beforeAll(async () => {
    file = path.join(tempDir('nf-purge-'), 'nf.sqlite');
    t = await startTestApp({ DATABASE_URL: `sqlite:${file}` });
  });
  afterAll(async () => {
    await t.close();
  });

  it('leave none of their sealed key material in the database file or its WAL', async () => {
    for (let i = 0; i < 11; i++) {
      const session = await handshake(t.url);
      const sealed = session.seal(new TextEncoder().encode(`hello ${i}`));
      const echoed = await fetch(`${t.url}/pqc/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(sealed) });
      expect(echoed.status).toBe(200);
    }
    const rows: { sealed_state: string }[] = await t.app.get(DataSource).query('SELECT sealed_state FROM nf_pqc_session');
    expect(rows).toHaveLength(11);
    const before = databaseBytes(file);
    // The test can see what it looks for: each sealed state is in the files before the purge.
    for (const { sealed_state } of rows) expect(before.includes(sealed_state)).toBe(true);

    expect(await t.app.get(SessionStore).purgeExpired(Date.now() + 365 * 24 * 3600 * 1000)).toBe(11);

    const after = databaseBytes(file);
    const left = rows.filter(({ sealed_state }) => after.includes(sealed_state) || after.includes(sealed_state.slice(0, 48)));
    expect(`${left.length} of 11 sealed states still in the files`).toBe('0 of 11 sealed states still in the files');
  });
});
