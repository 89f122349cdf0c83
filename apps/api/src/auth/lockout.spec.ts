import {
  accountKey,
  addressKey,
  afterRelease,
  afterReservation,
  isExpired,
  normaliseAddress,
  retryAfterMs,
  THROTTLE_KEY_LENGTH,
  ThrottleState,
} from './lockout';

const rule = { maxFailures: 5, windowMs: 15 * 60_000, lockMs: 15 * 60_000 };
const T0 = 1_764_374_400_000;

describe('throttle rule', () => {
  it('the 5th attempt within the window locks the key for the lock period; further attempts are refused', () => {
    let state: ThrottleState | undefined;
    for (let i = 1; i <= 4; i++) {
      state = afterReservation(state, T0 + i, rule);
      expect(state).toEqual({ failures: i, windowStart: T0 + 1, lockedUntil: 0 });
    }
    state = afterReservation(state, T0 + 5, rule);
    expect(state).toEqual({ failures: 5, windowStart: T0 + 1, lockedUntil: T0 + 5 + rule.lockMs });
    expect(afterReservation(state, T0 + 6, rule)).toBeUndefined();
    expect(afterReservation(state, T0 + 5 + rule.lockMs - 1, rule)).toBeUndefined();
    expect(retryAfterMs(state!.lockedUntil, T0 + 6)).toBe(rule.lockMs - 1);
  });

  it('once the lock has run out, counting starts from one again', () => {
    const locked: ThrottleState = { failures: 5, windowStart: T0, lockedUntil: T0 + rule.lockMs };
    expect(afterReservation(locked, T0 + rule.lockMs, rule)).toEqual({ failures: 1, windowStart: T0 + rule.lockMs, lockedUntil: 0 });
  });

  it('failures older than the window are forgotten', () => {
    const old: ThrottleState = { failures: 4, windowStart: T0, lockedUntil: 0 };
    expect(afterReservation(old, T0 + rule.windowMs - 1, rule)).toMatchObject({ failures: 5, lockedUntil: T0 + rule.windowMs - 1 + rule.lockMs });
    expect(afterReservation(old, T0 + rule.windowMs, rule)).toEqual({ failures: 1, windowStart: T0 + rule.windowMs, lockedUntil: 0 });
  });

  it('maxFailures 1 locks on the first attempt', () => {
    expect(afterReservation(undefined, T0, { ...rule, maxFailures: 1 })).toEqual({ failures: 1, windowStart: T0, lockedUntil: T0 + rule.lockMs });
  });

  it('a release takes one attempt back, and the lock it set, but only within its own window', () => {
    const state: ThrottleState = { failures: 5, windowStart: T0, lockedUntil: T0 + 9 + rule.lockMs };
    expect(afterRelease(state, { key: 'k', windowStart: T0, lockSet: T0 + 9 + rule.lockMs })).toEqual({ failures: 4, windowStart: T0, lockedUntil: 0 });
    // A lock some other attempt set stays.
    expect(afterRelease(state, { key: 'k', windowStart: T0, lockSet: 0 })).toEqual({ failures: 4, windowStart: T0, lockedUntil: state.lockedUntil });
    expect(afterRelease(state, { key: 'k', windowStart: T0 - 1, lockSet: 0 })).toBe(state);
    expect(afterRelease({ failures: 0, windowStart: T0, lockedUntil: 0 }, { key: 'k', windowStart: T0, lockSet: 0 })).toEqual({ failures: 0, windowStart: T0, lockedUntil: 0 });
    expect(afterRelease(undefined, { key: 'k', windowStart: T0, lockSet: 0 })).toBeUndefined();
  });

  it('a row expires when its window has passed and it is not locked', () => {
    expect(isExpired({ failures: 3, windowStart: T0, lockedUntil: 0 }, T0 + rule.windowMs - 1, rule)).toBe(false);
    expect(isExpired({ failures: 3, windowStart: T0, lockedUntil: 0 }, T0 + rule.windowMs, rule)).toBe(true);
    expect(isExpired({ failures: 5, windowStart: T0, lockedUntil: T0 + 2 * rule.windowMs }, T0 + rule.windowMs, rule)).toBe(false);
  });

  it('never answers a Retry-After of zero', () => {
    expect(retryAfterMs(T0, T0)).toBe(1);
    expect(retryAfterMs(0, T0)).toBe(1);
  });
});

describe('throttle keys', () => {
  it('one key per account name whatever its case, known or not', () => {
    expect(accountKey('Alice')).toBe('account:alice');
    expect(accountKey('ghost')).toBe('account:ghost');
  });

  it('bounds keys: a long one is stored as its hash', () => {
    const long = accountKey('İ'.repeat(64)); // lower-cases to 128 UTF-16 units
    expect(long).toMatch(/^account:sha256-[0-9a-f]{64}$/);
    expect(long.length).toBeLessThanOrEqual(THROTTLE_KEY_LENGTH);
    expect(accountKey('İ'.repeat(64))).toBe(long);
  });

  it.each([
    ['203.0.113.9', '203.0.113.9'],
    ['::ffff:203.0.113.9', '203.0.113.9'],
    ['2001:DB8::1', '2001:db8::1'],
    [undefined, 'unknown'],
  ])('normalises the address %s', (ip, expected) => {
    expect(normaliseAddress(ip)).toBe(expected);
  });

  it('turns anything that is not an IP address into a short hash (a proxy passing junk on)', () => {
    const junk = normaliseAddress(`Bearer ${'x'.repeat(5000)}\nseq 1`);
    expect(junk).toMatch(/^unparsed-[0-9a-f]{16}$/);
    expect(addressKey(junk).length).toBeLessThanOrEqual(THROTTLE_KEY_LENGTH);
  });
});
