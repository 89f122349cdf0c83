import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * helmet's security headers on every response (404s and parser errors included). The configuration
 * is static (no CSP nonces), so helmet's middleware yields the same headers for every request: it runs
 * once, at start-up, and each response gets the header set it produced. Running the middleware per
 * request cost about 5% of the main thread per inference (`node --cpu-prof`: twelve middlewares, each
 * a setHeader on the raw response); @fastify/helmet, which builds the middleware anew per request and
 * parses the CSP directives each time, cost 4-5% per handshake on top.
 */
export function useSecurityHeaders(fastify: FastifyInstance, options: Readonly<HelmetOptions>): void {
  const headers = helmetHeaders(options);
  fastify.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers);
    done();
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
