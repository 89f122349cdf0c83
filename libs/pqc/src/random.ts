import { randomBytes } from 'node:crypto';
import { asBytes } from './bytes';

/** Source of random bytes. Injected only to make documented examples reproducible. */
export type RandomSource = (length: number) => Uint8Array;

export const systemRandom: RandomSource = (length) => asBytes(randomBytes(length));
