import { parentPort } from 'node:worker_threads';
import type { WorkerMessage } from './worker-pool';

/** What a served task answers: its result, and buffers to transfer rather than copy. */
export interface Served<R> {
  result: R;
  transfer?: ArrayBuffer[];
}

/**
 * The worker side of WorkerPool: reports ready once `ready` settles (or failed, with its
 * message), then answers every task by id. A task that throws answers an error; the thread
 * carries on.
 */
export function serveWorker<T, R>(ready: Promise<unknown>, handle: (task: T) => Served<R> | Promise<Served<R>>): void {
  const port = parentPort!;
  const post = (message: WorkerMessage<R>, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);
  port.on('message', ({ id, task }: { id: number; task: T }) => {
    ready
      .then(() => handle(task))
      .then(
        ({ result, transfer }) => post({ id, result }, transfer),
        (error: Error) => post({ id, error: error.message }),
      );
  });
  ready.then(
    () => post({ ready: true }),
    (error: Error) => post({ failed: error.message }),
  );
}
