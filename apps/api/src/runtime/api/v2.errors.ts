import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { FastifyReply } from 'fastify';
import type { NamespaceErrorShape } from '../../http/all-exceptions.filter';
import { errorBody, ErrorBody } from '../../http/error-body';

/** An Open Inference Protocol error: answered as {"error": message} with this status. */
export class V2Error extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'V2Error';
  }
}

/**
 * The failure of a sealed request whose session was fine: the error text travels sealed under the
 * session like any reply, only the status (and Retry-After) stay in the clear.
 */
export class SealedFailure {
  constructor(
    readonly status: number,
    readonly envelope: object,
    readonly retryAfterSeconds: number | undefined,
    readonly contentType: string,
  ) {}
}

/**
 * /v2 errors answered before any of its controllers runs (unknown route, URL, body parsing, media type,
 * size): the global filter gives them the V2 shape too, with the message it would have written.
 */
export const V2_NAMESPACE: NamespaceErrorShape = {
  prefix: '/v2',
  shape: (body: ErrorBody) => (body.code ? { error: body.message, code: body.code } : { error: body.message }),
};

export const badRequest = (message: string) => new V2Error(HttpStatus.BAD_REQUEST, message);
export const notFound = (message: string) => new V2Error(HttpStatus.NOT_FOUND, message);

export interface V2Reply {
  status: number;
  body: { error: string; code?: string } | ErrorBody;
  retryAfter?: number;
}

/**
 * KServe V2 error shape {"error": "..."} for the /v2 controllers only (the global filter shapes
 * every other route). Server faults answer a generic message and are logged.
 */
@Catch()
export class V2ExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger(V2ExceptionFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (exception instanceof SealedFailure) {
      if (exception.retryAfterSeconds) reply.header('Retry-After', String(exception.retryAfterSeconds));
      reply.status(exception.status).header('content-type', exception.contentType).send(exception.envelope);
      return;
    }
    const { status, body, retryAfter } = this.toReply(exception);
    if (retryAfter) reply.header('Retry-After', String(retryAfter));
    reply.status(status).send(body);
  }

  toReply(exception: unknown): V2Reply {
    if (exception instanceof V2Error) {
      return { status: exception.status, body: { error: exception.message }, retryAfter: exception.retryAfterSeconds };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      if (status === HttpStatus.INTERNAL_SERVER_ERROR) return this.fault(exception, status);
      const response = exception.getResponse();
      if (typeof response === 'string') return { status, body: { error: response } };
      const { message, code } = response as { message?: string | string[]; code?: string };
      const text = Array.isArray(message) ? message.join('; ') : (message ?? exception.message);
      // Auth guard refusals keep the service-wide body (dashboards read its message); its `error` is a string too.
      if ((status === HttpStatus.UNAUTHORIZED || status === HttpStatus.FORBIDDEN) && !code) return { status, body: errorBody(status, text) };
      return { status, body: code ? { error: text, code } : { error: text } };
    }
    // Fastify's own client errors (malformed JSON, body limit) carry a 4xx statusCode.
    const statusCode = (exception as { statusCode?: unknown } | null)?.statusCode;
    if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
      return { status: statusCode, body: { error: (exception as Error).message } };
    }
    return this.fault(exception, HttpStatus.INTERNAL_SERVER_ERROR);
  }

  private fault(exception: unknown, status: number) {
    this.logger.error((exception as Error)?.message ?? String(exception), (exception as Error)?.stack);
    return { status, body: { error: 'internal server error' } };
  }
}
