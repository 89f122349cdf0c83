import type { AuditChainReport, AuditEntrySummaryView, AuditPageView } from '@nf/contracts';

/**
 * Who acted, as people read it: an account's name with its role when the entry was written
 * ("vera (viewer)"), what kind of actor otherwise ("system", "cli: deploy-bot").
 */
export function actorLabel(actor: AuditEntrySummaryView['actor']): string {
  const name = actor.name ?? actor.id;
  if (actor.type === 'admin') return `${name ?? 'unknown account'} (${actor.role ?? 'role not recorded'})`;
  if (actor.type === 'anonymous') return name ? `anonymous: ${name}` : 'anonymous';
  return name && name !== actor.type ? `${actor.type}: ${name}` : actor.type;
}

/** An action split after each underscore: the only places it may wrap ("rotation_" + "cancelled", never mid-word). */
export const actionParts = (action: string): string[] => action.split(/(?<=_)/);

/** "Entries 51–100 of 322, newest first"; "No entries match" for an empty page. */
export function pageRange(page: Pick<AuditPageView<AuditEntrySummaryView>, 'entries' | 'total' | 'newer'>): string {
  if (page.entries.length === 0) return page.total === 0 ? 'No entries match.' : `No entries here (${page.total} match).`;
  const first = page.newer + 1;
  return `Entries ${first}–${page.newer + page.entries.length} of ${page.total}, newest first`;
}

/**
 * Whether a chain check still describes the log: it covered entries 1..report.entries; an entry
 * listed with a higher seq came after it, and the check is out of date.
 */
export function verificationOutdated(report: AuditChainReport | undefined, newestSeq: number | undefined): boolean {
  return !!report && newestSeq !== undefined && newestSeq > report.entries;
}
