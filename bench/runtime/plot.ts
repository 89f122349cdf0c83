// Renders a concurrency sweep as an SVG with vega-lite (spec) and vega (headless SVG renderer).
import type { SweepPoint } from './sweep-types';

/**
 * vega and vega-lite are ES modules with top-level await: they cannot be require()d, and tsc
 * (module commonjs) rewrites a plain `import()` into require(). A Function body is not seen by
 * tsc, so this stays a real dynamic import.
 */
const esmImport = new Function('specifier', 'return import(specifier)') as <T>(specifier: string) => Promise<T>;

interface VegaLite {
  compile(spec: unknown): { spec: unknown };
}
interface Vega {
  parse(spec: unknown): unknown;
  View: new (runtime: unknown, options: { renderer: 'none' }) => { toSVG(): Promise<string>; finalize(): void };
}

export async function sweepSvg(points: SweepPoint[], title: string): Promise<string> {
  const vl = await esmImport<VegaLite>('vega-lite');
  const vega = await esmImport<Vega>('vega');
  const values = points.map((p) => ({ ...p, series: `${p.server} · ${p.protocol}` }));
  const x = { field: 'concurrency', type: 'quantitative', scale: { type: 'log', base: 2 }, axis: { values: [...new Set(points.map((p) => p.concurrency))], title: 'concurrency (closed-loop clients)' } };
  const color = { field: 'series', type: 'nominal', title: null, legend: { orient: 'bottom', columns: 3, labelLimit: 400 } };
  // One row per metric, one column per model; each model has its own y scale (their speeds differ by 10x).
  const row = (field: string, title: string, scale: Record<string, unknown> = {}) => ({
    facet: { column: { field: 'model', type: 'nominal', title: null } },
    spec: {
      width: 300,
      height: 170,
      mark: { type: 'line', point: true },
      encoding: { x, y: { field, type: 'quantitative', title, scale }, color, strokeDash: { field: 'server', type: 'nominal', legend: null } },
    },
    resolve: { scale: { y: 'independent' } },
  });
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    data: { values },
    vconcat: [
      row('requestsPerSecond', 'throughput (req/s)'),
      row('p50', 'p50 latency (ms)', { type: 'log' }),
      row('p99', 'p99 latency (ms)', { type: 'log' }),
      row('serverCpuMsPerRequest', 'server CPU per request (ms)', { type: 'log' }),
    ],
    config: { background: 'white', font: 'sans-serif' },
  };
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
