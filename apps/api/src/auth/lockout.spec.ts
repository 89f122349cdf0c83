import { afterFailure, LockoutState, lockRemainingMs, SlidingWindowLimiter, UNLOCKED } from './lockout';

const policy = { maxFailures: 5, lockoutMs: 15 * 60_000 };
const T0 = 1_764_374_400_000;

describe('account lockout', () => {
  it('locks on the 5th consecutive failure, for the lockout period', () => {
    let state: LockoutState = UNLOCKED;
    for (let i = 1; i <= 4; i++) {
      state = afterFailure(state, T0 + i, policy);
      expect(state).toEqual({ failures: i, lockedUntil: 0 });
      expect(lockRemainingMs(state, T0 + i)).toBe(0);
    }
    state = afterFailure(state, T0 + 5, policy);
    expect(state.lockedUntil).toBe(T0 + 5 + policy.lockoutMs);
    expect(lockRemainingMs(state, T0 + 5)).toBe(policy.lockoutMs);
    expect(lockRemainingMs(state, T0 + 5 + policy.lockoutMs - 1)).toBe(1);
    expect(lockRemainingMs(state, T0 + 5 + policy.lockoutMs)).toBe(0);
  });

  it('after the lock expires a failure starts counting from one again', () => {
    const locked: LockoutState = { failures: 0, lockedUntil: T0 };
    expect(afterFailure(locked, T0 + 1, policy)).toEqual({ failures: 1, lockedUntil: 0 });
  });

  it('maxFailures 1 locks on the first failure', () => {
    expect(afterFailure(UNLOCKED, T0, { ...policy, maxFailures: 1 }).lockedUntil).toBe(T0 + policy.lockoutMs);
  });
});

describe('per-address sliding window', () => {
  it('allows `limit` failures in the window, then says how long until the oldest leaves it', () => {
    const limiter = new SlidingWindowLimiter(3, 60_000);
    for (const t of [0, 10_000, 20_000]) {
      expect(limiter.retryAfterMs('10.0.0.1', T0 + t)).toBe(0);
      limiter.record('10.0.0.1', T0 + t);
    }
    expect(limiter.retryAfterMs('10.0.0.1', T0 + 30_000)).toBe(30_000);
    expect(limiter.retryAfterMs('10.0.0.2', T0 + 30_000)).toBe(0);
    // The window slides: at T0+60s the first failure has left it.
    expect(limiter.retryAfterMs('10.0.0.1', T0 + 60_000)).toBe(0);
    limiter.record('10.0.0.1', T0 + 60_000);
    expect(limiter.retryAfterMs('10.0.0.1', T0 + 60_001)).toBe(9_999);
  });

  it('forgets the least recently seen address beyond its bound', () => {
    const limiter = new SlidingWindowLimiter(1, 60_000, 2);
    limiter.record('a', T0);
    limiter.record('b', T0);
    limiter.record('c', T0);
    expect(limiter.retryAfterMs('a', T0)).toBe(0);
    expect(limiter.retryAfterMs('c', T0)).toBeGreaterThan(0);
  });
});
