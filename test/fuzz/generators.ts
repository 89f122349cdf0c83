import fc from 'fast-check';
import { CALLER_KINDS, CallerKind } from './callers';
import { ModelSpec, sealedEnvelope, v2Request } from './v2';
import { fromSchema, junkValue, mutated, nastyString, pathSegment, percentEncode, Schema } from './values';
import { wireBody, WireBody } from './wire';
import { SealedEnvelope } from '@nf/pqc';
import { Route } from '../support/routes';

export interface OpenApiOperation {
  summary?: string;
  description?: string;
  parameters?: { in: string; name: string; schema?: Schema }[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, unknown>;
}
export interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, Schema> };
}

/** How the caller presents itself: its valid credentials, or those spoiled one way. */
export type Credentials = 'valid' | 'no-csrf' | 'wrong-csrf' | 'bogus-key' | 'bogus-cookie' | 'malformed-authorization';

export interface FuzzRequest {
  route: Route;
  method: string;
  /** Path with parameters filled in and the query string. */
  url: string;
  caller: CallerKind;
  credentials: Credentials;
  headers: Record<string, string>;
  body?: WireBody;
}

/** Routes Fastify serves beside Nest's controllers (Swagger UI's files): no operation in the document, input only in the path and query. */
const STATIC_ROUTES = new Set(['/docs', '/docs/', '/docs/swagger-ui-init.js', '/docs/docs/swagger-ui-init.js', '/docs/index.html', '/docs/LICENSE', '/docs/openapi.json', '/docs/*', '/docs-yaml']);

/** Body-taking routes whose document gives no body schema, because they take none (anything sent is ignored or refused). */
const NO_BODY = new Set([
  'POST /auth/logout',
  'POST /auth/tenants/:id/api-keys',
  'POST /pqc/rotations/:id/cancel',
  'POST /v2/repository/index',
  'POST /v2/repository/models/:model/load',
  'POST /v2/repository/models/:model/unload',
]);

export interface GeneratorContext {
  doc: OpenApiDocument;
  models: ModelSpec[];
  /** The served bundle's values a ClientHello binds to, so handshakes get past the cheap checks to the KEM. */
  hello: { suite: string; keyVersion: number; bundleSha256: string };
  /** A fresh real sealed envelope of a live session (the tenant's), or undefined when there is none. */
  sealed: () => SealedEnvelope | undefined;
}

const openApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');
export const operationOf = (doc: OpenApiDocument, route: Route): OpenApiOperation | undefined => doc.paths[openApiPath(route.path)]?.[route.method.toLowerCase()];

/** Valid-looking values for a path parameter, by its name. */
function segmentFor(name: string, ctx: GeneratorContext): fc.Arbitrary<string> {
  switch (name) {
    case 'id':
      return pathSegment([fc.uuid()]);
    case 'seq':
      return pathSegment([fc.nat({ max: 50 }).map(String), fc.constantFrom('9007199254740993', '1e3', '0x10', '-1', '1.5')]);
    case 'model':
      return pathSegment([fc.constantFrom(...ctx.models.map((m) => m.name))]);
    case 'version':
      return pathSegment([fc.constantFrom(...ctx.models.map((m) => m.version), '', '0')]);
    default:
      return pathSegment();
  }
}

function queryFor(op: OpenApiOperation | undefined, ctx: GeneratorContext): fc.Arbitrary<string> {
  const params = (op?.parameters ?? []).filter((p) => p.in === 'query');
  const value = (schema: Schema | undefined) =>
    fc.oneof({ weight: 3, arbitrary: fromSchema(schema ?? {}, ctx.doc) }, { weight: 1, arbitrary: junkValue }).map((v) => (typeof v === 'string' ? v : JSON.stringify(v) ?? ''));
  const known = params.length
    ? fc.array(fc.constantFrom(...params).chain((p) => value(p.schema).map((v) => [p.name, v] as const)), { maxLength: 4 })
    : fc.constant([]);
  const extra = fc.array(fc.tuple(fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('__proto__', 'constructor', 'limit[]', 'a[b]')), nastyString), { maxLength: 2 });
  return fc.tuple(known, extra, fc.constantFrom('', '', '', '&', '&%ff=%zz', '&a=%', '&&=')).map(([k, e, raw]) => {
    const pairs = [...k, ...e].map(([n, v]) => `${percentEncode(n)}=${percentEncode(String(v)).slice(0, 4_000)}`);
    const q = pairs.join('&') + raw;
    return q ? `?${q}` : '';
  });
}

function bodyFor(route: Route, op: OpenApiOperation | undefined, ctx: GeneratorContext, model: fc.Arbitrary<ModelSpec>): fc.Arbitrary<WireBody | undefined> {
  if (route.method === 'GET' || route.method === 'DELETE') return fc.constant(undefined);
  const key = `${route.method} ${route.path}`;
  if (route.path.endsWith('/infer')) {
    return model.chain((m) => wireBody(fc.oneof({ weight: 3, arbitrary: v2Request(m) }, { weight: 1, arbitrary: sealedEnvelope(ctx.sealed) })));
  }
  if (key === 'POST /pqc/echo') return wireBody(sealedEnvelope(ctx.sealed));
  if (key === 'POST /pqc/handshake') return wireBody(mutated(clientHello(ctx)));
  const schema = op?.requestBody?.content?.['application/json']?.schema;
  if (schema) return wireBody(mutated(fromSchema(schema, ctx.doc)));
  if (NO_BODY.has(key)) return fc.option(wireBody(junkValue), { nil: undefined, freq: 2 });
  throw new Error(`${key} takes a body but the fuzzer has no generator for it: document its schema (@ApiBody) or add it to test/fuzz/generators.ts`);
}

/** A ClientHello for the served bundle, its key material random bytes of the lengths the suites use (and others). */
function clientHello(ctx: GeneratorContext): fc.Arbitrary<unknown> {
  const bytes = fc.constantFrom(16, 32, 1088, 1120, 1184, 1216, 0).chain((n) => fc.uint8Array({ minLength: n, maxLength: n })).map((b) => Buffer.from(b).toString('base64url'));
  return fc.record({
    v: fc.constantFrom(1, 1, 1, 2),
    suite: fc.constantFrom(ctx.hello.suite, ctx.hello.suite, 'X-Wing+ML-DSA-65', 'ML-KEM-768+ML-DSA-65'),
    keyVersion: fc.oneof({ weight: 4, arbitrary: fc.constant(ctx.hello.keyVersion) }, { weight: 1, arbitrary: fc.integer() }),
    bundleSha256: fc.oneof({ weight: 4, arbitrary: fc.constant(ctx.hello.bundleSha256) }, { weight: 1, arbitrary: fc.string({ maxLength: 64 }) }),
    clientNonce: bytes,
    timestamp: fc.oneof({ weight: 4, arbitrary: fc.constant(null).map(() => Date.now()) }, { weight: 1, arbitrary: fc.integer() }),
    ephemeralPublicKey: bytes,
    ciphertext: bytes,
    receipt: fc.boolean(),
  }, { requiredKeys: ['v', 'suite', 'keyVersion', 'bundleSha256', 'clientNonce', 'timestamp', 'ephemeralPublicKey', 'ciphertext'] });
}

const EXTRA_HEADERS: fc.Arbitrary<Record<string, string>> = fc.record(
  {
    'x-request-deadline-ms': fc.oneof(fc.integer({ min: -5, max: 30_000 }).map(String), fc.constantFrom('0', '1', 'NaN', '1e400', '', 'abc', '99999999999999999999')),
    accept: fc.constantFrom('*/*', 'text/html', 'application/xml', 'garbage/;;'),
    'x-forwarded-for': fc.constantFrom('1.2.3.4', 'not-an-ip', '::1, 10.0.0.1', ''),
    'accept-encoding': fc.constantFrom('gzip', 'br', 'identity;q=0', 'x'),
  },
  { requiredKeys: [] },
);

/** The arbitrary of requests for one route; throws when the route has none (a new route must get one). */
export function requestsFor(route: Route, ctx: GeneratorContext): fc.Arbitrary<FuzzRequest> {
  const op = operationOf(ctx.doc, route);
  if (!op && !STATIC_ROUTES.has(route.path)) {
    throw new Error(`${route.method} ${route.path} has no operation in the OpenAPI document and is not a known static route: the fuzzer has no generator for it`);
  }
  const names = [...route.path.matchAll(/:(\w+)/g)].map((m) => m[1]);
  // One model per request: its name goes into the path (mostly) and its specs shape the body.
  requestsForModel(route, op, names, ctx.models[0], ctx); // throws now, not mid-run, for a body without a generator
  return fc.constantFrom(...ctx.models).chain((m) => requestsForModel(route, op, names, m, ctx));
}

function requestsForModel(route: Route, op: OpenApiOperation | undefined, names: string[], m: ModelSpec, ctx: GeneratorContext): fc.Arbitrary<FuzzRequest> {
  const model = fc.constant(m);
  const segment = (n: string) => (n === 'model' ? fc.oneof({ weight: 4, arbitrary: fc.constant(m.name) }, { weight: 1, arbitrary: segmentFor(n, ctx) }) : segmentFor(n, ctx));
  const params = fc.record(Object.fromEntries(names.map((n) => [n, segment(n)])) as Record<string, fc.Arbitrary<string>>);
  const wildcard = route.path.endsWith('*') ? fc.array(pathSegment([fc.constantFrom('swagger-ui.css', 'index.html', 'favicon-32x32.png')]), { minLength: 1, maxLength: 3 }).map((s) => s.join('/')) : fc.constant('');
  return fc
    .record({
      params,
      wildcard,
      query: queryFor(op, ctx),
      body: bodyFor(route, op, ctx, model),
      caller: fc.constantFrom(...CALLER_KINDS),
      credentials: fc.oneof({ weight: 8, arbitrary: fc.constant<Credentials>('valid') }, { weight: 1, arbitrary: fc.constantFrom<Credentials>('no-csrf', 'wrong-csrf', 'bogus-key', 'bogus-cookie', 'malformed-authorization') }),
      headers: EXTRA_HEADERS,
    })
    .map(({ params, wildcard, query, body, caller, credentials, headers }) => ({
      route,
      method: route.method,
      url: route.path.replace(/:(\w+)/g, (_, n: string) => params[n]).replace(/\*$/, wildcard) + query,
      caller,
      credentials,
      headers,
      body,
    }));
}

/** Paths no route serves, so the not-found answer is fuzzed too. */
export function unknownPaths(): fc.Arbitrary<{ method: string; url: string }> {
  return fc.record({
    method: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE'),
    url: fc.array(pathSegment([fc.constantFrom('v2', 'auth', 'pqc', 'audit', 'admin', 'nope')]), { minLength: 1, maxLength: 4 }).map((s) => `/${s.join('/')}`),
  });
}
