import type { KeysView, RotationView, SessionView } from '@nf/contracts';
import type { Vote } from '../api/keys';
import { formatSpan, formatTime } from './format';

/** What the signed-in admin may do with a request, and why not where they may not. */
export interface RotationActions {
  approve: boolean;
  reject: boolean;
  cancel: boolean;
  /** Shown instead of the missing buttons. */
  note?: string;
}

export const OPEN_STATUSES: ReadonlySet<RotationView['status']> = new Set(['PENDING', 'APPROVED', 'EXECUTING']);

export function rotationActions(rotation: RotationView, admin: SessionView['admin'], now: number): RotationActions {
  const none = { approve: false, reject: false, cancel: false };
  if (rotation.status !== 'PENDING') return none;
  if (rotation.expiresAt <= now) return { ...none, note: 'This request expired unanswered.' };
  if (admin.role !== 'admin') return { ...none, note: 'Read-only: voting needs the admin role.' };
  const mine = rotation.requester.id === admin.id;
  const voted = [...rotation.approvals, ...rotation.rejections].some((v) => v.admin.id === admin.id);
  if (mine) {
    return { approve: false, reject: false, cancel: true, note: `You requested this ${rotation.kind === 'rotate' ? 'rotation' : 'change'}: another admin must approve it.` };
  }
  if (voted) return { ...none, note: 'You already voted on this request.' };
  return { approve: true, reject: true, cancel: false };
}

/** What a request changes, in a few words (headings, history). */
export function rotationTitle(rotation: Pick<RotationView, 'kind' | 'targetKeyVersion' | 'minVersion'>): string {
  return rotation.kind === 'min-version' ? `Set the minimum key version to ${rotation.minVersion}` : `Rotate to key version ${rotation.targetKeyVersion}`;
}

/** Exactly what a vote changes, line by line, for the confirmation dialog. */
export function voteConsequences(rotation: RotationView, keys: KeysView | undefined, vote: Vote, now: number): string[] {
  if (rotation.kind === 'min-version') return minVersionConsequences(rotation, keys, vote);
  const from = rotation.targetKeyVersion - 1;
  const lines: string[] = [];
  if (vote === 'reject') {
    lines.push(`The request ends as REJECTED; no other vote can revive it.`);
    lines.push(`Key version ${from} stays active. The keystore does not change.`);
    return lines;
  }
  const after = rotation.approvals.length + 1;
  if (after < rotation.approvalsRequired) {
    lines.push(`This is approval ${after} of ${rotation.approvalsRequired}: nothing executes yet.`);
    lines.push(`Once ${rotation.approvalsRequired} admins other than ${rotation.requester.name} approve, the rotation below executes.`);
  } else {
    lines.push(`This approval completes the quorum (${after} of ${rotation.approvalsRequired}): the rotation executes at once.`);
  }
  lines.push(`Key version ${rotation.targetKeyVersion} is created and becomes active: new handshakes use it.`);
  lines.push(
    `Key version ${from} becomes verify-only for ${formatSpan(rotation.graceSeconds)} (until about ${formatTime(now + rotation.graceSeconds * 1000)}): existing sessions keep working, then it retires.`,
  );
  if (keys && keys.activeVersion === from) {
    lines.push(`The identity clients pin changes (now ${keys.sha256.slice(0, 16)}…); pinned clients follow the old identity's cross-signature to the new one.`);
  } else if (keys) {
    lines.push(`Warning: key version ${keys.activeVersion} is active now, not ${from}; the rotation will fail as overtaken.`);
  }
  lines.push(`Your vote is bound to request hash ${rotation.requestHash.slice(0, 16)}…; if the request changes, it no longer counts.`);
  return lines;
}

function minVersionConsequences(rotation: RotationView, keys: KeysView | undefined, vote: Vote): string[] {
  const target = rotation.minVersion!;
  const current = keys?.minVersion;
  if (vote === 'reject') {
    return ['The request ends as REJECTED; no other vote can revive it.', `The minimum key version stays ${current ?? 'as it is'}.`];
  }
  const lines: string[] = [];
  const after = rotation.approvals.length + 1;
  lines.push(
    after < rotation.approvalsRequired
      ? `This is approval ${after} of ${rotation.approvalsRequired}: nothing changes yet.`
      : `This approval completes the quorum (${after} of ${rotation.approvalsRequired}): the change applies at once.`,
  );
  if (current === undefined) lines.push(`The minimum usable key version becomes ${target}.`);
  else if (target > current) lines.push(`Key versions ${current}..${target - 1} stop serving at once: every session made under them ends.`);
  else if (target < current) lines.push(`Key versions ${target}..${current - 1} serve again: their sessions work again while inside their grace windows.`);
  else lines.push(`The minimum key version is already ${target}: nothing changes.`);
  lines.push(`Your vote is bound to request hash ${rotation.requestHash.slice(0, 16)}…; if the request changes, it no longer counts.`);
  return lines;
}

/** Why a rejection reason cannot be sent yet, or undefined when it can (10 to 500 characters, as the API requires). */
export function rejectionReasonProblem(reason: string): string | undefined {
  const length = reason.trim().length;
  if (length < 10) return `Say why in at least 10 characters (${length} so far).`;
  if (length > 500) return `At most 500 characters (${length}).`;
  return undefined;
}

/** Who decided a request and how, one line each, for the history: votes with their times, a rejection's reason, the system's expiry. */
export function decisionSummary(rotation: RotationView): string[] {
  const lines = [
    ...rotation.approvals.map((a) => `approved by ${a.admin.name} at ${formatTime(a.at)}`),
    ...rotation.rejections.map((r) => `rejected by ${r.admin.name} at ${formatTime(r.at)}${r.reason ? `: “${r.reason}”` : ''}`),
  ];
  if (rotation.status === 'CANCELLED') lines.push(`cancelled by ${rotation.requester.name}`);
  if (rotation.status === 'EXPIRED') lines.push('expired unanswered');
  return lines.length ? lines : ['–'];
}
