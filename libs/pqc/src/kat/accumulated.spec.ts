import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { getNativeProvider } from '../provider/native';
import { nobleProvider } from '../provider/noble';
import { ML_DSA_65 } from '../provider/types';
import { mlKemAccumulatedSlice, shake128Stream, type MlKemAccumulatedSlice } from '../testing/mlkem-accumulated';
import { announceNativeSkip, NATIVE_ABSENT, NATIVE_EXPECTED } from '../testing/providers';
import { runInTsWorker } from '../testing/ts-worker';

/**
 * C2SP/CCTV "accumulated" known-answer tests (published hashes, no data file needed). Inputs
 * are read in order from one SHAKE128 stream with empty input; outputs are absorbed into a second
 * SHAKE128 whose first 32 output bytes must equal the published value. Both run through the
 * project's provider layer.
 *
 * Native provider: it cannot take the stream's encapsulation randomness m or signing rnd, and it
 * cannot export the expanded ML-KEM key, so its variants hash its own outputs where it can produce
 * them (ML-KEM ek, K and K' from key generation and decapsulation; the ML-DSA public key, with every
 * noble signature also verified by native) and noble's for the rest (ML-KEM dk and ct; ML-DSA
 * signatures). Both variants come from one pass over the stream: native key generation and
 * decapsulation add a little to the noble runs instead of a second 10 000-run pass.
 */

const native = getNativeProvider();
const ML_KEM_768_HASH = 'f959d18d3d1180121433bf0e05f11e7908cf9d03edc150b2b07cb90bef5bc1c1';
const ML_DSA_65_HASH = '8358a1843220194417cadbc2651295cd8fc65125b5a5c1a239a16dc8b57ca199';

const digest = (parts: readonly Uint8Array[]): string => {
  const accumulator = createHash('shake128', { outputLength: 32 });
  for (const part of parts) accumulator.update(part);
  return accumulator.digest('hex');
};

/** Computed once, shared by the noble and native tests below (whichever runs first starts it). */
function once<T>(compute: () => T): () => T {
  let result: { value: T } | undefined;
  return () => (result ??= { value: compute() }).value;
}

// Skipped (with the reason) only where this Node cannot have the native provider; see testing/providers.ts.
announceNativeSkip();
const nativeIt = native || NATIVE_EXPECTED ? it : it.skip;
const nativeTitle = (title: string) => (native || NATIVE_EXPECTED ? title : `${title} (${NATIVE_ABSENT})`);

it('SHAKE128 stream starts as CCTV documents', () => {
  expect(Buffer.from(shake128Stream(16)(16)).toString('hex')).toBe('7f9c2ba4e88f827d616045507605853e');
});

it('slices are position-independent (a slice equals the same runs taken from a longer run)', () => {
  const whole = mlKemAccumulatedSlice({ start: 0, count: 3, native: native !== undefined });
  const tail = mlKemAccumulatedSlice({ start: 2, count: 1, native: native !== undefined });
  const lastThird = (bytes: Uint8Array) => Buffer.from(bytes.subarray((bytes.length / 3) * 2));
  expect(Buffer.from(tail.noble).equals(lastThird(whole.noble))).toBe(true);
  if (native) expect(Buffer.from(tail.native!).equals(lastThird(whole.native!))).toBe(true);
});

// All 10 000 runs, split over worker threads (about 25 s on one core): same bytes, same hash.
const mlKemSlices = once(async () => {
  const runs = 10_000;
  const workers = Math.max(1, Math.min(4, availableParallelism()));
  const size = Math.ceil(runs / workers);
  const modulePath = path.resolve(__dirname, '../testing/mlkem-accumulated.ts');
  return Promise.all(
    Array.from({ length: workers }, (_, w) =>
      runInTsWorker<MlKemAccumulatedSlice>(modulePath, 'mlKemAccumulatedSlice', {
        start: w * size,
        count: Math.min(size, runs - w * size),
        native: native !== undefined,
      }),
    ),
  );
});

it('ML-KEM-768 accumulated, 10 000 runs (final FIPS 203), noble', async () => {
  expect(digest((await mlKemSlices()).map((s) => s.noble))).toBe(ML_KEM_768_HASH);
}, 120_000);

nativeIt(nativeTitle('ML-KEM-768 accumulated, 10 000 runs, native key generation and decapsulation'), async () => {
  expect(native).toBeDefined();
  const slices = await mlKemSlices();
  expect(slices.every((s) => s.native !== undefined)).toBe(true);
  expect(digest(slices.map((s) => s.native!))).toBe(ML_KEM_768_HASH);
}, 120_000);

// Per run: a 32-byte seed; absorb pk and the deterministic signature of the empty message (empty context).
const mlDsaStreams = once(() => {
  const runs = 100;
  const draw = shake128Stream(runs * ML_DSA_65.seedLength);
  const empty = new Uint8Array(0);
  const noble: Uint8Array[] = [];
  const onNative: Uint8Array[] = [];
  const notVerifiedByNative: number[] = [];
  for (let i = 0; i < runs; i++) {
    const seed = draw(ML_DSA_65.seedLength);
    const key = nobleProvider.mlDsa65.signingKey(seed);
    const signature = key.sign(empty, empty, new Uint8Array(32));
    if (!nobleProvider.mlDsa65.verify(key.publicKey, empty, signature, empty)) throw new Error(`run ${i}: signature does not verify`);
    noble.push(key.publicKey, signature);
    key.destroy();
    if (native) {
      const nativeKey = native.mlDsa65.signingKey(seed);
      if (!native.mlDsa65.verify(nativeKey.publicKey, empty, signature, empty)) notVerifiedByNative.push(i);
      onNative.push(nativeKey.publicKey, signature);
      nativeKey.destroy();
    }
  }
  return { noble, native: onNative, notVerifiedByNative };
});

it('ML-DSA-65 accumulated, 100 runs, noble', () => {
  expect(digest(mlDsaStreams().noble)).toBe(ML_DSA_65_HASH);
}, 60_000);

nativeIt(nativeTitle('ML-DSA-65 accumulated, 100 runs, native key generation and verification'), () => {
  expect(native).toBeDefined();
  const { native: onNative, notVerifiedByNative } = mlDsaStreams();
  expect(notVerifiedByNative).toEqual([]);
  expect(onNative).toHaveLength(200);
  expect(digest(onNative)).toBe(ML_DSA_65_HASH);
}, 60_000);
