import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ErrorBody, errorBody } from './error-body';

/**
 * Machine codes for errors a route answers before its handler runs (malformed or oversized body):
 * protocol routes whose clients dispatch on `code` declare them (e.g. the PQC handshake).
 */
export interface RouteErrorCodes {
  readonly paths: readonly string[];
  readonly byStatus: Readonly<Record<number, string>>;
}

/**
 * A path namespace whose clients read another error body (the Open Inference Protocol's under /v2): errors
 * answered before any of its controllers runs (unknown route, URL, body parsing, media type, size) get it too.
 */
export interface NamespaceErrorShape {
  readonly prefix: string;
  shape(body: ErrorBody): object;
}

/** Longest content type a 415 repeats back. */
const MAX_ECHOED_TYPE = 100;

/**
 * Turns anything thrown into {statusCode, error, message, errorId}. Server faults answer a
 * generic message; their details and stack go to the log under the same errorId.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger(AllExceptionsFilter.name);

  constructor(
    private readonly bodyLimitBytes: number,
    private readonly routeCodes: readonly RouteErrorCodes[] = [],
    private readonly namespaces: readonly NamespaceErrorShape[] = [],
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    this.respond(exception, host.switchToHttp().getRequest<FastifyRequest>(), host.switchToHttp().getResponse<FastifyReply>());
  }

  /**
   * Fastify's `frameworkErrors`: what it refuses before routing (a percent escape that does not decode, a path
   * parameter past maxParamLength) gets the same bodies as everything else, not Fastify's own.
   */
  frameworkErrors(maxParamLength: number, addSecurityHeaders: (reply: FastifyReply) => void) {
    return (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
      addSecurityHeaders(reply); // no route context, so no onSend hook adds them
      const refusal =
        error.code === 'FST_ERR_MAX_PARAM_LENGTH'
          ? new HttpException(`a path parameter is longer than ${maxParamLength} characters`, HttpStatus.URI_TOO_LONG)
          : error.code === 'FST_ERR_BAD_URL'
            ? new HttpException('the URL does not decode: a percent escape is malformed or not UTF-8', HttpStatus.BAD_REQUEST)
            : error;
      this.respond(refusal, request, reply);
    };
  }

  respond(exception: unknown, request: FastifyRequest, reply: FastifyReply): void {
    const body = this.toBody(exception, request.headers['content-type']);
    const path = request.url.split('?')[0];
    if (body.code === undefined) {
      const code = this.routeCodes.find((r) => r.paths.includes(path))?.byStatus[body.statusCode];
      if (code) body.code = code;
    }
    if (body.statusCode >= 500) {
      this.logger.error(
        { errorId: body.errorId, message: (exception as Error)?.message ?? String(exception) },
        (exception as Error)?.stack,
      );
    }
    if (body.statusCode === HttpStatus.TOO_MANY_REQUESTS || body.statusCode === HttpStatus.SERVICE_UNAVAILABLE) {
      const retryAfter = (exception as { retryAfterSeconds?: number }).retryAfterSeconds;
      if (retryAfter) reply.header('Retry-After', String(retryAfter));
    }
    const namespace = this.namespaces.find((n) => path === n.prefix || path.startsWith(`${n.prefix}/`));
    reply.status(body.statusCode).send(namespace ? namespace.shape(body) : body);
  }

  toBody(exception: unknown, contentType?: string): ErrorBody {
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      if (status >= 500) return errorBody(status, status === 500 ? 'Internal server error' : exception.message);
      // Nest rewraps Fastify's own errors (body limit, content type) as HttpException(message, status).
      if (status === HttpStatus.PAYLOAD_TOO_LARGE) {
        return errorBody(status, `request body exceeds the limit of ${this.bodyLimitBytes} bytes`);
      }
      if (status === HttpStatus.UNSUPPORTED_MEDIA_TYPE) {
        const named = contentType === undefined ? 'a body without a content type' : `content type ${JSON.stringify(contentType.slice(0, MAX_ECHOED_TYPE))}`;
        return errorBody(status, `unsupported ${named}: send application/json`);
      }
      if (typeof response === 'string') return errorBody(status, response);
      const { message, code, errors } = response as { message?: string | string[]; code?: string; errors?: Record<string, string> };
      return errorBody(status, Array.isArray(message) ? message.join('; ') : (message ?? exception.message), { code, errors });
    }
    // Client errors of plugins that throw their own (@fastify/static's file sender: http-errors with a 4xx statusCode).
    const statusCode = (exception as { statusCode?: unknown } | null)?.statusCode;
    if (exception instanceof Error && typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
      return errorBody(statusCode, exception.message);
    }
    return errorBody(HttpStatus.INTERNAL_SERVER_ERROR, 'Internal server error');
  }
}
