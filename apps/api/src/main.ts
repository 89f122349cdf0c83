import 'reflect-metadata';
import { envHashLine, writeEnvCheckFailure, writeEnvCheckReport } from './env/env-check';
import { EnvValidationError, loadEnv } from './env/env.loader';

/**
 * Order matters: the environment is validated and its hash logged before Nest (or any
 * hook or job) runs, so every later line can be traced to one configuration.
 */
async function main(): Promise<void> {
  let env;
  try {
    env = loadEnv(process.cwd(), process.env);
  } catch (error) {
    if (!(error instanceof EnvValidationError)) throw error;
    process.stderr.write(`${error.message}\n`);
    writeEnvCheckFailure(error);
    process.exit(78); // EX_CONFIG
  }
  process.stdout.write(`${envHashLine(env)}\n`);
  writeEnvCheckReport(env);

  // Loaded only now, so nothing of Nest runs before the env check.
  const { createApp } = await import('./app.factory');
  const { createLogger } = await import('./lifecycle/logger');
  const { installGracefulShutdown } = await import('./lifecycle/graceful-shutdown');
  const { createHttpsListener, prepareTls } = await import('./tls/https-listener');
  const { boundUrl } = await import('./http/listen-address');
  const { createGrpcListener } = await import('./grpc/grpc-listener');

  const logger = createLogger(env.settings.log);
  // Certificates before Nest: a bad one stops start-up at once, naming the file.
  const certificates = await prepareTls(env.settings, logger);
  const app = await createApp(env, { logger });
  const https = certificates && createHttpsListener(app, env.settings, certificates, logger);
  // gRPC serves the same application's services; with TLS exactly when the https listener is on.
  const grpc = env.settings.grpc.enabled ? createGrpcListener(app, env.settings, https, logger) : undefined;
  installGracefulShutdown(app, env.settings.shutdown, https ? [https.server] : [], grpc ? [grpc] : []);
  await app.listen(env.settings.http.port, env.settings.http.host);
  const scope = env.settings.http.plainRoutes === 'probes' ? ', probes and /metrics only' : '';
  logger.log(`listening on ${boundUrl('http', app.getHttpServer().address())} (${env.settings.mode} mode${scope})`, 'Main');
  if (https) logger.log(`listening on ${await https.listen()} (TLS 1.3, key exchange ${https.groups})`, 'Main');
  if (grpc) {
    const security = https ? `TLS 1.3, key exchange ${https.groups}` : 'plaintext';
    logger.log(`gRPC (inference.GRPCInferenceService) listening on ${await grpc.listen()} (${security})`, 'Main');
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`start-up failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
