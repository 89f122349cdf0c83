import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary } from '@zxcvbn-ts/language-common';
import { PASSWORD_MIN_LENGTH } from './password';

/** zxcvbn's score (0-4) a chosen password needs: 3 is "safely unguessable" against throttled online attacks and slow hashes. */
export const PASSWORD_MIN_SCORE = 3;
/** Characters the estimator looks at: its cost grows fast with length, and a longer password is strong by length anyway. */
const ESTIMATED_LENGTH = 64;
/** Words that make a password guessable here whoever chooses it. */
const SERVICE_WORDS = ['neural', 'fabric', 'neuralfabric', 'admin', 'administrator', 'dashboard'];

/** What the estimator's warnings mean, in words for the error answer. */
const WARNINGS: Record<string, string> = {
  straightRow: 'a straight row of keys',
  keyPattern: 'a short keyboard pattern',
  simpleRepeat: 'a repeated character',
  extendedRepeat: 'a repeated pattern',
  sequences: 'a common character sequence',
  recentYears: 'a recent year',
  dates: 'a date',
  topTen: 'one of the ten most used passwords',
  topHundred: 'one of the hundred most used passwords',
  common: 'a commonly used password',
  similarToCommon: 'close to a commonly used password',
  wordByItself: 'a single word',
  namesByThemselves: 'a name',
  commonNames: 'a common name',
  userInputs: 'built from the account or service name',
};

let estimator: ZxcvbnFactory | undefined;

/**
 * Why a chosen password is too weak (words that complete "the new password is ..."), or undefined
 * when it is acceptable: at least PASSWORD_MIN_LENGTH characters and a zxcvbn score of at least
 * PASSWORD_MIN_SCORE against the common-password and keyboard-pattern lists of
 * @zxcvbn-ts/language-common, the account name and the service's own words.
 */
export function passwordWeakness(password: string, userInputs: string[] = []): string | undefined {
  if (password.length < PASSWORD_MIN_LENGTH) return `too short: at least ${PASSWORD_MIN_LENGTH} characters`;
  estimator ??= new ZxcvbnFactory({ dictionary: { ...dictionary }, graphs: adjacencyGraphs, maxLength: ESTIMATED_LENGTH });
  const result = estimator.check(password, [...userInputs, ...SERVICE_WORDS]);
  if (result.score >= PASSWORD_MIN_SCORE) return undefined;
  const why = result.feedback.warning ? WARNINGS[result.feedback.warning] : undefined;
  return `too easy to guess${why ? ` (${why})` : ''}: use a longer passphrase of unrelated words`;
}
