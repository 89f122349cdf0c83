import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { ErrorBody } from '@nf/contracts';

export type { ErrorBody };

export function errorBody(statusCode: number, message: string, extra: Pick<ErrorBody, 'code' | 'errors'> = {}): ErrorBody {
  return {
    statusCode,
    error: STATUS_CODES[statusCode] ?? 'Error',
    message,
    errorId: randomUUID(),
    ...(extra.code ? { code: extra.code } : {}),
    ...(extra.errors ? { errors: extra.errors } : {}),
  };
}
