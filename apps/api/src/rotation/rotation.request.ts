import { createHash } from 'node:crypto';
import { ConflictException } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { AuditInput } from '../audit/audit.service';
import { RotationRequestEntity, RotationStatus } from './rotation.entities';

/** The admin acting (ids are compared, never names); `role` is recorded in its audit entries. */
export interface Actor {
  id: string;
  name: string;
  role?: 'admin' | 'viewer';
}

export const SYSTEM: Actor = { id: 'system', name: 'system' };

type Hashed = Pick<RotationRequestEntity, 'id' | 'kind' | 'reason' | 'targetKeyVersion' | 'graceSeconds' | 'minVersion'>;

/**
 * SHA-256 over the exact request: what an approval binds to. Field order is fixed. Key rotations
 * keep the v1 encoding, so the hashes of requests made before kinds existed still recompute; other
 * kinds name themselves and their target (v2).
 */
export function requestHash(r: Hashed): string {
  const canonical =
    r.kind === 'rotate'
      ? JSON.stringify({ id: r.id, reason: r.reason, targetKeyVersion: r.targetKeyVersion, graceSeconds: r.graceSeconds })
      : JSON.stringify({ id: r.id, kind: r.kind, reason: r.reason, targetKeyVersion: r.targetKeyVersion, graceSeconds: r.graceSeconds, minVersion: r.minVersion });
  const label = r.kind === 'rotate' ? 'v1' : 'v2';
  return createHash('sha256').update(`neural-fabric/rotation-request/${label}\n${canonical}`).digest('hex');
}

/** A step found its request no longer in the state it expected (another replica got there first): nothing is stored. */
export class NotApplied extends Error {
  override readonly name = 'NotApplied';
}

/** Conditional update: applies only if the row is still in `from` (and matches `also`). */
export async function transition(
  manager: EntityManager,
  id: string,
  from: RotationStatus,
  fields: Partial<RotationRequestEntity>,
  also: Partial<RotationRequestEntity> = {},
): Promise<boolean> {
  const result = await manager.update(RotationRequestEntity, { id, status: from, ...also } as never, fields as never);
  return (result.affected ?? 0) > 0;
}

/**
 * Inside a step's transaction: the request is still PENDING and unchanged since the caller read it.
 * Every change to a PENDING request commits under the audit append lock, so this read is current.
 */
export async function assertStillPending(manager: EntityManager, request: RotationRequestEntity): Promise<void> {
  const now = await manager.findOneBy(RotationRequestEntity, { id: request.id });
  if (now?.status !== 'PENDING') throw new ConflictException(`rotation request ${request.id} is ${now?.status ?? 'gone'}, not PENDING`);
  if (now.requestHash !== request.requestHash) {
    throw new ConflictException('the rotation request changed since you read it (requestHash differs); review it again');
  }
}

/** The audit entry of a step on `request`. */
export function auditInput(
  actor: Actor,
  action: string,
  request: RotationRequestEntity,
  details: Record<string, unknown>,
  keyVersionAfter?: number,
): AuditInput {
  return {
    actor: actor.id === SYSTEM.id ? { type: 'system', id: actor.id, name: actor.name } : { type: 'admin', id: actor.id, name: actor.name, role: actor.role },
    action,
    target: `rotation:${request.id}`,
    details: { ...details, requestHash: request.requestHash, ...(request.kind === 'rotate' ? {} : { kind: request.kind, minVersion: request.minVersion }) },
    keyVersionBefore: request.kind === 'rotate' ? request.targetKeyVersion - 1 : request.targetKeyVersion,
    keyVersionAfter,
  };
}
