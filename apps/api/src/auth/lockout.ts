import { createHash } from 'node:crypto';
import { isIP } from 'node:net';

/**
 * Login throttling rules, pure so they can be tested with any clock. Both limits are one rule over a
 * key (an account name or a client address): `maxFailures` failures within `windowMs` of the first
 * lock the key for `lockMs` from the failure that reached the limit. The state lives in
 * nf_login_throttle (login-throttle.repository.ts), where an attempt is reserved atomically before
 * the password is checked. afterReservation / afterRelease are the model of its two statements: the
 * medium tests hold the database to them (test/medium/login-throttle.test.ts).
 */
export interface ThrottleRule {
  readonly maxFailures: number;
  readonly windowMs: number;
  readonly lockMs: number;
}

/** A throttle row as stored. */
export interface ThrottleState {
  readonly failures: number;
  /** Epoch ms of the first failure of the current window. */
  readonly windowStart: number;
  /** Epoch ms until which the key is refused; 0 when not locked. */
  readonly lockedUntil: number;
}

/** An attempt counted against a key before its password check: what release() needs to undo it. */
export interface Reservation {
  readonly key: string;
  readonly windowStart: number;
  /** The lock this attempt set (it reached the limit), 0 when it set none. */
  readonly lockSet: number;
}

export type ReserveOutcome = { readonly ok: true; readonly reservation: Reservation } | { readonly ok: false; readonly retryAfterMs: number };

/** Whether a row still refuses attempts at `now`. */
export function isLocked(state: ThrottleState, now: number): boolean {
  return state.lockedUntil > now;
}

/**
 * The state after one more attempt is reserved, or undefined when the key is locked (refused). A
 * lock that has run out, or a window that has passed, starts counting from one again.
 */
export function afterReservation(state: ThrottleState | undefined, now: number, rule: ThrottleRule): ThrottleState | undefined {
  if (state && isLocked(state, now)) return undefined;
  const fresh = !state || state.lockedUntil !== 0 || state.windowStart <= now - rule.windowMs;
  const failures = fresh ? 1 : state.failures + 1;
  return { failures, windowStart: fresh ? now : state.windowStart, lockedUntil: failures >= rule.maxFailures ? now + rule.lockMs : 0 };
}

/** The state after `reservation` is taken back (release); unchanged when the key's window has started again since. */
export function afterRelease(state: ThrottleState | undefined, reservation: Reservation): ThrottleState | undefined {
  if (!state || state.windowStart !== reservation.windowStart || state.failures <= 0) return state;
  const liftLock = reservation.lockSet !== 0 && state.lockedUntil === reservation.lockSet;
  return { failures: state.failures - 1, windowStart: state.windowStart, lockedUntil: liftLock ? 0 : state.lockedUntil };
}

/** Milliseconds until a refused key may try again (at least 1, so a refusal never says "now"). */
export function retryAfterMs(lockedUntil: number, now: number): number {
  return Math.max(1, lockedUntil - now);
}

/** Rows whose window has passed and whose lock (if any) has run out say nothing a missing row does not. */
export function isExpired(state: ThrottleState, now: number, rule: ThrottleRule): boolean {
  return !isLocked(state, now) && state.windowStart <= now - rule.windowMs;
}

/** The key column's length; a longer key is stored as a hash of itself. */
export const THROTTLE_KEY_LENGTH = 100;

function bounded(key: string): string {
  return key.length <= THROTTLE_KEY_LENGTH ? key : `${key.slice(0, key.indexOf(':') + 1)}sha256-${createHash('sha256').update(key).digest('hex')}`;
}

/** The key of an account name, known or not (so the throttle never tells which exist). */
export function accountKey(name: string): string {
  return bounded(`account:${name.toLowerCase()}`);
}

/** The key of a client address (normaliseAddress's output). */
export function addressKey(address: string): string {
  return bounded(`address:${address}`);
}

/**
 * The client address as a throttle and audit key: an IP address in its canonical form (IPv4-mapped
 * IPv6 as plain IPv4, IPv6 lower-case). Anything else (a trusted proxy passing on junk) becomes a
 * short hash, so a forwarded header can neither grow a key nor put arbitrary text into the audit log.
 */
export function normaliseAddress(ip: string | undefined): string {
  if (!ip) return 'unknown';
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mapped && isIP(mapped[1]) === 4) return mapped[1];
  const version = isIP(ip);
  if (version === 4) return ip;
  if (version === 6) return ip.toLowerCase();
  return `unparsed-${createHash('sha256').update(ip).digest('hex').slice(0, 16)}`;
}
