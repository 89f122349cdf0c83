import { PqcProtocolError } from '../errors';

const WINDOW = 64n;

/**
 * Sliding anti-replay window (as in IPsec/DTLS): accepts out-of-order sequence numbers within
 * the last 64, rejects duplicates and anything older. Concurrent HTTP requests arrive out of
 * order, so strict monotonicity would reject legitimate traffic.
 */
export class ReplayWindow {
  /** One past the highest accepted sequence number (0 = nothing accepted yet). */
  private next: bigint;
  /** Bit i set = (next - 1 - i) accepted. */
  private bitmap: bigint;

  constructor(next = 0, bitmap = 0n) {
    this.next = BigInt(next);
    this.bitmap = bitmap & ((1n << WINDOW) - 1n);
  }

  check(seq: number): void {
    const s = BigInt(seq);
    if (s >= this.next) return;
    const age = this.next - 1n - s;
    if (age >= WINDOW) throw new PqcProtocolError('replay', `sequence number ${seq} is too old`);
    if ((this.bitmap >> age) & 1n) throw new PqcProtocolError('replay', `sequence number ${seq} was already used`);
  }

  /** Call only after the message authenticated, so forgeries cannot burn sequence numbers. */
  accept(seq: number): void {
    this.check(seq);
    const s = BigInt(seq);
    if (s >= this.next) {
      const shift = s - this.next + 1n;
      this.bitmap = shift >= WINDOW ? 1n : ((this.bitmap << shift) | 1n) & ((1n << WINDOW) - 1n);
      this.next = s + 1n;
    } else {
      this.bitmap |= 1n << (this.next - 1n - s);
    }
  }

  snapshot(): { next: number; bitmap: bigint } {
    return { next: Number(this.next), bitmap: this.bitmap };
  }
}
