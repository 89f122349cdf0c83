import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { SessionView } from '@nf/contracts';
import { useCallback } from 'react';
import { changePassword, currentSession, serviceMode, signIn, signOut } from '../api/auth';
import { queryKeys } from './query-keys';

/** The public run mode (it does not change while the service runs). */
export const useServiceMode = () => useQuery({ queryKey: queryKeys.serviceMode, queryFn: serviceMode, staleTime: Infinity });

/** The signed-in admin, or null. */
export const useSession = () => useQuery({ queryKey: queryKeys.session, queryFn: currentSession, staleTime: Infinity });

/** Drops every cached answer and sets the session (null: signed out). */
export function useReplaceSession() {
  const client = useQueryClient();
  return useCallback(
    (session: SessionView | null) => {
      client.removeQueries({ predicate: (q) => q.queryKey[0] !== queryKeys.session[0] });
      client.setQueryData(queryKeys.session, session);
    },
    [client],
  );
}

export function useSignIn() {
  const replace = useReplaceSession();
  return useMutation({ mutationFn: ({ name, password }: { name: string; password: string }) => signIn(name, password), onSuccess: replace });
}

export function useSignOut() {
  const replace = useReplaceSession();
  return useMutation({ mutationFn: signOut, onSuccess: () => replace(null) });
}

export function useChangePassword() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ current, next }: { current: string; next: string }) => changePassword(current, next),
    onSuccess: () => client.invalidateQueries({ queryKey: queryKeys.session }),
  });
}


