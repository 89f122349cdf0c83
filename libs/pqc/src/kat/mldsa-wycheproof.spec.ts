import { nobleProvider } from '../provider/noble';
import { expectCode } from '../testing/expect-code';
import { describeWithVectors, hex, toHexString, wycheproofCount, type WycheproofFile } from '../testing/vectors';

const { mlDsa65 } = nobleProvider;

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

    it.each(cases)('tcId %i is %s', (_id, result, publicKey, t) => {
      const ok = mlDsa65.verify(hex(publicKey), hex(t.msg), hex(t.sig), hex(t.ctx ?? ''));
      expect(ok).toBe(result === 'valid');
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

    it('skips only the external-mu (Internal) cases', () => {
      expect(internal.every(([, , t]) => t.msg === undefined || t.flags.includes('Internal'))).toBe(true);
      expect(cases.length + internal.length).toBe(wycheproofCount(file));
      expect(cases.length).toBeGreaterThan(80);
    });

    it.each(cases.filter(([, , t]) => t.result === 'valid'))('valid tcId %i', (_id, g, t) => {
      const key = mlDsa65.signingKey(hex(g.privateSeed));
      expect(toHexString(key.publicKey)).toBe(g.publicKey);
      const rnd = t.rnd === undefined ? new Uint8Array(32) : hex(t.rnd);
      const sig = key.sign(hex(t.msg ?? ''), hex(t.ctx ?? ''), rnd);
      expect(toHexString(sig)).toBe(t.sig);
      expect(mlDsa65.verify(key.publicKey, hex(t.msg ?? ''), sig, hex(t.ctx ?? ''))).toBe(true);
      key.destroy();
    });

    it.each(cases.filter(([, , t]) => t.result === 'invalid'))('invalid tcId %i is rejected', (_id, g, t) => {
      // Invalid cases are a wrong-length seed or a context over 255 bytes.
      expectCode(() => mlDsa65.signingKey(hex(g.privateSeed)).sign(hex(t.msg ?? ''), hex(t.ctx ?? ''), new Uint8Array(32)), 'bad_length');
    });
  },
  wycheproofCount,
);
