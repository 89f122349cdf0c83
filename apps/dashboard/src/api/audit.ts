import type { AuditChainReport, AuditEntrySummaryView, AuditEntryView, AuditFacetsView, AuditPageView } from '@nf/contracts';
import { request } from './client';

/** GET /audit filters; every one optional, times in epoch ms. */
export interface AuditFilters {
  action?: string;
  actorId?: string;
  actorName?: string;
  since?: number;
  until?: number;
  beforeSeq?: number;
  afterSeq?: number;
}

export function auditQueryString(filters: AuditFilters & { view?: 'summary' | 'full'; limit?: number }): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(filters)) {
    if (value !== undefined && value !== '') params.set(name, String(value));
  }
  const query = params.toString();
  return query ? `?${query}` : '';
}

/** Pages for the list are slim (no hash, link or signature); one entry in full comes from auditEntry. */
export const listAudit = (filters: AuditFilters) =>
  request<AuditPageView<AuditEntrySummaryView>>('GET', `/audit${auditQueryString({ ...filters, view: 'summary', limit: AUDIT_PAGE_SIZE })}`);
export const AUDIT_PAGE_SIZE = 50;
export const auditEntry = (seq: number) => request<AuditEntryView>('GET', `/audit/${seq}`);
export const auditFacets = () => request<AuditFacetsView>('GET', '/audit/facets');
export const verifyAudit = () => request<AuditChainReport>('GET', '/audit/verify');
