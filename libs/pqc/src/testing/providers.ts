import { getNativeProvider } from '../provider/native';
import { nobleProvider } from '../provider/noble';
import type { PqcProvider } from '../provider/types';

/**
 * The providers known-answer tests run through: noble always, native (Node's own ML-KEM-768 /
 * ML-DSA-65 from OpenSSL 3.5) where this Node has it. The SDK tier also runs on Node 20, where the
 * native variants are visibly skipped with the reason printed, never required.
 */
export interface ProviderUnderTest {
  readonly provider: PqcProvider;
  /**
   * Whether it takes caller-supplied randomness (ML-KEM m, X-Wing eseed, ML-DSA rnd). Known answers
   * for encapsulation and signing need it; the native provider refuses it (OpenSSL draws its own),
   * and each spec asserts that refusal, so a native provider that gains it fails a test instead of
   * leaving those known answers silently untested on it.
   */
  readonly callerRandomness: boolean;
}

const native = getNativeProvider();

export const NATIVE_ABSENT =
  `Node ${process.version} has no working crypto ML-KEM/ML-DSA (needs Node >= 24.7 with OpenSSL 3.5)`;

const atLeast = (version: string, [major, minor]: readonly [number, number]): boolean => {
  const [a, b] = version.split('.').map(Number);
  return a > major || (a === major && b >= minor);
};

/**
 * Node >= 24.7 built with OpenSSL >= 3.5 has ML-KEM/ML-DSA. If the provider's probe still comes back
 * empty there, the native implementation is broken: that is a failure, not a reason to skip.
 */
export const NATIVE_EXPECTED =
  atLeast(process.versions.node, [24, 7]) && atLeast(process.versions.openssl.replace(/[^0-9.].*$/, ''), [3, 5]);

export const PROVIDERS_UNDER_TEST: readonly ProviderUnderTest[] = [
  { provider: nobleProvider, callerRandomness: true },
  ...(native ? [{ provider: native, callerRandomness: false }] : []),
];

let announced = false;

/** Prints once per test file why the native variants are skipped. */
export function announceNativeSkip(): void {
  if (native !== undefined || NATIVE_EXPECTED || announced) return;
  announced = true;
  console.info(`[skip] native provider variants of the known-answer tests: ${NATIVE_ABSENT}`);
}

/**
 * One describe per provider, named after it (`noble`, `native`). Where this Node cannot have the
 * native provider its describe is skipped with a placeholder test naming the reason, so the skip
 * shows in the counts; where it should have it but the probe failed, the placeholder fails.
 */
export function describeEachProvider(body: (under: ProviderUnderTest) => void): void {
  for (const under of PROVIDERS_UNDER_TEST) describe(under.provider.name, () => body(under));
  if (native === undefined) {
    if (NATIVE_EXPECTED) {
      describe('native', () => it('is present on this Node', () => expect(native).toBeDefined()));
      return;
    }
    announceNativeSkip();
    describe.skip('native', () => it(`needs the native provider: ${NATIVE_ABSENT}`, () => undefined));
  }
}
