import type { KeysView, RotationView } from '@nf/contracts';
import { request } from './client';

export const getKeys = () => request<KeysView>('GET', '/pqc/keys');

export const listRotations = () => request<RotationView[]>('GET', '/pqc/rotations');

export const requestRotation = (reason: string) => request<RotationView>('POST', '/pqc/rotations', { body: { reason } });

export type Vote = 'approve' | 'reject';

/** A vote names the request hash the voter reviewed: a request changed since then refuses it. A rejection says why. */
export const voteOnRotation = (rotation: Pick<RotationView, 'id' | 'requestHash'>, vote: Vote, reason?: string) =>
  request<RotationView>('POST', `/pqc/rotations/${encodeURIComponent(rotation.id)}/${vote}`, {
    body: vote === 'reject' ? { requestHash: rotation.requestHash, reason } : { requestHash: rotation.requestHash },
  });

export const cancelRotation = (id: string) => request<RotationView>('POST', `/pqc/rotations/${encodeURIComponent(id)}/cancel`);
