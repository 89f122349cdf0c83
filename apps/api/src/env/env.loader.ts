import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseEnv } from 'node:util';
import { EnvFieldError } from './env.fields';
import { ENV_SCHEMA, EnvName, EnvValues, productionRefusals, settingRefusals, Settings, toSettings } from './env.schema';

export type EnvLayer = '.env.default' | '.env' | 'process';

export interface LoadedEnv {
  readonly settings: Settings;
  /** SHA-256 over the canonical sorted settings; secrets contribute only "set"/"unset". */
  readonly hash: string;
  /** Which layer each variable's value came from. */
  readonly sources: Readonly<Record<EnvName, EnvLayer>>;
  /** Canonical, secret-free text of each value (what the hash covers). */
  readonly shown: Readonly<Record<EnvName, string>>;
  readonly defaultsFile: { readonly path: string; readonly present: boolean };
  /** Keys in .env files that the service does not know (likely typos). */
  readonly unknownKeys: readonly string[];
}

export class EnvValidationError extends Error {
  constructor(
    readonly problems: readonly string[],
    /** Where the env check report goes even so: REPORTS_DIR as layered (unvalidated), or ./reports. */
    readonly reportsDir: string,
    readonly defaultsFile: { path: string; present: boolean },
  ) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const NAMES = Object.keys(ENV_SCHEMA) as EnvName[];

function readLayer(file: string): Record<string, string | undefined> {
  return existsSync(file) ? parseEnv(readFileSync(file, 'utf8')) : {};
}

/**
 * The only place that reads the environment: .env.default < .env < process environment,
 * validated into typed settings, refusing unsafe production combinations.
 */
export function loadEnv(cwd: string, processEnv: NodeJS.ProcessEnv): LoadedEnv {
  const defaultsPath = path.join(cwd, '.env.default');
  const layers: [EnvLayer, Record<string, string | undefined>][] = [
    ['.env.default', readLayer(defaultsPath)],
    ['.env', readLayer(path.join(cwd, '.env'))],
    ['process', processEnv],
  ];

  const values: Partial<Record<EnvName, unknown>> = {};
  const sources: Partial<Record<EnvName, EnvLayer>> = {};
  const shown: Partial<Record<EnvName, string>> = {};
  const problems: string[] = [];

  for (const name of NAMES) {
    let raw: string | undefined;
    for (const [layer, vars] of layers) {
      if (vars[name] !== undefined) [raw, sources[name]] = [vars[name], layer];
    }
    if (raw === undefined) {
      problems.push(`${name} is not set (every variable has a default in .env.default: is that file present at ${defaultsPath}?)`);
      continue;
    }
    const field = ENV_SCHEMA[name];
    try {
      const value = field.parse(raw.trim());
      values[name] = value;
      shown[name] = (field.show as (v: unknown) => string)(value);
    } catch (error) {
      if (!(error instanceof EnvFieldError)) throw error;
      problems.push(`${name} ${error.message}`);
    }
  }
  if (problems.length === 0) problems.push(...settingRefusals(values as EnvValues), ...productionRefusals(values as EnvValues, cwd));
  const defaultsFile = { path: defaultsPath, present: existsSync(defaultsPath) };
  if (problems.length > 0) {
    const reportsDir = layers.reduce<string | undefined>((dir, [, vars]) => vars.REPORTS_DIR?.trim() || dir, undefined) ?? 'reports';
    throw new EnvValidationError(problems, path.resolve(cwd, reportsDir), defaultsFile);
  }

  const canonical = NAMES.slice()
    .sort()
    .map((name) => `${name}=${JSON.stringify(shown[name])}`)
    .join('\n');
  const known = new Set<string>(NAMES);
  return {
    settings: toSettings(values as EnvValues, cwd),
    hash: createHash('sha256').update(canonical).digest('hex'),
    sources: sources as Record<EnvName, EnvLayer>,
    shown: shown as Record<EnvName, string>,
    defaultsFile,
    unknownKeys: [...new Set([...Object.keys(layers[0][1]), ...Object.keys(layers[1][1])])].filter((k) => !known.has(k)),
  };
}
