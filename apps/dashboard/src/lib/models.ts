import type { OverviewView } from '@nf/contracts';

type Model = OverviewView['runtime']['models'][number];

/** What unloading a model does, line by line, for its confirmation. */
export function unloadConsequences(model: Model): string[] {
  const queued = model.queueDepth;
  return [
    `${model.name} stops serving at once: every new request for it gets 503 until it is loaded again.`,
    queued > 0
      ? `The ${queued} request${queued === 1 ? '' : 's'} waiting in its queue now ${queued === 1 ? 'is' : 'are'} refused with 503 (model was unloaded).`
      : 'Requests waiting in its queue at that moment are refused with 503 (none wait now).',
    `Version ${model.version || '?'} leaves memory; Load brings back the latest version (${model.loadMs === null ? 'its load time' : `about ${Math.round(model.loadMs)} ms`}).`,
  ];
}
