import { PqcProtocolError } from '../errors';
import { toMillis, type Instant } from '../time';
import { DEFAULT_MAX_SKEW_MS } from './server';

export interface ReplayCacheOptions {
  /** Keep keys at least as long as a hello can be accepted: 2 x maxSkewMs covers both clock directions. */
  readonly ttlMs?: number;
  readonly maxEntries?: number;
}

/**
 * Minimal in-process store of seen hello replayKeys. Single-instance only; a multi-instance
 * deployment needs the same check against shared storage (e.g. INSERT with a unique key + TTL).
 */
export class ReplayCache {
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  // Insertion order equals expiry order because the TTL is constant, so sweeping from the front is enough.
  private readonly expiries = new Map<string, number>();

  constructor(options: ReplayCacheOptions = {}) {
    this.ttlMs = options.ttlMs ?? 2 * DEFAULT_MAX_SKEW_MS;
    this.maxEntries = options.maxEntries ?? 100_000;
  }

  get size(): number {
    return this.expiries.size;
  }

  /** Throws 'replay' if the key was seen within the TTL, otherwise remembers it. */
  checkAndRemember(key: string, now: Instant): void {
    const at = toMillis(now);
    this.sweep(at);
    const expiry = this.expiries.get(key);
    if (expiry !== undefined && expiry > at) throw new PqcProtocolError('replay', 'this hello was already used');
    if (this.expiries.size >= this.maxEntries) {
      // Fail closed: evicting live entries would silently re-admit replays.
      throw new PqcProtocolError('replay', 'replay cache is full; retry shortly');
    }
    this.expiries.delete(key); // re-insert at the back to keep expiry order
    this.expiries.set(key, at + this.ttlMs);
  }

  private sweep(now: number): void {
    for (const [key, expiry] of this.expiries) {
      if (expiry > now) break;
      this.expiries.delete(key);
    }
  }
}
