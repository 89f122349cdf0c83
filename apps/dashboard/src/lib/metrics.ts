import type { HistogramSnapshot } from '@nf/contracts';

/**
 * The q-quantile (0..1) of the observations in cumulative buckets, interpolated linearly inside
 * the bucket it falls in (as Prometheus' histogram_quantile does). Past the last finite bound it
 * is that bound; null without observations.
 */
export function quantile(q: number, h: HistogramSnapshot): number | null {
  if (h.count <= 0) return null;
  const rank = q * h.count;
  for (let i = 0; i < h.bounds.length; i++) {
    if (h.counts[i] >= rank) {
      const lower = i === 0 ? 0 : h.bounds[i - 1];
      const below = i === 0 ? 0 : h.counts[i - 1];
      const inBucket = h.counts[i] - below;
      return inBucket > 0 ? lower + (h.bounds[i] - lower) * ((rank - below) / inBucket) : h.bounds[i];
    }
  }
  return h.bounds.length ? h.bounds[h.bounds.length - 1] : null;
}

/** Observations between two snapshots of the same histogram (the later minus the earlier). */
export function histogramDelta(before: HistogramSnapshot, after: HistogramSnapshot): HistogramSnapshot | null {
  if (before.bounds.length && before.bounds.join() !== after.bounds.join()) return null;
  const counts = after.counts.map((c, i) => c - (before.counts[i] ?? 0));
  const delta = { bounds: after.bounds, counts, count: after.count - before.count, sum: after.sum - before.sum };
  return delta.count < 0 || counts.some((c) => c < 0) ? null : delta;
}

/** Failure reasons (every outcome but ok), most frequent first. */
export function failuresByReason(outcomes: Record<string, number>): { reason: string; count: number }[] {
  return Object.entries(outcomes)
    .filter(([reason, count]) => reason !== 'ok' && count > 0)
    .map(([reason, count]) => ({ reason, count }))
    .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
}
