import { Injectable } from '@nestjs/common';
import { inferenceAad, isPqcProtocolError, SealedEnvelope } from '@nf/pqc';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AuthenticatedRequest, TenantGuard } from '../../../auth/auth.guards';
import { InjectSettings } from '../../../env/env.module';
import { Settings } from '../../../env/env.schema';
import { addBoundedJsonParser, boundedJsonParser, jsonNestingExceeds, MAX_JSON_DEPTH, tooDeepMessage } from '../../../http/json-body';
import { protocolHttpError } from '../../../pqc/handshake/handshake.service';
import { SessionStore } from '../../../pqc/sessions/session.store';
import { TenantPrincipal } from '../../../auth/tenants.service';
import { InferenceService, V2InferResponse } from '../inference.service';
import { encodeTensor, RawInputs } from '../v2.codec';
import { BinaryReply, binaryOutputs, encodeBinaryReply, HEADER_LENGTH, splitBinaryRequest } from './binary-body';
import { badRequest, SealedFailure, V2Error, V2ExceptionFilter, V2Reply } from '../v2.errors';

/** Content type of a sealed V2 request (and its sealed reply). */
export const SEALED_CONTENT_TYPE = 'application/nf-sealed+json';

/** The two URLs of the route (Fastify syntax); the OpenAPI description and the auth route table use them too. */
export const INFER_PATHS = ['/v2/models/:model/infer', '/v2/models/:model/versions/:version/infer'] as const;

type Answer = { json: V2InferResponse } | { binary: BinaryReply };

interface InferParams {
  model: string;
  version?: string;
}

const jsonBytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

/** The plaintext of a sealed JSON request, bounded like every JSON body (json-body.ts) before anything sees it. */
function parseSealedRequest(plaintext: Uint8Array): unknown {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(plaintext);
  } catch {
    throw badRequest('sealed plaintext must be a UTF-8 JSON V2 inference request');
  }
  if (jsonNestingExceeds(text, MAX_JSON_DEPTH)) throw badRequest(tooDeepMessage());
  try {
    return JSON.parse(text);
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
      // JSON (bounded), sealed envelopes (JSON under their own media type), and raw bodies for the binary
      // tensor extension: application/octet-stream, or any media type once Inference-Header-Content-Length
      // is present (as Triton accepts). Any other media type is 415, naming it.
      const json = boundedJsonParser(scope);
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body: Buffer, done) => {
        if (request.headers[HEADER_LENGTH] !== undefined) return done(null, body);
        json(request, body, done);
      });
      addBoundedJsonParser(scope, SEALED_CONTENT_TYPE);
      scope.addContentTypeParser('*', { parseAs: 'buffer' }, (request, body: Buffer, done) => {
        const type = request.headers['content-type'];
        if (request.headers[HEADER_LENGTH] !== undefined || mediaType(type) === 'application/octet-stream') return done(null, body);
        const named = type === undefined ? 'a body without a content type' : `content type ${JSON.stringify(type.slice(0, 100))}`;
        done(new V2Error(415, `unsupported ${named}: send application/json, binary tensors (application/octet-stream with Inference-Header-Content-Length) or ${SEALED_CONTENT_TYPE}`));
      });
      scope.setErrorHandler((error: FastifyError, _request, reply) => this.fail(error, reply));
      for (const url of INFER_PATHS) {
        scope.post<{ Params: InferParams }>(url, (request, reply) => this.infer(request, reply));
      }
    });
  }

  private async infer(request: FastifyRequest<{ Params: InferParams }>, reply: FastifyReply): Promise<unknown> {
    const tenant = await this.tenants.authenticate(request as AuthenticatedRequest, reply);
    const { model, version } = request.params;
    const { headers, body } = request;
    const type = mediaType(headers['content-type']);
    if (type === SEALED_CONTENT_TYPE || (type === 'application/json' && looksSealed(body))) {
      return this.sealed(model, version, tenant, headers, body, reply);
    }
    // The body parsers hand over raw bytes only for a binary-extension body (the header, or octet-stream).
    const binary = Buffer.isBuffer(body);
    const answer = await this.answer(model, version, tenant, headers, binary ? this.split(model, version, body, headers) : { header: body });
    if ('json' in answer) return answer.json;
    return reply.header(HEADER_LENGTH, String(answer.binary.headerLength)).type('application/octet-stream').send(answer.binary.body);
  }

  /** One request (its JSON, and its inputs' raw bytes for a binary one) to its JSON response, or binary reply with binary outputs. */
  private async answer(model: string, version: string | undefined, tenant: TenantPrincipal, headers: FastifyRequest['headers'], request: { header: unknown; raw?: RawInputs }): Promise<Answer> {
    let binary: (name: string) => boolean;
    try {
      binary = binaryOutputs(request.header);
    } catch (error) {
      this.inference.refuse(model, version, error);
    }
    const { response, outputs } = await this.inference.inferTensors(model, version, request.header, tenant, headers['x-request-deadline-ms'], request.raw);
    const encoded = encodeBinaryReply(response, outputs, binary);
    return encoded ? { binary: encoded } : { json: { ...response, outputs: outputs.map(encodeTensor) } };
  }

  /**
   * A sealed request: the envelope's plaintext is the V2 request (JSON, or a binary-extension body
   * split at the Inference-Header-Content-Length header, which travels in the clear); the reply seals
   * the response the same way (a binary reply's header length again in the clear header).
   */
  private async sealed(model: string, version: string | undefined, tenant: TenantPrincipal, headers: FastifyRequest['headers'], body: unknown, reply: FastifyReply) {
    let failure: V2Reply | undefined;
    let binaryHeaderLength: number | undefined;
    let envelope: SealedEnvelope;
    try {
      envelope = await this.sessions.exchange(body, { apiKeyId: tenant.apiKeyId, aad: inferenceAad(model, version) }, async (plaintext) => {
        try {
          const request = headers[HEADER_LENGTH] !== undefined ? this.split(model, version, plaintext, headers) : { header: parseSealedRequest(plaintext) };
          const answer = await this.answer(model, version, tenant, headers, request);
          if ('json' in answer) return jsonBytes(answer.json);
          binaryHeaderLength = answer.binary.headerLength;
          return answer.binary.body;
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
    if (binaryHeaderLength !== undefined) reply.header(HEADER_LENGTH, String(binaryHeaderLength));
    reply.header('content-type', SEALED_CONTENT_TYPE);
    return envelope;
  }

  /** A binary-extension body split into its JSON header and inputs' bytes; a malformed one counts as a refused request. */
  private split(model: string, version: string | undefined, body: Uint8Array, headers: FastifyRequest['headers']) {
    try {
      return splitBinaryRequest(body, headers[HEADER_LENGTH]);
    } catch (error) {
      return this.inference.refuse(model, version, error);
    }
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
