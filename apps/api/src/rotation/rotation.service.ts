import { createHash, randomUUID } from 'node:crypto';
import {
  ConflictException,
  ForbiddenException,
  GoneException,
  Injectable,
  Logger,
  NotFoundException,
  OnApplicationShutdown,
  OnModuleInit,
} from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { RotationView } from '@nf/contracts';
import { In, LessThan, Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { isUniqueViolation } from '../database/columns';
import { InjectSettings } from '../env/env.module';
import { Settings } from '../env/env.schema';
import { Clock } from '../lifecycle/clock';
import { KeyService } from '../pqc/keystore/key.service';
import { RotationRequestEntity, RotationStatus, RotationVoteEntity } from './rotation.entities';
import { RotationMetrics } from './rotation.metrics';

/** The admin acting (ids are compared, never names). */
export interface Actor {
  id: string;
  name: string;
}

export type { RotationView };

const SWEEP_INTERVAL_MS = 15_000;
const EXECUTION_LEASE_MS = 60_000;

/** SHA-256 over the exact request: what an approval binds to. Field order is fixed. */
export function requestHash(r: Pick<RotationRequestEntity, 'id' | 'reason' | 'targetKeyVersion' | 'graceSeconds'>): string {
  const canonical = JSON.stringify({ id: r.id, reason: r.reason, targetKeyVersion: r.targetKeyVersion, graceSeconds: r.graceSeconds });
  return createHash('sha256').update(`neural-fabric/rotation-request/v1\n${canonical}`).digest('hex');
}

/**
 * Key rotation under the two-person rule: PENDING -> APPROVED -> EXECUTING -> EXECUTED, or
 * REJECTED / CANCELLED / EXPIRED / FAILED. Every transition is a conditional UPDATE on the
 * expected status, so concurrent approvals (on any replica) execute a rotation exactly once.
 */
@Injectable()
export class RotationService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RotationService.name);
  private sweepTimer?: NodeJS.Timeout;

  constructor(
    @InjectRepository(RotationRequestEntity) private readonly requests: Repository<RotationRequestEntity>,
    @InjectRepository(RotationVoteEntity) private readonly votes: Repository<RotationVoteEntity>,
    @InjectSettings() private readonly settings: Settings,
    private readonly keys: KeyService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly metrics: RotationMetrics,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.sweep();
    this.sweepTimer = setInterval(() => {
      this.sweep().catch((error: Error) => this.logger.warn(`rotation sweep failed: ${error.message}`));
    }, SWEEP_INTERVAL_MS).unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.sweepTimer);
  }

  async request(actor: Actor, input: { reason: string; graceSeconds?: number }): Promise<RotationView> {
    const now = this.clock.now();
    await this.keys.refresh(); // target the version after the one active on any replica, not a stale view
    const open = await this.requests.findOneBy({ status: In(['PENDING', 'APPROVED', 'EXECUTING']) });
    if (open) throw new ConflictException(`rotation request ${open.id} is still ${open.status}; decide or cancel it first`);
    const entity: RotationRequestEntity = {
      id: randomUUID(),
      status: 'PENDING',
      requesterId: actor.id,
      requesterName: actor.name,
      reason: input.reason,
      targetKeyVersion: this.keys.active().version + 1,
      graceSeconds: input.graceSeconds ?? Math.round(this.settings.rotation.graceMs / 1000),
      requestHash: '',
      approvalsRequired: this.settings.rotation.approvalsRequired,
      createdAt: now,
      expiresAt: now + this.settings.rotation.requestTtlMs,
      decidedAt: null,
      leaseUntil: null,
      executedAt: null,
      keyVersionAfter: null,
      error: null,
    };
    entity.requestHash = requestHash(entity);
    await this.requests.insert(entity);
    await this.record(actor, 'rotation_requested', entity, { reason: entity.reason, targetKeyVersion: entity.targetKeyVersion });
    this.metrics.requests.inc({ outcome: 'requested' });
    await this.refreshPending();
    return this.view(entity);
  }

  /** The requester changes the request; its hash changes, so earlier approvals stop counting. */
  async amend(actor: Actor, id: string, input: { reason?: string; graceSeconds?: number }): Promise<RotationView> {
    const request = await this.pending(id);
    if (request.requesterId !== actor.id) throw new ForbiddenException('only the requester can change a rotation request');
    const changed = { ...request, reason: input.reason ?? request.reason, graceSeconds: input.graceSeconds ?? request.graceSeconds };
    changed.requestHash = requestHash(changed);
    await this.transition(request, 'PENDING', { reason: changed.reason, graceSeconds: changed.graceSeconds, requestHash: changed.requestHash });
    await this.record(actor, 'rotation_amended', changed, { reason: changed.reason, graceSeconds: changed.graceSeconds });
    return this.get(id);
  }

  async approve(actor: Actor, id: string, approvedHash: string): Promise<RotationView> {
    const request = await this.pending(id);
    if (request.requesterId === actor.id) throw new ForbiddenException('the requester cannot approve their own rotation request');
    this.assertSameRequest(request, approvedHash);
    await this.vote(actor, request, 'approve');
    await this.record(actor, 'rotation_approved', request, {});
    const approvals = await this.votes.countBy({ requestId: id, decision: 'approve', requestHash: request.requestHash });
    if (approvals >= request.approvalsRequired) {
      const won = await this.transition(request, 'PENDING', { status: 'APPROVED', decidedAt: this.clock.now() }, { requestHash: request.requestHash });
      if (won) {
        this.metrics.requests.inc({ outcome: 'approved' });
        await this.execute(request.id);
      }
    }
    await this.refreshPending();
    return this.get(id);
  }

  async reject(actor: Actor, id: string, rejectedHash: string): Promise<RotationView> {
    const request = await this.pending(id);
    this.assertSameRequest(request, rejectedHash);
    await this.vote(actor, request, 'reject');
    if (await this.transition(request, 'PENDING', { status: 'REJECTED', decidedAt: this.clock.now() })) {
      await this.record(actor, 'rotation_rejected', request, {});
      this.metrics.requests.inc({ outcome: 'rejected' });
    }
    await this.refreshPending();
    return this.get(id);
  }

  async cancel(actor: Actor, id: string): Promise<RotationView> {
    const request = await this.pending(id);
    if (request.requesterId !== actor.id) throw new ForbiddenException('only the requester can cancel a rotation request');
    if (await this.transition(request, 'PENDING', { status: 'CANCELLED', decidedAt: this.clock.now() })) {
      await this.record(actor, 'rotation_cancelled', request, {});
      this.metrics.requests.inc({ outcome: 'cancelled' });
    }
    await this.refreshPending();
    return this.get(id);
  }

  async get(id: string): Promise<RotationView> {
    const request = await this.requests.findOneBy({ id });
    if (!request) throw new NotFoundException(`no rotation request ${id}`);
    return this.view(request);
  }

  async list(status?: RotationStatus, limit = 50): Promise<RotationView[]> {
    const rows = await this.requests.find({ where: status ? { status } : {}, order: { createdAt: 'DESC' }, take: limit });
    return Promise.all(rows.map((r) => this.view(r)));
  }

  /** Raises or lowers the minimum usable key version (KeyService takes the keystore lock, as for rotations). */
  async setMinVersion(actor: Actor, minVersion: number): Promise<void> {
    const before = this.keys.minVersion;
    await this.keys.setMinVersion(minVersion);
    await this.audit.record({ actor: { type: 'admin', ...actor }, action: 'key_min_version_set', details: { before, after: minVersion } });
  }

  /** Expires unanswered requests and recovers executions whose executor died. */
  async sweep(): Promise<void> {
    const now = this.clock.now();
    for (const request of await this.requests.findBy({ status: 'PENDING', expiresAt: LessThan(now) })) {
      if (await this.transition(request, 'PENDING', { status: 'EXPIRED', decidedAt: now })) {
        await this.record({ id: 'system', name: 'system' }, 'rotation_expired', request, {}, 'system');
        this.metrics.requests.inc({ outcome: 'expired' });
      }
    }
    for (const request of await this.requests.findBy({ status: 'APPROVED' })) await this.execute(request.id);
    for (const request of await this.requests.findBy({ status: 'EXECUTING', leaseUntil: LessThan(now) })) await this.recover(request);
    await this.refreshPending();
  }

  private async execute(id: string): Promise<void> {
    const request = (await this.requests.findOneBy({ id }))!;
    const now = this.clock.now();
    if (!(await this.transition(request, 'APPROVED', { status: 'EXECUTING', leaseUntil: now + EXECUTION_LEASE_MS }))) return;
    let outcome: { status: RotationStatus; fields: Partial<RotationRequestEntity> };
    try {
      const { from, to } = await this.keys.rotate(request.targetKeyVersion - 1, request.graceSeconds * 1000, now);
      outcome = { status: 'EXECUTED', fields: { executedAt: this.clock.now(), keyVersionAfter: to } };
      this.logger.log(`rotation ${id} executed: key version ${from} -> ${to}`);
    } catch (error) {
      outcome = { status: 'FAILED', fields: { error: (error as Error).message } };
      this.logger.error(`rotation ${id} failed: ${(error as Error).message}`);
    }
    await this.transition(request, 'EXECUTING', { status: outcome.status, leaseUntil: null, ...outcome.fields });
    await this.record({ id: 'system', name: 'system' }, outcome.status === 'EXECUTED' ? 'rotation_executed' : 'rotation_failed', request, outcome.fields, 'system');
    this.metrics.requests.inc({ outcome: outcome.status === 'EXECUTED' ? 'executed' : 'failed' });
  }

  /**
   * An execution whose lease ran out: the keystore's single manifest write either happened (the
   * target version is active: complete the record) or did not (the old version is still active:
   * the rotation is rolled back and marked FAILED). Never both, never neither.
   */
  private async recover(request: RotationRequestEntity): Promise<void> {
    const active = this.keys.active().version;
    const completed = active >= request.targetKeyVersion;
    const fields: Partial<RotationRequestEntity> = completed
      ? { status: 'EXECUTED', executedAt: this.clock.now(), keyVersionAfter: request.targetKeyVersion, leaseUntil: null }
      : { status: 'FAILED', error: 'execution was interrupted before the new key version became active; rolled back', leaseUntil: null };
    if (await this.transition(request, 'EXECUTING', fields, { leaseUntil: request.leaseUntil })) {
      await this.record({ id: 'system', name: 'system' }, 'rotation_recovered', request, { outcome: completed ? 'completed' : 'rolled_back' }, 'system');
      this.metrics.requests.inc({ outcome: completed ? 'executed' : 'failed' });
    }
  }

  private async pending(id: string): Promise<RotationRequestEntity> {
    const request = await this.requests.findOneBy({ id });
    if (!request) throw new NotFoundException(`no rotation request ${id}`);
    if (request.status === 'PENDING' && request.expiresAt <= this.clock.now()) {
      await this.sweep();
      throw new GoneException(`rotation request ${id} expired unanswered`);
    }
    if (request.status !== 'PENDING') throw new ConflictException(`rotation request ${id} is ${request.status}, not PENDING`);
    return request;
  }

  private assertSameRequest(request: RotationRequestEntity, hash: string): void {
    if (hash !== request.requestHash) {
      throw new ConflictException('the rotation request changed since you read it (requestHash differs); review it again');
    }
  }

  private async vote(actor: Actor, request: RotationRequestEntity, decision: 'approve' | 'reject'): Promise<void> {
    try {
      await this.votes.insert({
        id: randomUUID(),
        requestId: request.id,
        adminId: actor.id,
        adminName: actor.name,
        decision,
        requestHash: request.requestHash,
        createdAt: this.clock.now(),
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictException('you already voted on this rotation request');
      throw error;
    }
  }

  /** Conditional update: applies only if the row is still in `from` (and matches `also`). */
  private async transition(
    request: RotationRequestEntity,
    from: RotationStatus,
    fields: Partial<RotationRequestEntity>,
    also: Partial<RotationRequestEntity> = {},
  ): Promise<boolean> {
    const result = await this.requests.update({ id: request.id, status: from, ...also } as never, fields as never);
    return (result.affected ?? 0) > 0;
  }

  private async record(
    actor: Actor,
    action: string,
    request: RotationRequestEntity,
    details: Record<string, unknown>,
    type: 'admin' | 'system' = 'admin',
  ): Promise<void> {
    const active = this.keys.status.ok ? this.keys.active().version : undefined;
    await this.audit.record({
      actor: { type, id: actor.id, name: actor.name },
      action,
      target: `rotation:${request.id}`,
      details: { ...details, requestHash: request.requestHash },
      keyVersionBefore: request.targetKeyVersion - 1,
      keyVersionAfter: action === 'rotation_executed' || action === 'rotation_recovered' ? active : undefined,
    });
  }

  private async refreshPending(): Promise<void> {
    this.metrics.pending.set(await this.requests.countBy({ status: 'PENDING' }));
  }

  private async view(r: RotationRequestEntity): Promise<RotationView> {
    const votes = await this.votes.find({ where: { requestId: r.id }, order: { createdAt: 'ASC' } });
    const pick = (decision: 'approve' | 'reject') =>
      votes
        .filter((v) => v.decision === decision && v.requestHash === r.requestHash)
        .map((v) => ({ admin: { id: v.adminId, name: v.adminName }, at: v.createdAt }));
    return {
      id: r.id,
      status: r.status,
      reason: r.reason,
      requester: { id: r.requesterId, name: r.requesterName },
      targetKeyVersion: r.targetKeyVersion,
      graceSeconds: r.graceSeconds,
      requestHash: r.requestHash,
      approvalsRequired: r.approvalsRequired,
      approvals: pick('approve'),
      rejections: pick('reject'),
      createdAt: r.createdAt,
      expiresAt: r.expiresAt,
      decidedAt: r.decidedAt,
      executedAt: r.executedAt,
      keyVersionAfter: r.keyVersionAfter,
      error: r.error,
    };
  }
}
