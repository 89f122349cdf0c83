import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, register } from 'prom-client';
import { cryptoProviderInfo } from './crypto-provider';

/** nf_pqc_* metrics; outcome is "ok" or a protocol error code (a fixed, small set). */
@Injectable()
export class PqcMetrics {
  readonly handshakes = new Counter({
    name: 'nf_pqc_handshakes_total',
    help: 'Handshakes answered, by suite and outcome (ok or the protocol error code)',
    labelNames: ['algorithm', 'outcome'],
    registers: [register],
  });
  readonly handshakeDuration = new Histogram({
    name: 'nf_pqc_handshake_duration_seconds',
    help: 'Server time for one handshake: queueing, crypto on a worker thread, session storage',
    labelNames: ['algorithm'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [register],
  });
  readonly providerInfo = new Gauge({
    name: 'nf_pqc_provider_info',
    help: 'The ML-KEM / ML-DSA implementation in use (native: Node with OpenSSL 3.5; noble: pure JavaScript), always 1',
    labelNames: ['provider', 'node', 'openssl'],
    registers: [register],
  });

  constructor() {
    const { provider, node, openssl } = cryptoProviderInfo();
    this.providerInfo.set({ provider, node, openssl }, 1);
  }
}
