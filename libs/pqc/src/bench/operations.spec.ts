import { SUITES } from '../suite';
import { createBenchSetup, measure, prepareOperation, type BenchTask } from './operations';

// The worker-thread runner needs compiled output; the operations it times are exercised here
// (the handshake operation also completes one full client round trip while preparing).
describe('crypto ceiling operations', () => {
  const setup = createBenchSetup(2);
  const tasks: BenchTask[] = [
    { kind: 'noble-xwing-decapsulate' },
    { kind: 'noble-xwing-server-kem' },
    { kind: 'xwing-decapsulate' },
    ...SUITES.map((suite) => ({ kind: 'handshake', suite }) as const),
  ];

  it.each(tasks.map((t) => [JSON.stringify(t), t] as const))('%s runs and is timed', (_name, task) => {
    const result = measure(prepareOperation(task, setup), 30, 0);
    expect(result.ops).toBeGreaterThan(0);
    expect(result.elapsedMs).toBeGreaterThanOrEqual(30);
  });
});
