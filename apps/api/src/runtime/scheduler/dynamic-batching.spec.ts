import { BatchPolicy, describeBatchPolicy, formBatch, parseDynamicBatching, resolveBatchPolicy, UNBATCHED } from './dynamic-batching';

const fail = (why: string): never => {
  throw new Error(why);
};

describe('parseDynamicBatching', () => {
  it('absent means the service defaults, false means off, true or {} means on with the default delay', () => {
    expect(parseDynamicBatching(undefined, 64, fail)).toBeUndefined();
    expect(parseDynamicBatching(false, 64, fail)).toBe(false);
    expect(parseDynamicBatching(true, 64, fail)).toEqual({ preferredBatchSizes: [] });
    expect(parseDynamicBatching({}, 64, fail)).toEqual({ preferredBatchSizes: [] });
  });

  it('takes Triton\'s fields; preferred sizes are sorted and distinct', () => {
    expect(parseDynamicBatching({ preferred_batch_size: [64, 16, 32, 16], max_queue_delay_microseconds: 500 }, 64, fail)).toEqual({
      preferredBatchSizes: [16, 32, 64],
      maxQueueDelayUs: 500,
    });
    expect(parseDynamicBatching({ max_queue_delay_microseconds: 0 }, 8, fail)).toEqual({ preferredBatchSizes: [], maxQueueDelayUs: 0 });
  });

  it.each([
    ['on', 64, 'dynamic_batching must be an object, true or false'],
    [[16], 64, 'dynamic_batching must be an object, true or false'],
    [null, 64, 'dynamic_batching must be an object, true or false'],
    [{}, 0, 'dynamic_batching needs maxBatchSize > 0'],
    [true, 0, 'dynamic_batching needs maxBatchSize > 0'],
    [{ preferred_batch_size: 16 }, 64, 'dynamic_batching.preferred_batch_size must be an array'],
    [{ preferred_batch_size: [16, 128] }, 64, 'dynamic_batching.preferred_batch_size[1] must be an integer from 1 to maxBatchSize (64)'],
    [{ preferred_batch_size: [0] }, 64, 'dynamic_batching.preferred_batch_size[0] must be an integer from 1'],
    [{ preferred_batch_size: [2.5] }, 64, 'dynamic_batching.preferred_batch_size[0] must be an integer from 1'],
    [{ max_queue_delay_microseconds: -1 }, 64, 'dynamic_batching.max_queue_delay_microseconds must be an integer from 0 to 1000000'],
    [{ max_queue_delay_microseconds: 2_000_000 }, 64, 'dynamic_batching.max_queue_delay_microseconds must be an integer from 0 to 1000000'],
    [{ max_queue_delay_microseconds: '500' }, 64, 'dynamic_batching.max_queue_delay_microseconds must be an integer'],
    [{ priority_levels: 2 }, 64, 'dynamic_batching.priority_levels is not supported (known fields: preferred_batch_size, max_queue_delay_microseconds)'],
  ])('refuses %j (maxBatchSize %d)', (raw, maxBatchSize, message) => {
    expect(() => parseDynamicBatching(raw, maxBatchSize, fail)).toThrow(message);
  });
});

describe('resolveBatchPolicy', () => {
  const on = { enabled: true, delayMs: 0.2 };
  const off = { enabled: false, delayMs: 0.2 };

  it('a model without the field follows INFER_DYNAMIC_BATCHING and INFER_BATCH_MAX_DELAY_US', () => {
    expect(resolveBatchPolicy(64, undefined, on)).toEqual({ maxBatchSize: 64, preferred: [], delayMs: 0.2 });
    expect(resolveBatchPolicy(64, undefined, off)).toBe(UNBATCHED);
  });

  it('a model\'s config wins over the service defaults, either way', () => {
    expect(resolveBatchPolicy(64, { preferredBatchSizes: [16, 32], maxQueueDelayUs: 500 }, off)).toEqual({ maxBatchSize: 64, preferred: [16, 32], delayMs: 0.5 });
    expect(resolveBatchPolicy(64, { preferredBatchSizes: [] }, on)).toEqual({ maxBatchSize: 64, preferred: [], delayMs: 0.2 });
    expect(resolveBatchPolicy(64, false, on)).toBe(UNBATCHED);
  });

  it('maxBatchSize 0 never batches', () => {
    expect(resolveBatchPolicy(0, undefined, on)).toBe(UNBATCHED);
  });

  it('describes itself in config.json\'s spelling for metadata', () => {
    expect(describeBatchPolicy({ maxBatchSize: 64, preferred: [16, 64], delayMs: 0.5 })).toEqual({ preferred_batch_size: [16, 64], max_queue_delay_microseconds: 500 });
    expect(describeBatchPolicy(UNBATCHED)).toBe(false);
  });
});

describe('formBatch (Triton\'s batch forming)', () => {
  const policy: BatchPolicy = { maxBatchSize: 64, preferred: [16, 32], delayMs: 2 };
  const view = (queuedRows: number, oldestWaitedMs = 0, earliestDeadlineInMs = Infinity, runMs = 1) => ({ queuedRows, oldestWaitedMs, earliestDeadlineInMs, runMs });

  it('without batching every job runs alone, at once', () => {
    expect(formBatch(UNBATCHED, view(10))).toEqual({ rows: 1 });
  });

  it('a full batch goes at once', () => {
    expect(formBatch(policy, view(64))).toEqual({ rows: 64 });
    expect(formBatch(policy, view(500))).toEqual({ rows: 64 });
  });

  it('the largest preferred size the waiting rows reach goes at once', () => {
    expect(formBatch(policy, view(16))).toEqual({ rows: 16 });
    expect(formBatch(policy, view(31))).toEqual({ rows: 16 });
    expect(formBatch(policy, view(40))).toEqual({ rows: 32 });
  });

  it('below every preferred size it waits out the delay from the oldest job, then sends the largest batch available', () => {
    expect(formBatch(policy, view(5, 0))).toEqual({ waitMs: 2 });
    expect(formBatch(policy, view(5, 1.5))).toEqual({ waitMs: 0.5 });
    expect(formBatch(policy, view(5, 2))).toEqual({ rows: 64 });
  });

  it('no delay: whatever waits goes at once', () => {
    expect(formBatch({ maxBatchSize: 64, preferred: [], delayMs: 0 }, view(3))).toEqual({ rows: 64 });
  });

  it('never waits so long that the earliest deadline could not be met by a run', () => {
    expect(formBatch(policy, view(5, 0, 1.5, 1))).toEqual({ waitMs: 0.5 });
    expect(formBatch(policy, view(5, 0, 1, 1))).toEqual({ rows: 64 });
  });
});
