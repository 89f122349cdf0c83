import { HttpException, HttpStatus, UnauthorizedException } from '@nestjs/common';

/** 429 with Retry-After (the global filter reads retryAfterSeconds). */
export class TooManyLoginsException extends HttpException {
  readonly retryAfterSeconds: number;

  constructor(message: string, retryAfterMs: number) {
    super(message, HttpStatus.TOO_MANY_REQUESTS);
    this.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  }
}

/** The one answer for an unknown account and a wrong password alike. */
export const badCredentials = () => new UnauthorizedException('invalid name or password');

export const NAME_PATTERN = /^[a-z][a-z0-9._-]{0,63}$/;
export const NAME_RULE = 'lower-case letters, digits, ".", "_" or "-", starting with a letter, at most 64 characters';
