import type { Server as HttpServer } from 'node:http';
import * as https from 'node:https';
import type { LoggerService } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import type { Settings } from '../env/env.schema';
import { boundUrl } from '../http/listen-address';
import { CertificateReloader } from './certificate-reloader';
import { CertificateSource, describeCertificate, readCertificate, tlsContextOptions } from './certificates';
import { ensureDevCertificates } from './dev-certificates';
import { keyExchangeGroups, postQuantumTlsAvailable, PQ_GROUP, runtimeDescription } from './key-exchange';
import { TlsMetrics } from './tls.metrics';

export interface HttpsListener {
  readonly server: https.Server;
  readonly reloader: CertificateReloader;
  /** The key-exchange groups offered, in OpenSSL's syntax (X25519MLKEM768, or X25519MLKEM768/X25519). */
  readonly groups: string;
  /** Starts listening on HOST:TLS_PORT; resolves to the URL to log, as `https://host:port`. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

/**
 * Which certificates the https listener serves, checked now (before Nest starts, so a bad file stops
 * start-up at once, naming it): TLS_CERT_FILE (+ TLS_MLDSA_CERT_FILE), or in simulation development
 * ones under DATA_DIR. Undefined when TLS is off, or in simulation on a Node without X25519MLKEM768.
 */
export async function prepareTls(settings: Settings, logger: LoggerService): Promise<CertificateSource[] | undefined> {
  const { tls } = settings;
  if (!tls.enabled) return undefined;
  if (!postQuantumTlsAvailable()) {
    const problem = `TLS_ENABLED=true needs the ${PQ_GROUP} key exchange, which ${runtimeDescription()} lacks (Node >= 24.7 has it; npm start uses the Node the project installs)`;
    if (settings.mode === 'production') throw new Error(`${problem}; or set TLS_ENABLED=false`);
    logger.warn(`${problem}: no https listener (simulation)`, 'Tls');
    return undefined;
  }
  let sources: CertificateSource[];
  if (tls.certificate) {
    sources = [{ kind: 'classical', ...tls.certificate }];
    if (tls.mldsaCertificate) sources.push({ kind: 'ml-dsa', ...tls.mldsaCertificate });
  } else {
    sources = await ensureDevCertificates(settings.dataDir, ['classical', 'ml-dsa'], logger); // the env check refuses this in production
  }
  const certificates = sources.map(readCertificate);
  tlsContextOptions(certificates, keyExchangeGroups(tls.allowClassicalKeyExchange));
  for (const c of certificates) logger.log(`serving the ${describeCertificate(c)}`, 'Tls');
  return sources;
}

/** As Nest prints the plain listener's URL: a wildcard address becomes the loopback one (which the development certificate covers). */
/**
 * The https listener: a second Node server handing every request to the same Fastify instance
 * (`fastify.routing`, what Fastify's own https option wires up), so routes, hooks, guards and
 * `request.protocol` behave exactly as on the plain listener. TLS 1.3 only; key exchange
 * X25519MLKEM768 (and X25519 only when TLS_ALLOW_CLASSICAL_KEY_EXCHANGE=true).
 */
export function createHttpsListener(app: NestFastifyApplication, settings: Settings, sources: CertificateSource[], logger: LoggerService): HttpsListener {
  const allowClassical = settings.tls.allowClassicalKeyExchange;
  const metrics = new TlsMetrics();
  const groups = keyExchangeGroups(allowClassical);
  const reloader = new CertificateReloader(sources, groups, logger, metrics);
  const fastify = app.getHttpAdapter().getInstance() as FastifyInstance;
  const server = https.createServer(reloader.contextOptions, fastify.routing);

  // The plain server's limits and its handler for malformed requests (Fastify's 400), so both listeners answer alike.
  const plain = app.getHttpServer() as HttpServer;
  server.keepAliveTimeout = plain.keepAliveTimeout;
  server.headersTimeout = plain.headersTimeout;
  server.requestTimeout = plain.requestTimeout;
  server.maxRequestsPerSocket = plain.maxRequestsPerSocket;
  server.setTimeout(plain.timeout);
  for (const listener of plain.listeners('clientError')) server.on('clientError', listener as (...args: unknown[]) => void);

  // Node reports the negotiated group only on the client side (getEphemeralKeyInfo() is null on a
  // server socket): it is certain here only when the server offers a single group.
  const group = allowClassical ? 'unknown' : PQ_GROUP;
  server.on('secureConnection', () => metrics.handshake(group));
  server.on('tlsClientError', (error: NodeJS.ErrnoException) => metrics.failure(error));

  return {
    server,
    reloader,
    groups,
    listen: () =>
      new Promise<string>((resolve, reject) => {
        server.once('error', reject);
        server.listen(settings.tls.port, settings.http.host, () => {
          server.off('error', reject);
          reloader.watch(server, settings.tls.reloadIntervalMs);
          resolve(boundUrl('https', server.address()));
        });
      }),
    close: () =>
      new Promise<void>((resolve) => {
        reloader.close();
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
