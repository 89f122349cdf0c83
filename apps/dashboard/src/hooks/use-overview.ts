import { useQuery } from '@tanstack/react-query';
import type { OverviewView, ProbeName } from '@nf/contracts';
import { createContext, createElement, ReactNode, useContext, useEffect, useState } from 'react';
import { getOverview, getProbe } from '../api/overview';
import { appendSnapshot } from '../lib/metrics';
import { queryKeys } from './query-keys';

export const OVERVIEW_POLL_MS = 2000;
const PROBES: ProbeName[] = ['live', 'ready', 'startup'];
/** Snapshots kept for the charts: two minutes at the poll interval. */
const HISTORY = 61;

export const useOverview = () => useQuery({ queryKey: queryKeys.overview, queryFn: getOverview, refetchInterval: OVERVIEW_POLL_MS });

export const useProbes = () =>
  useQuery({ queryKey: queryKeys.probes, queryFn: () => Promise.all(PROBES.map(getProbe)), refetchInterval: 5000 });

const HistoryContext = createContext<OverviewView[]>([]);

/**
 * Collects overview snapshots for as long as the admin is signed in (the banner polls the overview
 * on every page), so the charts keep their history across page changes.
 */
export function OverviewHistoryProvider({ children }: { children: ReactNode }) {
  const { data } = useOverview();
  const [history, setHistory] = useState<OverviewView[]>([]);
  useEffect(() => {
    if (data) setHistory((h) => appendSnapshot(h, data, HISTORY));
  }, [data]);
  return createElement(HistoryContext.Provider, { value: history }, children);
}

/** Overview snapshots, oldest first: the charts difference them. */
export const useOverviewHistory = () => useContext(HistoryContext);
