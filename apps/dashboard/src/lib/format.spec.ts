import { formatCountdown, formatNumber, formatSpan, formatTime, groupHex } from './format';

describe('formatting', () => {
  it('counts down in the two largest units, and says when time is up', () => {
    expect(formatCountdown(2 * 86_400_000 + 3 * 3_600_000 + 5000)).toBe('2 d 3 h');
    expect(formatCountdown(23 * 3_600_000 + 59 * 60_000 + 59_000)).toBe('23 h 59 min');
    expect(formatCountdown(4 * 60_000 + 10_500)).toBe('4 min 10 s');
    expect(formatCountdown(999)).toBe('0 s');
    expect(formatCountdown(0)).toBe('expired');
    expect(formatCountdown(-5000)).toBe('expired');
  });

  it('names spans in whole days, hours or minutes where they are whole', () => {
    expect(formatSpan(86_400)).toBe('1 d');
    expect(formatSpan(24 * 3600 * 7)).toBe('7 d');
    expect(formatSpan(7200)).toBe('2 h');
    expect(formatSpan(90 * 60)).toBe('90 min');
    expect(formatSpan(61)).toBe('61 s');
    expect(formatSpan(0)).toBe('0 s');
  });

  it('writes times in UTC to the second, and leaves what is not a time as it was', () => {
    expect(formatTime(Date.UTC(2026, 10, 27, 9, 5, 7, 900))).toBe('2026-11-27 09:05:07 UTC');
    expect(formatTime('2026-01-02T03:04:05.000Z')).toBe('2026-01-02 03:04:05 UTC');
    expect(formatTime('not a time')).toBe('not a time');
  });

  it('shows numbers without noise, and a dash when there is no value', () => {
    expect(formatNumber(12)).toBe('12');
    expect(formatNumber(12.345)).toBe('12.3');
    expect(formatNumber(0.0456, 2)).toBe('0.05');
    expect(formatNumber(null)).toBe('–');
    expect(formatNumber(undefined)).toBe('–');
    expect(formatNumber(Number.NaN)).toBe('–');
  });

  it('groups a fingerprint in fours', () => {
    expect(groupHex('0123456789abcdef01')).toBe('0123 4567 89ab cdef 01');
  });
});
