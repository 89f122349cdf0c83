import { HttpStatus, Injectable } from '@nestjs/common';
import { V2Error } from '../api/v2.errors';
import { ModelHandle } from '../runtime.types';

/** One inference job as the hooks see it, before it may enter a model's queue. */
export interface InferenceJob {
  readonly handle: ModelHandle;
  readonly tenant: string;
  readonly rows: number;
}

/** A check every job passes first; it refuses by throwing (a V2Error names the HTTP status). */
export interface JobHook {
  readonly name: string;
  before(job: InferenceJob): void | Promise<void>;
}

/**
 * The hook chain run before every job (seed E2), in registration order. Hooks are registered
 * during bootstrap (createApp, used by main.ts) before the listener opens; once the first job
 * has run the chain is fixed, so no job ever sees a different set of checks than the next.
 */
@Injectable()
export class JobHookChain {
  private readonly hooks: JobHook[] = [];
  private started = false;

  register(...hooks: JobHook[]): void {
    if (this.started) throw new Error('job hooks must be registered before the first job runs');
    for (const hook of hooks) {
      if (this.hooks.some((h) => h.name === hook.name)) throw new Error(`job hook "${hook.name}" is registered twice`);
      this.hooks.push(hook);
    }
  }

  names(): string[] {
    return this.hooks.map((h) => h.name);
  }

  async run(job: InferenceJob): Promise<void> {
    this.started = true;
    for (const hook of this.hooks) await hook.before(job);
  }
}

/** The model must be READY: a reload or unload in progress answers 503, never a stale run. */
export const modelReadyHook: JobHook = {
  name: 'model-ready',
  before: ({ handle }) => {
    if (handle.state !== 'READY') throw new V2Error(HttpStatus.SERVICE_UNAVAILABLE, `model ${handle.name} is ${handle.state}`, 1);
  },
};

/** Production never serves simulated results unless the operator allowed the mock explicitly. */
export function simulationPolicyHook(production: boolean, allowMockInProduction: boolean): JobHook {
  return {
    name: 'simulation-policy',
    before: ({ handle }) => {
      if (production && handle.simulated && !allowMockInProduction) {
        throw new V2Error(HttpStatus.SERVICE_UNAVAILABLE, `model ${handle.name} would run on the simulated runtime, which production refuses`);
      }
    },
  };
}
