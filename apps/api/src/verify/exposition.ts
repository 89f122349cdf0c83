import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';

/** One metric family as parse-prometheus-text-format gives it. */
export interface MetricFamily {
  name: string;
  help: string;
  type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
  metrics: {
    labels?: Record<string, string>;
    value?: string;
    buckets?: Record<string, string>;
    quantiles?: Record<string, string>;
    count?: string;
    sum?: string;
  }[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
// What Go's strconv.ParseFloat (Prometheus' text parser) accepts for a sample value.
// As Prometheus reads a value (Go's strconv.ParseFloat): NaN and Inf in any case; prom-client writes "Nan".
const FLOAT = /^(?:[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?|[+-]?inf(?:inity)?|nan)$/i;

/**
 * Parses a Prometheus text exposition (0.0.4) with parse-prometheus-text-format, which refuses malformed
 * lines, and then checks what that parser leaves unchecked: metric and label names, sample values, and
 * that each family appears once (its samples together, one TYPE). Throws naming the first problem.
 */
export function parseExposition(text: string): MetricFamily[] {
  let families: MetricFamily[];
  try {
    families = parsePrometheusTextFormat(text) as MetricFamily[];
  } catch (error) {
    throw new Error(`not a valid Prometheus text exposition: ${(error as Error).message}`);
  }
  const seen = new Set<string>();
  for (const family of families) {
    if (!METRIC_NAME.test(family.name)) throw new Error(`invalid metric name ${JSON.stringify(family.name)}`);
    if (seen.has(family.name)) throw new Error(`metric family ${family.name} appears more than once (samples not together, or two TYPE lines)`);
    seen.add(family.name);
    for (const sample of family.metrics) {
      for (const label of Object.keys(sample.labels ?? {})) {
        if (!LABEL_NAME.test(label)) throw new Error(`${family.name}: invalid label name ${JSON.stringify(label)}`);
      }
      const values = [sample.value, sample.count, sample.sum, ...Object.values(sample.buckets ?? {}), ...Object.values(sample.quantiles ?? {})];
      for (const value of values.filter((v): v is string => v !== undefined)) {
        if (!FLOAT.test(value)) throw new Error(`${family.name}: sample value ${JSON.stringify(value)} is not a number`);
      }
    }
  }
  return families;
}

/** Where promtool is, if installed (Debian's prometheus package). */
export function findPromtool(): string | undefined {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  return [...dirs, '/usr/bin', '/usr/local/bin'].map((dir) => path.join(dir, 'promtool')).find((file) => existsSync(file));
}

/** `promtool check metrics` (Prometheus' own parser and linter) on the text; throws with its complaints. */
export function promtoolCheck(promtool: string, text: string): void {
  const result = spawnSync(promtool, ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 30_000 });
  if (result.error) throw new Error(`promtool could not run: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`promtool check metrics refused it: ${`${result.stdout}${result.stderr}`.trim().slice(0, 500)}`);
}

/** The samples of one family whose labels include `labels` (all of a family when none are given). */
export function samples(families: MetricFamily[], name: string, labels: Record<string, string> = {}): MetricFamily['metrics'] {
  const family = families.find((f) => f.name === name);
  return (family?.metrics ?? []).filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
}

/** Sum of a counter's or gauge's sample values over the samples matching `labels` (0 when there are none). */
export function sampleSum(families: MetricFamily[], name: string, labels: Record<string, string> = {}): number {
  return samples(families, name, labels).reduce((sum, m) => sum + Number(m.value ?? 0), 0);
}
