import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { RotationView } from '@nf/contracts';
import { cancelRotation, getKeys, listRotations, requestRotation, Vote, voteOnRotation } from '../api/keys';
import { queryKeys } from './query-keys';

export const useKeys = () => useQuery({ queryKey: queryKeys.keys, queryFn: getKeys, refetchInterval: 10_000 });

export const useRotations = () => useQuery({ queryKey: queryKeys.rotations, queryFn: listRotations, refetchInterval: 5000 });

/** After any rotation change: requests, key versions and the overview's key may all have moved. */
function useRefreshKeys() {
  const client = useQueryClient();
  return () =>
    Promise.all([queryKeys.rotations, queryKeys.keys, queryKeys.overview].map((queryKey) => client.invalidateQueries({ queryKey })));
}

export function useRequestRotation() {
  const refresh = useRefreshKeys();
  return useMutation({ mutationFn: requestRotation, onSuccess: refresh });
}

export function useVote() {
  const refresh = useRefreshKeys();
  return useMutation({
    mutationFn: ({ rotation, vote, reason }: { rotation: RotationView; vote: Vote; reason?: string }) => voteOnRotation(rotation, vote, reason),
    onSuccess: refresh,
  });
}

export function useCancelRotation() {
  const refresh = useRefreshKeys();
  return useMutation({ mutationFn: cancelRotation, onSuccess: refresh });
}
