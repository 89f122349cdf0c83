import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { InjectSettings } from '../env/env.module';
import { Settings } from '../env/env.schema';
import { Clock } from '../lifecycle/clock';
import { KeyService } from '../pqc/keystore/key.service';
import { KeystoreLock } from '../pqc/keystore/keystore-lock';
import { RotationRequestEntity } from './rotation.entities';
import { RotationMetrics } from './rotation.metrics';
import { auditInput, NotApplied, SYSTEM, transition } from './rotation.request';

interface Outcome {
  fields: Partial<RotationRequestEntity>;
  action: string;
  details: Record<string, unknown>;
  keyVersionAfter?: number;
}

/**
 * Carries out approved requests: APPROVED -> EXECUTING (claimed with a lease, so exactly one
 * replica executes) -> the keystore change -> EXECUTED or FAILED together with its audit entry.
 * The keystore write cannot join a database transaction; a crash between it and the outcome's
 * commit leaves the request EXECUTING, and once the lease lapses recover() reads the keystore to
 * record what happened. Both run under the keystore lock (a Postgres advisory lock across
 * replicas), so a recovery never judges an execution that is still running.
 */
@Injectable()
export class RotationExecutor {
  private readonly logger = new Logger(RotationExecutor.name);

  constructor(
    @InjectRepository(RotationRequestEntity) private readonly requests: Repository<RotationRequestEntity>,
    private readonly keystoreLock: KeystoreLock,
    @InjectSettings() private readonly settings: Settings,
    private readonly keys: KeyService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly metrics: RotationMetrics,
  ) {}

  async execute(id: string): Promise<void> {
    const now = this.clock.now();
    const claimed = await this.requests.update({ id, status: 'APPROVED' }, { status: 'EXECUTING', leaseUntil: now + this.settings.rotation.executionLeaseMs });
    if (!claimed.affected) return; // another replica (or sweep) claimed it
    const request = await this.requests.findOneByOrFail({ id });
    await this.keystoreLock.run(async () => {
      const outcome = await this.apply(request, now);
      const status = outcome.fields.status!;
      try {
        await this.audit.recordWith(auditInput(SYSTEM, outcome.action, request, outcome.details, outcome.keyVersionAfter), async (manager) => {
          if (!(await transition(manager, id, 'EXECUTING', { ...outcome.fields, leaseUntil: null }, { leaseUntil: request.leaseUntil }))) {
            throw new NotApplied();
          }
        });
        this.metrics.requests.inc({ outcome: status === 'EXECUTED' ? 'executed' : 'failed' });
      } catch (error) {
        if (error instanceof NotApplied) return; // recovered meanwhile: the lease was shorter than the execution
        // The keystore changed (or refused) but the record did not commit: recovery records it when the lease lapses.
        this.logger.error(`rotation ${id}: recording the outcome failed (${(error as Error).message}); it is recovered once its lease lapses`);
      }
    });
  }

  /**
   * An execution whose lease ran out: the keystore's single manifest write either happened (the
   * change is in effect: complete the record) or did not (it is not: the request is rolled back
   * and marked FAILED). Never both, never neither.
   */
  async recover(request: RotationRequestEntity): Promise<void> {
    await this.keystoreLock.run(async () => {
      await this.keys.refresh(); // another replica's manifest write
      const active = this.keys.active().version;
      const completed = request.kind === 'rotate' ? active >= request.targetKeyVersion : this.keys.minVersion === request.minVersion;
      const fields: Partial<RotationRequestEntity> = completed
        ? { status: 'EXECUTED', executedAt: this.clock.now(), keyVersionAfter: request.kind === 'rotate' ? request.targetKeyVersion : active, leaseUntil: null }
        : { status: 'FAILED', error: 'execution was interrupted before the change reached the keystore; rolled back', leaseUntil: null };
      const details = { outcome: completed ? 'completed' : 'rolled_back' };
      try {
        await this.audit.recordWith(auditInput(SYSTEM, 'rotation_recovered', request, details, completed ? active : undefined), async (manager) => {
          if (!(await transition(manager, request.id, 'EXECUTING', fields, { leaseUntil: request.leaseUntil }))) throw new NotApplied();
        });
        this.metrics.requests.inc({ outcome: completed ? 'executed' : 'failed' });
        this.logger.warn(`rotation ${request.id} recovered after its executor stopped: ${details.outcome}`);
      } catch (error) {
        if (!(error instanceof NotApplied)) throw error; // finished or recovered by someone else meanwhile
      }
    });
  }

  /** The keystore change itself; a refusal (e.g. overtaken) becomes a FAILED outcome. */
  private async apply(request: RotationRequestEntity, now: number): Promise<Outcome> {
    try {
      if (request.kind === 'min-version') {
        const before = this.keys.minVersion;
        await this.keys.setMinVersion(request.minVersion!);
        const active = this.keys.active().version;
        this.logger.log(`rotation request ${request.id} executed: minimum key version ${before} -> ${request.minVersion}`);
        const fields = { status: 'EXECUTED' as const, executedAt: this.clock.now(), keyVersionAfter: active };
        return { fields, action: 'key_min_version_set', details: { before, after: request.minVersion }, keyVersionAfter: active };
      }
      const { from, to } = await this.keys.rotate(request.targetKeyVersion - 1, request.graceSeconds * 1000, now);
      this.logger.log(`rotation ${request.id} executed: key version ${from} -> ${to}`);
      const fields = { status: 'EXECUTED' as const, executedAt: this.clock.now(), keyVersionAfter: to };
      return { fields, action: 'rotation_executed', details: { executedAt: fields.executedAt, keyVersionAfter: to }, keyVersionAfter: to };
    } catch (error) {
      this.logger.error(`rotation request ${request.id} failed: ${(error as Error).message}`);
      return { fields: { status: 'FAILED', error: (error as Error).message }, action: 'rotation_failed', details: { error: (error as Error).message } };
    }
  }
}
