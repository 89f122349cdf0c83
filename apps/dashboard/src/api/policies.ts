import type { PoliciesView } from '@nf/contracts';
import { request } from './client';

export const getPolicies = () => request<PoliciesView>('GET', '/policies');
