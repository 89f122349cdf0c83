import { useQuery } from '@tanstack/react-query';
import { AuditFilters, listAudit, verifyAudit } from '../api/audit';
import { queryKeys } from './query-keys';

export const useAudit = (filters: AuditFilters) => useQuery({ queryKey: queryKeys.audit(filters), queryFn: () => listAudit(filters) });

/** Walks the whole chain on the server (cost grows with the log), so only on open and on request. */
export const useAuditVerification = () => useQuery({ queryKey: queryKeys.auditVerify, queryFn: verifyAudit, staleTime: Infinity });
