import * as nodeCrypto from 'node:crypto';
import { asBytes, concatBytes, equalBytes, zeroize } from '../bytes';
import { assertLength } from '../errors';
import {
  assertMlDsaContext,
  assertMlKem768EncapsulationKey,
  assertOptionalRandomness,
  mlDsaVerifyInputsWellFormed,
} from './checks';
import { ML_DSA_65, ML_KEM_768, type PqcProvider } from './types';
import { importQuietly } from './key-import';
import { nodeX25519 } from './x25519';

/**
 * Node >= 24.7 (OpenSSL 3.5) exposes ML-KEM and ML-DSA. Keys go in and out as DER with fixed
 * headers: PKCS#8 "seed-only" private keys and SPKI public keys (draft-ietf-lamps-kyber-certificates,
 * draft-ietf-lamps-dilithium-certificates). @types/node 20 knows none of this, hence the casts.
 */
interface NativeKemApi {
  encapsulate(key: nodeCrypto.KeyObject): { sharedKey: Buffer; ciphertext: Buffer };
  decapsulate(key: nodeCrypto.KeyObject, ciphertext: Uint8Array): Buffer;
}

const hex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'hex'));

const MLKEM768_PKCS8_SEED_PREFIX = hex('3054020100300b060960864801650304040204428040');
const MLKEM768_SPKI_PREFIX = hex('308204b2300b0609608648016503040402038204a100');
const MLDSA65_PKCS8_SEED_PREFIX = hex('3034020100300b060960864801650304031204228020');
const MLDSA65_SPKI_PREFIX = hex('308207b2300b0609608648016503040312038207a100');

function importPrivate(prefix: Uint8Array, seed: Uint8Array): nodeCrypto.KeyObject {
  const der = Buffer.from(concatBytes(prefix, seed));
  try {
    return importQuietly(() => nodeCrypto.createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }));
  } finally {
    zeroize(der);
  }
}

function importPublic(prefix: Uint8Array, publicKey: Uint8Array): nodeCrypto.KeyObject {
  const der = Buffer.from(concatBytes(prefix, publicKey));
  return importQuietly(() => nodeCrypto.createPublicKey({ key: der, format: 'der', type: 'spki' }));
}

function exportPublic(key: nodeCrypto.KeyObject, prefix: Uint8Array): Uint8Array {
  const spki = nodeCrypto.createPublicKey(key).export({ format: 'der', type: 'spki' });
  return asBytes(spki.subarray(prefix.length));
}

type PublicKeyImport = (publicKey: Uint8Array) => nodeCrypto.KeyObject;

const importMlKemDer: PublicKeyImport = (publicKey) => importPublic(MLKEM768_SPKI_PREFIX, publicKey);

// Raw key formats came to Node after ML-KEM did; the DER decoder costs ~15 µs more per import, and
// the server imports one encapsulation key (the client's ephemeral one) per handshake.
const importMlKemRaw: PublicKeyImport = (publicKey) =>
  importQuietly(() =>
    nodeCrypto.createPublicKey({ key: publicKey, format: 'raw-public', asymmetricKeyType: 'ml-kem-768' } as unknown as nodeCrypto.PublicKeyInput),
  );

/** Raw import where this Node has it and it yields the same key as the DER import, DER otherwise. */
function chooseMlKemImport(): PublicKeyImport {
  try {
    const key = importPrivate(MLKEM768_PKCS8_SEED_PREFIX, nodeCrypto.randomBytes(ML_KEM_768.seedLength));
    const publicKey = exportPublic(key, MLKEM768_SPKI_PREFIX);
    const spki = importMlKemRaw(publicKey).export({ format: 'der', type: 'spki' });
    return equalBytes(spki, concatBytes(MLKEM768_SPKI_PREFIX, publicKey)) ? importMlKemRaw : importMlKemDer;
  } catch {
    return importMlKemDer;
  }
}

function unsupported(what: string): Error {
  return new Error(`native provider does not support ${what}`);
}

function buildNativeProvider(api: NativeKemApi, importMlKemPublic: PublicKeyImport): PqcProvider {
  return Object.freeze({
    name: 'native',
    mlKem768: Object.freeze({
      decapsulationKey(seed: Uint8Array) {
        assertLength(seed, ML_KEM_768.seedLength, 'ML-KEM-768 seed');
        let key: nodeCrypto.KeyObject | undefined = importPrivate(MLKEM768_PKCS8_SEED_PREFIX, seed);
        return {
          publicKey: exportPublic(key, MLKEM768_SPKI_PREFIX),
          decapsulate(ciphertext: Uint8Array): Uint8Array {
            if (key === undefined) throw new Error('ML-KEM-768 decapsulation key was destroyed');
            assertLength(ciphertext, ML_KEM_768.ciphertextLength, 'ML-KEM-768 ciphertext');
            return asBytes(api.decapsulate(key, ciphertext));
          },
          expandedKey(): Uint8Array {
            throw unsupported('exporting the expanded ML-KEM key');
          },
          destroy(): void {
            key = undefined;
          },
        };
      },
      encapsulate(publicKey: Uint8Array, randomness?: Uint8Array) {
        assertMlKem768EncapsulationKey(publicKey);
        if (randomness !== undefined) throw unsupported('caller-supplied encapsulation randomness');
        const { sharedKey, ciphertext } = api.encapsulate(importMlKemPublic(publicKey));
        return { ciphertext: asBytes(ciphertext), sharedSecret: asBytes(sharedKey) };
      },
    }),
    mlDsa65: Object.freeze({
      signingKey(seed: Uint8Array) {
        assertLength(seed, ML_DSA_65.seedLength, 'ML-DSA-65 seed');
        let key: nodeCrypto.KeyObject | undefined = importPrivate(MLDSA65_PKCS8_SEED_PREFIX, seed);
        return {
          publicKey: exportPublic(key, MLDSA65_SPKI_PREFIX),
          sign(message: Uint8Array, context: Uint8Array, randomness?: Uint8Array): Uint8Array {
            if (key === undefined) throw new Error('ML-DSA-65 signing key was destroyed');
            assertMlDsaContext(context);
            assertOptionalRandomness(randomness, ML_DSA_65.randomnessLength, 'ML-DSA-65 signing randomness');
            if (randomness !== undefined) throw unsupported('caller-supplied ML-DSA randomness');
            return asBytes(nodeCrypto.sign(null, message, { key, context } as nodeCrypto.SignKeyObjectInput));
          },
          destroy(): void {
            key = undefined;
          },
        };
      },
      verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, context: Uint8Array): boolean {
        if (!mlDsaVerifyInputsWellFormed(publicKey, signature, context)) return false;
        try {
          const key = importPublic(MLDSA65_SPKI_PREFIX, publicKey);
          return nodeCrypto.verify(null, message, { key, context } as nodeCrypto.VerifyKeyObjectInput, signature);
        } catch {
          return false;
        }
      },
    }),
    x25519: nodeX25519,
  });
}

/**
 * Feature test rather than version sniffing. It also proves that the ML-DSA `context` option is
 * honoured: an older Node that silently ignored it would sign under the empty context, which
 * would make every bundle signature fail closed only on the peer, so treat that as "absent".
 */
function probe(): PqcProvider | undefined {
  const api = nodeCrypto as unknown as Partial<NativeKemApi>;
  if (typeof api.encapsulate !== 'function' || typeof api.decapsulate !== 'function') return undefined;
  try {
    const provider = buildNativeProvider(api as NativeKemApi, chooseMlKemImport());
    const kemSeed = nodeCrypto.randomBytes(ML_KEM_768.seedLength);
    const dk = provider.mlKem768.decapsulationKey(kemSeed);
    const { ciphertext, sharedSecret } = provider.mlKem768.encapsulate(dk.publicKey);
    const kemOk = Buffer.compare(dk.decapsulate(ciphertext), sharedSecret) === 0;
    dk.destroy();

    const signer = provider.mlDsa65.signingKey(nodeCrypto.randomBytes(ML_DSA_65.seedLength));
    const message = Uint8Array.of(1, 2, 3);
    const signature = signer.sign(message, Uint8Array.of(1));
    const dsaOk =
      provider.mlDsa65.verify(signer.publicKey, message, signature, Uint8Array.of(1)) &&
      !provider.mlDsa65.verify(signer.publicKey, message, signature, Uint8Array.of(2));
    signer.destroy();
    return kemOk && dsaOk ? provider : undefined;
  } catch {
    return undefined;
  }
}

let probed: { provider: PqcProvider | undefined } | undefined;

/** The native provider, or undefined when this Node lacks (working) ML-KEM/ML-DSA. */
export function getNativeProvider(): PqcProvider | undefined {
  probed ??= { provider: probe() };
  return probed.provider;
}
