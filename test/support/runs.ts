import type { ModelHandle, Tensor } from '../../apps/api/src/runtime/runtime.types';

/** Holds every run of a model until released: requests pile up in its queue deterministically. */
export function holdRuns(handle: ModelHandle) {
  const waiting: (() => void)[] = [];
  /** Each run's inputs, in the order the runs started. */
  const inputs: Tensor[][] = [];
  const real = handle.infer.bind(handle);
  const spy = jest.spyOn(handle, 'infer').mockImplementation((batch: Tensor[]) => {
    inputs.push(batch);
    return new Promise<void>((resolve) => waiting.push(resolve)).then(() => real(batch));
  });
  return {
    inputs,
    /** Lets the oldest held run go. */
    releaseOne: () => waiting.shift()?.(),
    /** Lets every held run go, and runs from now on are not held. */
    release: () => {
      spy.mockRestore();
      waiting.splice(0).forEach((go) => go());
    },
  };
}

/** Resolves once `what()` holds (checked every 10 ms); fails after `timeoutMs`. */
export async function until(what: () => boolean, timeoutMs = 10_000) {
  const end = Date.now() + timeoutMs;
  while (!what()) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
