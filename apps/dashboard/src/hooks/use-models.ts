import { useMutation, useQueryClient } from '@tanstack/react-query';
import { changeModel, ModelAction } from '../api/models';
import { queryKeys } from './query-keys';

export function useChangeModel() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ name, action }: { name: string; action: ModelAction }) => changeModel(name, action),
    onSettled: () => client.invalidateQueries({ queryKey: queryKeys.overview }),
  });
}
