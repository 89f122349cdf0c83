import type { TLSSocket } from 'node:tls';
import type { FastifyInstance } from 'fastify';

/** What the plain listener still serves with PLAIN_HTTP_ROUTES=probes: Kubernetes probes and Prometheus. */
export function isProbeOrMetrics(url: string): boolean {
  const path = url.split('?', 1)[0];
  return path.startsWith('/health/') || path === '/metrics';
}

/**
 * PLAIN_HTTP_ROUTES=probes: on the plain listener everything but /health/* and /metrics answers 403
 * naming the https port, before any route, guard or body parser runs. Requests that arrived over
 * TLS (the https listener shares this Fastify instance) are not affected.
 */
export function restrictPlainListener(fastify: FastifyInstance, tlsPort: number): void {
  const message = `this plain HTTP listener serves only /health/* and /metrics (PLAIN_HTTP_ROUTES=probes): use https on port ${tlsPort} (TLS_PORT)`;
  fastify.addHook('onRequest', async (request, reply) => {
    if ((request.raw.socket as TLSSocket).encrypted || isProbeOrMetrics(request.url)) return;
    return reply.code(403).send({ statusCode: 403, error: 'Forbidden', message });
  });
}
