import { request } from './client';

export type ModelAction = 'load' | 'unload';

/** Triton's repository extension: load (or reload) the latest version, or unload. Admins only. */
export const changeModel = (name: string, action: ModelAction) =>
  request<unknown>('POST', `/v2/repository/models/${encodeURIComponent(name)}/${action}`);
