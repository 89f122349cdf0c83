import { nodeX25519 } from '../provider/x25519';
import { expectCode } from '../testing/expect-code';
import { PROVIDERS_UNDER_TEST } from '../testing/providers';
import { describeWithVectors, hex, toHexString, wycheproofCount, type WycheproofFile } from '../testing/vectors';

interface XdhTest { tcId: number; public: string; private: string; shared: string; result: 'valid' | 'acceptable' | 'invalid'; flags: string[] }

/**
 * Policy for "acceptable" cases (see docs/protocol/pqc-handshake.md): every 32-byte public key is
 * processed exactly as RFC 7748 says (twist, non-canonical and small-order points included), and
 * the only rejection is an all-zero shared secret (flag ZeroSharedSecret), reported as weak_x25519.
 *
 * Both providers use the same X25519 (node:crypto, provider/x25519.ts), so one run covers both; the
 * first tests pin that (for the providers this Node has), and a provider with its own X25519 must
 * be given its own run here.
 */
describeWithVectors<WycheproofFile<{ tests: XdhTest[] }>>(
  'Wycheproof X25519 through the project wrapper',
  'wycheproof/x25519_test.json',
  (file) => {
    it.each(PROVIDERS_UNDER_TEST.map((u) => [u.provider.name, u.provider] as const))(
      'is the X25519 of the %s provider',
      (_name, provider) => expect(provider.x25519).toBe(nodeX25519),
    );

    const tests = file.testGroups.flatMap((g) => g.tests);
    it('covers every case in the file', () => expect(tests).toHaveLength(wycheproofCount(file)));

    const zero = tests.filter((t) => t.flags.includes('ZeroSharedSecret'));
    const others = tests.filter((t) => !t.flags.includes('ZeroSharedSecret'));

    it('has all-zero cases to test', () => {
      expect(zero.length).toBeGreaterThan(0);
      expect(zero.every((t) => /^0+$/.test(t.shared))).toBe(true);
    });

    it.each(zero.map((t) => [t.tcId, t] as const))('tcId %i (all-zero shared secret) is rejected', (_id, t) => {
      expectCode(() => nodeX25519.privateKey(hex(t.private)).sharedSecret(hex(t.public)), 'weak_x25519');
    });

    it.each(others.map((t) => [t.tcId, t.result, t] as const))('tcId %i (%s) computes the RFC 7748 result', (_id, _r, t) => {
      expect(t.result).not.toBe('invalid');
      expect(toHexString(nodeX25519.privateKey(hex(t.private)).sharedSecret(hex(t.public)))).toBe(t.shared);
    });
  },
  wycheproofCount,
);
