import { badRequest } from './api/v2.errors';
import { Datatype, Tensor } from './runtime.types';
import { elementCount } from './tensors';

/**
 * Raw tensor bytes as the Open Inference Protocol carries them outside JSON (the REST binary tensor
 * extension, gRPC raw_input_contents / raw_output_contents): little-endian, row-major, BOOL one byte,
 * FP16 / BF16 as their 16-bit patterns, BYTES as elements each prefixed by a 4-byte little-endian length.
 */

/** Bytes per element; BYTES has no fixed size. */
const ELEMENT_BYTES: Record<Exclude<Datatype, 'BYTES'>, number> = {
  BOOL: 1, UINT8: 1, INT8: 1,
  UINT16: 2, INT16: 2, FP16: 2, BF16: 2,
  UINT32: 4, INT32: 4, FP32: 4,
  UINT64: 8, INT64: 8, FP64: 8,
};

type Typed = Exclude<Tensor['data'], string[]>;
type TypedCtor = new (buffer: ArrayBuffer, byteOffset?: number, length?: number) => Typed;

const CTOR: Record<Exclude<Datatype, 'BYTES'>, TypedCtor> = {
  BOOL: Uint8Array, UINT8: Uint8Array, INT8: Int8Array,
  UINT16: Uint16Array, INT16: Int16Array, FP16: Uint16Array, BF16: Uint16Array,
  UINT32: Uint32Array, INT32: Int32Array, FP32: Float32Array,
  UINT64: BigUint64Array, INT64: BigInt64Array, FP64: Float64Array,
};

// Typed arrays use the platform's byte order; every platform Node.js supports here is little-endian.
if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error('raw tensor bytes need a little-endian platform');

/**
 * Decodes one tensor's raw bytes. The size is checked against the shape before anything is
 * allocated; every disagreement is a 400 naming `field`.
 */
export function tensorFromBytes(datatype: Datatype, shape: readonly number[], bytes: Uint8Array, field: string): Tensor['data'] {
  const count = elementCount(shape);
  if (datatype === 'BYTES') return decodeBytesElements(bytes, count, field);
  const expected = count * ELEMENT_BYTES[datatype];
  if (bytes.byteLength !== expected) {
    throw badRequest(`${field}: ${bytes.byteLength} bytes given, but ${datatype} shape [${shape}] needs ${expected}`);
  }
  // A copy: the result must own an aligned buffer it can hand to a worker thread. Not bytes.slice():
  // on a Node Buffer (HTTP bodies, gRPC bytes) that is a view into the shared pool, not a copy.
  const own = new Uint8Array(expected);
  own.set(bytes);
  const data = new CTOR[datatype](own.buffer);
  if (datatype === 'BOOL') {
    const bad = (data as Uint8Array).findIndex((b) => b > 1);
    if (bad !== -1) throw badRequest(`${field}: BOOL element ${bad} is ${(data as Uint8Array)[bad]}; BOOL bytes must be 0 or 1`);
  }
  return data;
}

/** A tensor's raw bytes (a view on its own buffer where it has one). */
export function tensorToBytes(tensor: Tensor): Uint8Array {
  const { data } = tensor;
  if (!Array.isArray(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const encoded = data.map((s) => Buffer.from(s, 'utf8'));
  const out = Buffer.allocUnsafe(encoded.reduce((n, b) => n + 4 + b.byteLength, 0));
  let offset = 0;
  for (const element of encoded) {
    out.writeUInt32LE(element.byteLength, offset);
    element.copy(out, offset + 4);
    offset += 4 + element.byteLength;
  }
  return out;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** BYTES elements: `count` times [uint32 LE length][bytes], exactly filling `bytes`. Held as UTF-8 text. */
function decodeBytesElements(bytes: Uint8Array, count: number, field: string): string[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Each element takes at least its 4-byte length prefix: refuse a count the bytes cannot hold before allocating for it.
  if (count * 4 > bytes.byteLength) throw badRequest(`${field}: ${bytes.byteLength} bytes cannot hold ${count} BYTES elements (4-byte length prefix each)`);
  const out = new Array<string>(count);
  let offset = 0;
  for (let i = 0; i < count; i++) {
    if (offset + 4 > bytes.byteLength) throw badRequest(`${field}: BYTES element ${i} has no length prefix (the data ends at byte ${offset})`);
    const length = view.getUint32(offset, true);
    offset += 4;
    if (length > bytes.byteLength - offset) throw badRequest(`${field}: BYTES element ${i} claims ${length} bytes but only ${bytes.byteLength - offset} remain`);
    try {
      out[i] = utf8.decode(bytes.subarray(offset, offset + length));
    } catch {
      throw badRequest(`${field}: BYTES element ${i} is not UTF-8 text (this server holds BYTES elements as text)`);
    }
    offset += length;
  }
  if (offset !== bytes.byteLength) throw badRequest(`${field}: ${bytes.byteLength - offset} bytes left over after ${count} BYTES elements`);
  return out;
}
