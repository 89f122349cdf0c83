import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Logger } from '@nestjs/common';
import { PoolUnavailableError, WorkerPool } from './worker-pool';

/**
 * A worker speaking the pool's protocol: doubles numbers after `delay` ms; "crash" ends the thread,
 * "throw" fails the task, "stall" blocks the thread for good; `hang` never reports ready; `failIfExists` fails to start while that file exists.
 */
const WORKER = `
const { existsSync } = require('node:fs');
const { parentPort, workerData } = require('node:worker_threads');
if (workerData.fail) parentPort.postMessage({ failed: 'cannot open ' + workerData.fail });
else if (workerData.hang) {}
else if (workerData.failIfExists && existsSync(workerData.failIfExists)) parentPort.postMessage({ failed: 'marker present' });
else parentPort.postMessage({ ready: true });
parentPort.on('message', ({ id, task }) => {
  if (task === 'crash') process.exit(3);
  if (task === 'stall') Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); // stuck for good, like a deadlocked native call
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
    const pool = await WorkerPool.start<number | string, Answer>({ name: 'test', filename: file, size: 2, workerData: { delay: 20 }, queuePerThread: 8, taskTimeoutMs: 5_000 });
    const answers = await Promise.all([1, 2, 3, 4].map((n) => pool.run(n)));
    expect(answers.map((a) => a.value)).toEqual([2, 4, 6, 8]);
    expect(new Set(answers.map((a) => a.thread)).size).toBe(2);
    await pool.close();
  });

  it('fails to start, naming the reason, when a thread cannot open its work', async () => {
    await expect(WorkerPool.start({ name: 'test', filename: file, size: 2, workerData: { fail: 'model.onnx' }, queuePerThread: 8, taskTimeoutMs: 5_000 })).rejects.toThrow('cannot open model.onnx');
  });

  it('rejects a failed task with its message and keeps serving', async () => {
    const pool = await WorkerPool.start<number | string, Answer>({ name: 'test', filename: file, size: 1, workerData: {}, queuePerThread: 8, taskTimeoutMs: 5_000 });
    await expect(pool.run('throw')).rejects.toThrow('task failed');
    await expect(pool.run(5)).resolves.toMatchObject({ value: 10 });
    await pool.close();
  });

  it('refuses a task once every thread holds its share', async () => {
    const pool = await WorkerPool.start<number | string, Answer>({ name: 'test', filename: file, size: 1, workerData: { delay: 50 }, queuePerThread: 2, taskTimeoutMs: 5_000 });
    const inHand = [pool.run(1), pool.run(2)];
    await expect(pool.run(3)).rejects.toBeInstanceOf(PoolUnavailableError);
    await expect(Promise.all(inHand)).resolves.toHaveLength(2);
    await pool.close();
  });

  it('replaces a thread that stopped: its tasks fail as unavailable, later tasks are served by the replacement', async () => {
    const pool = await WorkerPool.start<number | string, Answer>({ name: 'test', filename: file, size: 1, workerData: {}, queuePerThread: 8, taskTimeoutMs: 5_000 });
    const first = (await pool.run(1)).thread;
    const crashed = pool.run('crash');
    await expect(crashed).rejects.toBeInstanceOf(PoolUnavailableError);
    await expect(crashed).rejects.toThrow('a worker thread stopped: exit code 3');
    await until(() => pool.size === 1);
    const answer = await pool.run(7);
    expect(answer.value).toBe(14);
    expect(answer.thread).not.toBe(first);
    await pool.close();
  });

  it('fails a task stuck past the task timeout, and the tasks queued behind it, with 503-type errors, and replaces the thread', async () => {
    const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const pool = await WorkerPool.start<number | string, Answer>({ name: 'test', filename: file, size: 1, workerData: {}, queuePerThread: 8, taskTimeoutMs: 200 });
    const first = (await pool.run(1)).thread;
    const stuck = pool.run('stall');
    const behind = pool.run(2);
    await expect(stuck).rejects.toBeInstanceOf(PoolUnavailableError);
    await expect(stuck).rejects.toThrow('a worker thread stopped: a task was not answered within 200 ms');
    await expect(behind).rejects.toBeInstanceOf(PoolUnavailableError);
    await until(() => pool.size === 1);
    const answer = await pool.run(3);
    expect(answer).toMatchObject({ value: 6 });
    expect(answer.thread).not.toBe(first);
    await pool.close();
    errors.mockRestore();
  });

  it('leaves a slow task that answers within the task timeout alone', async () => {
    const pool = await WorkerPool.start<number | string, Answer>({ name: 'test', filename: file, size: 1, workerData: { delay: 150 }, queuePerThread: 8, taskTimeoutMs: 1_000 });
    const first = await pool.run(1);
    await expect(pool.run(2)).resolves.toMatchObject({ value: 4, thread: first.thread });
    await pool.close();
  });

  it('keeps a replacement that cannot start out of the pool, says so, and retries it later', async () => {
    const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const marker = path.join(dir, 'broken');
    const pool = await WorkerPool.start<number | string, Answer>({ name: 'test', filename: file, size: 1, workerData: { failIfExists: marker }, queuePerThread: 8, taskTimeoutMs: 5_000 });
    writeFileSync(marker, '');
    await expect(pool.run('crash')).rejects.toThrow('a worker thread stopped');
    await until(() => errors.mock.calls.some(([line]) => /replacement worker thread could not start \(marker present\); retrying in 1 s/.test(String(line))));
    expect(pool.size).toBe(0);
    await expect(pool.run(1)).rejects.toThrow(new PoolUnavailableError('no worker thread is running'));
    rmSync(marker);
    await until(() => pool.size === 1); // the retry after 1 s starts
    await expect(pool.run(4)).resolves.toMatchObject({ value: 8 });
    await pool.close();
    errors.mockRestore();
  });

  it('fails to start when a thread does not report ready in time', async () => {
    await expect(WorkerPool.start({ name: 'test', filename: file, size: 1, workerData: { hang: true }, queuePerThread: 8, taskTimeoutMs: 5_000, startTimeoutMs: 100 })).rejects.toThrow(
      'worker thread did not start within 100 ms',
    );
  });

  it('holds nothing for a task that cannot be sent to the thread', async () => {
    const pool = await WorkerPool.start<unknown, Answer>({ name: 'test', filename: file, size: 1, workerData: {}, queuePerThread: 1, taskTimeoutMs: 5_000 });
    await expect(pool.run(() => 1)).rejects.toThrow(/could not be cloned/);
    await expect(pool.run(2)).resolves.toMatchObject({ value: 4 }); // its one slot is free
    await pool.close();
  });

  it('close lets the tasks in hand finish, then refuses new ones', async () => {
    const pool = await WorkerPool.start<number | string, Answer>({ name: 'test', filename: file, size: 1, workerData: { delay: 30 }, queuePerThread: 8, taskTimeoutMs: 5_000 });
    const inHand = pool.run(21);
    const closing = pool.close();
    expect(pool.close()).toBe(closing); // a second close waits for the same end
    await expect(pool.run(1)).rejects.toThrow('closed');
    await expect(inHand).resolves.toMatchObject({ value: 42 });
    await closing;
  });
});
