import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { AuditFilters, auditEntry, auditFacets, listAudit, verifyAudit } from '../api/audit';
import { queryKeys } from './query-keys';

/** The list is read again every 10 s, so new entries (and an outdated chain check) show without a reload. */
export const AUDIT_POLL_MS = 10_000;

export const useAudit = (filters: AuditFilters) =>
  useQuery({ queryKey: queryKeys.audit(filters), queryFn: () => listAudit(filters), refetchInterval: AUDIT_POLL_MS, placeholderData: keepPreviousData });

/** One entry in full (hash, link, signature), only when asked for. */
export const useAuditEntry = (seq: number | undefined) =>
  useQuery({ queryKey: queryKeys.auditEntry(seq ?? 0), queryFn: () => auditEntry(seq!), enabled: seq !== undefined, staleTime: Infinity });

export const useAuditFacets = () => useQuery({ queryKey: queryKeys.auditFacets, queryFn: auditFacets, refetchInterval: 60_000 });

/** Walks the whole chain on the server (cost grows with the log): on open, on request, and when newer entries appear. */
export const useAuditVerification = () => useQuery({ queryKey: queryKeys.auditVerify, queryFn: verifyAudit, staleTime: Infinity });
