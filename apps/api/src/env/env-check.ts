import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { EnvValidationError, LoadedEnv } from './env.loader';
import { EnvName } from './env.schema';

export const ENV_CHECK_REPORT = 'H.2.E4_envcheck.log';

/** The structured line that announces the env hash; printed before Nest (or anything else) runs. */
export function envHashLine(env: LoadedEnv, now = new Date()): string {
  return JSON.stringify({
    timestamp: now.toISOString(),
    level: 'log',
    context: 'EnvCheck',
    message: 'environment validated',
    envHash: env.hash,
    mode: env.settings.mode,
    pqcMode: env.settings.pqcMode,
    envDefaultPresent: env.defaultsFile.present,
  });
}

/** Writes reports/H.2.E4_envcheck.log: defaults file, each key's layer, the hash. No secret values. */
export function writeEnvCheckReport(env: LoadedEnv, now = new Date()): string {
  const lines = [
    `# Neural Fabric env check (seed H.2.E4)`,
    `timestamp: ${now.toISOString()}`,
    `env_default: ${env.defaultsFile.present ? 'present' : 'MISSING'} (${env.defaultsFile.path})`,
    `mode: ${env.settings.mode}`,
    `env_hash: sha256:${env.hash}`,
    `hash_covers: sorted NAME=value of every variable below; secrets contribute only set/unset`,
    `keys:`,
    ...(Object.keys(env.sources) as EnvName[])
      .sort()
      .map((name) => `  ${name.padEnd(22)} from ${env.sources[name].padEnd(12)} ${env.shown[name]}`),
    ...(env.unknownKeys.length ? [`unknown_keys_ignored: ${env.unknownKeys.join(', ')}`] : []),
    '',
  ];
  return writeReport(env.settings.reportsDir, lines);
}

/**
 * The same report when the check itself fails: what is wrong, and no hash (there is no valid
 * configuration to hash). Best effort: an unwritable REPORTS_DIR must not hide the real problem.
 */
export function writeEnvCheckFailure(error: EnvValidationError, now = new Date()): string | undefined {
  const lines = [
    `# Neural Fabric env check (seed H.2.E4)`,
    `timestamp: ${now.toISOString()}`,
    `env_default: ${error.defaultsFile.present ? 'present' : 'MISSING'} (${error.defaultsFile.path})`,
    `result: FAILED (the service did not start)`,
    `problems:`,
    ...error.problems.map((p) => `  - ${p}`),
    '',
  ];
  try {
    return writeReport(error.reportsDir, lines);
  } catch {
    return undefined;
  }
}

function writeReport(dir: string, lines: string[]): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, ENV_CHECK_REPORT);
  writeFileSync(file, lines.join('\n'));
  return file;
}
