import type { OverviewView } from '@nf/contracts';

/** An overview snapshot for tests; `at` and counters as given, everything else quiet. */
export function overviewAt(at: number, parts: { handshakes?: Record<string, number>; requests?: Record<string, number>; latency?: number[]; instanceId?: string; queued?: number[] } = {}): OverviewView {
  const bounds = [0.001, 0.01, 0.1, 1];
  const latency = parts.latency ?? [0, 0, 0, 0];
  return {
    at,
    version: '0.0.0',
    instanceId: parts.instanceId ?? 'i-1',
    env: { mode: 'production', hash: 'h', simulationMode: false, gpuDriverMock: false },
    handshake: { status: 'ok', algorithm: 'X-Wing+ML-DSA-65', provider: 'native', activeKeyVersion: 1, sha256: 'ab'.repeat(32), outcomes: parts.handshakes ?? {} },
    runtime: {
      loadBudgetMs: 800,
      frameworks: [],
      models: (parts.queued ?? []).map((queueDepth, i) => ({
        name: `m${i}`,
        version: '1',
        state: 'READY' as const,
        framework: 'onnx',
        simulated: false,
        loadMs: 10,
        overBudget: false,
        queueDepth,
      })),
    },
    inference: { outcomes: parts.requests ?? {}, latency: { bounds, counts: latency, count: latency.at(-1) ?? 0, sum: 0 } },
  };
}
