import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PoolUnavailableError, WorkerPool } from './worker-pool';

/** A worker speaking the pool's protocol: doubles numbers after `delay` ms; "crash" ends the thread, "throw" fails the task. */
const WORKER = `
const { existsSync } = require('node:fs');
const { parentPort, workerData } = require('node:worker_threads');
if (workerData.fail) parentPort.postMessage({ failed: 'cannot open ' + workerData.fail });
else if (workerData.failIfExists && existsSync(workerData.failIfExists)) parentPort.postMessage({ failed: 'marker present' });
else parentPort.postMessage({ ready: true });
parentPort.on('message', ({ id, task }) => {
  if (task === 'crash') process.exit(3);
  setTimeout(() => {
    if (task === 'throw') parentPort.postMessage({ id, error: 'task failed' });
    else parentPort.postMessage({ id, result: { value: task * 2, thread: require('node:worker_threads').threadId } });
  }, workerData.delay ?? 0);
});
`;

const dir = mkdtempSync(path.join(tmpdir(), 'nf-pool-'));
const file = path.join(dir, 'worker.js');
writeFileSync(file, WORKER);

/** Waits (up to 5 s) for a condition the pool reaches on its own, e.g. a replacement thread becoming ready. */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(condition()).toBe(true);
}

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
    await expect(pool.run(3)).rejects.toBeInstanceOf(PoolUnavailableError);
    await expect(Promise.all(inHand)).resolves.toHaveLength(2);
    await pool.close();
  });

  it('replaces a thread that stopped: its tasks fail, later tasks are served by the replacement', async () => {
    const pool = await WorkerPool.start<number | string, Answer>(file, 1, {}, 8);
    const first = (await pool.run(1)).thread;
    await expect(pool.run('crash')).rejects.toThrow('worker thread stopped (exit code 3)');
    await until(() => pool.size === 1);
    const answer = await pool.run(7);
    expect(answer.value).toBe(14);
    expect(answer.thread).not.toBe(first);
    await pool.close();
  });

  it('does not keep a replacement that cannot open its work: tasks are refused as unavailable', async () => {
    const marker = path.join(dir, 'broken');
    const pool = await WorkerPool.start<number | string, Answer>(file, 1, { failIfExists: marker }, 8);
    writeFileSync(marker, '');
    await expect(pool.run('crash')).rejects.toThrow('worker thread stopped');
    await expect(pool.run(1)).rejects.toBeInstanceOf(PoolUnavailableError);
    await new Promise((resolve) => setTimeout(resolve, 200)); // the replacement has failed by now; it must not have joined
    expect(pool.size).toBe(0);
    await expect(pool.run(1)).rejects.toThrow('no worker thread is running');
    await pool.close();
  });

  it('close lets the tasks in hand finish, then refuses new ones', async () => {
    const pool = await WorkerPool.start<number | string, Answer>(file, 1, { delay: 30 }, 8);
    const inHand = pool.run(21);
    const closing = pool.close();
    expect(pool.close()).toBe(closing); // a second close waits for the same end
    await expect(pool.run(1)).rejects.toThrow('closed');
    await expect(inHand).resolves.toMatchObject({ value: 42 });
    await closing;
  });
});
