import { Injectable } from '@nestjs/common';
import { Counter, Gauge, register } from 'prom-client';
import { KeyService } from '../pqc/keystore/key.service';

@Injectable()
export class RotationMetrics {
  readonly requests = new Counter({
    name: 'nf_key_rotation_requests_total',
    help: 'Key rotation request transitions, by outcome',
    labelNames: ['outcome'],
    registers: [register],
  });
  readonly pending = new Gauge({
    name: 'nf_key_rotation_pending',
    help: 'Key rotation requests waiting for approval',
    registers: [register],
  });
  readonly pendingExpiry = new Gauge({
    name: 'nf_key_rotation_pending_expiry_timestamp_seconds',
    help: 'Unix time at which the oldest request waiting for approval expires unanswered (0: none waits)',
    registers: [register],
  });

  constructor(keys: KeyService) {
    const gauge = new Gauge({
      name: 'nf_key_bundle_expiry_timestamp_seconds',
      help: 'Unix time at which the signed key bundle served for the active key version expires (re-signed when a third of its validity remains)',
      registers: [register],
      collect() {
        const status = keys.status;
        if (status.ok) gauge.set(Date.parse(status.key.bundle.notAfter) / 1000);
        else gauge.reset();
      },
    });
  }
}
