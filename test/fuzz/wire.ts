import fc from 'fast-check';
import { hugeNumberText } from './values';

/** A request body as bytes on the wire, with the content type it claims (undefined: no header). */
export interface WireBody {
  contentType: string | undefined;
  bytes: Buffer;
  /** How it was built, for the failure report. */
  how: string;
}

/** Nesting far past the parser's bound (MAX_JSON_DEPTH); the earlier bug class was a stack overflow deeper in. */
const DEEP = 2_000;

/** Bytes that are not UTF-8: a stray continuation byte, an overlong form, a surrogate, a truncated sequence. */
const NOT_UTF8 = [Buffer.from([0xff]), Buffer.from([0xc3, 0x28]), Buffer.from([0xc0, 0xaf]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xe2, 0x82])];

const WRONG_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  'application/octet-stream',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'APPLICATION/JSON',
  'application/json;;;',
  'application/jsonx',
  'garbage',
  '',
  'application/nf-sealed+json',
  'application/nf-sealed+json; charset=utf-8',
];

function withNumber(text: string, key: string, number: string): string {
  return text.startsWith('{') ? `{${JSON.stringify(key)}:${number}${text === '{}' ? '' : ','}${text.slice(1)}` : number;
}

/** Ways to put a JSON value on the wire: mostly plain JSON, the rest each a known way to break a parser or what follows it. */
export function wireBody(value: fc.Arbitrary<unknown>): fc.Arbitrary<WireBody> {
  const json = (contentType: string | undefined, how: string) => (text: string): WireBody => ({ contentType, bytes: Buffer.from(text, 'utf8'), how });
  const text = value.map((v) => JSON.stringify(v) ?? 'null');
  return fc.oneof(
    { weight: 10, arbitrary: text.map(json('application/json', 'json')) },
    { weight: 1, arbitrary: fc.tuple(text, fc.constantFrom('[', '{"a":')).map(([t, open]) =>
      json('application/json', `nested ${DEEP}`)(`{"inputs":${open.repeat(DEEP)}1${(open === '[' ? ']' : '}').repeat(DEEP)},"x":${t}}`)) },
    { weight: 1, arbitrary: fc.constantFrom('[', '{"a":').map((open) => json('application/json', `bare nested ${DEEP}`)(`${open.repeat(DEEP)}${(open === '[' ? ']' : '}').repeat(DEEP)}`)) },
    {
      weight: 2,
      arbitrary: fc.tuple(text, fc.constantFrom(...NOT_UTF8), fc.nat(), fc.boolean()).map(([t, bad, at, inString]) => {
        const source = inString ? `{"name":"a${'\u0000'}b","rest":${t}}` : t;
        const bytes = Buffer.from(source, 'utf8');
        const cut = inString ? bytes.indexOf(0) : at % (bytes.length + 1);
        return { contentType: 'application/json', bytes: Buffer.concat([bytes.subarray(0, cut), bad, bytes.subarray(inString ? cut + 1 : cut)]), how: 'not UTF-8' };
      }),
    },
    { weight: 1, arbitrary: fc.tuple(text, fc.string({ maxLength: 10 }), hugeNumberText).map(([t, k, n]) => json('application/json', 'huge number')(withNumber(t, k || 'n', n))) },
    { weight: 1, arbitrary: fc.tuple(text, fc.nat()).map(([t, at]) => json('application/json', 'truncated')(t.slice(0, at % Math.max(t.length, 1)))) },
    { weight: 1, arbitrary: text.map((t) => json('application/json', 'BOM')(`\ufeff${t}`)) },
    { weight: 1, arbitrary: fc.constantFrom('', ' ', 'null', '"', 'NaN', 'undefined', '{"a":1}{"b":2}', '[1,]', '{"__proto__":{"x":1}}').map((t) => json('application/json', 'odd JSON')(t)) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 256 }).map((b) => ({ contentType: 'application/json', bytes: Buffer.from(b), how: 'random bytes' })) },
    { weight: 3, arbitrary: fc.tuple(text, fc.constantFrom(...WRONG_TYPES)).map(([t, type]) => json(type, `content-type ${JSON.stringify(type)}`)(t)) },
    { weight: 1, arbitrary: text.map(json(undefined, 'no content-type')) },
  );
}
