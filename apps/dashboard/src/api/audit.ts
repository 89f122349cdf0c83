import type { AuditChainReport, AuditPageView } from '@nf/contracts';
import { request } from './client';

/** GET /audit filters; every one optional, times in epoch ms. */
export interface AuditFilters {
  action?: string;
  actorId?: string;
  since?: number;
  until?: number;
  beforeSeq?: number;
}

export function auditQueryString(filters: AuditFilters): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(filters)) {
    if (value !== undefined && value !== '') params.set(name, String(value));
  }
  const query = params.toString();
  return query ? `?${query}` : '';
}

export const listAudit = (filters: AuditFilters) => request<AuditPageView>('GET', `/audit${auditQueryString(filters)}`);

export const verifyAudit = () => request<AuditChainReport>('GET', '/audit/verify');
