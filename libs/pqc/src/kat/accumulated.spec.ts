import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { nobleProvider } from '../provider/noble';
import { ML_DSA_65 } from '../provider/types';
import { mlKemAccumulatedSlice, shake128Stream } from '../testing/mlkem-accumulated';
import { runInTsWorker } from '../testing/ts-worker';

/**
 * C2SP/CCTV "accumulated" known-answer tests (published hashes, no data file needed). Inputs
 * are read in order from one SHAKE128 stream with empty input; outputs are absorbed into a second
 * SHAKE128 whose first 32 output bytes must equal the published value. Both run through the
 * project's provider layer.
 */

it('SHAKE128 stream starts as CCTV documents', () => {
  expect(Buffer.from(shake128Stream(16)(16)).toString('hex')).toBe('7f9c2ba4e88f827d616045507605853e');
});

it('slices are position-independent (a slice equals the same runs taken from a longer run)', () => {
  const whole = mlKemAccumulatedSlice({ start: 0, count: 3 });
  const tail = mlKemAccumulatedSlice({ start: 2, count: 1 });
  expect(Buffer.from(tail).equals(Buffer.from(whole.subarray((whole.length / 3) * 2)))).toBe(true);
});

// All 10 000 runs, split over worker threads (about 25 s on one core): same bytes, same hash.
it('ML-KEM-768 accumulated, 10 000 runs (final FIPS 203)', async () => {
  const runs = 10_000;
  const workers = Math.max(1, Math.min(4, availableParallelism()));
  const size = Math.ceil(runs / workers);
  const modulePath = path.resolve(__dirname, '../testing/mlkem-accumulated.ts');
  const slices = await Promise.all(
    Array.from({ length: workers }, (_, w) =>
      runInTsWorker<Uint8Array>(modulePath, 'mlKemAccumulatedSlice', {
        start: w * size,
        count: Math.min(size, runs - w * size),
      }),
    ),
  );
  const accumulator = createHash('shake128', { outputLength: 32 });
  for (const slice of slices) accumulator.update(slice);
  expect(accumulator.digest('hex')).toBe('f959d18d3d1180121433bf0e05f11e7908cf9d03edc150b2b07cb90bef5bc1c1');
}, 120_000);

// Per run: a 32-byte seed; absorb pk and the deterministic signature of the empty message (empty context).
it('ML-DSA-65 accumulated, 100 runs', () => {
  const runs = 100;
  const draw = shake128Stream(runs * ML_DSA_65.seedLength);
  const accumulator = createHash('shake128', { outputLength: 32 });
  const { mlDsa65 } = nobleProvider;
  const empty = new Uint8Array(0);
  for (let i = 0; i < runs; i++) {
    const key = mlDsa65.signingKey(draw(32));
    const signature = key.sign(empty, empty, new Uint8Array(32));
    if (!mlDsa65.verify(key.publicKey, empty, signature, empty)) throw new Error(`run ${i}: signature does not verify`);
    accumulator.update(key.publicKey).update(signature);
    key.destroy();
  }
  expect(accumulator.digest('hex')).toBe('8358a1843220194417cadbc2651295cd8fc65125b5a5c1a239a16dc8b57ca199');
}, 60_000);
