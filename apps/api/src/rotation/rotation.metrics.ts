import { Injectable } from '@nestjs/common';
import { Counter, Gauge, register } from 'prom-client';

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
}
