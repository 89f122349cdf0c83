import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { KDF_PURPOSES, LABELS } from '../labels';
import { SUITES } from '../suite';
import { deriveHandshakeSecrets, kdfInfo, serverFinished } from './transcript';

const bytes = (length: number) => Uint8Array.from(randomBytes(length));

describe('key schedule', () => {
  it.each(SUITES)('derives what HKDF-SHA-256 (node:crypto hkdfSync) derives for each purpose (%s)', (suite) => {
    for (let i = 0; i < 20; i++) {
      const staticSecret = bytes(32);
      const ephemeralSecret = bytes(32);
      const th = bytes(32);
      const keyVersion = i + 1;
      const ikm = Buffer.concat([staticSecret, ephemeralSecret]);
      const hkdf = (purpose: string, length: number) => new Uint8Array(hkdfSync('sha256', ikm, th, kdfInfo(suite, keyVersion, purpose), length));
      expect(deriveHandshakeSecrets(staticSecret, ephemeralSecret, th, suite, keyVersion)).toEqual({
        clientToServer: hkdf(KDF_PURPOSES.clientToServer, 32),
        serverToClient: hkdf(KDF_PURPOSES.serverToClient, 32),
        confirmation: hkdf(KDF_PURPOSES.confirmation, 32),
        sessionId: hkdf(KDF_PURPOSES.sessionId, 16),
      });
    }
  });

  it('leaves its inputs as they were', () => {
    const [staticSecret, ephemeralSecret, th] = [bytes(32), bytes(32), bytes(32)];
    const copies = [staticSecret, ephemeralSecret, th].map((b) => b.slice());
    deriveHandshakeSecrets(staticSecret, ephemeralSecret, th, SUITES[0], 1);
    expect([staticSecret, ephemeralSecret, th]).toEqual(copies);
  });

  it('server finished is HMAC-SHA-256(confirmation key, label || TH)', () => {
    const key = bytes(32);
    const th = bytes(32);
    const expected = createHmac('sha256', key).update(LABELS.serverFinished).update(th).digest();
    expect(serverFinished(key, th)).toEqual(new Uint8Array(expected));
  });
});
