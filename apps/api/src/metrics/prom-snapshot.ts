import type { HistogramSnapshot } from '@nf/contracts';
import { register, Registry } from 'prom-client';

/** One sample of a prom-client metric, as `metric.get()` lists them. */
export interface Sample {
  value: number;
  labels: Partial<Record<string, string | number>>;
  metricName?: string;
}

/**
 * Every sample of one metric (a histogram's _bucket, _sum and _count included), read from the
 * registry /metrics serves; none while its owner has not registered it.
 */
export async function registrySamples(name: string, registry: Registry = register): Promise<Sample[]> {
  const metric = registry.getSingleMetric(name);
  return metric ? ((await metric.get()).values as Sample[]) : [];
}

/** Sums a counter or gauge over every label. */
export function sumAll(samples: Sample[]): number {
  return samples.reduce((sum, s) => sum + s.value, 0);
}

/** Sums a counter or gauge per value of one label (samples without it count as ""). */
export function sumByLabel(samples: Sample[], label: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of samples) {
    const key = String(s.labels[label] ?? '');
    out[key] = (out[key] ?? 0) + s.value;
  }
  return out;
}

/** Sums a histogram over all its other labels into one set of cumulative buckets. */
export function sumHistogram(name: string, samples: Sample[]): HistogramSnapshot {
  const byBound = new Map<number, number>();
  let count = 0;
  let sum = 0;
  for (const s of samples) {
    if (s.metricName === `${name}_bucket`) {
      const le = Number(s.labels.le);
      if (Number.isFinite(le)) byBound.set(le, (byBound.get(le) ?? 0) + s.value);
    } else if (s.metricName === `${name}_count`) {
      count += s.value;
    } else if (s.metricName === `${name}_sum`) {
      sum += s.value;
    }
  }
  const bounds = [...byBound.keys()].sort((a, b) => a - b);
  return { bounds, counts: bounds.map((b) => byBound.get(b)!), count, sum };
}
