import { Injectable } from '@nestjs/common';

/** The time source for business rules with deadlines, so tests can move time instead of waiting. */
@Injectable()
export class Clock {
  now(): number {
    return Date.now();
  }
}
