import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { ErrorBody } from '@nf/contracts';

export type { ErrorBody };

export function errorBody(statusCode: number, message: string, errors?: Record<string, string>): ErrorBody {
  return {
    statusCode,
    error: STATUS_CODES[statusCode] ?? 'Error',
    message,
    errorId: randomUUID(),
    ...(errors ? { errors } : {}),
  };
}
