import { HttpException, Injectable } from '@nestjs/common';
import { HandshakeInfoJson, HandshakeResponseJson, helloReplayKey, isPqcProtocolError, PqcProtocolError } from '@nf/pqc';
import { InjectSettings } from '../../env/env.module';
import { Settings } from '../../env/env.schema';
import { KeyService } from '../keystore/key.service';
import { PqcMetrics } from '../pqc.metrics';
import { SessionStore } from '../sessions/session.store';
import { HandshakePool } from './handshake.pool';

/** A protocol error as the HTTP answer the error code maps to, with the code for clients. */
export function protocolHttpError(error: PqcProtocolError): HttpException {
  return new HttpException({ message: error.message, code: error.code }, error.status);
}

@Injectable()
export class HandshakeService {
  constructor(
    @InjectSettings() private readonly settings: Settings,
    private readonly keys: KeyService,
    private readonly pool: HandshakePool,
    private readonly sessions: SessionStore,
    private readonly metrics: PqcMetrics,
  ) {}

  info(): HandshakeInfoJson {
    return this.keys.active().info;
  }

  /** Runs a handshake for the API key `apiKeyId` (undefined: anonymous); the session belongs to that key. */
  async respond(hello: unknown, apiKeyId: string | undefined): Promise<HandshakeResponseJson> {
    const key = this.keys.active();
    const stopTimer = this.metrics.handshakeDuration.startTimer({ algorithm: key.suite });
    const now = Date.now();
    const { maxSkewMs, sessionTtlMs } = this.settings.pqc;
    try {
      // Freshness and replay before any KEM work: a replayed hello costs a row lookup, not a decapsulation.
      // A hello is fresh for maxSkewMs either side of its timestamp; its nonce is remembered that long.
      await this.sessions.claimReplayKey(helloReplayKey(hello, now, maxSkewMs), now + 2 * maxSkewMs);
      const outcome = await this.pool.run({ hello, bundleSha256: key.bundleSha256, now, maxSkewMs, sessionTtlMs }, () => ({
        suite: key.suite,
        bundle: key.info.bundle,
        kemSeed: key.seeds.kem,
        identitySeed: key.seeds.identity,
      }));
      if (!outcome.ok) {
        if ('missingKey' in outcome) throw new Error('a handshake worker lost the key it was just given');
        throw new PqcProtocolError(outcome.code, outcome.message);
      }
      await this.sessions.create(outcome.keys, apiKeyId, now);
      this.metrics.handshakes.inc({ algorithm: key.suite, outcome: 'ok' });
      return outcome.response;
    } catch (error) {
      this.metrics.handshakes.inc({ algorithm: key.suite, outcome: isPqcProtocolError(error) ? error.code : 'error' });
      throw isPqcProtocolError(error) ? protocolHttpError(error) : error;
    } finally {
      stopTimer();
    }
  }
}
