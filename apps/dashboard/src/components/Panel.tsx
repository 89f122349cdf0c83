import type { UseQueryResult } from '@tanstack/react-query';
import { useId } from 'react';
import { useReachability } from '../hooks/use-reachability';
import { formatTime } from '../lib/format';
import { panelState, PanelState } from '../lib/staleness';

/** The panel state of a query, with the service's reachability. */
export function usePanelState(query: Pick<UseQueryResult, 'dataUpdatedAt' | 'error' | 'data'>): PanelState {
  const reach = useReachability();
  return panelState({ dataUpdatedAt: query.dataUpdatedAt, error: query.error, hasData: query.data !== undefined }, reach);
}

/** "updated 10:04:05 UTC", or why what it showed is no longer known. */
export function Freshness({ state, testId }: { state: PanelState; testId?: string }) {
  if (state.kind === 'loading') return <span className="freshness muted" data-testid={testId}>loading…</span>;
  if (state.kind === 'fresh') {
    return (
      <span className="freshness muted" data-testid={testId}>
        updated <time dateTime={new Date(state.updatedAt).toISOString()}>{formatTime(state.updatedAt).slice(11)}</time>
      </span>
    );
  }
  return (
    <span className="freshness unknown-since" role="status" data-testid={testId}>
      unknown since {state.since ? formatTime(state.since).slice(11) : 'the start'} — {state.why}
    </span>
  );
}

interface Props {
  title: React.ReactNode;
  /** Also the test id: panel-<id>. */
  id: string;
  state: PanelState;
  children?: React.ReactNode;
  className?: string;
}

/**
 * A card whose content is shown only while it is current: it says when its data was fetched, and
 * when its query fails or the service stops answering it turns grey, says "unknown since …" and
 * hides the last values rather than keeping them up as if they still held.
 */
export function Panel({ title, id, state, children, className = '' }: Props) {
  const titleId = useId();
  return (
    <section className={`card panel ${state.kind === 'unknown' ? 'unknown' : ''} ${className}`} aria-labelledby={titleId} data-testid={`panel-${id}`} data-state={state.kind}>
      <header className="panel-head">
        <h2 id={titleId}>{title}</h2>
        <Freshness state={state} testId={`panel-${id}-freshness`} />
      </header>
      {state.kind === 'fresh' && children}
    </section>
  );
}
