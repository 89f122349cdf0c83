import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { handshake, HandshakeInfoJson, inferenceAad, SealedEnvelope } from '@nf/pqc';
import { ModelRepository } from '../../apps/api/src/runtime/model-repository.service';
import { startTestApp, TestApp } from '../support/app';
import { RawAnswer, rawRequest as send } from '../support/raw-http';
import { classifiedRoutes, Route } from '../support/routes';
import { Callers } from './callers';
import { FuzzRequest, GeneratorContext, OpenApiDocument, operationOf, requestsFor, unknownPaths } from './generators';
import { judge } from './oracle';
import { ModelSpec } from './v2';

export interface FuzzOptions {
  runs: number;
  seed: number;
  /** A request not answered within this is a hang. */
  timeoutMs: number;
  /** Most requests in flight at once: each run sends a batch of 1 to this many together. */
  concurrency?: number;
  /** fast-check's path of a counterexample (from a failure's message): replays that one request. */
  path?: string;
  /** Keep going after a bad answer, collecting them (the long run), rather than stopping and shrinking the first. */
  collect?: boolean;
}

export interface FuzzCounts {
  seed: number;
  requests: number;
  byClass: Record<'2xx' | '3xx' | '4xx' | '5xx', number>;
  /** 5xx the oracle refused (documented 503/504 are in byClass and documented5xx only). */
  serverErrors: number;
  /** Documented 5xx answers by status (a model unloaded by the fuzzer is 503 until it loads it again). */
  documented5xx: Record<string, number>;
  /** Requests per route ("METHOD /path"; "unrouted" for paths no route serves). */
  perRoute: Record<string, number>;
  hangs: number;
  routes: number;
  durationMs: number;
  /** Bad answers (collect mode: up to 50, one per problem and route). */
  problems: string[];
}

/** The real application on a real listener, its callers, routes, and what the generators draw on. */
export interface FuzzTarget {
  t: TestApp;
  callers: Callers;
  routes: Route[];
  ctx: GeneratorContext;
  close(): Promise<void>;
}

export async function startFuzzTarget(): Promise<FuzzTarget> {
  const t = await startTestApp({ PQC_WORKERS: '1' });
  try {
    const callers = await Callers.create(t);
    const routes = classifiedRoutes(t.app);
    const doc = (await t.http.get('/docs/openapi.json').expect(200)).body as OpenApiDocument;
    const repository = t.app.get(ModelRepository);
    const models: ModelSpec[] = repository.index().filter((m) => m.state === 'READY').map((m) => {
      const h = repository.get(m.name);
      return { name: h.name, version: h.version, inputs: h.inputs, outputs: h.outputs, maxBatchSize: h.maxBatchSize };
    });
    if (!models.length) throw new Error('no model is ready: the V2 routes would only be fuzzed for 404/503');
    const info = (await t.http.get('/pqc/handshake').expect(200)).body as HandshakeInfoJson;
    const hello = { suite: info.algorithm, keyVersion: info.bundle.keyVersion, bundleSha256: info.bundleSha256 };
    const session = await handshake(t.url, { apiKey: callers.apiKey });
    const plaintexts = [
      ...models.map((m) => Buffer.from(JSON.stringify({ inputs: m.inputs.map((i) => ({ name: i.name, datatype: i.datatype, shape: [1, ...i.shape.slice(1).map((d) => (d === -1 ? 1 : d))], data: new Array(i.shape.slice(1).reduce((a, d) => a * (d === -1 ? 1 : d), 1)).fill(0.5) })) }))),
      Buffer.from('{}'),
      Buffer.from([0xff, 0xfe, 0x7b]),
      Buffer.from('not json'),
      Buffer.alloc(0),
    ];
    const aads = [undefined, ...models.map((m) => inferenceAad(m.name, undefined))];
    let n = 0;
    const sealed = (): SealedEnvelope => {
      n++;
      return session.seal(plaintexts[n % plaintexts.length], aads[n % aads.length]);
    };
    return { t, callers, routes, ctx: { doc, models, hello, sealed }, close: () => t.close() };
  } catch (error) {
    await t.close();
    throw error;
  }
}

function headersOf(target: FuzzTarget, r: FuzzRequest): Record<string, string> {
  const h: Record<string, string> = { ...r.headers, ...target.callers.headers(r.caller, r.credentials !== 'no-csrf') };
  if (r.credentials === 'wrong-csrf' && h['x-csrf-token']) h['x-csrf-token'] = randomBytes(32).toString('base64url');
  if (r.credentials === 'bogus-key') h.authorization = `Bearer nf_${randomBytes(32).toString('base64url')}`;
  if (r.credentials === 'bogus-cookie') h.cookie = `nf_session=${randomBytes(32).toString('base64url')}; other=\u00ff`;
  if (r.credentials === 'malformed-authorization') h.authorization = 'Basic Zm9vOmJhcg==\u00e9';
  if (r.body?.contentType !== undefined) h['content-type'] = r.body.contentType;
  return h;
}

const describe = (r: { method: string; url: string; caller?: string; credentials?: string; body?: { how: string; contentType?: string; bytes: Buffer } }, a: RawAnswer | 'hang') =>
  `${r.method} ${r.url.slice(0, 300)} as ${r.caller ?? 'none'}/${r.credentials ?? 'valid'}`
  + (r.body ? ` body ${r.body.how} (${r.body.contentType}) ${JSON.stringify(r.body.bytes.subarray(0, 300).toString('latin1'))}` : '')
  + ` -> ${a === 'hang' ? 'no answer (hang)' : `${a.status} ${a.contentType} ${a.body.subarray(0, 400).toString('utf8')}`}`;

/**
 * Draws requests over every route (and some to no route), sends each to the running app and judges the
 * answer (oracle.ts). Throws on the first bad answer with the request, the answer and fast-check's seed and
 * path to replay it; the counts are on the error (and returned when all is well). Afterwards the service must
 * still answer /health/live.
 */
export async function fuzz(target: FuzzTarget, options: FuzzOptions): Promise<FuzzCounts> {
  const started = Date.now();
  const counts: FuzzCounts = { seed: options.seed, requests: 0, byClass: { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 }, serverErrors: 0, documented5xx: {}, perRoute: {}, hangs: 0, routes: target.routes.length, durationMs: 0, problems: [] };
  const seen = new Set<string>();
  const perRoute = target.routes.map((route) => requestsFor(route, target.ctx)); // throws for a route without a generator
  const anyRequest = fc.oneof(
    ...perRoute.map((arbitrary) => ({ weight: 4, arbitrary })),
    { weight: 2, arbitrary: unknownPaths() },
  ) as fc.Arbitrary<FuzzRequest | { method: string; url: string }>;
  const record = (a: RawAnswer | 'hang') => {
    counts.requests++;
    if (a === 'hang') counts.hangs++;
    else counts.byClass[`${Math.min(Math.floor(a.status / 100), 5)}xx` as keyof FuzzCounts['byClass']]++;
  };
  /** Sends one request and judges its answer: the problem, or undefined. */
  const one = async (r: FuzzRequest | { method: string; url: string }): Promise<string | undefined> => {
    const full = 'route' in r ? r : undefined;
    const headers = full ? headersOf(target, full) : {};
    const answer = await send(target.t.url, r.method, r.url, headers, full?.body?.bytes, options.timeoutMs);
    record(answer);
    const routeKey = full ? `${full.route.method} ${full.route.path}` : 'unrouted';
    counts.perRoute[routeKey] = (counts.perRoute[routeKey] ?? 0) + 1;
    const problem = answer === 'hang' ? 'hang' : judge(r.url.split('?')[0], full ? operationOf(target.ctx.doc, full.route) : undefined, answer);
    if (!problem) {
      if (answer !== 'hang' && answer.status >= 500) counts.documented5xx[answer.status] = (counts.documented5xx[answer.status] ?? 0) + 1;
      // A session caller signed out (POST /auth/logout) gets a new session for what follows.
      if (answer !== 'hang' && answer.status === 401 && (full?.caller === 'admin' || full?.caller === 'viewer')) signedOut = true;
      return undefined;
    }
    if (answer !== 'hang' && answer.status >= 500) counts.serverErrors++;
    const text = `${problem}: ${describe(r, answer)}`;
    const key = `${problem.replace(/\d+/g, '#')} ${full?.route.path ?? 'no route'}`;
    if (!seen.has(key) && counts.problems.length < 50) counts.problems.push(text);
    seen.add(key);
    return text;
  };
  let signedOut = false;
  // Each run sends a batch at once (concurrency is input too): up to `concurrency` requests in flight together.
  const batch = fc.array(anyRequest, { minLength: 1, maxLength: Math.max(1, options.concurrency ?? 1) });
  const property = fc.asyncProperty(batch, async (requests) => {
    const problems = (await Promise.all(requests.map(one))).filter((p): p is string => p !== undefined);
    if (signedOut) await target.callers.renew();
    signedOut = false;
    if (problems.length && !options.collect) throw new Error(problems.join('\n'));
  });
  try {
    await fc.assert(property, { numRuns: options.runs, seed: options.seed, ...(options.path ? { path: options.path } : {}) });
    if (counts.problems.length && options.collect) throw new Error(`${counts.problems.length} kinds of bad answer (seed ${options.seed}):\n${counts.problems.join('\n')}`);
    const live = await send(target.t.url, 'GET', '/health/live', {}, undefined, options.timeoutMs);
    if (live === 'hang' || live.status !== 200) throw new Error(`after fuzzing, /health/live answers ${live === 'hang' ? 'nothing' : live.status}`);
    return counts;
  } catch (error) {
    throw Object.assign(error as Error, { counts });
  } finally {
    counts.durationMs = Date.now() - started;
  }
}

export const formatCounts = (c: FuzzCounts) =>
  `fuzz: seed ${c.seed}, ${c.requests} requests over ${c.routes} routes in ${(c.durationMs / 1000).toFixed(1)} s; `
  + `2xx ${c.byClass['2xx']}, 3xx ${c.byClass['3xx']}, 4xx ${c.byClass['4xx']}, 5xx ${c.byClass['5xx']} (documented ${JSON.stringify(c.documented5xx)}, refused by the oracle ${c.serverErrors}), hangs ${c.hangs}`;
