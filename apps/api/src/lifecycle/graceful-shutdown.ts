import { INestApplication, Logger } from '@nestjs/common';
import { ProbeRegistry } from '../health/probe-registry';
import { Settings } from '../env/env.schema';

/**
 * SIGTERM/SIGINT: readiness flips to 503 at once; after the drain period (for load balancers
 * to notice) the listener closes and in-flight requests finish; then the process exits 0.
 * If requests outlast the timeout the process exits 1 rather than hang.
 */
export function installGracefulShutdown(app: INestApplication, shutdown: Settings['shutdown'], exit = process.exit): void {
  const logger = new Logger('Shutdown');
  let started = false;
  const onSignal = async (signal: NodeJS.Signals) => {
    if (started) return;
    started = true;
    logger.log(`${signal} received: readiness now 503, draining for ${shutdown.drainMs} ms`);
    app.get(ProbeRegistry).beginShutdown();
    await new Promise((resolve) => setTimeout(resolve, shutdown.drainMs));
    const timer = setTimeout(() => {
      logger.error(`in-flight work did not finish within ${shutdown.timeoutMs} ms; exiting`);
      exit(1);
    }, shutdown.timeoutMs);
    try {
      await app.close();
      logger.log('closed cleanly');
      clearTimeout(timer);
      exit(0);
    } catch (error) {
      logger.error(`shutdown failed: ${(error as Error).message}`);
      exit(1);
    }
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}
