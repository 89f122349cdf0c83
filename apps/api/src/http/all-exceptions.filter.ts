import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { FastifyReply, FastifyRequest } from 'fastify';
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
 * Turns anything thrown into {statusCode, error, message, errorId}. Server faults answer a
 * generic message; their details and stack go to the log under the same errorId.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger(AllExceptionsFilter.name);

  constructor(
    private readonly bodyLimitBytes: number,
    private readonly routeCodes: readonly RouteErrorCodes[] = [],
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const body = this.toBody(exception);
    if (body.code === undefined) {
      const path = host.switchToHttp().getRequest<FastifyRequest>().url.split('?')[0];
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
    reply.status(body.statusCode).send(body);
  }

  toBody(exception: unknown): ErrorBody {
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      if (status >= 500) return errorBody(status, status === 500 ? 'Internal server error' : exception.message);
      // Nest rewraps Fastify's own errors (body limit, content type) as HttpException(message, status).
      if (status === HttpStatus.PAYLOAD_TOO_LARGE) {
        return errorBody(status, `request body exceeds the limit of ${this.bodyLimitBytes} bytes`);
      }
      if (typeof response === 'string') return errorBody(status, response);
      const { message, code, errors } = response as { message?: string | string[]; code?: string; errors?: Record<string, string> };
      return errorBody(status, Array.isArray(message) ? message.join('; ') : (message ?? exception.message), { code, errors });
    }
    return errorBody(HttpStatus.INTERNAL_SERVER_ERROR, 'Internal server error');
  }
}
