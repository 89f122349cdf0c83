import { actionParts, actorLabel, pageRange, verificationOutdated } from './audit';

describe('audit presentation', () => {
  it("names an account with its role at the time, not its actor type (a viewer is not '(admin)')", () => {
    expect(actorLabel({ type: 'admin', id: 'v-1', name: 'carol', role: 'viewer' })).toBe('carol (viewer)');
    expect(actorLabel({ type: 'admin', id: 'a-1', name: 'alice', role: 'admin' })).toBe('alice (admin)');
    expect(actorLabel({ type: 'admin', id: 'a-1', name: 'old', role: null })).toBe('old (role not recorded)');
    expect(actorLabel({ type: 'system', id: 'system', name: 'system', role: null })).toBe('system');
    expect(actorLabel({ type: 'cli', id: null, name: 'deploy-bot', role: null })).toBe('cli: deploy-bot');
    expect(actorLabel({ type: 'anonymous', id: null, name: null, role: null })).toBe('anonymous');
  });

  it('lets an action wrap only after an underscore', () => {
    expect(actionParts('rotation_cancelled')).toEqual(['rotation_', 'cancelled']);
    expect(actionParts('key_min_version_set').join('')).toBe('key_min_version_set');
    expect(actionParts('logout')).toEqual(['logout']);
  });

  it('says which entries a page shows', () => {
    const entries = (n: number) => Array.from({ length: n }, () => ({}) as never);
    expect(pageRange({ entries: entries(50), total: 322, newer: 0 })).toBe('Entries 1–50 of 322, newest first');
    expect(pageRange({ entries: entries(22), total: 322, newer: 300 })).toBe('Entries 301–322 of 322, newest first');
    expect(pageRange({ entries: [], total: 0, newer: 0 })).toBe('No entries match.');
  });

  it('knows a chain check is out of date once a newer entry is listed', () => {
    const report = { ok: true, entries: 20, checkedAt: 1 };
    expect(verificationOutdated(report, 20)).toBe(false);
    expect(verificationOutdated(report, 22)).toBe(true);
    expect(verificationOutdated(undefined, 22)).toBe(false);
  });
});
