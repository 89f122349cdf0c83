import { HttpException, Injectable } from '@nestjs/common';
import { HandshakeInfoJson, HandshakeResponseJson, isPqcProtocolError, PqcProtocolError } from '@nf/pqc';
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

  async respond(hello: unknown): Promise<HandshakeResponseJson> {
    const key = this.keys.active();
    const stopTimer = this.metrics.handshakeDuration.startTimer({ algorithm: key.suite });
    const now = Date.now();
    const { maxSkewMs, sessionTtlMs } = this.settings.pqc;
    try {
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
      // A hello is fresh for maxSkewMs either side of its timestamp; remember it that long.
      await this.sessions.claimReplayKey(outcome.replayKey, now + 2 * maxSkewMs);
      await this.sessions.create(outcome.keys, now);
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
