import { tickLabel, ticks, timeRange, TICK_SPACE_PX } from './time-axis';

const NOW = Date.UTC(2026, 10, 27, 10, 7, 30);

describe('the time axis', () => {
  it('spans exactly the chosen range ending now, with or without samples', () => {
    expect(timeRange(NOW, 15 * 60_000)).toEqual([(NOW - 900_000) / 1000, NOW / 1000]);
  });

  it('labels ticks in UTC, whatever the browser zone', () => {
    expect(tickLabel(Date.UTC(2026, 0, 1, 23, 5) / 1000, 300)).toBe('23:05');
    expect(tickLabel(Date.UTC(2026, 0, 1, 23, 5, 30) / 1000, 30)).toBe('23:05:30');
  });

  it('never puts labels closer than they are wide, at phone and desktop widths', () => {
    for (const rangeMs of [15 * 60_000, 60 * 60_000]) {
      for (const width of [300, 420, 1200]) {
        const range = timeRange(NOW, rangeMs);
        const { at, step } = ticks(range, width);
        const pxPerSecond = width / (range[1] - range[0]);
        expect(step * pxPerSecond).toBeGreaterThanOrEqual(TICK_SPACE_PX);
        expect(at.length).toBeGreaterThan(0);
        expect(at.every((t) => t % step === 0 && t >= range[0] && t <= range[1])).toBe(true);
      }
    }
  });
});
