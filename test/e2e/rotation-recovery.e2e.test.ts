import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { getRepositoryToken } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { SETTINGS } from '../../apps/api/src/env/env.module';
import { Settings } from '../../apps/api/src/env/env.schema';
import { KeyService } from '../../apps/api/src/pqc/keystore/key.service';
import { Keystore } from '../../apps/api/src/pqc/keystore/keystore';
import { RotationRequestEntity } from '../../apps/api/src/rotation/rotation.entities';
import { requestHash, RotationService } from '../../apps/api/src/rotation/rotation.service';
import { startTestApp, TestApp } from '../support/app';

/**
 * An execution interrupted by a crash (kill -9) leaves a row in EXECUTING with a lapsed lease.
 * The keystore's single manifest write decides what happened; recovery records it.
 */
describe('recovering an interrupted rotation', () => {
  let t: TestApp;
  let requests: Repository<RotationRequestEntity>;
  let keys: KeyService;

  beforeAll(async () => {
    t = await startTestApp({ PQC_WORKERS: '1' });
    requests = t.app.get(getRepositoryToken(RotationRequestEntity));
    keys = t.app.get(KeyService);
  });
  afterAll(async () => {
    await t.close();
  });

  async function interrupted(targetKeyVersion: number): Promise<string> {
    const now = Date.now();
    const row = {
      id: randomUUID(),
      status: 'EXECUTING' as const,
      kind: 'rotate' as const,
      requesterId: randomUUID(),
      requesterName: 'alice',
      reason: 'interrupted by a crash',
      targetKeyVersion,
      minVersion: null,
      graceSeconds: 3600,
      approvalsRequired: 1,
      createdAt: now - 10_000,
      expiresAt: now + 3600_000,
      decidedAt: now - 5_000,
      leaseUntil: now - 1, // the executor died
      executedAt: null,
      keyVersionAfter: null,
      error: null,
    };
    await requests.insert({ ...row, requestHash: requestHash(row) });
    return row.id;
  }

  it('completes the record when the crash came after the new version became active', async () => {
    const from = keys.active().version;
    await keys.rotate(from, 3600_000); // the manifest write happened, the database update did not
    const id = await interrupted(from + 1);
    await t.app.get(RotationService).sweep();
    expect(await requests.findOneByOrFail({ id })).toMatchObject({ status: 'EXECUTED', keyVersionAfter: from + 1, leaseUntil: null });
    expect(keys.active().version).toBe(from + 1);
  });

  it('rolls back (FAILED) when the crash came before, leaving the old version active and the next rotation working', async () => {
    const from = keys.active().version;
    // As the crashed executor left it: the new version's file written, the manifest not.
    const { keystore } = Keystore.open(t.app.get<Settings>(SETTINGS).vault.keyPath, keys.keyEncryptionKey);
    const orphan = keystore.createVersionFile();
    expect(existsSync(path.join(keystore.dir, `v${String(orphan).padStart(6, '0')}.json`))).toBe(true);
    const id = await interrupted(from + 1);
    await t.app.get(RotationService).sweep();
    const row = await requests.findOneByOrFail({ id });
    expect(row.status).toBe('FAILED');
    expect(row.error).toMatch(/interrupted .* rolled back/);
    expect(keys.active().version).toBe(from);
    expect(keys.versions().filter((v) => v.state === 'active')).toHaveLength(1);
    await expect(keys.rotate(from, 3600_000)).resolves.toEqual({ from, to: from + 1 });
  });
});
