import type { KeysView, RotationView, SessionView } from '@nf/contracts';
import { FormEvent, useState } from 'react';
import { Badge, Tone } from '../components/Badge';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { ErrorText } from '../components/ErrorText';
import { Panel, usePanelState } from '../components/Panel';
import { TableHead } from '../components/TableHead';
import { useCancelRotation, useKeys, useRequestRotation, useRotations, useVote } from '../hooks/use-keys';
import { useNow } from '../hooks/use-now';
import { formatCountdown, formatSpan, formatTime, groupHex } from '../lib/format';
import type { Vote } from '../api/keys';
import { decisionSummary, OPEN_STATUSES, rejectionReasonProblem, rotationActions, rotationTitle, voteConsequences } from '../lib/rotation';

const MIN_REASON = 10;
const MAX_REASON = 500;

const STATE_TONE: Record<string, Tone> = { active: 'good', 'verify-only': 'warn', retired: 'neutral' };
const STATUS_TONE: Record<RotationView['status'], Tone> = {
  PENDING: 'warn',
  APPROVED: 'warn',
  EXECUTING: 'warn',
  EXECUTED: 'good',
  REJECTED: 'bad',
  CANCELLED: 'neutral',
  EXPIRED: 'neutral',
  FAILED: 'bad',
};

function KeyVersions({ keys }: { keys: KeysView }) {
  const now = useNow(60_000);
  return (
    <>
      <p>
        {keys.algorithm}; minimum version {keys.minVersion}. Clients pin a version's identity (SHA-256 of its ML-DSA-65 key): it
        survives bundle renewals, and a rotation hands it on to the next version by cross-signature.
      </p>
      <p data-testid="bundle-expiry">
        The active version's signed bundle is valid until <strong>{formatTime(keys.bundleNotAfter)}</strong> (in {formatCountdown(Date.parse(keys.bundleNotAfter) - now)});
        the service re-signs it when a third of its validity remains.
      </p>
      <table data-testid="key-versions" className="stack">
        <TableHead columns={['Version', 'State', 'Created', 'Verify-only until', 'Identity pin (sha256)']} />
        <tbody>
          {[...keys.versions].reverse().map((v) => (
            <tr key={v.version} data-testid={`key-version-${v.version}`}>
              <td data-label="Version">{v.version}</td>
              <td data-label="State">
                <Badge tone={STATE_TONE[v.state]}>{v.state}</Badge> {v.belowMinimum && <Badge tone="bad">below minimum</Badge>}
              </td>
              <td data-label="Created">{formatTime(v.createdAt)}</td>
              <td data-label="Verify-only until">{v.verifyUntil ? formatTime(v.verifyUntil) : '–'}</td>
              <td data-label="Identity pin" className="mono">{v.identitySha256 ? groupHex(v.identitySha256) : '– (its seeds cannot be read)'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function RequestRotation() {
  const request = useRequestRotation();
  const [reason, setReason] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    request.mutate(reason.trim(), { onSuccess: () => setReason('') });
  };
  return (
    <form className="card" onSubmit={submit} aria-labelledby="request-title">
      <h2 id="request-title">Request a rotation</h2>
      <label>
        Reason (shown to approvers, kept in the audit log)
        <textarea name="reason" required minLength={MIN_REASON} maxLength={MAX_REASON} rows={2} value={reason} onChange={(e) => setReason(e.target.value)} />
      </label>
      <button type="submit" className="primary" disabled={request.isPending}>
        Request rotation
      </button>
      <ErrorText action="Requesting the rotation" error={request.error} />
    </form>
  );
}

function approvalTitle(rotation: RotationView): string {
  return rotation.kind === 'rotate' ? `Approve rotation to key version ${rotation.targetKeyVersion}?` : `Approve setting the minimum key version to ${rotation.minVersion}?`;
}

function PendingRotation({ rotation, keys, admin }: { rotation: RotationView; keys?: KeysView; admin: SessionView['admin'] }) {
  const now = useNow();
  const vote = useVote();
  const cancel = useCancelRotation();
  // The request as it was when the dialog opened: a poll may replace `rotation` meanwhile, and the
  // vote must bind to what the admin read (its requestHash), not to whatever arrived since.
  const [confirming, setConfirming] = useState<{ vote: Vote; rotation: RotationView } | null>(null);
  const [reason, setReason] = useState('');
  const actions = rotationActions(rotation, admin, now);
  const reasonProblem = confirming?.vote === 'reject' ? rejectionReasonProblem(reason) : undefined;
  const confirm = () =>
    confirming &&
    vote.mutate(
      { rotation: confirming.rotation, vote: confirming.vote, reason: confirming.vote === 'reject' ? reason.trim() : undefined },
      { onSuccess: () => setConfirming(null) },
    );
  const open = (choice: Vote) => {
    setReason('');
    setConfirming({ vote: choice, rotation });
  };
  return (
    <article className="card rotation" aria-labelledby={`rotation-${rotation.id}`} data-testid="pending-rotation">
      <h3 id={`rotation-${rotation.id}`}>
        {rotationTitle(rotation)} <Badge tone={STATUS_TONE[rotation.status]}>{rotation.status}</Badge>
      </h3>
      <dl className="facts">
        <dt>Request id</dt>
        <dd className="mono" data-testid="rotation-id">{rotation.id}</dd>
        <dt>Requested by</dt>
        <dd data-testid="rotation-requester">{rotation.requester.name}</dd>
        <dt>Requested at</dt>
        <dd data-testid="rotation-requested-at">{formatTime(rotation.createdAt)}</dd>
        <dt>Reason</dt>
        <dd>{rotation.reason}</dd>
        <dt>Approvals</dt>
        <dd data-testid="rotation-votes">
          {rotation.approvals.length} of {rotation.approvalsRequired}
          {rotation.approvals.length > 0 && ` (${rotation.approvals.map((a) => a.admin.name).join(', ')})`}
        </dd>
        {rotation.kind === 'rotate' && (
          <>
            <dt>Grace for the current key</dt>
            <dd>{formatSpan(rotation.graceSeconds)}</dd>
          </>
        )}
        <dt>Expires</dt>
        <dd>
          <time dateTime={new Date(rotation.expiresAt).toISOString()} data-testid="rotation-expiry">
            {formatTime(rotation.expiresAt)}
          </time>{' '}
          <span className="muted" data-testid="rotation-countdown">
            (in {formatCountdown(rotation.expiresAt - now)})
          </span>
        </dd>
      </dl>
      {actions.note && <p className="muted" data-testid="rotation-note">{actions.note}</p>}
      <div className="actions">
        {actions.approve && (
          <button type="button" className="primary" onClick={() => open('approve')}>
            Approve
          </button>
        )}
        {actions.reject && (
          <button type="button" className="danger" onClick={() => open('reject')}>
            Reject
          </button>
        )}
        {actions.cancel && (
          <button type="button" onClick={() => cancel.mutate(rotation.id)} disabled={cancel.isPending}>
            Cancel request
          </button>
        )}
      </div>
      <ErrorText action="Cancelling" error={cancel.error} />
      {confirming && (
        <ConfirmDialog
          title={confirming.vote === 'approve' ? approvalTitle(confirming.rotation) : 'Reject this request?'}
          lines={voteConsequences(confirming.rotation, keys, confirming.vote, now)}
          confirmLabel={confirming.vote === 'approve' ? (confirming.rotation.kind === 'rotate' ? 'Approve rotation' : 'Approve change') : 'Reject request'}
          busy={vote.isPending}
          confirmDisabled={reasonProblem !== undefined}
          onConfirm={confirm}
          onCancel={() => {
            setConfirming(null);
            vote.reset();
          }}
        >
          {confirming.vote === 'reject' && (
            <label className="reason-field">
              Reason (required, shown in the history and kept in the audit log)
              <textarea
                name="reject-reason"
                data-autofocus
                required
                minLength={MIN_REASON}
                maxLength={MAX_REASON}
                rows={2}
                value={reason}
                onChange={(e) => setReason(e.target.value)}
                aria-describedby={`reason-help-${rotation.id}`}
              />
              <span id={`reason-help-${rotation.id}`} className="muted">
                {reasonProblem ?? 'Ready to reject.'}
              </span>
            </label>
          )}
          <ErrorText action={confirming.vote === 'approve' ? 'Approving' : 'Rejecting'} error={vote.error} />
        </ConfirmDialog>
      )}
    </article>
  );
}

function History({ rotations }: { rotations: RotationView[] }) {
  if (rotations.length === 0) return <p>No decided rotation requests yet.</p>;
  return (
    <table data-testid="rotation-history" className="stack">
      <TableHead columns={['Requested', 'Request', 'By', 'Change', 'Reason', 'Outcome', 'Decided', 'Deciders', 'Key version after']} />
      <tbody>
        {rotations.map((r) => (
          <tr key={r.id} data-testid={`rotation-${r.id}`}>
            <td data-label="Requested">{formatTime(r.createdAt)}</td>
            <td data-label="Request" className="mono" title={r.id}>
              {r.id.slice(0, 8)}
            </td>
            <td data-label="By">{r.requester.name}</td>
            <td data-label="Change">{rotationTitle(r)}</td>
            <td data-label="Reason">{r.reason}</td>
            <td data-label="Outcome">
              <Badge tone={STATUS_TONE[r.status]}>{r.status}</Badge>
              {r.error && <span className="error"> {r.error}</span>}
            </td>
            <td data-label="Decided">{r.decidedAt ? formatTime(r.decidedAt) : '–'}</td>
            <td data-label="Deciders" data-testid="rotation-deciders">
              {decisionSummary(r).map((line) => (
                <div key={line}>{line}</div>
              ))}
            </td>
            <td data-label="Key version after">{r.keyVersionAfter ?? '–'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function KeysPage({ admin }: { admin: SessionView['admin'] }) {
  const keys = useKeys();
  const rotations = useRotations();
  const keysState = usePanelState(keys);
  const rotationsState = usePanelState(rotations);
  const open = rotations.data?.filter((r) => OPEN_STATUSES.has(r.status)) ?? [];
  const decided = rotations.data?.filter((r) => !OPEN_STATUSES.has(r.status)) ?? [];
  return (
    <>
      <h1>Keys &amp; rotations</h1>
      <Panel id="keys" title="Key versions" state={keysState}>
        {keys.data && <KeyVersions keys={keys.data} />}
      </Panel>
      {admin.role === 'admin' && <RequestRotation />}
      <Panel id="open-requests" title="Open requests" state={rotationsState} className="plain-panel">
        {open.length === 0 && <p>No open rotation request.</p>}
        {open.map((r) => (
          <PendingRotation key={r.id} rotation={r} keys={keys.data} admin={admin} />
        ))}
      </Panel>
      <Panel id="history" title="History" state={rotationsState}>
        <History rotations={decided} />
      </Panel>
    </>
  );
}
