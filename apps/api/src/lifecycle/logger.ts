import { ConsoleLogger, LogLevel } from '@nestjs/common';
import { Settings } from '../env/env.schema';

const ORDER: LogLevel[] = ['verbose', 'debug', 'log', 'warn', 'error', 'fatal'];

/** Nest's logger: one JSON object per line in production (or LOG_FORMAT=json), text otherwise. */
export function createLogger(log: Settings['log']): ConsoleLogger {
  return new ConsoleLogger({ json: log.json, colors: !log.json && process.stdout.isTTY, logLevels: ORDER.slice(ORDER.indexOf(log.level)) });
}
