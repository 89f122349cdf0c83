import { expectCode } from '../testing/expect-code';
import { ReplayWindow } from './replay-window';

describe('ReplayWindow', () => {
  it('accepts out-of-order messages within 64 and rejects duplicates', () => {
    const w = new ReplayWindow();
    for (const seq of [0, 2, 1, 10, 5, 70]) w.accept(seq);
    for (const seq of [0, 2, 1, 10, 5, 70]) expectCode(() => w.check(seq), 'replay');
    expect(() => w.check(9)).not.toThrow();
    expectCode(() => w.check(6), 'replay'); // 70 - 6 = 64: outside the window
    expect(() => w.check(7)).not.toThrow();
  });

  it('survives a snapshot round trip', () => {
    const w = new ReplayWindow();
    w.accept(3);
    w.accept(1);
    const { next, bitmap } = w.snapshot();
    const restored = new ReplayWindow(next, bitmap);
    expectCode(() => restored.check(1), 'replay');
    expectCode(() => restored.check(3), 'replay');
    expect(() => restored.check(2)).not.toThrow();
  });

  it('handles a jump larger than the window', () => {
    const w = new ReplayWindow();
    w.accept(1);
    w.accept(1000);
    expectCode(() => w.check(1000), 'replay');
    expect(() => w.check(999)).not.toThrow();
    expectCode(() => w.check(1), 'replay');
  });
});
