import { statSync } from 'node:fs';
import type { SecureContextOptions, Server as TlsServer } from 'node:tls';
import type { LoggerService } from '@nestjs/common';
import { CertificateSource, describeCertificate, LoadedCertificate, readCertificate, tlsContextOptions } from './certificates';
import type { TlsMetrics } from './tls.metrics';

/** What the files look like now: any change (content rewritten, file replaced, symlink swapped as Kubernetes does) changes it. */
function stampOf(sources: CertificateSource[]): string {
  return sources
    .flatMap((s) => [s.certFile, s.keyFile])
    .map((file) => {
      try {
        const st = statSync(file);
        return `${st.ino}:${st.size}:${st.mtimeMs}`;
      } catch (error) {
        return (error as NodeJS.ErrnoException).code ?? 'unreadable';
      }
    })
    .join('|');
}

/**
 * The listener's certificates, reloaded without a restart when their files change (polled) or on
 * SIGHUP, as Vault's listener does. A new pair that fails any check (unreadable, not PEM, key not
 * matching, refused by OpenSSL) leaves the serving context as it was and logs why; the same broken
 * files are not retried until they change again (or the next SIGHUP).
 */
export class CertificateReloader {
  private certificates: LoadedCertificate[];
  private options: SecureContextOptions;
  private stamp: string;
  private timer?: NodeJS.Timeout;
  private server?: TlsServer;
  /** Other listeners serving the same certificates (the gRPC one), told of every successful reload. */
  private readonly followers: ((options: SecureContextOptions) => void)[] = [];
  private readonly onSighup = () => this.reload('SIGHUP');

  /** Reads and checks the certificates now: a problem here is fatal to start-up, naming the file. */
  constructor(
    private readonly sources: CertificateSource[],
    private readonly groups: string,
    private readonly logger: LoggerService,
    private readonly metrics?: TlsMetrics,
  ) {
    this.stamp = stampOf(sources);
    this.certificates = sources.map(readCertificate);
    this.options = tlsContextOptions(this.certificates, groups);
    this.metrics?.certificatesLoaded(this.certificates);
  }

  get contextOptions(): SecureContextOptions {
    return this.options;
  }

  get current(): readonly LoadedCertificate[] {
    return this.certificates;
  }

  /** Starts watching on behalf of `server`: polls every `intervalMs` (0 = never) and listens for SIGHUP. */
  watch(server: TlsServer, intervalMs: number): void {
    this.server = server;
    if (intervalMs > 0) {
      this.timer = setInterval(() => {
        if (stampOf(this.sources) !== this.stamp) this.reload('changed');
      }, intervalMs);
      this.timer.unref();
    }
    process.on('SIGHUP', this.onSighup); // also keeps SIGHUP from ending the process
  }

  /** Calls `follow` with the new context options after every successful reload. */
  onReload(follow: (options: SecureContextOptions) => void): void {
    this.followers.push(follow);
  }

  /** Re-reads every certificate; returns whether the new ones are now served. */
  reload(trigger: 'changed' | 'SIGHUP'): boolean {
    this.stamp = stampOf(this.sources);
    try {
      const certificates = this.sources.map(readCertificate);
      const options = tlsContextOptions(certificates, this.groups);
      this.server?.setSecureContext(options);
      for (const follow of this.followers) follow(options);
      [this.certificates, this.options] = [certificates, options];
    } catch (error) {
      this.metrics?.reloaded('failed');
      this.logger.error(`TLS certificate reload (${trigger}) failed, still serving the previous certificates: ${(error as Error).message}`, undefined, 'Tls');
      return false;
    }
    this.metrics?.reloaded('loaded');
    this.metrics?.certificatesLoaded(this.certificates);
    this.logger.log(`TLS certificates reloaded (${trigger}): ${this.certificates.map(describeCertificate).join('; ')}`, 'Tls');
    return true;
  }

  close(): void {
    clearInterval(this.timer);
    process.off('SIGHUP', this.onSighup);
  }
}
