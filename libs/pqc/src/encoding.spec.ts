import { decodeFields, encodeFields, fromBase64Url, fromHex, readU64be, toBase64Url, u32be, u64be } from './encoding';
import { expectCode } from './testing/expect-code';

describe('base64url', () => {
  it('round-trips bytes without padding', () => {
    const bytes = Uint8Array.of(0xfb, 0xff, 0x00, 0x01);
    expect(toBase64Url(bytes)).toBe('-_8AAQ');
    expect(fromBase64Url('-_8AAQ', 'x')).toEqual(bytes);
  });

  it.each([
    ['padding', '-_8AAQ=='],
    ['standard alphabet', '+/8AAQ'],
    ['whitespace', '-_8A AQ'],
    ['non-canonical trailing bits', '-_8AAR'],
    ['not a string', 42],
  ])('rejects %s as bad_encoding', (_name, text) => {
    expectCode(() => fromBase64Url(text, 'field'), 'bad_encoding');
  });

  it('checks the expected length', () => {
    expectCode(() => fromBase64Url('AAAA', 'field', 4), 'bad_length');
  });

  it.each([
    ['a lone final character', 'AAAAA'],
    ['set trailing bits after two bytes', 'AAB'],
    ['set trailing bits after one byte', 'AB'],
  ])('rejects %s as non-canonical', (_name, text) => {
    expectCode(() => fromBase64Url(text, 'field'), 'bad_encoding');
  });

  it('accepts exactly the texts that decode and encode back to themselves', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let i = 0; i < 5000; i++) {
      const text = Array.from({ length: next() % 12 }, () => alphabet[next() % 64]).join('');
      const roundTrips = Buffer.from(Buffer.from(text, 'base64url')).toString('base64url') === text;
      let accepted = true;
      try {
        fromBase64Url(text, 'field');
      } catch {
        accepted = false;
      }
      expect([text, accepted]).toEqual([text, roundTrips]);
    }
  });
});

describe('hex', () => {
  it('accepts lowercase only', () => {
    expect(fromHex('00ff', 'x')).toEqual(Uint8Array.of(0, 255));
    expectCode(() => fromHex('00FF', 'x'), 'bad_encoding');
    expectCode(() => fromHex('0', 'x'), 'bad_encoding');
    expectCode(() => fromHex('00', 'x', 2), 'bad_length');
  });
});

describe('length-prefixed fields', () => {
  it('is u32be(length) || bytes per field, strings as UTF-8', () => {
    expect(Buffer.from(encodeFields(['a€', Uint8Array.of(9, 8), ''])).toString('hex')).toBe('0000000461e282ac' + '000000020908' + '00000000');
  });

  it('is injective where plain concatenation is not', () => {
    expect(encodeFields(['ab', 'c'])).not.toEqual(encodeFields(['a', 'bc']));
  });

  it('round-trips and rejects truncation or trailing bytes', () => {
    const encoded = encodeFields(['label', Uint8Array.of(1, 2, 3), new Uint8Array(0)]);
    const fields = decodeFields(encoded, 3, 'x');
    expect(new TextDecoder().decode(fields[0])).toBe('label');
    expect(fields[1]).toEqual(Uint8Array.of(1, 2, 3));
    expect(fields[2]).toHaveLength(0);
    expectCode(() => decodeFields(encoded.subarray(0, encoded.length - 1), 3, 'x'), 'bad_encoding');
    expectCode(() => decodeFields(encoded, 2, 'x'), 'bad_encoding');
  });

  it('encodes integers big-endian with range checks', () => {
    expect(u32be(0x01020304)).toEqual(Uint8Array.of(1, 2, 3, 4));
    expect(readU64be(u64be(Number.MAX_SAFE_INTEGER), 'x')).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => u32be(2 ** 32)).toThrow(RangeError);
    expect(() => u64be(-1)).toThrow(RangeError);
    expectCode(() => readU64be(new Uint8Array(8).fill(0xff), 'x'), 'bad_encoding');
  });
});
