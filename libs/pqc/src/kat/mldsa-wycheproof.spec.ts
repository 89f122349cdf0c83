import { nobleProvider } from '../provider/noble';
import { expectCode } from '../testing/expect-code';
import { describeEachProvider } from '../testing/providers';
import { describeWithVectors, hex, toHexString, wycheproofCount, type WycheproofFile } from '../testing/vectors';

/**
 * Once per provider. What runs where:
 * - verify file: every case on both providers.
 * - keygen-from-seed + signing file: keygen (seed -> public key), the vector's signature verifying,
 *   and the invalid cases (wrong-length seed, context over 255 bytes) run on both. The signature
 *   known answers (deterministic, rnd = 0, and the one hedged case with its rnd) need caller-supplied
 *   rnd, which only noble takes; native is asserted to refuse it and instead signs each case's
 *   message and context itself, and that signature must verify under noble and under native.
 * - the "Internal" (external-mu) cases run on neither: see below.
 */

interface VerifyTest { tcId: number; msg: string; ctx?: string; sig: string; result: 'valid' | 'invalid'; flags: string[] }
interface VerifyGroup { publicKey: string; tests: VerifyTest[] }
interface SignTest { tcId: number; msg?: string; ctx?: string; rnd?: string; sig: string; result: 'valid' | 'invalid'; flags: string[] }
interface SignGroup { privateSeed: string; publicKey: string | null; tests: SignTest[] }

describeWithVectors<WycheproofFile<VerifyGroup>>(
  'Wycheproof ML-DSA-65 verify',
  'wycheproof/mldsa_65_verify_test.json',
  (file) => {
    const cases = file.testGroups.flatMap((g) => g.tests.map((t) => [t.tcId, t.result, g.publicKey, t] as const));
    it('covers every case in the file', () => expect(cases).toHaveLength(wycheproofCount(file)));

    describeEachProvider(({ provider: { mlDsa65 } }) => {
      it.each(cases)('tcId %i is %s', (_id, result, publicKey, t) => {
        const ok = mlDsa65.verify(hex(publicKey), hex(t.msg), hex(t.sig), hex(t.ctx ?? ''));
        expect(ok).toBe(result === 'valid');
      });
    });
  },
  wycheproofCount,
);

describeWithVectors<WycheproofFile<SignGroup>>(
  'Wycheproof ML-DSA-65 keygen from seed + deterministic signing',
  'wycheproof/mldsa_65_sign_seed_test.json',
  (file) => {
    const all = file.testGroups.flatMap((g) => g.tests.map((t) => [t.tcId, g, t] as const));
    // "Internal" cases sign an externally supplied mu (ML-DSA.Sign_internal); the protocol never
    // exposes that interface, so they are out of scope. Everything else runs.
    const internal = all.filter(([, , t]) => t.flags.includes('Internal'));
    const cases = all.filter(([, , t]) => !t.flags.includes('Internal'));
    const valid = cases.filter(([, , t]) => t.result === 'valid');
    const invalid = cases.filter(([, , t]) => t.result === 'invalid');

    it('skips only the external-mu (Internal) cases', () => {
      expect(internal.every(([, , t]) => t.msg === undefined || t.flags.includes('Internal'))).toBe(true);
      expect(cases.length + internal.length).toBe(wycheproofCount(file));
      expect(cases.length).toBeGreaterThan(80);
    });

    describeEachProvider(({ provider, callerRandomness }) => {
      const { mlDsa65 } = provider;

      if (callerRandomness) {
        it.each(valid)('valid tcId %i', (_id, g, t) => {
          const key = mlDsa65.signingKey(hex(g.privateSeed));
          expect(toHexString(key.publicKey)).toBe(g.publicKey);
          const rnd = t.rnd === undefined ? new Uint8Array(32) : hex(t.rnd);
          const sig = key.sign(hex(t.msg ?? ''), hex(t.ctx ?? ''), rnd);
          expect(toHexString(sig)).toBe(t.sig);
          expect(mlDsa65.verify(key.publicKey, hex(t.msg ?? ''), sig, hex(t.ctx ?? ''))).toBe(true);
          key.destroy();
        });
      } else {
        it('refuses the vectors\' rnd, so the signature known answers run on noble only', () => {
          const [, g, t] = valid[0];
          expect(() => mlDsa65.signingKey(hex(g.privateSeed)).sign(hex(t.msg ?? ''), hex(t.ctx ?? ''), new Uint8Array(32))).toThrow(
            'does not support',
          );
        });

        it.each(valid)('valid tcId %i: keygen, the vector signature, its own signature', (_id, g, t) => {
          const msg = hex(t.msg ?? '');
          const ctx = hex(t.ctx ?? '');
          const key = mlDsa65.signingKey(hex(g.privateSeed));
          expect(toHexString(key.publicKey)).toBe(g.publicKey);
          expect(mlDsa65.verify(key.publicKey, msg, hex(t.sig), ctx)).toBe(true);
          const sig = key.sign(msg, ctx);
          expect(mlDsa65.verify(key.publicKey, msg, sig, ctx)).toBe(true);
          expect(nobleProvider.mlDsa65.verify(key.publicKey, msg, sig, ctx)).toBe(true);
          key.destroy();
        });
      }

      it.each(invalid)('invalid tcId %i is rejected', (_id, g, t) => {
        // Invalid cases are a wrong-length seed or a context over 255 bytes.
        const rnd = callerRandomness ? new Uint8Array(32) : undefined;
        expectCode(() => mlDsa65.signingKey(hex(g.privateSeed)).sign(hex(t.msg ?? ''), hex(t.ctx ?? ''), rnd), 'bad_length');
      });
    });
  },
  wycheproofCount,
);
