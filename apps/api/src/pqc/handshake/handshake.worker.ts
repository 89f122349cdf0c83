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
import { serveWorker } from '../../lifecycle/worker-serve';
import { kemSeedFor } from '../keystore/kem-seed';
import { HandshakeOutcome, HandshakeTask } from './handshake.task';

interface ExpandedKey {
  bundle: KeyBundle;
  decapsulationKey: KemDecapsulationKey;
  identitySeed: Uint8Array;
  identity?: MlDsaSigningKey;
}

// Expanding a key costs far more than a handshake, so each bundle's keys are kept; only the newest few
// (the active version and those in a rotation's grace window), so retired secrets leave memory.
const MAX_KEYS = 3;
const expanded = new Map<string, ExpandedKey>();
const provider = selectProvider();

function keyFor(task: HandshakeTask): ExpandedKey | undefined {
  let key = expanded.get(task.bundleSha256);
  if (!key && task.key) {
    const { suite, bundle, kemSeed, identitySeed } = task.key;
    key = {
      bundle: parseBundle(bundle, provider),
      decapsulationKey: getSuite(suite, provider).kem.decapsulationKey(kemSeedFor(suite, kemSeed)),
      identitySeed,
    };
    expanded.set(task.bundleSha256, key);
    for (const [sha256, old] of expanded) {
      if (expanded.size <= MAX_KEYS) break;
      old.decapsulationKey.destroy();
      old.identity?.destroy();
      old.identitySeed.fill(0);
      expanded.delete(sha256);
    }
  }
  return key;
}

/** Server side of one handshake, run on a worker thread. */
function handshake(task: HandshakeTask): HandshakeOutcome {
  try {
    const key = keyFor(task);
    if (!key) return { ok: false, missingKey: true };
    const hello = parseClientHello(task.hello, provider);
    if (hello.receipt && !key.identity) key.identity = provider.mlDsa65.signingKey(key.identitySeed);
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

serveWorker(Promise.resolve(), (task: HandshakeTask) => ({ result: handshake(task) }));
