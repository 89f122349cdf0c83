import { register, Registry } from 'prom-client';

/*
 * A counter and a histogram for the per-request path, registered in prom-client's registry beside its
 * own metrics (prom-client writes the exposition, so /metrics reads the same). Hand-written because
 * prom-client validates and hashes a label object on every inc() and observe(): 280-480 ns each on this
 * machine, five per inference request, 3% of the main thread under tiny-mlp load (`node --cpu-prof`).
 * Here a series is found by walking one small Map per label value (no key string built), and an
 * observation is a bucket search and three additions.
 */

interface HotConfig<L extends string> {
  name: string;
  help: string;
  /** One to three label names; label values are passed in this order. */
  labelNames: readonly L[];
  registers?: Registry[];
}

type Labels<L extends string> = Record<L, string>;

/** What prom-client's registry reads from a metric (its get()) to write the exposition. */
export interface HotMetricValues {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  aggregator: 'sum';
  values: { metricName?: string; labels: Record<string, string | number>; value: number }[];
}

abstract class HotMetric<L extends string, S> {
  readonly aggregator = 'sum' as const;
  readonly name: string;
  readonly help: string;
  private readonly labelNames: readonly L[];
  /** Nested by label value, one level per label; the last level holds the series. */
  private root = new Map<string, unknown>();
  /** Every series, in creation order, with its labels (what get() reports). */
  protected all: { labels: Labels<L>; series: S }[] = [];

  constructor(config: HotConfig<L>) {
    if (config.labelNames.length < 1 || config.labelNames.length > 3) throw new Error(`${config.name}: one to three label names`);
    this.name = config.name;
    this.help = config.help;
    this.labelNames = config.labelNames;
    for (const registry of config.registers ?? [register]) registry.registerMetric(this as never);
  }

  /** The series for these label values (in labelNames order), created on first use. */
  protected series(a: string, b?: string, c?: string): S {
    let level = this.root;
    const last = this.labelNames.length - 1;
    for (let i = 0; i < last; i++) {
      const value = i === 0 ? a : b!;
      let next = level.get(value) as Map<string, unknown> | undefined;
      if (!next) level.set(value, (next = new Map()));
      level = next;
    }
    const value = last === 0 ? a : last === 1 ? b! : c!;
    let series = level.get(value) as S | undefined;
    if (series === undefined) {
      const values = [a, b, c];
      if (values.some((v, i) => (i <= last) !== (v !== undefined))) {
        throw new TypeError(`${this.name}: ${this.labelNames.length} label values (${this.labelNames.join(', ')}) expected`);
      }
      series = this.create();
      level.set(value, series);
      this.all.push({ labels: Object.fromEntries(this.labelNames.map((n, i) => [n, values[i]])) as Labels<L>, series });
    }
    return series;
  }

  protected abstract create(): S;

  reset(): void {
    this.root = new Map();
    this.all = [];
  }
}

interface CounterSeries {
  value: number;
}

export class HotCounter<L extends string> extends HotMetric<L, CounterSeries> {
  readonly type = 'counter' as const;

  /** Adds one to the series of these label values. */
  inc(a: string, b?: string, c?: string): void {
    this.series(a, b, c).value++;
  }

  /** Creates the series of these label values at 0 (shown before its first count). */
  zero(a: string, b?: string, c?: string): void {
    this.series(a, b, c);
  }

  protected create(): CounterSeries {
    return { value: 0 };
  }

  get(): HotMetricValues {
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values: this.all.map(({ labels, series }) => ({ labels, value: series.value })) };
  }
}

interface HistogramSeries {
  /** Observations per bucket (not cumulative); the last slot counts those above every bound. */
  counts: number[];
  sum: number;
  count: number;
}

export class HotHistogram<L extends string> extends HotMetric<L, HistogramSeries> {
  readonly type = 'histogram' as const;
  private readonly bounds: readonly number[];

  constructor(config: HotConfig<L> & { buckets: readonly number[] }) {
    super(config);
    this.bounds = [...config.buckets].sort((x, y) => x - y);
  }

  /** Observes `value` on the series of these label values (one label: observe(value, a)). */
  observe(value: number, a: string, b?: string, c?: string): void {
    if (!Number.isFinite(value)) throw new TypeError(`${this.name}: not a finite number (${value})`);
    const series = this.series(a, b, c);
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]) i++;
    series.counts[i]++;
    series.sum += value;
    series.count++;
  }

  protected create(): HistogramSeries {
    return { counts: new Array<number>(this.bounds.length + 1).fill(0), sum: 0, count: 0 };
  }

  get(): HotMetricValues {
    const values: HotMetricValues['values'] = [];
    for (const { labels, series } of this.all) {
      let cumulative = 0;
      this.bounds.forEach((le, i) => {
        cumulative += series.counts[i];
        values.push({ metricName: `${this.name}_bucket`, labels: { le, ...labels }, value: cumulative });
      });
      values.push({ metricName: `${this.name}_bucket`, labels: { le: '+Inf', ...labels }, value: series.count });
      values.push({ metricName: `${this.name}_sum`, labels, value: series.sum });
      values.push({ metricName: `${this.name}_count`, labels, value: series.count });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}
