import { FAILED_LOGIN_TOP, failedLoginEntries } from './failed-login-audit.service';
import { FailedLogin, FailedLoginTally } from './failed-logins';

const T0 = 1_764_374_400_000;
const failure = (overrides: Partial<FailedLogin> = {}): FailedLogin => ({ reason: 'bad_credentials', address: '203.0.113.1', at: T0, ...overrides });

describe('failed login tally', () => {
  it('counts attempts per (reason, account, address) with their first and last time and the locks they set', () => {
    const tally = new FailedLoginTally();
    tally.add(failure({ accountId: 'a1', at: T0 + 2 }));
    tally.add(failure({ accountId: 'a1', at: T0 + 1, lockedAccount: true }));
    tally.add(failure({ reason: 'locked', accountId: 'a1', at: T0 + 3 }));
    tally.add(failure({ address: '203.0.113.2', at: T0 + 4, lockedAddress: true }));
    expect(tally.attempts).toBe(4);
    const drained = tally.drain(10);
    expect(drained.rest).toBeUndefined();
    expect(drained.top).toEqual([
      { reason: 'bad_credentials', address: '203.0.113.1', accountId: 'a1', attempts: 2, firstAt: T0 + 1, lastAt: T0 + 2, accountLocks: 1, addressLocks: 0 },
      { reason: 'locked', address: '203.0.113.1', accountId: 'a1', attempts: 1, firstAt: T0 + 3, lastAt: T0 + 3, accountLocks: 0, addressLocks: 0 },
      { reason: 'bad_credentials', address: '203.0.113.2', accountId: undefined, attempts: 1, firstAt: T0 + 4, lastAt: T0 + 4, accountLocks: 0, addressLocks: 1 },
    ]);
    expect(tally.attempts).toBe(0);
    expect(tally.drain(10)).toEqual({ top: [] });
  });

  it('keeps the busiest apart and sums the rest into one', () => {
    const tally = new FailedLoginTally();
    for (let i = 0; i < 30; i++) for (let n = 0; n <= i; n++) tally.add(failure({ reason: i % 2 ? 'rate_limited' : 'bad_credentials', address: `198.51.100.${i}`, at: T0 + n }));
    const { top, rest } = tally.drain(3);
    expect(top.map((c) => [c.address, c.attempts])).toEqual([['198.51.100.29', 30], ['198.51.100.28', 29], ['198.51.100.27', 28]]);
    const summed = (30 * 31) / 2 - (30 + 29 + 28);
    expect(rest).toMatchObject({ attempts: summed, sources: 27, firstAt: T0, lastAt: T0 + 26 });
    expect(rest!.byReason.bad_credentials + rest!.byReason.rate_limited).toBe(summed);
    expect(rest!.byReason.locked).toBe(0);
  });

  it('holds at most maxCells combinations; the others are only summed', () => {
    const tally = new FailedLoginTally(2);
    for (const address of ['a', 'b', 'c', 'd', 'c']) tally.add(failure({ address }));
    expect(tally.attempts).toBe(5);
    const { top, rest } = tally.drain(5);
    expect(top.map((c) => c.address)).toEqual(['a', 'b']);
    expect(rest).toMatchObject({ attempts: 3, sources: 3 });
  });

  it('restore() puts a drain back, merged with what was counted since', () => {
    const tally = new FailedLoginTally();
    tally.add(failure({ at: T0 + 5 }));
    tally.add(failure({ at: T0 + 6 }));
    tally.add(failure({ address: 'other' }));
    const drained = tally.drain(1);
    tally.add(failure({ at: T0 + 9 }));
    tally.restore(drained);
    expect(tally.attempts).toBe(4);
    const again = tally.drain(1);
    expect(again.top).toEqual([expect.objectContaining({ address: '203.0.113.1', attempts: 3, firstAt: T0 + 5, lastAt: T0 + 9 })]);
    expect(again.rest).toMatchObject({ attempts: 1 });
  });
});

describe('login_failed audit entries', () => {
  it('one entry per kept cell (the account as target when known), one for the rest; never the name tried', () => {
    const tally = new FailedLoginTally();
    for (let i = 0; i < 50; i++) tally.add(failure({ address: `198.51.100.${i}`, accountId: i === 0 ? 'acc-1' : undefined }));
    tally.add(failure({ address: '198.51.100.0', accountId: 'acc-1' }));
    const entries = failedLoginEntries(tally.drain(FAILED_LOGIN_TOP));
    expect(entries).toHaveLength(FAILED_LOGIN_TOP + 1);
    expect(entries[0]).toEqual({
      actor: { type: 'anonymous' },
      action: 'login_failed',
      target: 'admin:acc-1',
      details: { reason: 'bad_credentials', ip: '198.51.100.0', accountKnown: true, attempts: 2, firstAt: T0, lastAt: T0, accountLocks: 0, addressLocks: 0 },
    });
    expect(entries[1]).not.toHaveProperty('target');
    expect(entries[FAILED_LOGIN_TOP].details).toMatchObject({ summary: true, attempts: 50 - FAILED_LOGIN_TOP, sources: 50 - FAILED_LOGIN_TOP });
    expect(entries.reduce((n, e) => n + (e.details!.attempts as number), 0)).toBe(51);
  });
});
