import fc from 'fast-check';

/** A JSON Schema node as @nestjs/swagger writes it into the OpenAPI document. */
export interface Schema {
  $ref?: string;
  type?: string;
  enum?: unknown[];
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
}

/** Numbers a parser or a database may choke on. */
export const hugeNumber = fc.constantFrom(
  1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, -(2 ** 63), 2 ** 64, 4294967296, -1, 0, -0, 0.5, 1e-320, 2 ** 31,
);
/** The same, as text in JSON: beyond what a double holds, or written in ways JSON.parse accepts but code may not expect. */
export const hugeNumberText = fc.constantFrom('1e400', '-1e400', '123456789012345678901234567890123456789', '0.0000000000000000000001e-400', '1E+2', '-0.0');

/** Strings that stress encoders, validators and SQL: control characters, lone surrogates, long runs, NUL. */
export const nastyString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('', ' ', '\u0000', '\ud800', '\udfff\ud800', "'; DROP TABLE audit;--", '%00', '../../etc/passwd', '__proto__', 'constructor', '{{7*7}}', 'x'.repeat(70_000), '😀'.repeat(300), 'null', 'NaN', '-1', '1e999'),
);

/** Any JSON value of bounded size, with a bias toward the troublesome ones. */
export const junkValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: nastyString },
  { weight: 1, arbitrary: hugeNumber },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, [], {}, [null], JSON.parse('{"__proto__":{"polluted":1}}'), { constructor: { prototype: { polluted: 1 } } }) },
);

/** encodeURIComponent that takes any string (lone surrogates go out as U+FFFD, as a browser sends them). */
export const percentEncode = (s: string) => encodeURIComponent(s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'));

/** A path segment: valid-looking ids and names mixed with garbage, percent-encoded as a client would send it. */
export const pathSegment = (valid: fc.Arbitrary<string>[] = []): fc.Arbitrary<string> =>
  fc.oneof(
    ...valid.map((arbitrary) => ({ weight: 3, arbitrary: arbitrary.map(percentEncode) })),
    { weight: 1, arbitrary: fc.uuid().map(percentEncode) },
    { weight: 1, arbitrary: fc.oneof(fc.integer(), hugeNumber.map(String), nastyString.map(String)).map((s) => percentEncode(String(s)).slice(0, 8_000) || '%20') },
    // Percent escapes that do not decode (lone %, not UTF-8), and a NUL.
    { weight: 1, arbitrary: fc.constantFrom('%', '%zz', '%ff', '%c3%28', '%ed%a0%80', '%00', '..', '%2e%2e', '%2F') },
  );

/** A value the schema allows, most of the time; the mutations in bodyValue break it. */
export function fromSchema(schema: Schema, doc: { components?: { schemas?: Record<string, Schema> } }, depth = 0): fc.Arbitrary<unknown> {
  if (schema.$ref) return fromSchema(doc.components?.schemas?.[schema.$ref.split('/').pop()!] ?? {}, doc, depth + 1);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  if (depth > 6) return junkValue;
  switch (schema.type) {
    case 'string':
      if (schema.pattern === '^[0-9a-f]{64}$') return fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 });
      if (schema.format === 'base64url') return fc.uint8Array({ maxLength: 1300 }).map((b) => Buffer.from(b).toString('base64url'));
      return fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 40, 600) });
    case 'integer':
    case 'number':
      return fc.integer({ min: schema.minimum ?? -10, max: schema.maximum ?? 2 ** 40 });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(schema.items ? fromSchema(schema.items, doc, depth + 1) : junkValue, { maxLength: 4 });
    case 'object': {
      const properties = schema.properties ?? {};
      const required = new Set(schema.required ?? []);
      return fc.record(
        Object.fromEntries(Object.entries(properties).map(([k, s]) => [k, fromSchema(s, doc, depth + 1)])),
        { requiredKeys: Object.keys(properties).filter((k) => required.has(k)) },
      );
    }
    default:
      return junkValue;
  }
}

/** Breaks a valid-looking object body: a field dropped, one added, one of the wrong type, or the whole body replaced. */
export function mutated(valid: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  const asObject = (v: unknown) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : { value: v });
  return fc.oneof(
    { weight: 4, arbitrary: valid },
    { weight: 1, arbitrary: fc.tuple(valid, fc.nat()).map(([v, i]) => { const o = { ...asObject(v) }; const keys = Object.keys(o); if (keys.length) delete o[keys[i % keys.length]]; return o; }) },
    { weight: 1, arbitrary: fc.tuple(valid, fc.string({ maxLength: 12 }), junkValue).map(([v, k, x]) => ({ ...asObject(v), [k || 'extra']: x })) },
    { weight: 2, arbitrary: fc.tuple(valid, fc.nat(), junkValue).map(([v, i, x]) => { const o = { ...asObject(v) }; const keys = Object.keys(o); if (keys.length) o[keys[i % keys.length]] = x; return o; }) },
    { weight: 1, arbitrary: junkValue },
  );
}
