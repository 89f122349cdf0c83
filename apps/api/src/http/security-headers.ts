import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * What a response that is not a document needs, and no more (OWASP REST Security Cheat Sheet,
 * "Security Headers"): nothing may load from it or frame it, no sniffing, no caching. helmet's other
 * headers (COOP, CORP, Origin-Agent-Cluster, referrer policy, DNS prefetch...) govern what an HTML
 * page may do; on a JSON or tensor answer they only cost: seven more headers for the server to write
 * and the client to parse took about 7% of the inference route's requests per second (tiny-mlp, paired
 * runs against the bare server: 0.534 of it with them, 0.573 without).
 */
const API_HEADERS = {
  contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
  xFrameOptions: { action: 'deny' },
  crossOriginOpenerPolicy: false,
  crossOriginResourcePolicy: false,
  originAgentCluster: false,
  referrerPolicy: false,
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xPermittedCrossDomainPolicies: false,
  xXssProtection: false,
} satisfies HelmetOptions;

/**
 * What adds helmet's security headers to a reply about to be sent: HTML documents (the dashboard, the
 * API docs) get helmet's full set with `options`; every other answer (JSON, tensors, metrics, scripts)
 * the API set above with the same HSTS setting, plus `Cache-Control: no-store`. A header the route set
 * itself (a cache policy, say) is kept. The configuration is static (no CSP nonces), so helmet's
 * middleware yields the same headers for every request: it runs once, here. Running it per request
 * cost about 5% of the main thread per inference (`node --cpu-prof`: twelve middlewares, each a
 * setHeader on the raw response); @fastify/helmet, which builds the middleware anew per request and
 * parses the CSP directives each time, cost 4-5% per handshake on top.
 */
export function securityHeaders(options: Readonly<HelmetOptions & { strictTransportSecurity: boolean }>): (reply: FastifyReply) => void {
  const document = Object.entries(helmetHeaders(options));
  const api = Object.entries({ ...helmetHeaders({ ...API_HEADERS, strictTransportSecurity: options.strictTransportSecurity }), 'cache-control': 'no-store' });
  return (reply) => {
    const type = reply.getHeader('content-type');
    for (const [name, value] of typeof type === 'string' && type.startsWith('text/html') ? document : api) {
      if (!reply.hasHeader(name)) reply.header(name, value);
    }
  };
}

/**
 * Adds them to every reply Fastify sends through a route context, once its content type is known (404s
 * and body-parser errors included). What Fastify refuses before routing has no context and no hooks:
 * its handler (AllExceptionsFilter.frameworkErrors) adds them itself.
 */
export function useSecurityHeaders(fastify: FastifyInstance, addHeaders: (reply: FastifyReply) => void): void {
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    addHeaders(reply);
    done(null, payload);
  });
}

/** The headers helmet sets with these options (its middleware run against a recording response). */
export function helmetHeaders(options: Readonly<HelmetOptions>): Record<string, string> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader: (name: string, value: string | number | readonly string[]) => void (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
  };
  let outcome: unknown = 'not called';
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, (error?: unknown) => (outcome = error));
  // helmet's middleware is synchronous: it has called back by now, without an error for a valid configuration.
  if (outcome !== undefined) throw outcome instanceof Error ? outcome : new Error(`helmet did not apply its headers (${String(outcome)})`);
  return headers;
}
