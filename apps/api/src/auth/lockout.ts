/**
 * Login throttling, pure so it can be tested with any clock: per account (N failures lock it for a
 * while) and per client address (a sliding window of failures).
 */
export interface LockoutPolicy {
  readonly maxFailures: number;
  readonly lockoutMs: number;
}

export interface LockoutState {
  readonly failures: number;
  /** Epoch ms until which logins are refused; 0 when not locked. */
  readonly lockedUntil: number;
}

export const UNLOCKED: LockoutState = { failures: 0, lockedUntil: 0 };

/** Milliseconds of lock left, 0 when logins are allowed. */
export function lockRemainingMs(state: LockoutState, now: number): number {
  return Math.max(0, state.lockedUntil - now);
}

/** The state after one more failed login: the Nth consecutive failure locks the account. */
export function afterFailure(state: LockoutState, now: number, policy: LockoutPolicy): LockoutState {
  const failures = (state.lockedUntil !== 0 && state.lockedUntil <= now ? 0 : state.failures) + 1;
  return failures >= policy.maxFailures ? { failures: 0, lockedUntil: now + policy.lockoutMs } : { failures, lockedUntil: 0 };
}

/**
 * Failures per key (a client address) in a sliding window. Bounded: beyond maxKeys the
 * oldest key is forgotten, so a flood of addresses cannot exhaust memory.
 */
export class SlidingWindowLimiter {
  private readonly hits = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly maxKeys = 10_000,
  ) {}

  /** Milliseconds until the key may try again; 0 when it is under the limit. */
  retryAfterMs(key: string, now: number): number {
    const times = this.prune(key, now);
    if (times.length < this.limit) return 0;
    return times[times.length - this.limit] + this.windowMs - now;
  }

  record(key: string, now: number): void {
    const times = this.prune(key, now);
    times.push(now);
    this.hits.delete(key); // re-insert: Map order is recency order
    this.hits.set(key, times);
    if (this.hits.size > this.maxKeys) this.hits.delete(this.hits.keys().next().value!);
  }

  private prune(key: string, now: number): number[] {
    const times = (this.hits.get(key) ?? []).filter((t) => t > now - this.windowMs);
    if (times.length === 0) this.hits.delete(key);
    return times;
  }
}
