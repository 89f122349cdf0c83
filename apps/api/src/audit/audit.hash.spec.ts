import { createHash } from 'node:crypto';
import { canonicalJson, entryHash, GENESIS_HASH, HashedFields } from './audit.hash';

const base: HashedFields = {
  seq: 7,
  at: 1_764_374_400_123,
  actorType: 'admin',
  actorId: 'a1',
  actorName: 'Ada',
  action: 'rotation_approved',
  target: 'key:3',
  details: '{"reason":"quarterly"}',
  keyVersionBefore: 2,
  keyVersionAfter: 3,
  prevHash: GENESIS_HASH,
};

describe('entryHash', () => {
  it('is SHA-256 over the documented length-prefixed encoding (known answer)', () => {
    const field = (value: string | null) => {
      if (value === null) return Buffer.of(0);
      const bytes = Buffer.from(value, 'utf8');
      const length = Buffer.alloc(4);
      length.writeUInt32BE(bytes.length);
      return Buffer.concat([Buffer.of(1), length, bytes]);
    };
    const entry = { ...base, actorName: null, keyVersionBefore: null };
    const encoding = Buffer.concat([
      Buffer.from('nf-audit/v1\0', 'utf8'),
      ...['7', '1764374400123', 'admin', 'a1', null, 'rotation_approved', 'key:3', '{"reason":"quarterly"}', null, '3', GENESIS_HASH].map(field),
    ]);
    expect(entryHash(entry)).toBe(createHash('sha256').update(encoding).digest('hex'));
  });

  it('changes when any single field changes', () => {
    const changed: Array<Partial<HashedFields>> = [
      { seq: 8 }, { at: base.at + 1 }, { actorType: 'system' }, { actorId: 'a2' }, { actorName: 'Bob' },
      { action: 'rotation_rejected' }, { target: 'key:4' }, { details: '{"reason":"quarterly!"}' },
      { keyVersionBefore: 1 }, { keyVersionAfter: 4 }, { prevHash: 'f'.repeat(64) },
    ];
    const hashes = new Set([entryHash(base), ...changed.map((change) => entryHash({ ...base, ...change }))]);
    expect(hashes.size).toBe(changed.length + 1);
  });

  it('cannot be made to collide by moving text across a field boundary', () => {
    const pairs: Array<[Partial<HashedFields>, Partial<HashedFields>]> = [
      [{ actorId: 'ab', actorName: 'c' }, { actorId: 'a', actorName: 'bc' }],
      [{ action: 'x', target: 'y' }, { action: 'xy', target: '' }],
      [{ target: 'y', details: '{}' }, { target: 'y{}', details: '' }],
      [{ actorName: null, action: 'a' }, { actorName: '', action: 'a' }],
      [{ keyVersionBefore: 12, keyVersionAfter: 3 }, { keyVersionBefore: 1, keyVersionAfter: 23 }],
      [{ keyVersionBefore: null, keyVersionAfter: 3 }, { keyVersionBefore: 3, keyVersionAfter: null }],
      // a field value that spells out the encoding of the next fields
      [{ actorId: 'a', actorName: 'b' }, { actorId: `a\u0001\u0000\u0000\u0000\u0001b`, actorName: null }],
    ];
    for (const [a, b] of pairs) expect(entryHash({ ...base, ...a })).not.toBe(entryHash({ ...base, ...b }));
  });

  it('refuses numbers that have no exact decimal form', () => {
    expect(() => entryHash({ ...base, at: 1.5 })).toThrow(/safe integer/);
    expect(() => entryHash({ ...base, seq: Number.MAX_SAFE_INTEGER + 1 })).toThrow(/safe integer/);
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every level, so equal objects give equal text', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: true, y: null }], c: 'x' } })).toBe('{"a":{"c":"x","d":[1,{"y":null,"z":true}]},"b":1}');
    expect(canonicalJson({ x: 1, y: 2 })).toBe(canonicalJson({ y: 2, x: 1 }));
  });

  it('keeps strings that look like structure inside their quotes', () => {
    expect(canonicalJson({ a: 'b","c":"d' })).not.toBe(canonicalJson({ a: 'b', c: 'd' }));
  });

  it('leaves out undefined properties as JSON does', () => {
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
  });

  it('refuses values that are not plain JSON', () => {
    expect(() => canonicalJson({ when: new Date(0) })).toThrow(/details\.when is not a JSON value/);
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(/not a finite number/);
    expect(() => canonicalJson({ n: 1n })).toThrow(/not a JSON value/);
    expect(() => canonicalJson({ list: [1, undefined] })).toThrow(/details\.list\[1\] is undefined/);
    expect(() => canonicalJson({ buf: Buffer.from('x') })).toThrow(/not a JSON value/);
  });
});
