import * as path from 'node:path';
import { handshake, parseHandshakeInfo, SuiteId, verifyKeyTransition } from '@nf/pqc';
import { Kek } from '../../apps/api/src/pqc/keystore/kek';
import { KeyService } from '../../apps/api/src/pqc/keystore/key.service';
import { Keystore } from '../../apps/api/src/pqc/keystore/keystore';
import { startTestApp, TestApp } from '../support/app';
import { tempDir } from '../support/env';
import { DAY, storeAgedBundle } from '../support/keystore';

jest.setTimeout(60_000);

const KEK = '7b'.repeat(32);

/**
 * A key version's bundle is re-signed when a third of its validity remains. Clients pinned before
 * that keep working: the pin is the identity, and the renewed bundle is cross-signed again by the
 * previous version, so clients pinned to that one follow it too.
 */
describe('bundle renewal (file keystore, restart on the same keystore and database)', () => {
  const dir = tempDir('nf-renew-');
  const env = {
    DATA_DIR: path.join(dir, 'data'),
    VAULT_PQC_KEY_PATH: path.join(dir, 'data', 'keystore'),
    DATABASE_URL: `sqlite:${path.join(dir, 'data', 'nf.sqlite')}`,
    VAULT_PQC_KEK: KEK,
    PQC_BUNDLE_VALIDITY_DAYS: '30',
    PQC_WORKERS: '1',
  };
  const keystore = () => Keystore.open(env.VAULT_PQC_KEY_PATH, Kek.fromBytes(Buffer.from(KEK, 'hex'))).keystore;
  let t: TestApp | undefined;
  let v1: { sha256: string; bundleSha256: string; algorithm: SuiteId; bundle: unknown };
  let v2: typeof v1;

  beforeAll(async () => {
    t = await startTestApp(env);
    v1 = (await t.http.get('/pqc/handshake').expect(200)).body;
    await t.app.get(KeyService).rotate(1, 3600_000);
    v2 = (await t.http.get('/pqc/handshake').expect(200)).body;
    await t.close();
    t = undefined;
  });
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('renews a due bundle with its cross-signature, and clients pinned before the renewal still handshake', async () => {
    const aged = await storeAgedBundle(keystore(), v2.algorithm, 2, 25); // 5 of 30 days left: due
    t = await startTestApp(env);
    const renewed = (await t.http.get('/pqc/handshake').expect(200)).body;

    expect(renewed.bundle.keyVersion).toBe(2);
    expect(renewed.bundle.notBefore).not.toBe(aged.notBefore);
    expect(Date.parse(renewed.bundle.notAfter)).toBeGreaterThan(Date.now() + 29 * DAY);
    expect(renewed.bundle.previous).toMatchObject({ keyVersion: 1 });
    expect(() => verifyKeyTransition(parseHandshakeInfo(renewed).bundle, parseHandshakeInfo(v1).bundle)).not.toThrow();
    expect(renewed.sha256).toBe(v2.sha256);

    expect((await handshake(t.url, { pin: v2.sha256 })).keyVersion).toBe(2);
    expect((await handshake(t.url, { pin: v1.sha256 })).keyVersion).toBe(2);
  });

  it('gives a stored bundle that lost its cross-signature a new one, so version 1 pins follow again', async () => {
    await storeAgedBundle(keystore(), v2.algorithm, 2, 1, { crossSigned: false }); // not due, but renewed without `previous`
    t = await startTestApp(env);
    const repaired = (await t.http.get('/pqc/handshake').expect(200)).body;
    expect(repaired.bundle.previous).toMatchObject({ keyVersion: 1 });
    expect((await handshake(t.url, { pin: v1.sha256 })).keyVersion).toBe(2);
  });
});
