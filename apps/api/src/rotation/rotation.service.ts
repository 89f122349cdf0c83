import { randomUUID } from 'node:crypto';
import {
  BadRequestException,
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
import { EntityManager, In, LessThan, LessThanOrEqual, Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { isUniqueViolation } from '../database/columns';
import { InjectSettings } from '../env/env.module';
import { Settings } from '../env/env.schema';
import { Clock } from '../lifecycle/clock';
import { KeyService } from '../pqc/keystore/key.service';
import { RotationKind, RotationRequestEntity, RotationStatus, RotationVoteEntity } from './rotation.entities';
import { RotationExecutor } from './rotation.executor';
import { RotationMetrics } from './rotation.metrics';
import { Actor, assertStillPending, auditInput, NotApplied, requestHash, SYSTEM, transition } from './rotation.request';

export type { Actor } from './rotation.request';
export { requestHash } from './rotation.request';
export type { RotationView };

const SWEEP_INTERVAL_MS = 15_000;

export interface NewRequest {
  kind?: RotationKind;
  reason: string;
  graceSeconds?: number;
  /** kind 'min-version': the minimum usable key version to set. */
  minVersion?: number;
}

/**
 * Requests under the two-person rule: PENDING -> APPROVED -> EXECUTING -> EXECUTED, or REJECTED /
 * CANCELLED / EXPIRED / FAILED; a request either rotates the key or sets the minimum key version.
 * Each step commits its state change and its audit entry in one transaction
 * (AuditService.recordWith), so a crash leaves a step done or undone, never half done, and every
 * transition is conditional on the expected status, so concurrent approvals on any replica
 * execute a request exactly once (RotationExecutor).
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
    private readonly executor: RotationExecutor,
    private readonly clock: Clock,
    private readonly metrics: RotationMetrics,
  ) {}

  /** Finishes what a crash interrupted before serving, then sweeps every 15 s (or every lease, if shorter). */
  async onModuleInit(): Promise<void> {
    await this.sweep();
    this.sweepTimer = setInterval(() => {
      this.sweep().catch((error: Error) => this.logger.warn(`rotation sweep failed: ${error.message}`));
    }, Math.min(SWEEP_INTERVAL_MS, this.settings.rotation.executionLeaseMs)).unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.sweepTimer);
  }

  async request(actor: Actor, input: NewRequest): Promise<RotationView> {
    const kind = input.kind ?? 'rotate';
    const now = this.clock.now();
    await this.keys.refresh(); // target the version after the one active on any replica, not a stale view
    const active = this.keys.active().version;
    if (kind === 'min-version' && !(Number.isInteger(input.minVersion) && input.minVersion! >= 1 && input.minVersion! <= active)) {
      throw new BadRequestException(`minVersion must be an integer from 1 to the active key version ${active}`);
    }
    await this.assertNoneOpen(this.requests.manager); // the cheap refusal; checked again inside the transaction
    const entity: RotationRequestEntity = {
      id: randomUUID(),
      status: 'PENDING',
      kind,
      requesterId: actor.id,
      requesterName: actor.name,
      reason: input.reason,
      targetKeyVersion: kind === 'rotate' ? active + 1 : active,
      graceSeconds: kind === 'rotate' ? (input.graceSeconds ?? Math.round(this.settings.rotation.graceMs / 1000)) : 0,
      minVersion: kind === 'min-version' ? input.minVersion! : null,
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
    const details = { reason: entity.reason, targetKeyVersion: entity.targetKeyVersion };
    await this.audit.recordWith(auditInput(actor, 'rotation_requested', entity, details), async (manager) => {
      await this.assertNoneOpen(manager);
      await manager.insert(RotationRequestEntity, entity);
    });
    this.metrics.requests.inc({ outcome: 'requested' });
    await this.refreshPending();
    return this.view(entity);
  }

  /** The requester changes the request; its hash changes, so earlier approvals stop counting. */
  async amend(actor: Actor, id: string, input: { reason?: string; graceSeconds?: number }): Promise<RotationView> {
    const request = await this.pending(id);
    if (request.requesterId !== actor.id) throw new ForbiddenException('only the requester can change a rotation request');
    if (request.kind !== 'rotate' && input.graceSeconds !== undefined) throw new BadRequestException(`graceSeconds does not apply to a ${request.kind} request`);
    const changed = { ...request, reason: input.reason ?? request.reason, graceSeconds: input.graceSeconds ?? request.graceSeconds };
    changed.requestHash = requestHash(changed);
    await this.audit.recordWith(auditInput(actor, 'rotation_amended', changed, { reason: changed.reason, graceSeconds: changed.graceSeconds }), async (manager) => {
      await assertStillPending(manager, request);
      await manager.update(RotationRequestEntity, { id }, { reason: changed.reason, graceSeconds: changed.graceSeconds, requestHash: changed.requestHash });
    });
    return this.get(id);
  }

  /** The vote, its audit entry and, when it completes the quorum, PENDING -> APPROVED commit together. */
  async approve(actor: Actor, id: string, approvedHash: string): Promise<RotationView> {
    const request = await this.pending(id);
    if (request.requesterId === actor.id) throw new ForbiddenException('the requester cannot approve their own rotation request');
    this.assertSameRequest(request, approvedHash);
    await this.assertNotVoted(actor, request);
    const approved = await this.audit.recordWith(
      (result: { approvals: number; approved: boolean }) =>
        auditInput(actor, 'rotation_approved', request, { approvals: result.approvals, quorumReached: result.approved }),
      async (manager) => {
        await assertStillPending(manager, request);
        await this.insertVote(manager, actor, request, 'approve');
        const approvals = await manager.countBy(RotationVoteEntity, { requestId: id, decision: 'approve', requestHash: request.requestHash });
        const approved = approvals >= request.approvalsRequired && (await this.markApproved(manager, request));
        return { approvals, approved };
      },
    );
    if (approved.approved) {
      this.metrics.requests.inc({ outcome: 'approved' });
      await this.executor.execute(id);
    }
    await this.refreshPending();
    return this.get(id);
  }

  /** Any rejection ends the request; its reason is kept with the vote and in the audit entry. */
  async reject(actor: Actor, id: string, rejectedHash: string, reason: string): Promise<RotationView> {
    const request = await this.pending(id);
    this.assertSameRequest(request, rejectedHash);
    await this.assertNotVoted(actor, request);
    await this.audit.recordWith(auditInput(actor, 'rotation_rejected', request, { reason }), async (manager) => {
      await assertStillPending(manager, request);
      await this.insertVote(manager, actor, request, 'reject', reason);
      await this.decide(manager, id, 'REJECTED');
    });
    this.metrics.requests.inc({ outcome: 'rejected' });
    await this.refreshPending();
    return this.get(id);
  }

  async cancel(actor: Actor, id: string): Promise<RotationView> {
    const request = await this.pending(id);
    if (request.requesterId !== actor.id) throw new ForbiddenException('only the requester can cancel a rotation request');
    await this.audit.recordWith(auditInput(actor, 'rotation_cancelled', request, {}), async (manager) => {
      await assertStillPending(manager, request);
      await this.decide(manager, id, 'CANCELLED');
    });
    this.metrics.requests.inc({ outcome: 'cancelled' });
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

  /**
   * Expires unanswered requests, finishes what a crash interrupted (executes APPROVED requests,
   * recovers executions whose lease lapsed) and approves PENDING requests whose quorum is met:
   * a state only older versions could leave behind (vote stored, transition lost).
   */
  async sweep(): Promise<void> {
    const now = this.clock.now();
    for (const request of await this.requests.findBy({ status: 'PENDING', expiresAt: LessThanOrEqual(now) })) await this.expire(request, now);
    for (const request of await this.requests.findBy({ status: 'PENDING' })) await this.approveOnQuorum(request);
    for (const request of await this.requests.findBy({ status: 'APPROVED' })) await this.executor.execute(request.id);
    for (const request of await this.requests.findBy({ status: 'EXECUTING', leaseUntil: LessThan(now) })) await this.executor.recover(request);
    await this.refreshPending();
  }

  private async expire(request: RotationRequestEntity, now: number): Promise<void> {
    try {
      await this.audit.recordWith(auditInput(SYSTEM, 'rotation_expired', request, {}), async (manager) => {
        if (!(await transition(manager, request.id, 'PENDING', { status: 'EXPIRED', decidedAt: now }))) throw new NotApplied();
      });
      this.metrics.requests.inc({ outcome: 'expired' });
    } catch (error) {
      if (!(error instanceof NotApplied)) throw error;
    }
  }

  private async approveOnQuorum(request: RotationRequestEntity): Promise<void> {
    const voters = async (manager: EntityManager) =>
      (await manager.findBy(RotationVoteEntity, { requestId: request.id, decision: 'approve', requestHash: request.requestHash })).map((v) => v.adminId);
    if ((await voters(this.requests.manager)).length < request.approvalsRequired) return;
    try {
      await this.audit.recordWith(
        (approvals: string[]) => auditInput(SYSTEM, 'rotation_approved', request, { recovered: true, approvals }),
        async (manager) => {
          const approvals = await voters(manager);
          if (approvals.length < request.approvalsRequired || !(await this.markApproved(manager, request))) throw new NotApplied();
          return approvals;
        },
      );
    } catch (error) {
      if (error instanceof NotApplied) return;
      throw error;
    }
    this.logger.warn(`rotation request ${request.id} had its quorum but was still PENDING; approved now`);
    this.metrics.requests.inc({ outcome: 'approved' });
    await this.executor.execute(request.id);
  }

  /** PENDING -> a final decision; assertStillPending ran first in the same transaction. */
  private async decide(manager: EntityManager, id: string, status: 'REJECTED' | 'CANCELLED'): Promise<void> {
    if (!(await transition(manager, id, 'PENDING', { status, decidedAt: this.clock.now() }))) {
      throw new ConflictException(`rotation request ${id} is no longer PENDING`);
    }
  }

  private markApproved(manager: EntityManager, request: RotationRequestEntity): Promise<boolean> {
    return transition(manager, request.id, 'PENDING', { status: 'APPROVED', decidedAt: this.clock.now() }, { requestHash: request.requestHash });
  }

  private async assertNoneOpen(manager: EntityManager): Promise<void> {
    const open = await manager.findOneBy(RotationRequestEntity, { status: In(['PENDING', 'APPROVED', 'EXECUTING']) });
    if (open) throw new ConflictException(`rotation request ${open.id} is still ${open.status}; decide or cancel it first`);
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

  /** The plain refusal of a second vote; the unique index refuses it again inside the transaction. */
  private async assertNotVoted(actor: Actor, request: RotationRequestEntity): Promise<void> {
    if (await this.votes.existsBy({ requestId: request.id, adminId: actor.id, requestHash: request.requestHash })) {
      throw new ConflictException('you already voted on this rotation request');
    }
  }

  private async insertVote(manager: EntityManager, actor: Actor, request: RotationRequestEntity, decision: 'approve' | 'reject', reason: string | null = null): Promise<void> {
    try {
      await manager.insert(RotationVoteEntity, {
        id: randomUUID(),
        requestId: request.id,
        adminId: actor.id,
        adminName: actor.name,
        decision,
        reason,
        requestHash: request.requestHash,
        createdAt: this.clock.now(),
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictException('you already voted on this rotation request');
      throw error;
    }
  }

  private async refreshPending(): Promise<void> {
    const pending = await this.requests.find({ where: { status: 'PENDING' }, order: { expiresAt: 'ASC' } });
    this.metrics.pending.set(pending.length);
    this.metrics.pendingExpiry.set(pending.length ? pending[0].expiresAt / 1000 : 0);
  }

  private async view(r: RotationRequestEntity): Promise<RotationView> {
    const votes = await this.votes.find({ where: { requestId: r.id }, order: { createdAt: 'ASC' } });
    const counted = votes.filter((v) => v.requestHash === r.requestHash);
    const approvals = counted.filter((v) => v.decision === 'approve').map((v) => ({ admin: { id: v.adminId, name: v.adminName }, at: v.createdAt }));
    const rejections = counted
      .filter((v) => v.decision === 'reject')
      .map((v) => ({ admin: { id: v.adminId, name: v.adminName }, at: v.createdAt, reason: v.reason }));
    return {
      id: r.id,
      status: r.status,
      kind: r.kind,
      reason: r.reason,
      requester: { id: r.requesterId, name: r.requesterName },
      targetKeyVersion: r.targetKeyVersion,
      minVersion: r.minVersion,
      graceSeconds: r.graceSeconds,
      requestHash: r.requestHash,
      approvalsRequired: r.approvalsRequired,
      approvals,
      rejections,
      createdAt: r.createdAt,
      expiresAt: r.expiresAt,
      decidedAt: r.decidedAt,
      executedAt: r.executedAt,
      keyVersionAfter: r.keyVersionAfter,
      error: r.error,
    };
  }
}
