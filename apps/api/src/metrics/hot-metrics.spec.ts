import { Counter, Histogram, Registry } from 'prom-client';
import { HotCounter, HotHistogram } from './hot-metrics';

/** The same observations through prom-client's own metrics and through the hot ones, each in its own registry. */
function both() {
  const theirs = new Registry();
  const ours = new Registry();
  const buckets = [0.001, 0.01, 0.1, 1];
  return {
    theirs,
    ours,
    counters: [
      new Counter({ name: 'x_requests_total', help: 'Requests', labelNames: ['method', 'route', 'status_code'], registers: [theirs] }),
      new HotCounter({ name: 'x_requests_total', help: 'Requests', labelNames: ['method', 'route', 'status_code'], registers: [ours] }),
    ] as const,
    histograms: [
      new Histogram({ name: 'x_duration_seconds', help: 'Duration', labelNames: ['model'], buckets, registers: [theirs] }),
      new HotHistogram({ name: 'x_duration_seconds', help: 'Duration', labelNames: ['model'], buckets, registers: [ours] }),
    ] as const,
  };
}

describe('HotCounter and HotHistogram', () => {
  it('write the exposition prom-client writes for the same observations', async () => {
    const { theirs, ours, counters, histograms } = both();
    const requests: [string, string, string][] = [
      ['POST', '/v2/models/:model/infer', '200'],
      ['GET', '/health/live', '200'],
      ['POST', '/v2/models/:model/infer', '200'],
      ['POST', '/v2/models/:model/infer', '429'],
      ['POST', 'a "quoted"\\route\n', '500'],
    ];
    for (const [method, route, status] of requests) {
      counters[0].inc({ method, route, status_code: status });
      counters[1].inc(method, route, status);
    }
    // On a bound, between bounds, above every bound, and zero.
    const durations: [number, string][] = [[0.001, 'tiny-mlp'], [0.05, 'tiny-mlp'], [3, 'wide-mlp'], [0, 'tiny-mlp'], [0.01, 'wide-mlp']];
    for (const [seconds, model] of durations) {
      histograms[0].observe({ model }, seconds);
      histograms[1].observe(seconds, model);
    }
    const exposition = await ours.metrics();
    expect(exposition).toBe(await theirs.metrics());
    expect(exposition).toMatch(/^x_duration_seconds_bucket\{le="0.01",model="wide-mlp"\} 1$/m);
    expect(exposition).toMatch(/^x_duration_seconds_bucket\{le="\+Inf",model="tiny-mlp"\} 3$/m);
    expect(exposition).toMatch(/^x_requests_total\{method="POST",route="\/v2\/models\/:model\/infer",status_code="200"\} 2$/m);
  });

  it('refuses a non-finite observation, zero() shows a series before its first count, and reset() empties every series', async () => {
    const { ours, histograms, counters } = both();
    expect(() => histograms[1].observe(Number.NaN, 'tiny-mlp')).toThrow(TypeError);
    histograms[1].observe(0.5, 'tiny-mlp');
    counters[1].inc('GET', '/', '200');
    counters[1].zero('GET', '/', '404');
    await expect(ours.metrics()).resolves.toMatch(/^x_requests_total\{method="GET",route="\/",status_code="404"\} 0$/m);
    await expect(ours.metrics()).resolves.toMatch(/x_duration_seconds_count\{model="tiny-mlp"\} 1/);
    ours.resetMetrics();
    const after = await ours.metrics();
    expect(after).not.toMatch(/tiny-mlp|status_code/);
  });

  it('refuses too few or too many label values', () => {
    const { counters, histograms } = both();
    expect(() => counters[1].inc('GET', '/')).toThrow(/3 label values \(method, route, status_code\) expected/);
    expect(() => histograms[1].observe(1, 'tiny-mlp', 'extra')).toThrow(/1 label values \(model\) expected/);
  });

  it('refuses a second metric of the same name in one registry, as prom-client does', () => {
    const registry = new Registry();
    new HotCounter({ name: 'x_total', help: 'x', labelNames: ['a'], registers: [registry] });
    expect(() => new HotCounter({ name: 'x_total', help: 'x', labelNames: ['a'], registers: [registry] })).toThrow(/already been registered/);
  });
});
