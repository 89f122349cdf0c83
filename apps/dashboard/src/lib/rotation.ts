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
  if (mine) return { approve: false, reject: false, cancel: true, note: 'You requested this rotation: another admin must approve it.' };
  if (voted) return { ...none, note: 'You already voted on this request.' };
  return { approve: true, reject: true, cancel: false };
}

/** Exactly what a vote changes, line by line, for the confirmation dialog. */
export function voteConsequences(rotation: RotationView, keys: KeysView | undefined, vote: Vote, now: number): string[] {
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
