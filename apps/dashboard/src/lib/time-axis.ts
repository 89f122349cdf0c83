/** The ranges a chart can show. */
export const CHART_RANGES = [
  { id: '15m', label: '15 min', ms: 15 * 60_000 },
  { id: '1h', label: '1 h', ms: 60 * 60_000 },
] as const;
export type ChartRangeId = (typeof CHART_RANGES)[number]['id'];

/** Minimum room between two time labels, in CSS pixels: "10:45" is about 40 px wide. */
export const TICK_SPACE_PX = 64;

/**
 * The x range of a chart, in uPlot's seconds: always the chosen span ending now, whether there are
 * samples or not, so an empty chart never invents a range (it used to span years).
 */
export function timeRange(now: number, rangeMs: number): [number, number] {
  return [(now - rangeMs) / 1000, now / 1000];
}

const pad = (n: number) => String(n).padStart(2, '0');

/** A tick label in UTC, like every time on the page: "09:05", with seconds only when the ticks are closer than a minute. */
export function tickLabel(seconds: number, stepSeconds: number): string {
  const d = new Date(seconds * 1000);
  const hm = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  return stepSeconds < 60 ? `${hm}:${pad(d.getUTCSeconds())}` : hm;
}

/** Tick positions (seconds) every `stepSeconds` on round UTC times, at most as many as fit `widthPx`. */
export function ticks(range: [number, number], widthPx: number): { step: number; at: number[] } {
  const span = range[1] - range[0];
  const fit = Math.max(1, Math.floor(widthPx / TICK_SPACE_PX));
  const steps = [15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200];
  const step = steps.find((s) => span / s <= fit) ?? steps[steps.length - 1];
  const at: number[] = [];
  for (let t = Math.ceil(range[0] / step) * step; t <= range[1]; t += step) at.push(t);
  return { step, at };
}
