import { Counter, Gauge, register } from 'prom-client';
import type { LoadedCertificate } from './certificates';

/** A refused or broken handshake, by cause (bounded: OpenSSL's codes folded into a few reasons). */
export function handshakeFailureReason(error: NodeJS.ErrnoException): string {
  const code = `${error.code ?? ''} ${error.message}`;
  if (/KEY_SHARE|GROUP/i.test(code)) return 'no_shared_group';
  if (/PROTOCOL|VERSION/i.test(code)) return 'protocol_version';
  if (/SIGALG|SIGNATURE/i.test(code)) return 'no_shared_signature_algorithm';
  if (/ECONNRESET|EPIPE|ETIMEDOUT|socket hang up/i.test(code)) return 'aborted';
  return 'other';
}

function metric<T>(name: string, create: () => T): T {
  return (register.getSingleMetric(name) as T | undefined) ?? create();
}

/** nf_tls_*: handshakes by key-exchange group, refusals by reason, certificate expiry and reloads. */
export class TlsMetrics {
  private readonly handshakes = metric(
    'nf_tls_handshakes_total',
    () =>
      new Counter({
        name: 'nf_tls_handshakes_total',
        help: 'TLS handshakes completed on the https listener, by key-exchange group (unknown: several groups allowed, and Node reports the group only to clients)',
        labelNames: ['group'],
        registers: [register],
      }),
  );
  private readonly failures = metric(
    'nf_tls_handshake_failures_total',
    () =>
      new Counter({
        name: 'nf_tls_handshake_failures_total',
        help: 'TLS handshakes refused or broken on the https listener, by reason (no_shared_group: e.g. a client offering only X25519)',
        labelNames: ['reason'],
        registers: [register],
      }),
  );
  private readonly expiry = metric(
    'nf_tls_certificate_expiry_timestamp_seconds',
    () =>
      new Gauge({
        name: 'nf_tls_certificate_expiry_timestamp_seconds',
        help: 'Unix time at which the served TLS certificate expires, by kind (classical, ml-dsa)',
        labelNames: ['kind'],
        registers: [register],
      }),
  );
  private readonly reloads = metric(
    'nf_tls_certificate_reloads_total',
    () =>
      new Counter({
        name: 'nf_tls_certificate_reloads_total',
        help: 'TLS certificate reloads after a file change or SIGHUP, by outcome (failed: the previous certificates stay)',
        labelNames: ['outcome'],
        registers: [register],
      }),
  );

  handshake(group: string): void {
    this.handshakes.inc({ group });
  }

  failure(error: NodeJS.ErrnoException): void {
    this.failures.inc({ reason: handshakeFailureReason(error) });
  }

  certificatesLoaded(certificates: readonly LoadedCertificate[]): void {
    for (const c of certificates) this.expiry.set({ kind: c.source.kind }, Math.floor(new Date(c.leaf.validTo).getTime() / 1000));
  }

  reloaded(outcome: 'loaded' | 'failed'): void {
    this.reloads.inc({ outcome });
  }
}
