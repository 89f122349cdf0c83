import {
  getSuite,
  isPqcProtocolError,
  KemDecapsulationKey,
  KeyBundle,
  MlDsaSigningKey,
  parseBundle,
  parseClientHello,
  respondToHello,
  selectProvider,
} from '@nf/pqc';
import { kemSeedFor } from '../keystore/kem-seed';
import { HandshakeOutcome, HandshakeTask } from './handshake.task';

interface ExpandedKey {
  bundle: KeyBundle;
  decapsulationKey: KemDecapsulationKey;
  identity?: MlDsaSigningKey;
}

// Expanding a key costs far more than a handshake; keep each bundle's keys for the worker's life.
const expanded = new Map<string, ExpandedKey>();
const provider = selectProvider();

function keyFor(task: HandshakeTask): ExpandedKey {
  let key = expanded.get(task.bundleSha256);
  if (!key) {
    key = {
      bundle: parseBundle(task.bundle, provider),
      decapsulationKey: getSuite(task.suite, provider).kem.decapsulationKey(kemSeedFor(task.suite, task.kemSeed)),
    };
    expanded.set(task.bundleSha256, key);
  }
  return key;
}

/** Server side of one handshake, run on a worker thread (piscina). */
export default function handshake(task: HandshakeTask): HandshakeOutcome {
  try {
    const key = keyFor(task);
    const hello = parseClientHello(task.hello, provider);
    if (hello.receipt && !key.identity) key.identity = provider.mlDsa65.signingKey(task.identitySeed);
    const result = respondToHello({
      hello,
      bundle: key.bundle,
      bundleSha256: task.bundleSha256,
      decapsulationKey: key.decapsulationKey,
      identityKey: key.identity,
      now: task.now,
      maxSkewMs: task.maxSkewMs,
      sessionTtlMs: task.sessionTtlMs,
      provider,
    });
    return { ok: true, ...result };
  } catch (error) {
    if (isPqcProtocolError(error)) return { ok: false, code: error.code, message: error.message };
    throw error;
  }
}
