import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PoolSaturatedError, WorkerPool } from './worker-pool';

/** A worker speaking the pool's protocol: doubles numbers after `delay` ms; "crash" ends the thread, "throw" fails the task. */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
if (workerData.fail) parentPort.postMessage({ failed: 'cannot open ' + workerData.fail });
else parentPort.postMessage({ ready: true });
parentPort.on('message', ({ id, task }) => {
  if (task === 'crash') process.exit(3);
  setTimeout(() => {
    if (task === 'throw') parentPort.postMessage({ id, error: 'task failed' });
    else parentPort.postMessage({ id, result: { value: task * 2, thread: require('node:worker_threads').threadId } });
  }, workerData.delay ?? 0);
});
`;

const file = path.join(mkdtempSync(path.join(tmpdir(), 'nf-pool-')), 'worker.js');
writeFileSync(file, WORKER);

type Answer = { value: number; thread: number };

describe('WorkerPool', () => {
  it('answers each task from a thread and spreads tasks in hand over the threads', async () => {
    const pool = await WorkerPool.start<number | string, Answer>(file, 2, { delay: 20 }, 8);
    const answers = await Promise.all([1, 2, 3, 4].map((n) => pool.run(n)));
    expect(answers.map((a) => a.value)).toEqual([2, 4, 6, 8]);
    expect(new Set(answers.map((a) => a.thread)).size).toBe(2);
    await pool.close();
  });

  it('fails to start, naming the reason, when a thread cannot open its work', async () => {
    await expect(WorkerPool.start(file, 2, { fail: 'model.onnx' }, 8)).rejects.toThrow('cannot open model.onnx');
  });

  it('rejects a failed task with its message and keeps serving', async () => {
    const pool = await WorkerPool.start<number | string, Answer>(file, 1, {}, 8);
    await expect(pool.run('throw')).rejects.toThrow('task failed');
    await expect(pool.run(5)).resolves.toMatchObject({ value: 10 });
    await pool.close();
  });

  it('refuses a task once every thread holds its share', async () => {
    const pool = await WorkerPool.start<number | string, Answer>(file, 1, { delay: 50 }, 2);
    const inHand = [pool.run(1), pool.run(2)];
    await expect(pool.run(3)).rejects.toBeInstanceOf(PoolSaturatedError);
    await expect(Promise.all(inHand)).resolves.toHaveLength(2);
    await pool.close();
  });

  it('replaces a thread that stopped: its tasks fail, later tasks are served', async () => {
    const pool = await WorkerPool.start<number | string, Answer>(file, 1, {}, 8);
    await expect(pool.run('crash')).rejects.toThrow('worker thread stopped (exit code 3)');
    await expect(pool.run(7)).resolves.toMatchObject({ value: 14 });
    await pool.close();
  });

  it('close lets the tasks in hand finish, then refuses new ones', async () => {
    const pool = await WorkerPool.start<number | string, Answer>(file, 1, { delay: 30 }, 8);
    const inHand = pool.run(21);
    const closing = pool.close();
    await expect(pool.run(1)).rejects.toThrow('closed');
    await expect(inHand).resolves.toMatchObject({ value: 42 });
    await closing;
  });
});
