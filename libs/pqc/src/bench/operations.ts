import { randomBytes } from 'node:crypto';
import { ml_kem768_x25519 } from '@noble/post-quantum/hybrid.js';
import { bundleFingerprint } from '../bundle/canonical';
import { encodeBundle, parseBundle } from '../bundle/codec';
import { createBundle } from '../bundle/create';
import type { KeyBundleJson } from '../bundle/types';
import { createClientHello, finishHandshake } from '../handshake/client';
import { parseClientHello, type ClientHelloJson } from '../handshake/messages';
import { respondToHello } from '../handshake/server';
import { createXWing } from '../kem/xwing';
import { selectProvider } from '../provider/select';
import { SUITES, getSuite, type SuiteId } from '../suite';

export type BenchTask =
  | { readonly kind: 'noble-xwing-decapsulate' }
  | { readonly kind: 'noble-xwing-server-kem' }
  | { readonly kind: 'xwing-decapsulate' }
  | { readonly kind: 'handshake'; readonly suite: SuiteId };

/** Long-term server material shared by all workers of a run (created once by the coordinator). */
export interface BenchSetup {
  readonly xwingSeed: Uint8Array;
  readonly kemSeeds: Readonly<Record<SuiteId, Uint8Array>>;
  readonly bundles: Readonly<Record<SuiteId, KeyBundleJson>>;
  /** Distinct pre-built inputs cycled through by the timed loop. */
  readonly inputs: number;
}

/** A timed operation returns one output byte so the work cannot be optimised away. */
export type Operation = () => number;

// Hellos are built once and replayed: respondToHello is storage-free, so this measures exactly
// the server's per-handshake crypto (parse + checks + decapsulate + encapsulate + KDF + MAC).
const SKEW_FOR_BENCH_MS = 24 * 60 * 60 * 1000;

function handshakeOperation(suiteId: SuiteId, setup: BenchSetup): Operation {
  const provider = selectProvider();
  const suite = getSuite(suiteId, provider);
  const bundle = parseBundle(setup.bundles[suiteId], provider);
  const bundleSha256 = bundleFingerprint(bundle);
  const decapsulationKey = suite.kem.decapsulationKey(setup.kemSeeds[suiteId]);
  const hellos: ClientHelloJson[] = [];
  for (let i = 0; i < setup.inputs; i++) {
    const { hello, state } = createClientHello({ bundle, now: Date.now(), provider });
    hellos.push(hello);
    if (i === 0) {
      // Guard: the path being timed must produce handshakes a client accepts.
      const { response } = respondToHello({ hello: parseClientHello(hello, provider), bundle, bundleSha256, decapsulationKey, now: Date.now(), provider });
      finishHandshake({ state, response, now: Date.now() });
    }
  }
  let next = 0;
  return () => {
    const hello = parseClientHello(hellos[next++ % hellos.length], provider);
    const { keys } = respondToHello({
      hello,
      bundle,
      bundleSha256,
      decapsulationKey,
      now: Date.now(),
      maxSkewMs: SKEW_FOR_BENCH_MS,
      provider,
    });
    return keys.clientToServer[0];
  };
}

function ciphertexts(count: number, encapsulate: () => Uint8Array): Uint8Array[] {
  return Array.from({ length: count }, encapsulate);
}

export function prepareOperation(task: BenchTask, setup: BenchSetup): Operation {
  switch (task.kind) {
    case 'handshake':
      return handshakeOperation(task.suite, setup);
    case 'xwing-decapsulate': {
      const xwing = createXWing(selectProvider());
      const dk = xwing.decapsulationKey(setup.xwingSeed);
      const cts = ciphertexts(setup.inputs, () => xwing.encapsulate(dk.publicKey).ciphertext);
      let next = 0;
      return () => dk.decapsulate(cts[next++ % cts.length])[0];
    }
    case 'noble-xwing-decapsulate': {
      // Baseline: noble's X-Wing as shipped, which re-expands the key from the seed every call.
      const { publicKey } = ml_kem768_x25519.keygen(setup.xwingSeed);
      const cts = ciphertexts(setup.inputs, () => ml_kem768_x25519.encapsulate(publicKey).cipherText);
      let next = 0;
      return () => ml_kem768_x25519.decapsulate(cts[next++ % cts.length], setup.xwingSeed)[0];
    }
    case 'noble-xwing-server-kem': {
      // Baseline for the same KEM work as one server handshake, done with noble X-Wing as shipped:
      // decapsulate the client's ciphertext, encapsulate to the client's ephemeral key.
      const { publicKey } = ml_kem768_x25519.keygen(setup.xwingSeed);
      const clients = Array.from({ length: setup.inputs }, () => ({
        ct: ml_kem768_x25519.encapsulate(publicKey).cipherText,
        pk: ml_kem768_x25519.keygen().publicKey,
      }));
      let next = 0;
      return () => {
        const client = clients[next++ % clients.length];
        const ss = ml_kem768_x25519.decapsulate(client.ct, setup.xwingSeed);
        return ss[0] ^ ml_kem768_x25519.encapsulate(client.pk).sharedSecret[0];
      };
    }
  }
}

export function measure(operation: Operation, durationMs: number, warmupMs = Math.min(500, durationMs / 4)): { ops: number; elapsedMs: number; sink: number } {
  let sink = 0;
  const warmupEnd = performance.now() + warmupMs;
  while (performance.now() < warmupEnd) sink ^= operation();
  let ops = 0;
  const start = performance.now();
  const end = start + durationMs;
  let now = start;
  while (now < end) {
    sink ^= operation();
    ops++;
    now = performance.now();
  }
  return { ops, elapsedMs: now - start, sink };
}

function randomSeed(length: number): Uint8Array {
  return Uint8Array.from(randomBytes(length));
}

/** Fresh server keys and one signed bundle per suite, valid for a day. */
export function createBenchSetup(inputs: number): BenchSetup {
  const provider = selectProvider();
  const identityKey = provider.mlDsa65.signingKey(randomSeed(32));
  const now = Date.now();
  const kemSeeds = {} as Record<SuiteId, Uint8Array>;
  const bundles = {} as Record<SuiteId, KeyBundleJson>;
  for (const suiteId of SUITES) {
    const kem = getSuite(suiteId, provider).kem;
    kemSeeds[suiteId] = randomSeed(kem.seedLength);
    bundles[suiteId] = encodeBundle(
      createBundle({
        suite: suiteId,
        keyVersion: 1,
        kemPublicKey: kem.keypairFromSeed(kemSeeds[suiteId]).publicKey,
        identityKey,
        notBefore: now - 60_000,
        notAfter: now + 24 * 60 * 60 * 1000,
      }),
    );
  }
  identityKey.destroy();
  return { xwingSeed: randomSeed(32), kemSeeds, bundles, inputs };
}
