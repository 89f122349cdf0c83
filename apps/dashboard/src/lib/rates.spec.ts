import type { OverviewSample } from '@nf/contracts';
import { pointsFrom, rateWindowMs } from './rates';

const BOUNDS = [0.01, 0.1, 1];

/** A sample with cumulative counters; latency counts per bound. */
const sample = (at: number, parts: { ok?: number; failed?: number; requests?: number; latency?: number[]; queue?: number } = {}): OverviewSample => ({
  at,
  handshakes: { ok: parts.ok ?? 0, failed: parts.failed ?? 0 },
  inference: { requests: parts.requests ?? 0, failed: 0 },
  latency: { counts: parts.latency ?? [0, 0, 0], count: parts.latency?.at(-1) ?? 0, sum: 0 },
  queueDepth: parts.queue ?? 0,
});

describe('rates over a sliding window', () => {
  it('uses at least a minute, and four sampling intervals when those are longer', () => {
    expect(rateWindowMs(2000)).toBe(60_000);
    expect(rateWindowMs(10_000)).toBe(60_000);
    expect(rateWindowMs(30_000)).toBe(120_000);
  });

  it('shows a steady 20 failures/min as 20, not as steps of 0 and 30 (samples every 2 s, one failure every 3 s)', () => {
    const samples = Array.from({ length: 91 }, (_, i) => sample(i * 2000, { ok: i * 10, failed: Math.floor((i * 2) / 3) }));
    const points = pointsFrom({ samples, latencyBounds: BOUNDS }, 60_000).slice(30);
    for (const p of points) {
      expect(p.handshakeFailuresPerMin).toBeGreaterThanOrEqual(19);
      expect(p.handshakeFailuresPerMin).toBeLessThanOrEqual(21);
    }
  });

  it('counts successful handshakes only in the handshakes series: failures are their own', () => {
    const samples = [sample(0, { ok: 0, failed: 0 }), sample(60_000, { ok: 30, failed: 12 })];
    expect(pointsFrom({ samples, latencyBounds: BOUNDS }, 60_000)[1]).toMatchObject({ handshakesPerMin: 30, handshakeFailuresPerMin: 12 });
  });

  it('takes each rate from the oldest sample inside the window, the first ones from what there is', () => {
    const samples = [0, 10_000, 20_000, 70_000, 80_000].map((at) => sample(at, { requests: at / 1000 }));
    const points = pointsFrom({ samples, latencyBounds: BOUNDS }, 60_000);
    expect(points.map((p) => p.inferencePerMin)).toEqual([null, 60, 60, 60, 60]);
    // At 70 s the window starts at 10 s: the sample at 0 is out of it.
    const uneven = [sample(0, { requests: 0 }), sample(10_000, { requests: 100 }), sample(70_000, { requests: 100 })];
    expect(pointsFrom({ samples: uneven, latencyBounds: BOUNDS }, 60_000)[2].inferencePerMin).toBe(0);
  });

  it('gives latency percentiles of the window in ms, and none for a quiet one', () => {
    // 64 new observations in the window: 30 <= 10 ms, 64 <= 100 ms.
    const samples = [sample(0, { latency: [0, 50, 100] }), sample(30_000, { latency: [30, 114, 164] }), sample(60_000, { latency: [30, 114, 164] })];
    const points = pointsFrom({ samples, latencyBounds: BOUNDS }, 60_000);
    expect(points[1].p50Ms).toBeCloseTo(10 + 90 * (2 / 34));
    expect(points[1].p95Ms).toBeCloseTo(10 + 90 * (30.8 / 34));
    const quiet = pointsFrom({ samples: samples.slice(1), latencyBounds: BOUNDS }, 60_000);
    expect(quiet[1]).toMatchObject({ p50Ms: null, p95Ms: null, inferencePerMin: 0 });
  });

  it('draws a gap, not a rate, where sampling stopped for longer than the window', () => {
    const samples = [sample(0, { requests: 0 }), sample(130_000, { requests: 10 })];
    expect(pointsFrom({ samples, latencyBounds: BOUNDS }, 60_000)[1]).toMatchObject({ inferencePerMin: null, p50Ms: null });
  });

  it('reads samples taken before any latency was observed as zeros', () => {
    const samples = [{ ...sample(0), latency: { counts: [], count: 0, sum: 0 } }, sample(10_000, { latency: [1, 2, 2] })];
    expect(pointsFrom({ samples, latencyBounds: BOUNDS }, 60_000)[1].p50Ms).toBeCloseTo(10);
  });

  it('gives no rate where a counter went down, and the queue as sampled', () => {
    const samples = [sample(0, { ok: 50 }), sample(10_000, { ok: 10, queue: 4 })];
    expect(pointsFrom({ samples, latencyBounds: BOUNDS }, 60_000)[1]).toMatchObject({ handshakesPerMin: null, queueDepth: 4 });
  });
});
