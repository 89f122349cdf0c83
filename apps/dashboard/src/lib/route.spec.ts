import { hrefOf, pageFromHash, PAGES } from './route';

describe('hash routes', () => {
  it('reads the page from the hash, whatever follows it', () => {
    expect(pageFromHash('#/keys')).toBe('keys');
    expect(pageFromHash('#audit')).toBe('audit');
    expect(pageFromHash('#/models/tiny-mlp')).toBe('models');
    expect(pageFromHash('#/policies?x=1')).toBe('policies');
  });

  it('falls back to the overview for no hash or an unknown page', () => {
    expect(pageFromHash('')).toBe('overview');
    expect(pageFromHash('#/')).toBe('overview');
    expect(pageFromHash('#/nope')).toBe('overview');
  });

  it('round-trips every page through its link', () => {
    for (const page of PAGES) expect(pageFromHash(hrefOf(page.id))).toBe(page.id);
  });
});
