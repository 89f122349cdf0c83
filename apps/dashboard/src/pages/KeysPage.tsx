import type { KeysView, RotationView, SessionView } from '@nf/contracts';
import { FormEvent, useState } from 'react';
import { Badge, Tone } from '../components/Badge';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { ErrorText } from '../components/ErrorText';
import { TableHead } from '../components/TableHead';
import { useCancelRotation, useKeys, useRequestRotation, useRotations, useVote } from '../hooks/use-keys';
import { useNow } from '../hooks/use-now';
import { formatCountdown, formatSpan, formatTime, groupHex } from '../lib/format';
import type { Vote } from '../api/keys';
import { OPEN_STATUSES, rotationActions, rotationTitle, voteConsequences } from '../lib/rotation';

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
  return (
    <section className="card" aria-labelledby="versions-title">
      <h2 id="versions-title">Key versions</h2>
      <p>
        {keys.algorithm}; minimum version {keys.minVersion}. Clients pin a version's identity (SHA-256 of its ML-DSA-65 key): it
        survives bundle renewals, and a rotation hands it on to the next version by cross-signature.
      </p>
      <table data-testid="key-versions">
        <TableHead columns={['Version', 'State', 'Created', 'Verify-only until', 'Identity pin (sha256)']} />
        <tbody>
          {[...keys.versions].reverse().map((v) => (
            <tr key={v.version} data-testid={`key-version-${v.version}`}>
              <td>{v.version}</td>
              <td>
                <Badge tone={STATE_TONE[v.state]}>{v.state}</Badge> {v.belowMinimum && <Badge tone="bad">below minimum</Badge>}
              </td>
              <td>{formatTime(v.createdAt)}</td>
              <td>{v.verifyUntil ? formatTime(v.verifyUntil) : '–'}</td>
              <td className="mono">{v.identitySha256 ? groupHex(v.identitySha256) : '– (its seeds cannot be read)'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
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
  const actions = rotationActions(rotation, admin, now);
  const confirm = () =>
    confirming && vote.mutate({ rotation: confirming.rotation, vote: confirming.vote }, { onSuccess: () => setConfirming(null) });
  return (
    <article className="card rotation" aria-labelledby={`rotation-${rotation.id}`} data-testid="pending-rotation">
      <h3 id={`rotation-${rotation.id}`}>
        {rotationTitle(rotation)} <Badge tone={STATUS_TONE[rotation.status]}>{rotation.status}</Badge>
      </h3>
      <dl className="facts">
        <dt>Requested by</dt>
        <dd data-testid="rotation-requester">{rotation.requester.name}</dd>
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
        <dt>Expires in</dt>
        <dd>
          <time dateTime={new Date(rotation.expiresAt).toISOString()} data-testid="rotation-expiry">
            {formatCountdown(rotation.expiresAt - now)}
          </time>
        </dd>
      </dl>
      {actions.note && <p className="muted" data-testid="rotation-note">{actions.note}</p>}
      <div className="actions">
        {actions.approve && (
          <button type="button" className="primary" onClick={() => setConfirming({ vote: 'approve', rotation })}>
            Approve
          </button>
        )}
        {actions.reject && (
          <button type="button" className="danger" onClick={() => setConfirming({ vote: 'reject', rotation })}>
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
          onConfirm={confirm}
          onCancel={() => {
            setConfirming(null);
            vote.reset();
          }}
        >
          <ErrorText action={confirming.vote === 'approve' ? 'Approving' : 'Rejecting'} error={vote.error} />
        </ConfirmDialog>
      )}
    </article>
  );
}

function History({ rotations }: { rotations: RotationView[] }) {
  return (
    <section className="card" aria-labelledby="history-title">
      <h2 id="history-title">History</h2>
      {rotations.length === 0 ? (
        <p>No decided rotation requests yet.</p>
      ) : (
        <table data-testid="rotation-history">
          <TableHead columns={['Requested', 'By', 'Change', 'Reason', 'Outcome', 'Votes', 'Key version after']} />
          <tbody>
            {rotations.map((r) => (
              <tr key={r.id}>
                <td>{formatTime(r.createdAt)}</td>
                <td>{r.requester.name}</td>
                <td>{rotationTitle(r)}</td>
                <td>{r.reason}</td>
                <td>
                  <Badge tone={STATUS_TONE[r.status]}>{r.status}</Badge>
                  {r.error && <span className="error"> {r.error}</span>}
                </td>
                <td>
                  {[...r.approvals.map((a) => `${a.admin.name} approved`), ...r.rejections.map((a) => `${a.admin.name} rejected`)].join(', ') || '–'}
                </td>
                <td>{r.keyVersionAfter ?? '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function KeysPage({ admin }: { admin: SessionView['admin'] }) {
  const keys = useKeys();
  const rotations = useRotations();
  const open = rotations.data?.filter((r) => OPEN_STATUSES.has(r.status)) ?? [];
  const decided = rotations.data?.filter((r) => !OPEN_STATUSES.has(r.status)) ?? [];
  return (
    <>
      <h1>Keys &amp; rotations</h1>
      <ErrorText action="Reading the key versions" error={keys.error} />
      {keys.data && <KeyVersions keys={keys.data} />}
      {admin.role === 'admin' && <RequestRotation />}
      <section aria-labelledby="pending-title">
        <h2 id="pending-title">Open requests</h2>
        <ErrorText action="Reading the rotation requests" error={rotations.error} />
        {rotations.data && open.length === 0 && <p>No open rotation request.</p>}
        {open.map((r) => (
          <PendingRotation key={r.id} rotation={r} keys={keys.data} admin={admin} />
        ))}
      </section>
      {rotations.data && <History rotations={decided} />}
    </>
  );
}
