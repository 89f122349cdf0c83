import { useQuery } from '@tanstack/react-query';
import { getPolicies } from '../api/policies';
import { queryKeys } from './query-keys';

export const usePolicies = () => useQuery({ queryKey: queryKeys.policies, queryFn: getPolicies, refetchInterval: 15_000 });
