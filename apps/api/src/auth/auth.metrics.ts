import { Injectable } from '@nestjs/common';
import { Counter, register } from 'prom-client';
import { HotCounter } from '../metrics/hot-metrics';

export type LoginOutcome = 'ok' | 'bad_credentials' | 'locked' | 'rate_limited';
export type ApiKeyOutcome = 'ok' | 'anonymous' | 'invalid' | 'revoked';

/** nf_auth_* metrics; labels are fixed small sets, never names or addresses. */
@Injectable()
export class AuthMetrics {
  private readonly logins = new Counter({
    name: 'nf_auth_logins_total',
    help: 'Dashboard login attempts, by outcome (ok, bad_credentials, locked, rate_limited)',
    labelNames: ['outcome'],
    registers: [register],
  });
  /** Counted on every API consumer request, so on the per-request path's counter. */
  private readonly apiKeyChecks = new HotCounter({
    name: 'nf_auth_api_key_checks_total',
    help: 'API consumer authentications, by outcome (ok, anonymous, invalid, revoked)',
    labelNames: ['outcome'],
    registers: [register],
  });

  constructor() {
    for (const outcome of ['ok', 'bad_credentials', 'locked', 'rate_limited'] satisfies LoginOutcome[]) this.logins.inc({ outcome }, 0);
    for (const outcome of ['ok', 'anonymous', 'invalid', 'revoked'] satisfies ApiKeyOutcome[]) this.apiKeyChecks.zero(outcome);
  }

  login(outcome: LoginOutcome): void {
    this.logins.inc({ outcome });
  }

  apiKeyCheck(outcome: ApiKeyOutcome): void {
    this.apiKeyChecks.inc(outcome);
  }
}
