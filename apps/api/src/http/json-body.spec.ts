import { jsonNestingExceeds } from './json-body';

describe('jsonNestingExceeds', () => {
  const nest = (depth: number) => `${'{"a":['.repeat(depth / 2)}1${']}'.repeat(depth / 2)}`;

  it('counts objects and arrays alike, up to and over the bound', () => {
    expect(jsonNestingExceeds(nest(64), 64)).toBe(false);
    expect(jsonNestingExceeds(nest(66), 64)).toBe(true);
    expect(jsonNestingExceeds('[[[]]]', 2)).toBe(true);
    expect(jsonNestingExceeds('[[],[],[]]', 2)).toBe(false);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    expect(jsonNestingExceeds(JSON.stringify({ s: '[[[[[[[[[[{{{{{{{{' }), 2)).toBe(false);
    expect(jsonNestingExceeds(JSON.stringify({ s: 'a\\"[[[[[[[[' }), 2)).toBe(false);
    expect(jsonNestingExceeds(JSON.stringify({ s: '\\\\' , t: [[[1]]] }), 3)).toBe(true);
  });

  it('leaves malformed text to the JSON parser (no throw, no false alarm on stray closers)', () => {
    expect(jsonNestingExceeds(']]]]]][', 1)).toBe(false);
    expect(jsonNestingExceeds('"unterminated [[[[', 1)).toBe(false);
  });
});
