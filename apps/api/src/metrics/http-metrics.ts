import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { FastifyInstance, FastifyRequest } from 'fastify';
import { register } from 'prom-client';
import { HotCounter, HotHistogram } from './hot-metrics';

const UNMATCHED = 'unmatched';

/**
 * Request count and latency per route template (never the raw URL, so labels stay bounded).
 * Hooked into Fastify itself so 404s, 413s and parser errors are counted too.
 */
@Injectable()
export class HttpMetrics implements OnModuleInit {
  private readonly requests = new HotCounter({
    name: 'nf_http_requests_total',
    help: 'HTTP requests answered, by method, route template and status code',
    labelNames: ['method', 'route', 'status_code'],
    registers: [register],
  });
  private readonly duration = new HotHistogram({
    name: 'nf_http_request_duration_seconds',
    help: 'Time from request received to response sent, by method and route template',
    labelNames: ['method', 'route'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.8, 1, 2.5, 5, 10],
    registers: [register],
  });

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    // Callback style, not async: an async hook costs every request a promise and a microtask turn.
    fastify.addHook('onResponse', (request: FastifyRequest, reply, done) => {
      const route = request.routeOptions.url ?? UNMATCHED;
      const method = request.method;
      this.requests.inc(method, route, String(reply.statusCode));
      this.duration.observe(reply.elapsedTime / 1000, method, route);
      done();
    });
  }
}
