/**
 * IEEE binary16 and bfloat16 to float32, exactly (both widen without rounding), and float32 to
 * binary16/bfloat16 with round-to-nearest-even (for writing files and tests).
 */

let f16Cache: Float32Array | undefined;

/** All 65,536 binary16 values as float32, built once. */
export function f16Table(): Float32Array {
  if (f16Cache) return f16Cache;
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    let v: number;
    if (exp === 0) v = frac * 2 ** -24;
    else if (exp === 31) v = frac === 0 ? Infinity : NaN;
    else v = (1 + frac / 1024) * 2 ** (exp - 15);
    t[h] = sign * v;
  }
  return (f16Cache = t);
}

/** Widens `count` little-endian binary16 values starting at `bytes[offset]` into `out[outOffset…]`. */
export function f16ToF32(bytes: Uint8Array, offset: number, count: number, out: Float32Array, outOffset = 0): void {
  const t = f16Table();
  for (let i = 0; i < count; i++) {
    const p = offset + 2 * i;
    out[outOffset + i] = t[bytes[p]! | (bytes[p + 1]! << 8)]!;
  }
}

/** Widens `count` little-endian bfloat16 values (the top 16 bits of a float32). */
export function bf16ToF32(bytes: Uint8Array, offset: number, count: number, out: Float32Array, outOffset = 0): void {
  const u32 = new Uint32Array(1);
  const f32 = new Float32Array(u32.buffer);
  for (let i = 0; i < count; i++) {
    const p = offset + 2 * i;
    u32[0] = ((bytes[p]! | (bytes[p + 1]! << 8)) << 16) >>> 0;
    out[outOffset + i] = f32[0]!;
  }
}

const scratchF32 = new Float32Array(1);
const scratchU32 = new Uint32Array(scratchF32.buffer);

/** float32 → binary16 bits, round to nearest even (overflow → ±Inf, NaN kept). */
export function f32ToF16Bits(value: number): number {
  scratchF32[0] = value;
  const x = scratchU32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = mant & ((1 << shift) - 1);
    let m = mant >>> shift;
    if (rest > half || (rest === half && (m & 1))) m++;
    return sign | m;
  }
  let m = mant >>> 13;
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (m & 1))) {
    m++;
    if (m === 0x400) {
      m = 0;
      e++;
      if (e >= 31) return sign | 0x7c00;
    }
  }
  return sign | (e << 10) | m;
}

/** float32 → bfloat16 bits, round to nearest even (NaN kept). */
export function f32ToBf16Bits(value: number): number {
  scratchF32[0] = value;
  const x = scratchU32[0]!;
  if ((x & 0x7f800000) === 0x7f800000 && (x & 0x7fffff)) return ((x >>> 16) | 0x40) & 0xffff;
  const rounded = x + 0x7fff + ((x >>> 16) & 1);
  return (rounded >>> 16) & 0xffff;
}
