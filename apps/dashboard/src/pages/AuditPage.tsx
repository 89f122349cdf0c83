import { FormEvent, useState } from 'react';
import type { AuditFilters } from '../api/audit';
import { Badge } from '../components/Badge';
import { ErrorText } from '../components/ErrorText';
import { TableHead } from '../components/TableHead';
import { useAudit, useAuditVerification } from '../hooks/use-audit';
import { formatTime } from '../lib/format';

/** datetime-local input (read as UTC, like every time shown here) -> epoch ms. */
const toEpoch = (value: string) => (value ? Date.parse(`${value}Z`) : undefined);

function ChainVerification() {
  const verification = useAuditVerification();
  const report = verification.data;
  return (
    <section className="card" aria-labelledby="chain-title">
      <h2 id="chain-title">Chain verification</h2>
      <p data-testid="chain-result" role="status">
        {verification.isFetching && 'Verifying every entry…'}
        {!verification.isFetching && report?.ok && <Badge tone="good">intact: {report.entries} entries, hashes, links and signatures hold</Badge>}
        {!verification.isFetching && report && !report.ok && (
          <Badge tone="bad">
            broken at entry {report.firstBroken?.seq}: {report.firstBroken?.reason} ({report.entries} entries)
          </Badge>
        )}
      </p>
      <button type="button" onClick={() => verification.refetch()} disabled={verification.isFetching}>
        Verify again
      </button>
      <ErrorText action="Verifying the chain" error={verification.error} />
    </section>
  );
}

export function AuditPage() {
  const [draft, setDraft] = useState({ action: '', actorId: '', since: '', until: '' });
  const [filters, setFilters] = useState<AuditFilters>({});
  const audit = useAudit(filters);
  const entries = audit.data?.entries ?? [];
  const apply = (event: FormEvent) => {
    event.preventDefault();
    setFilters({ action: draft.action.trim() || undefined, actorId: draft.actorId.trim() || undefined, since: toEpoch(draft.since), until: toEpoch(draft.until) });
  };
  const field = (name: keyof typeof draft) => ({ name, value: draft[name], onChange: (e: React.ChangeEvent<HTMLInputElement>) => setDraft({ ...draft, [name]: e.target.value }) });
  return (
    <>
      <h1>Audit</h1>
      <ChainVerification />
      <form className="card filters" onSubmit={apply} aria-labelledby="filters-title">
        <h2 id="filters-title">Filters</h2>
        <label>
          Action
          <input {...field('action')} placeholder="e.g. rotation_approved" list="audit-actions" />
        </label>
        <datalist id="audit-actions">
          {[...new Set(entries.map((e) => e.action))].map((a) => (
            <option key={a} value={a} />
          ))}
        </datalist>
        <label>
          Actor id
          <input {...field('actorId')} />
        </label>
        <label>
          From (UTC)
          <input type="datetime-local" {...field('since')} />
        </label>
        <label>
          To (UTC)
          <input type="datetime-local" {...field('until')} />
        </label>
        <button type="submit" className="primary">
          Apply filters
        </button>
      </form>
      <ErrorText action="Reading the audit log" error={audit.error} />
      <table data-testid="audit-entries">
        <TableHead columns={['#', 'Time', 'Actor', 'Action', 'Target', 'Key version', 'Details']} />
        <tbody>
          {entries.map((e) => (
            <tr key={e.seq}>
              <td>{e.seq}</td>
              <td>{formatTime(e.at)}</td>
              <td>
                {e.actor.name ?? e.actor.id ?? '–'} <span className="muted">({e.actor.type})</span>
              </td>
              <td className="mono">{e.action}</td>
              <td className="mono">{e.target ?? '–'}</td>
              <td>{e.keyVersionAfter !== null && e.keyVersionAfter !== e.keyVersionBefore ? `${e.keyVersionBefore} → ${e.keyVersionAfter}` : (e.keyVersionBefore ?? '–')}</td>
              <td className="mono details">{Object.keys(e.details).length ? JSON.stringify(e.details) : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {audit.data && entries.length === 0 && <p>No entries match.</p>}
      {audit.data?.nextBeforeSeq && (
        <button type="button" onClick={() => setFilters({ ...filters, beforeSeq: audit.data.nextBeforeSeq })}>
          Older entries
        </button>
      )}
    </>
  );
}
