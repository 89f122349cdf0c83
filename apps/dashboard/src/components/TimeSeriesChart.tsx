import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatNumber } from '../lib/format';

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
}

const HEIGHT = 160;
const lastValue = (values: (number | null)[]) => [...values].reverse().find((v) => v !== null) ?? null;
const peak = (values: (number | null)[]) => values.reduce<number | null>((max, v) => (v !== null && (max === null || v > max) ? v : max), null);

/**
 * A live line chart (uPlot, canvas). The newest and the highest value of each series are also
 * written out as text, so the figure reads without the canvas (screen readers, tests).
 */
export function TimeSeriesChart({ id, title, unit, times, series }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const labels = series.map((s) => s.label).join('|');

  useEffect(() => {
    const element = host.current!;
    const chart = new uPlot(
      {
        width: Math.max(element.clientWidth, 200),
        height: HEIGHT,
        legend: { show: false },
        cursor: { show: false },
        scales: { x: { time: true }, y: { range: (_u, min, max) => [0, Math.max(max ?? 0, min ?? 0, 1)] } },
        axes: [{}, { label: unit, size: 56 }],
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
    // Rebuilt only when the set of series changes; data updates go through setData below.
  }, [labels, unit]);

  useEffect(() => {
    plot.current?.setData([times.map((t) => t / 1000), ...series.map((s) => s.values)] as uPlot.AlignedData);
  }, [times, series]);

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
      <div ref={host} aria-hidden="true" />
    </figure>
  );
}
