import { Counter, Histogram, Registry } from 'prom-client';
import { parseExposition, sampleSum } from './exposition';

describe('parseExposition', () => {
  it("accepts prom-client's exposition and finds families, labels and values", async () => {
    const registry = new Registry();
    const loads = new Counter({ name: 'nf_runtime_loaded_total', help: 'loads', labelNames: ['framework'], registers: [registry] });
    new Histogram({ name: 'nf_x_seconds', help: 'x', labelNames: ['route'], registers: [registry] }).observe({ route: '/a' }, 0.2);
    loads.inc({ framework: 'onnx' }, 2);
    loads.inc({ framework: 'mock' });
    const families = parseExposition(await registry.metrics());
    expect(families.map((f) => [f.name, f.type])).toEqual([
      ['nf_runtime_loaded_total', 'COUNTER'],
      ['nf_x_seconds', 'HISTOGRAM'],
    ]);
    expect(sampleSum(families, 'nf_runtime_loaded_total')).toBe(3);
    expect(sampleSum(families, 'nf_runtime_loaded_total', { framework: 'onnx' })).toBe(2);
  });

  it('reads special values as Prometheus does: NaN and Inf in any case (prom-client writes an empty summary as "Nan")', () => {
    const text = '# TYPE nf_a gauge\nnf_a{x="1"} Nan\nnf_a{x="2"} NaN\nnf_a{x="3"} +Inf\nnf_a{x="4"} -inf\nnf_a{x="5"} 1e-3\n';
    expect(parseExposition(text)[0].metrics).toHaveLength(5);
  });

  it.each([
    ['a malformed label set', '# TYPE nf_a gauge\nnf_a{mode=simulation} 1\n', /not a valid Prometheus text exposition/],
    ['a value that is not a number', '# TYPE nf_a gauge\nnf_a 1.2.3\n', /nf_a: sample value "1\.2\.3" is not a number/],
    ['an invalid metric name', '# TYPE nf-a gauge\nnf-a 1\n', /invalid metric name "nf-a"/],
    ['a family split in two', '# TYPE nf_a gauge\nnf_a{x="1"} 1\n# TYPE nf_b gauge\nnf_b 1\nnf_a{x="2"} 1\n', /nf_a appears more than once/],
    ['an invalid label name', '# TYPE nf_a gauge\nnf_a{1x="1"} 1\n', /nf_a: invalid label name "1x"/],
  ])('refuses %s', (_, text, why) => {
    expect(() => parseExposition(text)).toThrow(why);
  });
});
