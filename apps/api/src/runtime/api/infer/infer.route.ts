import { Injectable } from '@nestjs/common';
import { inferenceAad, isPqcProtocolError, SealedEnvelope } from '@nf/pqc';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AuthenticatedRequest, TenantGuard } from '../../../auth/auth.guards';
import { InjectSettings } from '../../../env/env.module';
import { Settings } from '../../../env/env.schema';
import { boundedJsonParser } from '../../../http/json-body';
import { protocolHttpError } from '../../../pqc/handshake/handshake.service';
import { SessionStore } from '../../../pqc/sessions/session.store';
import { InferenceService } from '../inference.service';
import { badRequest, SealedFailure, V2Error, V2ExceptionFilter, V2Reply } from '../v2.errors';

/** Content type of a sealed V2 request (and its sealed reply). */
export const SEALED_CONTENT_TYPE = 'application/nf-sealed+json';

/** The two URLs of the route (Fastify syntax); the OpenAPI description and the auth route table use them too. */
export const INFER_PATHS = ['/v2/models/:model/infer', '/v2/models/:model/versions/:version/infer'] as const;

interface InferParams {
  model: string;
  version?: string;
}

const jsonBytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

function parseSealedRequest(plaintext: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(plaintext));
  } catch {
    throw badRequest('sealed plaintext must be a UTF-8 JSON V2 inference request');
  }
}

const looksSealed = (body: unknown) =>
  typeof body === 'object' && body !== null && ['sessionId', 'seq', 'nonce', 'ciphertext'].every((k) => k in body) && !('inputs' in body);

const mediaType = (header: string | undefined) => header?.split(';')[0].trim().toLowerCase();

/**
 * POST /v2/models/<m>[/versions/<v>]/infer: the one place that defines the inference route.
 *
 * Registered on Fastify directly rather than as a Nest controller method: under load the Nest
 * per-request machinery (execution context, guard and pipe consumers, param resolution, the
 * adapter's reply path, exception-filter zones) cost as much as parsing, scheduling and encoding
 * together (docs/runtime.md, "The infer route"). Everything that applies to a Nest route still
 * applies here: the global onRequest/onResponse hooks (security headers, HTTP metrics, plain-listener
 * scope), the body limit, the bounded JSON parser, the tenant check (TenantGuard.authenticate, the
 * same code the guard runs), and the V2 error shape (V2ExceptionFilter.toReply). The scheduler
 * behind InferenceService applies hooks, telemetry, deadlines, fairness and metrics as before.
 */
@Injectable()
export class InferRoute {
  /** Shapes errors (and the errors inside sealed replies) exactly as the /v2 controller's filter does. */
  private readonly v2Errors = new V2ExceptionFilter();

  constructor(
    @InjectSettings() private readonly settings: Settings,
    private readonly inference: InferenceService,
    private readonly sessions: SessionStore,
    private readonly tenants: TenantGuard,
  ) {}

  /** Adds the route in its own Fastify scope (its body parsers and error handler stay local to it). */
  register(fastify: FastifyInstance): void {
    void fastify.register(async (scope) => {
      // Sealed requests are JSON envelopes under their own media type.
      scope.addContentTypeParser(SEALED_CONTENT_TYPE, { parseAs: 'string' }, boundedJsonParser(scope));
      scope.setErrorHandler((error: FastifyError, _request, reply) => this.fail(error, reply));
      for (const url of INFER_PATHS) {
        scope.post<{ Params: InferParams }>(url, (request, reply) => this.infer(request, reply));
      }
    });
  }

  private async infer(request: FastifyRequest<{ Params: InferParams }>, reply: FastifyReply): Promise<unknown> {
    const tenant = await this.tenants.authenticate(request as AuthenticatedRequest, reply);
    const { model, version } = request.params;
    const deadline = request.headers['x-request-deadline-ms'];
    const body = request.body;
    const sealed = mediaType(request.headers['content-type']) === SEALED_CONTENT_TYPE || looksSealed(body);
    if (!sealed) return this.inference.infer(model, version, body, tenant, deadline);

    let failure: V2Reply | undefined;
    let envelope: SealedEnvelope;
    try {
      envelope = await this.sessions.exchange(body, { apiKeyId: tenant.apiKeyId, aad: inferenceAad(model, version) }, async (plaintext) => {
        try {
          return jsonBytes(await this.inference.infer(model, version, parseSealedRequest(plaintext), tenant, deadline));
        } catch (error) {
          // Once the session has opened the request, its errors are sealed like any reply.
          failure = this.v2Errors.toReply(error);
          return jsonBytes(failure.body);
        }
      });
    } catch (error) {
      throw isPqcProtocolError(error) ? protocolHttpError(error) : error;
    }
    if (failure) throw new SealedFailure(failure.status, envelope, failure.retryAfter, SEALED_CONTENT_TYPE);
    reply.header('content-type', SEALED_CONTENT_TYPE);
    return envelope;
  }

  private fail(error: unknown, reply: FastifyReply): void {
    if (error instanceof SealedFailure) {
      if (error.retryAfterSeconds) reply.header('Retry-After', String(error.retryAfterSeconds));
      void reply.status(error.status).header('content-type', error.contentType).send(error.envelope);
      return;
    }
    if ((error as FastifyError).statusCode === 413) error = new V2Error(413, `request body exceeds the limit of ${this.settings.http.bodyLimitBytes} bytes`);
    const { status, body, retryAfter } = this.v2Errors.toReply(error);
    if (retryAfter) reply.header('Retry-After', String(retryAfter));
    void reply.status(status).header('content-type', 'application/json; charset=utf-8').send(body);
  }
}
