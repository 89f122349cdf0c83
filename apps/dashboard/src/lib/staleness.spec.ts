import { ApiError } from '../api/client';
import { isUnreachable, nextReachability, panelState } from './staleness';

describe('panel staleness', () => {
  it('shows data while it is current, with the time it was fetched', () => {
    expect(panelState({ dataUpdatedAt: 1000, error: null, hasData: true }, {})).toEqual({ kind: 'fresh', updatedAt: 1000 });
    expect(panelState({ dataUpdatedAt: 0, error: null, hasData: false }, {})).toEqual({ kind: 'loading' });
  });

  it('turns unknown since the last good answer when its own poll failed, rather than keeping the old values', () => {
    const error = new ApiError(0, 'the service could not be reached (fetch failed)');
    expect(panelState({ dataUpdatedAt: 1000, error, hasData: true }, {})).toEqual({
      kind: 'unknown',
      since: 1000,
      why: 'the service could not be reached (fetch failed)',
    });
  });

  it('turns unknown as soon as any call finds the service gone, before its own next poll', () => {
    expect(panelState({ dataUpdatedAt: 1000, error: null, hasData: true }, { unreachableSince: 3000 })).toMatchObject({ kind: 'unknown', since: 1000 });
    // Data that came after the outage began (the service is back) is current again.
    expect(panelState({ dataUpdatedAt: 4000, error: null, hasData: true }, { unreachableSince: 3000 })).toEqual({ kind: 'fresh', updatedAt: 4000 });
  });
});

describe('service reachability', () => {
  it('counts network failures and gateway errors as unreachable, answers of the service itself as reachable', () => {
    expect(isUnreachable(new ApiError(0, 'x'))).toBe(true);
    expect(isUnreachable(new ApiError(502, 'x'))).toBe(true);
    expect(isUnreachable(new ApiError(504, 'x'))).toBe(true);
    expect(isUnreachable(new TypeError('Failed to fetch'))).toBe(true);
    expect(isUnreachable(new ApiError(503, 'model is not ready'))).toBe(false);
    expect(isUnreachable(new ApiError(500, 'x'))).toBe(false);
  });

  it('is unreachable from the first failed call until the next answer', () => {
    let reach = nextReachability({}, { ok: false, error: new ApiError(0, 'x'), at: 10 });
    expect(reach).toEqual({ unreachableSince: 10 });
    reach = nextReachability(reach, { ok: false, error: new ApiError(0, 'x'), at: 20 });
    expect(reach).toEqual({ unreachableSince: 10 });
    expect(nextReachability(reach, { ok: false, error: new ApiError(400, 'bad'), at: 30 })).toEqual({ unreachableSince: 10 });
    expect(nextReachability(reach, { ok: true, at: 40 })).toEqual({});
    expect(nextReachability({}, { ok: false, error: new ApiError(409, 'x'), at: 50 })).toEqual({});
  });
});
