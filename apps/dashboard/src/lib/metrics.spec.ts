import { failuresByReason, histogramDelta, quantile } from './metrics';

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

describe('failuresByReason', () => {
  it('lists every outcome but ok, most frequent first, dropping zeros', () => {
    expect(failuresByReason({ ok: 90, replay: 2, stale_timestamp: 5, bad_suite: 0, unknown_key_version: 2 })).toEqual([
      { reason: 'stale_timestamp', count: 5 },
      { reason: 'replay', count: 2 },
      { reason: 'unknown_key_version', count: 2 },
    ]);
  });
});
