import { appendSnapshot, failuresByReason, histogramDelta, pointBetween, pointsFrom, quantile } from './metrics';
import { overviewAt } from './overview.fixture';

const h = (counts: number[], count = counts.at(-1)!) => ({ bounds: [0.01, 0.1, 1], counts, count, sum: 0 });

describe('quantile from cumulative buckets', () => {
  it('interpolates inside the bucket the rank falls in', () => {
    // 10 observations: 4 <= 10 ms, 8 <= 100 ms, 10 <= 1 s
    expect(quantile(0.5, h([4, 8, 10]))).toBeCloseTo(0.01 + 0.09 * (1 / 4));
    expect(quantile(0.95, h([4, 8, 10]))).toBeCloseTo(0.1 + 0.9 * (1.5 / 2));
    expect(quantile(0.2, h([4, 8, 10]))).toBeCloseTo(0.005);
  });

  it('answers the last finite bound when the rank is in +Inf, and null without observations', () => {
    expect(quantile(0.95, h([1, 1, 1], 10))).toBe(1);
    expect(quantile(0.5, h([0, 0, 0]))).toBeNull();
  });
});

describe('histogramDelta', () => {
  it('subtracts bucket by bucket', () => {
    expect(histogramDelta(h([1, 2, 3]), h([2, 5, 9]))).toEqual({ bounds: [0.01, 0.1, 1], counts: [1, 3, 6], count: 6, sum: 0 });
  });

  it('gives nothing when counters went down (a restart) or the buckets differ', () => {
    expect(histogramDelta(h([2, 5, 9]), h([1, 2, 3]))).toBeNull();
    expect(histogramDelta({ bounds: [0.5], counts: [1], count: 1, sum: 0 }, h([2, 5, 9]))).toBeNull();
  });
});

describe('points between snapshots', () => {
  it('turns counter differences into per-minute rates and latency percentiles in ms', () => {
    const before = overviewAt(0, { handshakes: { ok: 10, stale_timestamp: 1 }, requests: { ok: 100 }, latency: [0, 50, 100, 100] });
    const after = overviewAt(30_000, { handshakes: { ok: 40, stale_timestamp: 3 }, requests: { ok: 160, deadline: 4 }, latency: [0, 80, 164, 164], queued: [2, 3] });
    const point = pointBetween(before, after);
    expect(point).toMatchObject({ at: 30_000, handshakesPerMin: 64, handshakeFailuresPerMin: 4, inferencePerMin: 128, queueDepth: 5 });
    // 64 new observations: 30 <= 10 ms, 64 <= 100 ms
    expect(point.p50Ms).toBeCloseTo(10 + 90 * (2 / 34));
    expect(point.p95Ms).toBeCloseTo(10 + 90 * (30.8 / 34));
  });

  it('shows zero rates and no latency for a quiet interval', () => {
    const quiet = pointBetween(overviewAt(0, { handshakes: { ok: 5 } }), overviewAt(2000, { handshakes: { ok: 5 } }));
    expect(quiet).toMatchObject({ handshakesPerMin: 0, handshakeFailuresPerMin: 0, inferencePerMin: 0, p50Ms: null, p95Ms: null });
  });

  it('gives no rate across a change of process, rather than a wrong one', () => {
    const point = pointBetween(overviewAt(0, { handshakes: { ok: 50 } }), overviewAt(2000, { handshakes: { ok: 60 }, instanceId: 'i-2' }));
    expect(point.handshakesPerMin).toBeNull();
    expect(point.inferencePerMin).toBeNull();
  });

  it('makes one point fewer than snapshots, in order', () => {
    const history = [0, 1000, 2000].map((at, i) => overviewAt(at, { requests: { ok: i * 10 } }));
    expect(pointsFrom(history).map((p) => [p.at, p.inferencePerMin])).toEqual([
      [1000, 600],
      [2000, 600],
    ]);
    expect(pointsFrom(history.slice(0, 1))).toEqual([]);
  });
});

describe('appendSnapshot', () => {
  it('adds a new snapshot, skips one already last, and keeps the newest `limit`', () => {
    let history = [overviewAt(1), overviewAt(2)];
    expect(appendSnapshot(history, overviewAt(2), 5)).toBe(history);
    history = appendSnapshot(history, overviewAt(3), 2);
    expect(history.map((s) => s.at)).toEqual([2, 3]);
  });
});

describe('failuresByReason', () => {
  it('lists every outcome but ok, most frequent first, dropping zeros', () => {
    expect(failuresByReason({ ok: 90, replay: 2, stale_timestamp: 5, bad_suite: 0, unknown_key_version: 2 })).toEqual([
      { reason: 'stale_timestamp', count: 5 },
      { reason: 'replay', count: 2 },
      { reason: 'unknown_key_version', count: 2 },
    ]);
  });
});
