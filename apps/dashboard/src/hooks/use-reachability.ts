import { useQueryClient } from '@tanstack/react-query';
import { createContext, createElement, ReactNode, useContext, useEffect, useState } from 'react';
import { nextReachability, Reachability } from '../lib/staleness';

const ReachabilityContext = createContext<Reachability>({});

/**
 * Follows every query's outcome: the service is unreachable from the first call that could not
 * reach it (after the last one that did) until it answers again. Every page polls something, so
 * an outage shows within that page's poll interval wherever the admin is.
 */
export function ReachabilityProvider({ children }: { children: ReactNode }) {
  const client = useQueryClient();
  const [reach, setReach] = useState<Reachability>({});
  useEffect(
    () =>
      client.getQueryCache().subscribe((event) => {
        if (event.type !== 'updated') return;
        const { action } = event;
        if (action.type === 'success') setReach((r) => nextReachability(r, { ok: true, at: Date.now() }));
        else if (action.type === 'error') setReach((r) => nextReachability(r, { ok: false, error: action.error, at: Date.now() }));
      }),
    [client],
  );
  return createElement(ReachabilityContext.Provider, { value: reach }, children);
}

export const useReachability = () => useContext(ReachabilityContext);
