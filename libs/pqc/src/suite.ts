import { PqcProtocolError } from './errors';
import { createMlKem768 } from './kem/ml-kem';
import type { Kem } from './kem/types';
import { createXWing } from './kem/xwing';
import { selectProvider } from './provider/select';
import type { PqcProvider } from './provider/types';

export const SUITES = Object.freeze(['X-Wing+ML-DSA-65', 'ML-KEM-768+ML-DSA-65'] as const);
export type SuiteId = (typeof SUITES)[number];
export type PqcMode = 'hybrid' | 'pqc';

export const DEFAULT_SUITE: SuiteId = 'X-Wing+ML-DSA-65';

const SUITE_BY_MODE: Readonly<Record<PqcMode, SuiteId>> = Object.freeze({
  hybrid: 'X-Wing+ML-DSA-65',
  pqc: 'ML-KEM-768+ML-DSA-65',
});

export interface Suite {
  readonly id: SuiteId;
  readonly mode: PqcMode;
  readonly kem: Kem;
  readonly provider: PqcProvider;
}

export function isSuiteId(value: unknown): value is SuiteId {
  return typeof value === 'string' && (SUITES as readonly string[]).includes(value);
}

/** There is deliberately no classical suite: anything else is an explicit error, never a fallback. */
export function parseSuiteId(value: unknown): SuiteId {
  if (!isSuiteId(value)) {
    throw new PqcProtocolError('suite_mismatch', `unsupported suite; expected one of ${SUITES.join(', ')}`);
  }
  return value;
}

export function suiteForMode(mode: PqcMode): SuiteId {
  const suite = SUITE_BY_MODE[mode];
  if (suite === undefined) throw new Error(`unknown PQC mode "${String(mode)}"; expected hybrid or pqc`);
  return suite;
}

const cache = new WeakMap<PqcProvider, Map<SuiteId, Suite>>();

export function getSuite(id: SuiteId, provider: PqcProvider = selectProvider()): Suite {
  const suiteId = parseSuiteId(id);
  let perProvider = cache.get(provider);
  if (perProvider === undefined) {
    perProvider = new Map();
    cache.set(provider, perProvider);
  }
  let suite = perProvider.get(suiteId);
  if (suite === undefined) {
    const hybrid = suiteId === 'X-Wing+ML-DSA-65';
    suite = Object.freeze({
      id: suiteId,
      mode: hybrid ? 'hybrid' : 'pqc',
      kem: hybrid ? createXWing(provider) : createMlKem768(provider),
      provider,
    });
    perProvider.set(suiteId, suite);
  }
  return suite;
}

export function assertSameSuite(expected: SuiteId, actual: SuiteId, what: string): void {
  if (expected !== actual) {
    throw new PqcProtocolError('suite_mismatch', `${what} uses suite ${actual} but ${expected} is required`);
  }
}
