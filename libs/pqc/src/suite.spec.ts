import { nobleProvider } from './provider/noble';
import { DEFAULT_SUITE, SUITES, getSuite, parseSuiteId, suiteForMode } from './suite';
import { expectCode } from './testing/expect-code';

describe('suites', () => {
  it('offers exactly the hybrid default and the pure-PQC suite', () => {
    expect(SUITES).toEqual(['X-Wing+ML-DSA-65', 'ML-KEM-768+ML-DSA-65']);
    expect(DEFAULT_SUITE).toBe('X-Wing+ML-DSA-65');
    expect(suiteForMode('hybrid')).toBe('X-Wing+ML-DSA-65');
    expect(suiteForMode('pqc')).toBe('ML-KEM-768+ML-DSA-65');
    expect(() => suiteForMode('classical' as never)).toThrow('unknown PQC mode');
  });

  it('binds each suite to its KEM', () => {
    expect(getSuite('X-Wing+ML-DSA-65', nobleProvider).kem.name).toBe('X-Wing');
    expect(getSuite('ML-KEM-768+ML-DSA-65', nobleProvider).kem.name).toBe('ML-KEM-768');
    expect(getSuite('X-Wing+ML-DSA-65', nobleProvider)).toBe(getSuite('X-Wing+ML-DSA-65', nobleProvider));
  });

  it.each(['X25519+Ed25519', 'x-wing+ml-dsa-65', '', 1])('has no fallback for %p', (value) => {
    expectCode(() => parseSuiteId(value), 'suite_mismatch');
  });
});
