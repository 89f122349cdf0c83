import { Counter, Histogram, Registry } from 'prom-client';
import { registrySamples, Sample, sumAll, sumByLabel, sumHistogram } from './prom-snapshot';

const samplesOf = async (metric: { get(): Promise<{ values: unknown[] }> }) => (await metric.get()).values as Sample[];

describe('prom-client snapshots', () => {
  it('sums a counter per value of one label across the others', async () => {
    const registry = new Registry();
    const counter = new Counter({ name: 't_requests_total', help: 'h', labelNames: ['model', 'outcome'], registers: [registry] });
    counter.inc({ model: 'a', outcome: 'ok' }, 3);
    counter.inc({ model: 'b', outcome: 'ok' }, 2);
    counter.inc({ model: 'a', outcome: 'deadline' });
    expect(sumByLabel(await samplesOf(counter), 'outcome')).toEqual({ ok: 5, deadline: 1 });
  });

  it('reads one metric from a registry, and nothing for one not registered', async () => {
    const registry = new Registry();
    const counter = new Counter({ name: 't_loads_total', help: 'h', labelNames: ['framework'], registers: [registry] });
    counter.inc({ framework: 'onnx' }, 2);
    counter.inc({ framework: 'mock' });
    const samples = await registrySamples('t_loads_total', registry);
    expect(samples).toHaveLength(2);
    expect(sumAll(samples)).toBe(3);
    await expect(registrySamples('t_absent_total', registry)).resolves.toEqual([]);
  });

  it('gives nothing for a metric with no samples yet', () => {
    expect(sumAll([])).toBe(0);
    expect(sumByLabel([], 'outcome')).toEqual({});
    expect(sumHistogram('t', [])).toEqual({ bounds: [], counts: [], count: 0, sum: 0 });
  });

  it('sums histogram buckets across labels, keeping them cumulative and dropping +Inf into count', async () => {
    const registry = new Registry();
    const histogram = new Histogram({ name: 't_seconds', help: 'h', labelNames: ['model'], buckets: [0.01, 0.1, 1], registers: [registry] });
    histogram.observe({ model: 'a' }, 0.005);
    histogram.observe({ model: 'b' }, 0.05);
    histogram.observe({ model: 'b' }, 0.5);
    histogram.observe({ model: 'a' }, 3);
    const snapshot = sumHistogram('t_seconds', await samplesOf(histogram));
    expect(snapshot.bounds).toEqual([0.01, 0.1, 1]);
    expect(snapshot.counts).toEqual([1, 2, 3]);
    expect(snapshot.count).toBe(4);
    expect(snapshot.sum).toBeCloseTo(3.555);
  });
});
