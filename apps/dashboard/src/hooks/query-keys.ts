import type { AuditFilters } from '../api/audit';

/** Every query key the dashboard uses, in one place. */
export const queryKeys = Object.freeze({
  session: ['session'] as const,
  serviceMode: ['service-mode'] as const,
  overview: ['overview'] as const,
  overviewHistory: (minutes: number) => ['overview', 'history', minutes] as const,
  probes: ['probes'] as const,
  keys: ['keys'] as const,
  rotations: ['rotations'] as const,
  audit: (filters: AuditFilters) => ['audit', 'entries', filters] as const,
  auditEntry: (seq: number) => ['audit', 'entry', seq] as const,
  auditFacets: ['audit', 'facets'] as const,
  auditVerify: ['audit', 'verify'] as const,
  policies: ['policies'] as const,
});
