import type { OverviewHistoryView, OverviewSample } from '@nf/contracts';
import { quantile } from './metrics';

/** Rates are taken over at least this much history, like Grafana's rate() over [1m]. */
export const MIN_RATE_WINDOW_MS = 60_000;

/** One chart point: rates per minute over the window ending at `at`, latency percentiles of that window, the queue at `at`. */
export interface OverviewPoint {
  at: number;
  handshakesPerMin: number | null;
  handshakeFailuresPerMin: number | null;
  inferencePerMin: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
  queueDepth: number;
}

/** The window a chart's rates use: at least a minute, and at least four samples' worth (Grafana's $__rate_interval). */
export const rateWindowMs = (intervalMs: number) => Math.max(MIN_RATE_WINDOW_MS, 4 * intervalMs);

/**
 * Chart points from the service's history, one per sample. Each rate is the counter's increase
 * from the oldest sample inside the window ending at that sample, divided by the time between the
 * two (so the first minute after a start uses what there is); a point with no earlier sample in
 * its window has no rate. Counters only grow within one process (the history is one process's),
 * so a smaller value is treated as no rate rather than a negative one.
 */
export function pointsFrom(history: Pick<OverviewHistoryView, 'samples' | 'latencyBounds'>, windowMs: number): OverviewPoint[] {
  const { samples, latencyBounds } = history;
  let start = 0;
  return samples.map((sample, i) => {
    while (start < i && samples[start].at < sample.at - windowMs) start++;
    const from = start < i ? samples[start] : undefined;
    return pointBetween(from, sample, latencyBounds);
  });
}

function pointBetween(from: OverviewSample | undefined, to: OverviewSample, bounds: number[]): OverviewPoint {
  const minutes = from ? (to.at - from.at) / 60_000 : 0;
  const rate = (pick: (s: OverviewSample) => number) => {
    if (!from || minutes <= 0) return null;
    const increase = pick(to) - pick(from);
    return increase >= 0 ? increase / minutes : null;
  };
  let p50Ms: number | null = null;
  let p95Ms: number | null = null;
  if (from) {
    const count = to.latency.count - from.latency.count;
    const counts = bounds.map((_, b) => (to.latency.counts[b] ?? 0) - (from.latency.counts[b] ?? 0));
    if (count > 0 && counts.every((c) => c >= 0)) {
      const delta = { bounds, counts, count, sum: to.latency.sum - from.latency.sum };
      p50Ms = toMs(quantile(0.5, delta));
      p95Ms = toMs(quantile(0.95, delta));
    }
  }
  return {
    at: to.at,
    handshakesPerMin: rate((s) => s.handshakes.ok),
    handshakeFailuresPerMin: rate((s) => s.handshakes.failed),
    inferencePerMin: rate((s) => s.inference.requests),
    p50Ms,
    p95Ms,
    queueDepth: to.queueDepth,
  };
}

const toMs = (seconds: number | null) => (seconds === null ? null : seconds * 1000);
