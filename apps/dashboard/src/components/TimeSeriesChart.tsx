import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useColorScheme } from '../hooks/use-color-scheme';
import { formatNumber } from '../lib/format';
import { tickLabel, ticks } from '../lib/time-axis';

export interface ChartSeries {
  label: string;
  color: string;
  values: (number | null)[];
}

interface Props {
  id: string;
  title: string;
  unit: string;
  /** Epoch ms per point. */
  times: number[];
  series: ChartSeries[];
  /** The x range, uPlot seconds: fixed, whether there are points or not. */
  range: [number, number];
}

const HEIGHT = 160;
const lastValue = (values: (number | null)[]) => [...values].reverse().find((v) => v !== null) ?? null;
const peak = (values: (number | null)[]) => values.reduce<number | null>((max, v) => (v !== null && (max === null || v > max) ? v : max), null);
const cssVar = (name: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

/**
 * A line chart over a fixed time range (uPlot, canvas), in UTC like the rest of the page, with tick
 * labels spaced so they never overlap. The newest and the highest value of each series are also
 * written out as text, so the figure reads without the canvas (screen readers, tests).
 */
export function TimeSeriesChart({ id, title, unit, times, series, range }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const rangeRef = useRef(range);
  rangeRef.current = range;
  const scheme = useColorScheme();
  const labels = series.map((s) => s.label).join('|');

  useEffect(() => {
    const element = host.current!;
    const ink = cssVar('--muted') || '#4b5563';
    const grid = cssVar('--line') || '#d1d5db';
    const axis = { stroke: ink, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    const chart = new uPlot(
      {
        width: Math.max(element.clientWidth, 200),
        height: HEIGHT,
        legend: { show: false },
        cursor: { show: false },
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
        scales: {
          x: { time: true, range: () => rangeRef.current },
          y: { range: (_u, min, max) => [0, Math.max(max ?? 0, min ?? 0, 1)] },
        },
        axes: [
          {
            ...axis,
            splits: (u) => ticks(rangeRef.current, u.bbox.width / devicePixelRatio).at,
            values: (u, splits) => {
              const { step } = ticks(rangeRef.current, u.bbox.width / devicePixelRatio);
              return splits.map((s) => tickLabel(s, step));
            },
          },
          { ...axis, label: unit, size: 56 },
        ],
        series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2 }))],
      },
      [[]],
      element,
    );
    plot.current = chart;
    const resize = new ResizeObserver(() => chart.setSize({ width: Math.max(element.clientWidth, 200), height: HEIGHT }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      chart.destroy();
      plot.current = null;
    };
    // Rebuilt only when the set of series or the colour scheme changes; data updates go through setData below.
  }, [labels, unit, scheme]);

  useEffect(() => {
    plot.current?.setData([times.map((t) => t / 1000), ...series.map((s) => s.values)] as uPlot.AlignedData);
  }, [times, series, range, scheme]);

  return (
    <figure className="chart" data-testid={`chart-${id}`} data-points={times.length}>
      <figcaption>
        <span className="chart-title">{title}</span>
        {series.map((s) => (
          <span key={s.label} className="chart-latest">
            <span className="swatch" style={{ background: s.color }} aria-hidden="true" />
            {s.label}: <output data-testid={`chart-${id}-${s.label}`}>{formatNumber(lastValue(s.values))}</output> {unit}
            <span className="muted">
              {' '}
              (peak <span data-testid={`chart-${id}-${s.label}-peak`}>{formatNumber(peak(s.values))}</span>)
            </span>
          </span>
        ))}
      </figcaption>
      <div ref={host} className="chart-canvas" aria-hidden="true">
        {times.length === 0 && <p className="chart-empty muted">No samples yet in this range.</p>}
      </div>
    </figure>
  );
}
