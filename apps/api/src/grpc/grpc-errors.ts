import { Metadata, status as Status, StatusObject } from '@grpc/grpc-js';
import { V2ExceptionFilter } from '../runtime/api/v2.errors';

/** HTTP statuses of the REST path as gRPC codes (the Open Inference Protocol's and Triton's mapping). */
const CODE_BY_HTTP: Record<number, Status> = {
  400: Status.INVALID_ARGUMENT,
  401: Status.UNAUTHENTICATED,
  403: Status.PERMISSION_DENIED,
  404: Status.NOT_FOUND,
  409: Status.FAILED_PRECONDITION,
  413: Status.RESOURCE_EXHAUSTED,
  429: Status.RESOURCE_EXHAUSTED,
  503: Status.UNAVAILABLE,
  504: Status.DEADLINE_EXCEEDED,
};

export function grpcCodeFor(httpStatus: number): Status {
  const code = CODE_BY_HTTP[httpStatus];
  if (code !== undefined) return code;
  if (httpStatus >= 400 && httpStatus < 500) return Status.FAILED_PRECONDITION;
  return Status.INTERNAL;
}

/** The REST error filter, so both protocols word (and log) every error alike. */
const v2Errors = new V2ExceptionFilter();

/**
 * Any error of the shared inference path as a gRPC status: the code from its HTTP status, the message
 * the REST body carries (`error`), a server fault as INTERNAL "internal server error" (logged by the
 * filter, never shown). Retry-After travels as the `retry-after` trailer.
 */
export function toGrpcStatus(error: unknown): Partial<StatusObject> {
  const reply = v2Errors.toReply(error);
  // Auth refusals keep the service-wide body, whose text is its `message`; V2 errors carry it as `error`.
  const body = reply.body as { error?: unknown; message?: unknown };
  const details = typeof body.message === 'string' ? body.message : String(body.error);
  const metadata = new Metadata();
  if (reply.retryAfter) metadata.set('retry-after', String(reply.retryAfter));
  return { code: grpcCodeFor(reply.status), details, metadata };
}
