import { useQuery } from '@tanstack/react-query';
import type { ProbeName } from '@nf/contracts';
import { getOverview, getOverviewHistory, getProbe } from '../api/overview';
import { CHART_RANGES, ChartRangeId } from '../lib/time-axis';
import { MIN_RATE_WINDOW_MS } from '../lib/rates';
import { queryKeys } from './query-keys';

/** How often the overview and the probes are read: a stopped service shows within this. */
export const OVERVIEW_POLL_MS = 5000;
const PROBES: ProbeName[] = ['live', 'ready', 'startup'];

/** Polled only by the pages that show it (Overview, Models); the banner reads GET /auth/mode. */
export const useOverview = () => useQuery({ queryKey: queryKeys.overview, queryFn: getOverview, refetchInterval: OVERVIEW_POLL_MS });

export const useProbes = () =>
  useQuery({ queryKey: queryKeys.probes, queryFn: () => Promise.all(PROBES.map(getProbe)), refetchInterval: OVERVIEW_POLL_MS });

/**
 * The service's overview samples for a chart range, and the rate window before it, read again at
 * the service's sampling interval (every new sample): the history lives in the service, so a reload
 * shows it at once.
 */
export function useOverviewHistory(range: ChartRangeId) {
  const rangeMs = CHART_RANGES.find((r) => r.id === range)!.ms;
  const minutes = Math.ceil((rangeMs + MIN_RATE_WINDOW_MS) / 60_000);
  return useQuery({
    queryKey: queryKeys.overviewHistory(minutes),
    queryFn: () => getOverviewHistory(minutes),
    refetchInterval: (query) => Math.min(query.state.data?.intervalMs ?? OVERVIEW_POLL_MS, 10_000),
  });
}
