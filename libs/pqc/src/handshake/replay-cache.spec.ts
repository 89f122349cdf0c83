import { expectCode } from '../testing/expect-code';
import { ReplayCache } from './replay-cache';

describe('ReplayCache', () => {
  it('rejects a key seen within the TTL and forgets it after', () => {
    const cache = new ReplayCache({ ttlMs: 1000 });
    cache.checkAndRemember('a', 0);
    expectCode(() => cache.checkAndRemember('a', 999), 'replay');
    expect(() => cache.checkAndRemember('a', 1000)).not.toThrow();
    expectCode(() => cache.checkAndRemember('a', 1500), 'replay');
  });

  it('sweeps expired keys so memory stays bounded by the TTL', () => {
    const cache = new ReplayCache({ ttlMs: 10 });
    for (let i = 0; i < 100; i++) cache.checkAndRemember(`k${i}`, i);
    expect(cache.size).toBeLessThanOrEqual(11);
  });

  it('fails closed when full instead of evicting live keys', () => {
    const cache = new ReplayCache({ ttlMs: 1000, maxEntries: 2 });
    cache.checkAndRemember('a', 0);
    cache.checkAndRemember('b', 0);
    expectCode(() => cache.checkAndRemember('c', 1), 'replay');
    expectCode(() => cache.checkAndRemember('a', 2), 'replay');
    expect(() => cache.checkAndRemember('c', 1000)).not.toThrow();
  });
});
