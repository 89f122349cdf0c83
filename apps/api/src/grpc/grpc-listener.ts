import * as path from 'node:path';
import { GrpcObject, loadPackageDefinition, Server, ServerCredentials, ServiceClientConstructor } from '@grpc/grpc-js';
import { loadSync, Options } from '@grpc/proto-loader';
import type { INestApplication, LoggerService } from '@nestjs/common';
import type { Settings } from '../env/env.schema';
import type { HttpsListener } from '../tls/https-listener';
import { PostQuantumServerCredentials } from './grpc-credentials';
import { inferenceServiceImplementation } from './grpc-service';

/**
 * Calls one connection may have open at once (HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS; Node's default is
 * unbounded). Each may buffer a message of up to HTTP_BODY_LIMIT_BYTES before the scheduler's queue bound
 * applies; clients beyond it wait for a stream (grpc-js queues them).
 */
const MAX_CONCURRENT_STREAMS = 256;

/** The service definition, beside this file in the sources and copied beside it into dist by `npm run build:api`. */
export const PROTO_FILE = path.join(__dirname, 'proto', 'grpc_predict_v2.proto');

/** How messages look in JavaScript: field names as in the .proto, int64 as decimal strings, defaults filled in. */
export const PROTO_OPTIONS: Options = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };

/** inference.GRPCInferenceService as a grpc-js client/service constructor (servers and clients load the same file). */
export function inferenceServiceConstructor(): ServiceClientConstructor {
  const loaded = loadPackageDefinition(loadSync(PROTO_FILE, PROTO_OPTIONS));
  return (loaded.inference as GrpcObject).GRPCInferenceService as ServiceClientConstructor;
}

export interface GrpcListener {
  readonly server: Server;
  /** Whether it speaks TLS (the https listener's certificate and key exchange). */
  readonly secure: boolean;
  /** Binds HOST:GRPC_PORT; resolves to `host:port` as clients dial it. */
  listen(): Promise<string>;
  /** Takes no new calls, lets those in flight finish, then closes (graceful shutdown). */
  drain(): Promise<void>;
  /** Closes at once, ending calls in flight. */
  close(): void;
}

/**
 * The gRPC listener beside the HTTP ones, serving the same Nest application's services. TLS while
 * the https listener is on (its certificate reloader, so both serve the same certificate); plaintext
 * HTTP/2 otherwise. Messages larger than HTTP_BODY_LIMIT_BYTES are refused RESOURCE_EXHAUSTED by
 * grpc-js from the length prefix, before the message is read.
 */
export function createGrpcListener(app: INestApplication, settings: Settings, https: HttpsListener | undefined, logger: LoggerService): GrpcListener {
  const server = new Server({
    'grpc.max_receive_message_length': settings.http.bodyLimitBytes,
    'grpc.max_concurrent_streams': MAX_CONCURRENT_STREAMS,
  });
  server.addService(inferenceServiceConstructor().service, inferenceServiceImplementation(app));
  const credentials = https ? new PostQuantumServerCredentials(https.reloader) : ServerCredentials.createInsecure();
  const host = settings.http.host.includes(':') ? `[${settings.http.host}]` : settings.http.host;
  return {
    server,
    secure: https !== undefined,
    listen: () =>
      new Promise<string>((resolve, reject) => {
        server.bindAsync(`${host}:${settings.grpc.port}`, credentials, (error, port) => {
          if (error) return reject(new Error(`gRPC listener on ${host}:${settings.grpc.port}: ${error.message}`));
          const shown = ['0.0.0.0', '[::]'].includes(host) ? '127.0.0.1' : host;
          resolve(`${shown}:${port}`);
        });
      }),
    drain: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown((error) => {
          if (error) logger.warn(`gRPC listener shutdown: ${error.message}`, 'Grpc');
          resolve();
        });
      }),
    close: () => server.forceShutdown(),
  };
}
