/**
 * 16-bit floats held as their bit patterns (Uint16Array), as tensors carry them: FP16 (IEEE 754 binary16,
 * through the platform's Float16Array) and BF16 (bfloat16: the upper half of an FP32).
 */
export type HalfDatatype = 'FP16' | 'BF16';

/** Bit patterns -> FP32 values (exact for both: every FP16 and BF16 value is an FP32 value). */
export function halfToFloat32(datatype: HalfDatatype, bits: Uint16Array): Float32Array {
  if (datatype === 'FP16') return Float32Array.from(new Float16Array(bits.buffer, bits.byteOffset, bits.length));
  const out = new Uint32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = bits[i] << 16;
  return new Float32Array(out.buffer);
}

/** Values -> bit patterns, rounding to nearest even (NaN stays NaN). */
export function float32ToHalf(datatype: HalfDatatype, values: ArrayLike<number>): Uint16Array {
  if (datatype === 'FP16') return new Uint16Array(Float16Array.from(values as ArrayLike<number>).buffer);
  const f32 = Float32Array.from(values);
  const u32 = new Uint32Array(f32.buffer);
  const out = new Uint16Array(f32.length);
  for (let i = 0; i < u32.length; i++) {
    const u = u32[i];
    out[i] = Number.isNaN(f32[i]) ? 0x7fc0 : (u + 0x7fff + ((u >>> 16) & 1)) >>> 16;
  }
  return out;
}
