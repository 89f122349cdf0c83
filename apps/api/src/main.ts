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

  const logger = createLogger(env.settings.log);
  const app = await createApp(env, { logger });
  installGracefulShutdown(app, env.settings.shutdown);
  await app.listen(env.settings.http.port, env.settings.http.host);
  logger.log(`listening on ${await app.getUrl()} (${env.settings.mode} mode)`, 'Main');
}

main().catch((error: unknown) => {
  process.stderr.write(`start-up failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
