import { float32ToHalf, halfToFloat32 } from './half-floats';
import { tensorFromBytes, tensorToBytes } from './tensor-bytes';
import { refused } from '../../../../test/support/v2-refusal';


const bytesOf = (typed: ArrayBufferView) => new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);

describe('raw tensor bytes', () => {
  it('round-trips every fixed-size datatype through little-endian bytes', () => {
    const cases = [
      ['FP32', new Float32Array([1.5, -2, 3.25])],
      ['FP64', new Float64Array([1e300, -0.5, 7])],
      ['INT64', new BigInt64Array([-(2n ** 62n), 0n, 5n])],
      ['UINT16', new Uint16Array([0, 65535, 7])],
      ['INT8', new Int8Array([-128, 0, 127])],
      ['BOOL', new Uint8Array([1, 0, 1])],
    ] as const;
    for (const [datatype, data] of cases) {
      const decoded = tensorFromBytes(datatype, [1, 3], bytesOf(data).slice(), 'in');
      expect(decoded).toEqual(data);
      expect(tensorToBytes({ name: 'x', datatype, shape: [1, 3], data: decoded })).toEqual(bytesOf(data));
    }
  });

  it('reads FP32 bytes as little-endian', () => {
    // 1.0f is 0x3f800000: bytes 00 00 80 3f in little-endian order.
    expect(tensorFromBytes('FP32', [1], new Uint8Array([0, 0, 0x80, 0x3f]), 'in')).toEqual(new Float32Array([1]));
  });

  it('gives a copy on its own aligned buffer, whatever the offset of the bytes it came from', () => {
    const body = new Uint8Array(9);
    body.set(bytesOf(new Float32Array([2, 4])), 1);
    const data = tensorFromBytes('FP32', [2], body.subarray(1), 'in') as Float32Array;
    expect(data).toEqual(new Float32Array([2, 4]));
    expect(data.byteOffset).toBe(0);
    expect(data.buffer.byteLength).toBe(8);
  });

  it('copies out of a Node Buffer view too (Buffer#slice is a view, not a copy; HTTP bodies and gRPC bytes are Buffers)', () => {
    const pooled = Buffer.from(bytesOf(new Float32Array([0, 2, 4])));
    const data = tensorFromBytes('FP32', [2], pooled.subarray(4), 'in') as Float32Array;
    expect(data).toEqual(new Float32Array([2, 4]));
    expect(data.buffer.byteLength).toBe(8);
  });

  it('refuses a byte count that disagrees with the shape, naming the field and both sizes', () => {
    expect(refused(() => tensorFromBytes('FP32', [2, 4], new Uint8Array(31), 'inputs[0] (input)'))).toBe(
      'inputs[0] (input): 31 bytes given, but FP32 shape [2,4] needs 32',
    );
    expect(refused(() => tensorFromBytes('FP16', [3], new Uint8Array(8), 'x'))).toMatch(/8 bytes given, but FP16 shape \[3\] needs 6/);
  });

  it('refuses BOOL bytes other than 0 and 1', () => {
    expect(refused(() => tensorFromBytes('BOOL', [3], new Uint8Array([1, 2, 0]), 'b'))).toMatch(/BOOL element 1 is 2/);
  });

  it('encodes and decodes BYTES with 4-byte little-endian length prefixes', () => {
    const bytes = tensorToBytes({ name: 's', datatype: 'BYTES', shape: [2], data: ['hé', ''] });
    expect([...bytes]).toEqual([3, 0, 0, 0, 0x68, 0xc3, 0xa9, 0, 0, 0, 0]);
    expect(tensorFromBytes('BYTES', [2], bytes, 's')).toEqual(['hé', '']);
  });

  it('refuses malformed BYTES before allocating for the claimed count', () => {
    expect(refused(() => tensorFromBytes('BYTES', [1_000_000_000], new Uint8Array(8), 's'))).toMatch(/8 bytes cannot hold 1000000000 BYTES elements/);
    expect(refused(() => tensorFromBytes('BYTES', [1], new Uint8Array([9, 0, 0, 0, 1]), 's'))).toMatch(/element 0 claims 9 bytes but only 1 remain/);
    expect(refused(() => tensorFromBytes('BYTES', [1], new Uint8Array([1, 0, 0, 0, 0x61, 0x62]), 's'))).toMatch(/1 bytes left over after 1 BYTES elements/);
    expect(refused(() => tensorFromBytes('BYTES', [1], new Uint8Array([1, 0, 0, 0, 0xff]), 's'))).toMatch(/element 0 is not UTF-8/);
  });
});

describe('16-bit floats', () => {
  it('converts FP16 and BF16 bit patterns exactly to FP32', () => {
    // FP16: 0x3c00 = 1, 0xc000 = -2, 0x7bff = 65504 (max), 0x0001 = 2^-24 (smallest subnormal).
    expect(halfToFloat32('FP16', new Uint16Array([0x3c00, 0xc000, 0x7bff, 0x0001]))).toEqual(new Float32Array([1, -2, 65504, 2 ** -24]));
    // BF16: the upper 16 bits of the FP32 pattern (0x3f80 = 1, 0x4049 = 3.140625).
    expect(halfToFloat32('BF16', new Uint16Array([0x3f80, 0x4049, 0xc000]))).toEqual(new Float32Array([1, 3.140625, -2]));
  });

  it('rounds FP32 to BF16 to nearest, ties to even, and keeps NaN a NaN', () => {
    // 1 + 2^-8 is halfway between BF16 1 (0x3f80, even) and 1 + 2^-7 (0x3f81): ties go to even.
    // 1 + 3 * 2^-8 is halfway between 0x3f81 (odd) and 0x3f82 (even): rounds up to even.
    const bits = float32ToHalf('BF16', [1 + 2 ** -8, 1 + 3 * 2 ** -8, 1 + 2 ** -8 + 2 ** -20, NaN]);
    expect([...bits]).toEqual([0x3f80, 0x3f82, 0x3f81, 0x7fc0]);
    expect([...float32ToHalf('FP16', [1, -2, 65504])]).toEqual([0x3c00, 0xc000, 0x7bff]);
  });
});
