/**
 * Refused sign-ins counted in memory per (reason, account, address) between two audit flushes, so
 * an unauthenticated caller never drives a signed audit append: failed-login-audit.service.ts turns
 * a drained tally into a bounded number of `login_failed` entries. Pure, so it tests with any clock.
 */
export type RefusalReason = 'bad_credentials' | 'locked' | 'rate_limited';
export const REFUSAL_REASONS: readonly RefusalReason[] = ['bad_credentials', 'locked', 'rate_limited'];

export interface FailedLogin {
  reason: RefusalReason;
  /** The normalised client address. */
  address: string;
  /** The id of the account the name belongs to; undefined for unknown names (never recorded: it may be a mistyped password). */
  accountId?: string;
  at: number;
  /** This failure locked the account name / the address. */
  lockedAccount?: boolean;
  lockedAddress?: boolean;
}

/** One (reason, account, address) over a flush interval. */
export interface FailedLoginCell {
  reason: RefusalReason;
  address: string;
  accountId?: string;
  attempts: number;
  firstAt: number;
  lastAt: number;
  accountLocks: number;
  addressLocks: number;
}

/** Everything beyond the cells kept apart, summed. */
export interface FailedLoginSummary {
  attempts: number;
  /** (reason, account, address) combinations it sums (past the memory bound each attempt counts as one: an upper bound). */
  sources: number;
  byReason: Record<RefusalReason, number>;
  firstAt: number;
  lastAt: number;
  accountLocks: number;
  addressLocks: number;
}

export interface DrainedFailures {
  /** The busiest cells, most attempts first. */
  top: FailedLoginCell[];
  /** The rest summed; undefined when nothing is left over. */
  rest?: FailedLoginSummary;
}

const emptySummary = (): FailedLoginSummary => ({
  attempts: 0,
  sources: 0,
  byReason: { bad_credentials: 0, locked: 0, rate_limited: 0 },
  firstAt: Number.POSITIVE_INFINITY,
  lastAt: 0,
  accountLocks: 0,
  addressLocks: 0,
});

function addTo(summary: FailedLoginSummary, cell: FailedLoginCell): void {
  summary.attempts += cell.attempts;
  summary.byReason[cell.reason] += cell.attempts;
  summary.firstAt = Math.min(summary.firstAt, cell.firstAt);
  summary.lastAt = Math.max(summary.lastAt, cell.lastAt);
  summary.accountLocks += cell.accountLocks;
  summary.addressLocks += cell.addressLocks;
}

function mergeSummary(into: FailedLoginSummary, from: FailedLoginSummary): void {
  into.attempts += from.attempts;
  into.sources += from.sources;
  for (const reason of REFUSAL_REASONS) into.byReason[reason] += from.byReason[reason];
  into.firstAt = Math.min(into.firstAt, from.firstAt);
  into.lastAt = Math.max(into.lastAt, from.lastAt);
  into.accountLocks += from.accountLocks;
  into.addressLocks += from.addressLocks;
}

const cellId = (c: { reason: string; accountId?: string; address: string }) => `${c.reason}\u0000${c.accountId ?? ''}\u0000${c.address}`;

/** Bounded: past `maxCells` distinct combinations, further ones are only summed. */
export class FailedLoginTally {
  private cells = new Map<string, FailedLoginCell>();
  private overflow = emptySummary();

  constructor(private readonly maxCells = 10_000) {}

  /** Attempts counted and not yet drained. */
  get attempts(): number {
    let n = this.overflow.attempts;
    for (const cell of this.cells.values()) n += cell.attempts;
    return n;
  }

  add(f: FailedLogin): void {
    this.merge({
      reason: f.reason,
      address: f.address,
      accountId: f.accountId,
      attempts: 1,
      firstAt: f.at,
      lastAt: f.at,
      accountLocks: f.lockedAccount ? 1 : 0,
      addressLocks: f.lockedAddress ? 1 : 0,
    });
  }

  /** Empties the tally: the `top` busiest cells apart, everything else summed into one. */
  drain(top: number): DrainedFailures {
    const sorted = [...this.cells.values()].sort((a, b) => b.attempts - a.attempts || a.firstAt - b.firstAt);
    const rest = this.overflow;
    for (const cell of sorted.slice(top)) addTo(rest, cell);
    rest.sources += Math.max(0, sorted.length - top);
    this.cells = new Map();
    this.overflow = emptySummary();
    return rest.attempts > 0 ? { top: sorted.slice(0, top), rest } : { top: sorted.slice(0, top) };
  }

  /** Puts drained failures back (their audit append failed), merged with anything counted since. */
  restore(drained: DrainedFailures): void {
    drained.top.forEach((cell) => this.merge({ ...cell }));
    if (drained.rest) mergeSummary(this.overflow, drained.rest);
  }

  private merge(cell: FailedLoginCell): void {
    const id = cellId(cell);
    const current = this.cells.get(id);
    if (!current) {
      if (this.cells.size < this.maxCells) this.cells.set(id, cell);
      else {
        addTo(this.overflow, cell);
        this.overflow.sources += 1;
      }
      return;
    }
    current.attempts += cell.attempts;
    current.firstAt = Math.min(current.firstAt, cell.firstAt);
    current.lastAt = Math.max(current.lastAt, cell.lastAt);
    current.accountLocks += cell.accountLocks;
    current.addressLocks += cell.addressLocks;
  }
}
