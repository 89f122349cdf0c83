import type { AuditEntrySummaryView } from '@nf/contracts';
import { FormEvent, Fragment, useEffect, useState } from 'react';
import type { AuditFilters } from '../api/audit';
import { Badge } from '../components/Badge';
import { ErrorText } from '../components/ErrorText';
import { Freshness, Panel, usePanelState } from '../components/Panel';
import { TableHead } from '../components/TableHead';
import { useAudit, useAuditEntry, useAuditFacets, useAuditVerification } from '../hooks/use-audit';
import { actionParts, actorLabel, pageRange, verificationOutdated } from '../lib/audit';
import { formatTime } from '../lib/format';

/** datetime-local input (read as UTC, like every time shown here) -> epoch ms. */
const toEpoch = (value: string) => (value ? Date.parse(`${value}Z`) : undefined);

/** An action that wraps only after an underscore. */
function Action({ action }: { action: string }) {
  return (
    <span className="action">
      {actionParts(action).map((part, i) => (
        <Fragment key={i}>
          {part}
          <wbr />
        </Fragment>
      ))}
    </span>
  );
}

/**
 * The whole-chain check with the time it ran. It covers entries 1..N; once the list shows a newer
 * entry it is out of date and runs again by itself (and on request).
 */
function ChainVerification({ newestSeq }: { newestSeq?: number }) {
  const verification = useAuditVerification();
  const report = verification.data;
  const outdated = verificationOutdated(report, newestSeq);
  const { refetch, isFetching } = verification;
  useEffect(() => {
    if (outdated && !isFetching) void refetch();
  }, [outdated, isFetching, refetch]);
  const state = usePanelState(verification);
  return (
    <section className="card" aria-labelledby="chain-title" data-testid="panel-chain">
      <header className="panel-head">
        <h2 id="chain-title">Chain verification</h2>
        <Freshness state={state} />
      </header>
      <p data-testid="chain-result" role="status">
        {isFetching && 'Verifying every entry… '}
        {report?.ok && <Badge tone="good">intact: {report.entries} entries, hashes, links and signatures hold</Badge>}
        {report && !report.ok && (
          <Badge tone="bad">
            broken at entry {report.firstBroken?.seq}: {report.firstBroken?.reason} ({report.entries} entries)
          </Badge>
        )}
      </p>
      {report && (
        <p className="muted" data-testid="chain-checked-at">
          Checked at {formatTime(report.checkedAt)}
          {outdated ? ` — newer entries since (up to #${newestSeq}); checking again` : ''}.
        </p>
      )}
      <button type="button" onClick={() => refetch()} disabled={isFetching}>
        Verify again
      </button>
      <ErrorText action="Verifying the chain" error={verification.error} />
    </section>
  );
}

/** One entry in full (its hash, link and signature), fetched when opened. */
function EntryDetails({ entry }: { entry: AuditEntrySummaryView }) {
  const [open, setOpen] = useState(false);
  const full = useAuditEntry(open ? entry.seq : undefined);
  const summary = Object.keys(entry.details).length ? JSON.stringify(entry.details) : '';
  return (
    <details onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)} data-testid={`entry-${entry.seq}`}>
      <summary>
        <span className="details-summary mono">{summary || 'full entry'}</span>
      </summary>
      <ErrorText action="Reading the entry" error={full.error} />
      {full.data && (
        <pre className="mono entry-full" data-testid={`entry-${entry.seq}-full`}>
          {JSON.stringify(full.data, null, 2)}
        </pre>
      )}
    </details>
  );
}

const EMPTY_DRAFT = { action: '', actorName: '', since: '', until: '' };

export function AuditPage() {
  const [draft, setDraft] = useState(EMPTY_DRAFT);
  const [filters, setFilters] = useState<AuditFilters>({});
  const audit = useAudit(filters);
  const facets = useAuditFacets();
  const state = usePanelState(audit);
  const page = audit.data;
  const entries = page?.entries ?? [];
  // The newest entry there is: what the chain check must cover (only known on the first page).
  const newestSeq = page && page.newer === 0 ? entries[0]?.seq : undefined;
  // Paged back to the newest entries: follow the head again, so new entries show as they come.
  useEffect(() => {
    if (page && page.newer === 0 && filters.afterSeq !== undefined) setFilters(({ afterSeq: _, ...rest }) => rest);
  }, [page, filters.afterSeq]);
  const apply = (event: FormEvent) => {
    event.preventDefault();
    setFilters({ action: draft.action || undefined, actorName: draft.actorName || undefined, since: toEpoch(draft.since), until: toEpoch(draft.until) });
  };
  const pageTo = (cursor: Pick<AuditFilters, 'beforeSeq' | 'afterSeq'>) => setFilters({ ...filters, beforeSeq: undefined, afterSeq: undefined, ...cursor });
  const field = (name: keyof typeof draft) => ({
    name,
    value: draft[name],
    onChange: (e: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) => setDraft({ ...draft, [name]: e.target.value }),
  });
  const actorNames = [...new Set(facets.data?.actors.map((a) => a.name) ?? [])];
  return (
    <>
      <h1>Audit</h1>
      <ChainVerification newestSeq={newestSeq} />
      <form className="card filters" onSubmit={apply} aria-labelledby="filters-title">
        <h2 id="filters-title">Filters</h2>
        <label>
          Action
          <select {...field('action')}>
            <option value="">any action</option>
            {facets.data?.actions.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </label>
        <label>
          Actor
          <select {...field('actorName')}>
            <option value="">anyone</option>
            {actorNames.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <label>
          From (UTC)
          <input type="datetime-local" {...field('since')} />
        </label>
        <label>
          To (UTC)
          <input type="datetime-local" {...field('until')} />
        </label>
        <div className="actions">
          <button type="submit" className="primary">
            Apply filters
          </button>
          <button
            type="button"
            onClick={() => {
              setDraft(EMPTY_DRAFT);
              setFilters({});
            }}
          >
            Clear
          </button>
        </div>
        <ErrorText action="Reading the filter values" error={facets.error} />
      </form>
      <Panel id="audit" title="Entries" state={state}>
        {page && <Pager page={page} onPage={pageTo} />}
        <table
          data-testid="audit-entries"
          className="stack audit-table"
          // What the rows shown were read for (absent while the previous rows stand in for a new query).
          data-shows={audit.isPlaceholderData ? undefined : JSON.stringify({ action: filters.action ?? '', actor: filters.actorName ?? '' })}
        >
          <TableHead columns={['#', 'Time', 'Actor', 'Action', 'Target', 'Key version', 'Details']} />
          <tbody>
            {entries.map((e) => (
              <tr key={e.seq}>
                <td data-label="#">{e.seq}</td>
                <td data-label="Time">{formatTime(e.at)}</td>
                <td data-label="Actor" data-testid="audit-actor">
                  {actorLabel(e.actor)}
                </td>
                <td data-label="Action" className="mono">
                  <Action action={e.action} />
                </td>
                <td data-label="Target" className="mono">
                  {e.target ?? '–'}
                </td>
                <td data-label="Key version">
                  {e.keyVersionAfter !== null && e.keyVersionAfter !== e.keyVersionBefore ? `${e.keyVersionBefore} → ${e.keyVersionAfter}` : (e.keyVersionBefore ?? '–')}
                </td>
                <td data-label="Details" className="details">
                  <EntryDetails entry={e} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {page && entries.length > 0 && <Pager page={page} onPage={pageTo} />}
      </Panel>
    </>
  );
}

/** Newer and older pages, with the range this one shows. */
function Pager({ page, onPage }: { page: { entries: AuditEntrySummaryView[]; total: number; newer: number; nextBeforeSeq?: number }; onPage(cursor: { beforeSeq?: number; afterSeq?: number }): void }) {
  return (
    <nav className="pager" aria-label="Audit pages">
      <button type="button" onClick={() => onPage({ afterSeq: page.entries[0]?.seq })} disabled={page.newer === 0}>
        ← Newer
      </button>
      <span data-testid="audit-range">{pageRange(page)}</span>
      <button type="button" onClick={() => onPage({ beforeSeq: page.nextBeforeSeq })} disabled={page.nextBeforeSeq === undefined}>
        Older →
      </button>
    </nav>
  );
}
