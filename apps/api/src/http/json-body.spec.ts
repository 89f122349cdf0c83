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

  it('agrees with a character-by-character scan on random text of structural characters', () => {
    const byCharacter = (text: string, max: number) => {
      let depth = 0;
      let inString = false;
      for (let i = 0; i < text.length; i++) {
        const c = text[i];
        if (inString) {
          if (c === '\\') i++;
          else if (c === '"') inString = false;
        } else if (c === '"') inString = true;
        else if (c === '{' || c === '[') {
          if (++depth > max) return true;
        } else if ((c === '}' || c === ']') && depth > 0) depth--;
      }
      return false;
    };
    const alphabet = '[]{}"\\a,:';
    let seed = 1;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let i = 0; i < 20_000; i++) {
      const text = Array.from({ length: next() % 24 }, () => alphabet[next() % alphabet.length]).join('');
      const max = next() % 4;
      expect([text, max, jsonNestingExceeds(text, max)]).toEqual([text, max, byCharacter(text, max)]);
    }
  });

  it('leaves malformed text to the JSON parser (no throw, no false alarm on stray closers)', () => {
    expect(jsonNestingExceeds(']]]]]][', 1)).toBe(false);
    expect(jsonNestingExceeds('"unterminated [[[[', 1)).toBe(false);
  });
});
