import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult } from '@nestjs/terminus';

export type ReadinessCheck = () => Promise<HealthIndicatorResult> | HealthIndicatorResult;

/**
 * Where capability modules tell the probes what they need: readiness checks (keystore,
 * models, policies) and start-up tasks that may outlast the HTTP listener's start.
 */
@Injectable()
export class ProbeRegistry {
  private readonly readiness = new Map<string, ReadinessCheck>();
  private readonly startupPending = new Set<string>();
  private readonly startupFailed = new Map<string, string>();
  private shuttingDown = false;

  addReadinessCheck(name: string, check: ReadinessCheck): void {
    this.readiness.set(name, check);
  }

  readinessChecks(): ReadinessCheck[] {
    return [...this.readiness.values()];
  }

  /** Start-up probe answers 503 until the task settles; a failed task keeps it at 503. */
  trackStartup(name: string, task: Promise<unknown>): void {
    this.startupPending.add(name);
    task.then(
      () => this.startupPending.delete(name),
      (error: unknown) => {
        this.startupPending.delete(name);
        this.startupFailed.set(name, error instanceof Error ? error.message : String(error));
      },
    );
  }

  startupState(): { pending: string[]; failed: Record<string, string> } {
    return { pending: [...this.startupPending], failed: Object.fromEntries(this.startupFailed) };
  }

  beginShutdown(): void {
    this.shuttingDown = true;
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }
}
