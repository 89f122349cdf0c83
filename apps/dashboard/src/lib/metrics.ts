import type { HistogramSnapshot, OverviewView } from '@nf/contracts';

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

const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
const failures = (outcomes: Record<string, number>) => total(outcomes) - (outcomes.ok ?? 0);

/** One chart point: rates per minute and latency percentiles over the interval ending at `at`. */
export interface OverviewPoint {
  at: number;
  handshakesPerMin: number | null;
  handshakeFailuresPerMin: number | null;
  inferencePerMin: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
  queueDepth: number;
}

/**
 * The point between two snapshots. Counters that went down (another process answered, or it
 * restarted) give no rate rather than a negative one.
 */
export function pointBetween(before: OverviewView, after: OverviewView): OverviewPoint {
  const minutes = (after.at - before.at) / 60_000;
  const sameProcess = before.instanceId === after.instanceId && minutes > 0;
  const rate = (a: number, b: number) => (sameProcess && b >= a ? (b - a) / minutes : null);
  const latency = sameProcess ? histogramDelta(before.inference.latency, after.inference.latency) : null;
  const ms = (q: number) => {
    const seconds = latency ? quantile(q, latency) : null;
    return seconds === null ? null : seconds * 1000;
  };
  return {
    at: after.at,
    handshakesPerMin: rate(total(before.handshake.outcomes), total(after.handshake.outcomes)),
    handshakeFailuresPerMin: rate(failures(before.handshake.outcomes), failures(after.handshake.outcomes)),
    inferencePerMin: rate(total(before.inference.outcomes), total(after.inference.outcomes)),
    p50Ms: ms(0.5),
    p95Ms: ms(0.95),
    queueDepth: after.runtime.models.reduce((sum, m) => sum + m.queueDepth, 0),
  };
}

/** Chart points for consecutive snapshots (one fewer than snapshots). */
export function pointsFrom(history: OverviewView[]): OverviewPoint[] {
  return history.slice(1).map((after, i) => pointBetween(history[i], after));
}

/** Appends a snapshot unless it is the one already last, keeping at most `limit`. */
export function appendSnapshot(history: OverviewView[], next: OverviewView, limit: number): OverviewView[] {
  if (history.at(-1)?.at === next.at) return history;
  return [...history, next].slice(-limit);
}

/** Failure reasons (every outcome but ok), most frequent first. */
export function failuresByReason(outcomes: Record<string, number>): { reason: string; count: number }[] {
  return Object.entries(outcomes)
    .filter(([reason, count]) => reason !== 'ok' && count > 0)
    .map(([reason, count]) => ({ reason, count }))
    .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
}
