import { SampleRing, sampleOf } from './overview-history';

const counters = (ok: number, failed: number) => ({
  handshakes: { ok, replay: failed },
  requests: { ok: 10, queue_full: 2, deadline: 1 },
  latency: { bounds: [0.1, 1], counts: [5, 12], count: 13, sum: 2.5 },
  queueDepth: { a: 2, b: 3 },
});

describe('overview history', () => {
  it('keeps successful and failed handshakes apart, and sums requests, failures and queues', () => {
    expect(sampleOf(1000, counters(7, 3))).toEqual({
      at: 1000,
      handshakes: { ok: 7, failed: 3 },
      inference: { requests: 13, failed: 3 },
      latency: { counts: [5, 12], count: 13, sum: 2.5 },
      queueDepth: 5,
    });
  });

  it('is bounded: the oldest samples go first', () => {
    const ring = new SampleRing(3);
    for (let at = 1; at <= 5; at++) ring.push(sampleOf(at, counters(at, 0)));
    expect(ring.size).toBe(3);
    expect(ring.since(0).map((s) => s.at)).toEqual([3, 4, 5]);
    expect(ring.since(4).map((s) => s.at)).toEqual([4, 5]);
  });
});
