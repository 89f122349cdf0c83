/** What a panel may show: its data, or that its data is no longer known (and since when). */
export type PanelState =
  | { kind: 'loading' }
  | { kind: 'fresh'; updatedAt: number }
  /** `since`: the last good answer (0: never had one). */
  | { kind: 'unknown'; since: number; why: string };

export interface QueryFacts {
  /** Epoch ms of the last successful answer; 0 for none. */
  dataUpdatedAt: number;
  /** The last attempt failed (with this error). */
  error: unknown;
  hasData: boolean;
}

export interface Reachability {
  /** Epoch ms from which the service stopped answering; undefined while it answers. */
  unreachableSince?: number;
}

/**
 * A panel shows its data only while it is current: when its own last poll failed, or the service
 * stopped answering after the panel's data came, the values are no longer known and are not shown.
 */
export function panelState(query: QueryFacts, reach: Reachability): PanelState {
  if (query.error) return { kind: 'unknown', since: query.dataUpdatedAt, why: errorText(query.error) };
  if (reach.unreachableSince !== undefined && reach.unreachableSince >= query.dataUpdatedAt) {
    return { kind: 'unknown', since: query.dataUpdatedAt, why: 'the service does not answer' };
  }
  if (!query.hasData) return { kind: 'loading' };
  return { kind: 'fresh', updatedAt: query.dataUpdatedAt };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A failure that means the service itself did not answer (network error, or a proxy's 502/504). */
export function isUnreachable(error: unknown): boolean {
  const status = (error as { status?: unknown } | null)?.status;
  if (typeof status === 'number') return status === 0 || status === 502 || status === 504;
  return error instanceof TypeError; // fetch's own failure
}

/**
 * The service's reachability from the outcome of every call: unreachable from the first call that
 * could not reach it after the last one that did, reachable again at the next answer.
 */
export function nextReachability(current: Reachability, outcome: { ok: boolean; error?: unknown; at: number }): Reachability {
  if (outcome.ok) return current.unreachableSince === undefined ? current : {};
  if (!isUnreachable(outcome.error) || current.unreachableSince !== undefined) return current;
  return { unreachableSince: outcome.at };
}
