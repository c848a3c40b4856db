/**
 * ggml tensor types: ids, names, block sizes, bytes per block, and dequantization to float32
 * exactly as the ggml authors' reference does it (the `gguf` Python package's `quants.py`,
 * which follows llama.cpp's `dequantize_row_*` in `ggml-quants.c`).
 *
 * API:
 * - `GGML_TYPES`: every type id ggml defines → { name, blockSize, typeSize } (for sizing
 *   tensors we never decode).
 * - `ggmlTypeName(id)`: "Q4_K", or `type 123` for an unknown id.
 * - `isDequantizable(id)`: true for F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K…Q6_K.
 * - `dequantize(id, bytes, offset, count, out, outOffset)`: `count` values (a multiple of the
 *   type's block size) from the blocks at `bytes[offset…]` into `out[outOffset…]`.
 *
 * Exactness: every product and sum is rounded to float32 in the reference's order
 * (numpy float32 arithmetic, no fused multiply-add). JS computes in float64 and `Math.fround`s
 * each step; a float32 × small-integer product is exact in float64, and a float64 sum of two
 * float32 values rounded once to float32 equals the float32 sum (53 ≥ 2·24 + 2), so the results
 * match bit for bit.
 */
import { LensError } from '../errors';
import { f16Table } from '../halfFloat';

/** A ggml type: values per block and bytes per block. */
export interface GgmlType {
  readonly name: string;
  readonly blockSize: number;
  readonly typeSize: number;
}

const QK_K = 256;

/** Every type id ggml (gguf 0.19.0's `GGML_QUANT_SIZES`) defines. Ids 4, 5, 31–33, 36–38 are retired. */
export const GGML_TYPES: ReadonlyMap<number, GgmlType> = new Map<number, GgmlType>(
  (
    [
      [0, 'F32', 1, 4],
      [1, 'F16', 1, 2],
      [2, 'Q4_0', 32, 2 + 16],
      [3, 'Q4_1', 32, 2 + 2 + 16],
      [6, 'Q5_0', 32, 2 + 4 + 16],
      [7, 'Q5_1', 32, 2 + 2 + 4 + 16],
      [8, 'Q8_0', 32, 2 + 32],
      [9, 'Q8_1', 32, 4 + 4 + 32],
      [10, 'Q2_K', QK_K, 2 + 2 + QK_K / 16 + QK_K / 4],
      [11, 'Q3_K', QK_K, 2 + QK_K / 4 + QK_K / 8 + 12],
      [12, 'Q4_K', QK_K, 2 + 2 + QK_K / 2 + 12],
      [13, 'Q5_K', QK_K, 2 + 2 + QK_K / 2 + QK_K / 8 + 12],
      [14, 'Q6_K', QK_K, 2 + QK_K / 2 + QK_K / 4 + QK_K / 16],
      [15, 'Q8_K', QK_K, 4 + QK_K + QK_K / 8],
      [16, 'IQ2_XXS', QK_K, 2 + QK_K / 4],
      [17, 'IQ2_XS', QK_K, 2 + QK_K / 4 + QK_K / 32],
      [18, 'IQ3_XXS', QK_K, 2 + QK_K / 4 + QK_K / 8],
      [19, 'IQ1_S', QK_K, 2 + QK_K / 8 + QK_K / 16],
      [20, 'IQ4_NL', 32, 2 + 16],
      [21, 'IQ3_S', QK_K, 2 + QK_K / 4 + QK_K / 8 + QK_K / 32 + 4],
      [22, 'IQ2_S', QK_K, 2 + QK_K / 4 + QK_K / 16],
      [23, 'IQ4_XS', QK_K, 2 + 2 + QK_K / 2 + QK_K / 64],
      [24, 'I8', 1, 1],
      [25, 'I16', 1, 2],
      [26, 'I32', 1, 4],
      [27, 'I64', 1, 8],
      [28, 'F64', 1, 8],
      [29, 'IQ1_M', QK_K, QK_K / 8 + QK_K / 16 + QK_K / 32],
      [30, 'BF16', 1, 2],
      [34, 'TQ1_0', QK_K, 2 + 4 * 13],
      [35, 'TQ2_0', QK_K, 2 + 64],
      [39, 'MXFP4', 32, 1 + 16],
      [40, 'NVFP4', 64, 4 + 32],
      [41, 'Q1_0', 128, 2 + 16],
    ] as const
  ).map(([id, name, blockSize, typeSize]) => [id, { name, blockSize, typeSize }]),
);

/** The ids we dequantize, by name. */
export const GGML_TYPE = {
  F32: 0, F16: 1, Q4_0: 2, Q4_1: 3, Q5_0: 6, Q5_1: 7, Q8_0: 8,
  Q2_K: 10, Q3_K: 11, Q4_K: 12, Q5_K: 13, Q6_K: 14, BF16: 30,
} as const;

const DEQUANTIZABLE: ReadonlySet<number> = new Set(Object.values(GGML_TYPE));

/** The names of the types `dequantize` reads, for messages. */
export const DEQUANTIZABLE_NAMES: readonly string[] = Object.keys(GGML_TYPE);

/** ggml's name for a type id ("Q4_K"), or "type N" for an id ggml does not define. */
export function ggmlTypeName(id: number): string {
  return GGML_TYPES.get(id)?.name ?? `type ${id}`;
}

/** True when `dequantize` reads this type. */
export function isDequantizable(id: number): boolean {
  return DEQUANTIZABLE.has(id);
}

const fr = Math.fround;

/**
 * Dequantizes `count` values of type `id` (a multiple of its block size) stored from
 * `bytes[offset]` into `out[outOffset…]`. The caller has checked that the bytes are there
 * (`count / blockSize * typeSize` of them).
 */
export function dequantize(id: number, bytes: Uint8Array, offset: number, count: number, out: Float32Array, outOffset = 0): void {
  const type = GGML_TYPES.get(id);
  if (!type || !DEQUANTIZABLE.has(id)) {
    throw new LensError('dtype', `ggml type ${ggmlTypeName(id)} cannot be dequantized; expected one of ${DEQUANTIZABLE_NAMES.join(', ')}`);
  }
  if (count % type.blockSize !== 0) throw new LensError('shape', `${count} values of ${type.name} are not whole blocks of ${type.blockSize}`);
  const need = (count / type.blockSize) * type.typeSize;
  if (offset < 0 || offset + need > bytes.length) throw new LensError('badFile', `${count} values of ${type.name} need ${need} bytes, only ${bytes.length - offset} are there`);
  const nb = count / type.blockSize;
  const h = f16Table();
  const f16 = (p: number): number => h[bytes[p]! | (bytes[p + 1]! << 8)]!;
  const i8 = (p: number): number => (bytes[p]! << 24) >> 24;
  let o = outOffset;
  let p = offset;
  switch (id) {
    case GGML_TYPE.F32: {
      const v = new DataView(bytes.buffer, bytes.byteOffset + offset, count * 4);
      // getFloat32 keeps a NaN's payload only by chance; copy the bits instead.
      const bits = new Uint32Array(out.buffer, out.byteOffset + outOffset * 4, count);
      for (let i = 0; i < count; i++) bits[i] = v.getUint32(4 * i, true);
      return;
    }
    case GGML_TYPE.F16:
      for (let i = 0; i < count; i++) out[o + i] = f16(p + 2 * i);
      return;
    case GGML_TYPE.BF16: {
      const bits = new Uint32Array(out.buffer, out.byteOffset + outOffset * 4, count);
      for (let i = 0; i < count; i++) bits[i] = ((bytes[p + 2 * i]! | (bytes[p + 2 * i + 1]! << 8)) << 16) >>> 0;
      return;
    }
    case GGML_TYPE.Q8_0: // d: f16, qs: 32 × int8; x = q·d
      for (let b = 0; b < nb; b++, p += 34, o += 32) {
        const d = f16(p);
        for (let k = 0; k < 32; k++) out[o + k] = fr(i8(p + 2 + k) * d);
      }
      return;
    case GGML_TYPE.Q4_0: // d, qs[16]: value k is the low nibble of qs[k], value 16+k the high; x = (q−8)·d
      for (let b = 0; b < nb; b++, p += 18, o += 32) {
        const d = f16(p);
        for (let k = 0; k < 16; k++) {
          const q = bytes[p + 2 + k]!;
          out[o + k] = fr(((q & 15) - 8) * d);
          out[o + 16 + k] = fr(((q >> 4) - 8) * d);
        }
      }
      return;
    case GGML_TYPE.Q4_1: // d, m, qs[16]; x = q·d + m
      for (let b = 0; b < nb; b++, p += 20, o += 32) {
        const d = f16(p);
        const m = f16(p + 2);
        for (let k = 0; k < 16; k++) {
          const q = bytes[p + 4 + k]!;
          out[o + k] = fr(fr((q & 15) * d) + m);
          out[o + 16 + k] = fr(fr((q >> 4) * d) + m);
        }
      }
      return;
    case GGML_TYPE.Q5_0: // d, qh (u32: bit i is value i's fifth bit), qs[16]; x = (q−16)·d
      for (let b = 0; b < nb; b++, p += 22, o += 32) {
        const d = f16(p);
        const qh = (bytes[p + 2]! | (bytes[p + 3]! << 8) | (bytes[p + 4]! << 16) | (bytes[p + 5]! << 24)) >>> 0;
        for (let k = 0; k < 16; k++) {
          const q = bytes[p + 6 + k]!;
          out[o + k] = fr((((q & 15) | (((qh >>> k) & 1) << 4)) - 16) * d);
          out[o + 16 + k] = fr((((q >> 4) | (((qh >>> (16 + k)) & 1) << 4)) - 16) * d);
        }
      }
      return;
    case GGML_TYPE.Q5_1: // d, m, qh, qs[16]; x = q·d + m
      for (let b = 0; b < nb; b++, p += 24, o += 32) {
        const d = f16(p);
        const m = f16(p + 2);
        const qh = (bytes[p + 4]! | (bytes[p + 5]! << 8) | (bytes[p + 6]! << 16) | (bytes[p + 7]! << 24)) >>> 0;
        for (let k = 0; k < 16; k++) {
          const q = bytes[p + 8 + k]!;
          out[o + k] = fr(fr(((q & 15) | (((qh >>> k) & 1) << 4)) * d) + m);
          out[o + 16 + k] = fr(fr(((q >> 4) | (((qh >>> (16 + k)) & 1) << 4)) * d) + m);
        }
      }
      return;
    case GGML_TYPE.Q2_K: // scales[16] (low nibble scale, high nibble min), qs[64], d, dmin
      for (let b = 0; b < nb; b++, p += 84, o += QK_K) {
        const d = f16(p + 80);
        const dmin = f16(p + 82);
        for (let g = 0; g < 16; g++) {
          // value i = 128j + 32l + k is bits 2l…2l+1 of qs[32j + k]; group g holds values 16g…16g+15
          const sc = bytes[p + g]!;
          const dl = fr(d * (sc & 15));
          const ml = fr(dmin * (sc >> 4));
          const shift = 2 * ((g >> 1) & 3);
          const q0 = p + 16 + 32 * (g >> 3) + 16 * (g & 1);
          const at = o + 16 * g;
          for (let k = 0; k < 16; k++) out[at + k] = fr(fr(dl * ((bytes[q0 + k]! >> shift) & 3)) - ml);
        }
      }
      return;
    case GGML_TYPE.Q3_K: // hmask[32], qs[64], scales[12] (16 six-bit signed scales), d
      for (let b = 0; b < nb; b++, p += 110, o += QK_K) {
        const d = f16(p + 108);
        const s = p + 96;
        for (let g = 0; g < 16; g++) {
          const lo = g < 8 ? bytes[s + g]! & 15 : bytes[s + g - 8]! >> 4;
          const hi = (bytes[s + 8 + (g & 3)]! >> (2 * (g >> 2))) & 3;
          const dl = fr(d * ((lo | (hi << 4)) - 32));
          // value i = 16g + k: low bits 2l…2l+1 of qs[32j + (i & 31)] (j = i >> 7, l = (i >> 5) & 3);
          // high bit (i >> 5) of hmask[i & 31], which subtracts 4 when it is clear
          const shift = 2 * ((g >> 1) & 3);
          const hshift = g >> 1;
          const kk = 16 * (g & 1);
          const q0 = p + 32 + 32 * (g >> 3) + kk;
          const at = o + 16 * g;
          for (let k = 0; k < 16; k++) {
            const ql = (bytes[q0 + k]! >> shift) & 3;
            const hbit = (bytes[p + kk + k]! >> hshift) & 1;
            out[at + k] = fr(dl * (ql - (hbit ? 0 : 4)));
          }
        }
      }
      return;
    case GGML_TYPE.Q4_K:
    case GGML_TYPE.Q5_K: {
      // d, dmin, scales[12] (8 six-bit scales and mins), [qh[32] for Q5_K], qs[128]
      const five = id === GGML_TYPE.Q5_K;
      const size = type.typeSize;
      const sc = new Array<number>(8);
      const mn = new Array<number>(8);
      for (let b = 0; b < nb; b++, p += size, o += QK_K) {
        const d = f16(p);
        const dmin = f16(p + 2);
        const s = p + 4;
        for (let j = 0; j < 4; j++) {
          sc[j] = bytes[s + j]! & 63;
          mn[j] = bytes[s + 4 + j]! & 63;
          sc[j + 4] = (bytes[s + 8 + j]! & 15) | ((bytes[s + j]! >> 2) & 0x30);
          mn[j + 4] = (bytes[s + 8 + j]! >> 4) | ((bytes[s + 4 + j]! >> 2) & 0x30);
        }
        const qh = p + 16;
        const qs = five ? p + 48 : p + 16;
        for (let g = 0; g < 8; g++) {
          // group g of 32 values: nibble (g & 1) of qs[32·(g >> 1) + k]; Q5_K's fifth bit is bit g of qh[k]
          const dl = fr(d * sc[g]!);
          const ml = fr(dmin * mn[g]!);
          const q0 = qs + 32 * (g >> 1);
          const shift = 4 * (g & 1);
          const at = o + 32 * g;
          if (five) {
            for (let k = 0; k < 32; k++) out[at + k] = fr(fr(dl * (((bytes[q0 + k]! >> shift) & 15) | (((bytes[qh + k]! >> g) & 1) << 4))) - ml);
          } else {
            for (let k = 0; k < 32; k++) out[at + k] = fr(fr(dl * ((bytes[q0 + k]! >> shift) & 15)) - ml);
          }
        }
      }
      return;
    }
    case GGML_TYPE.Q6_K: // ql[128], qh[64], scales[16] (int8), d
      for (let b = 0; b < nb; b++, p += 210, o += QK_K) {
        const d = f16(p + 208);
        for (let g = 0; g < 16; g++) {
          // value i = 16g + k = 128j + 64h + m (m < 64) is nibble h of ql[64j + m]; its top two bits
          // are bits 2l…2l+1 of qh[32j + (i & 31)] with l = (i >> 5) & 3
          const dl = fr(d * i8(p + 192 + g));
          const i0 = 16 * g;
          const j = i0 >> 7;
          const l0 = p + 64 * j + (i0 & 63);
          const lshift = 4 * ((i0 >> 6) & 1);
          const h0 = p + 128 + 32 * j + (i0 & 31);
          const hshift = 2 * ((i0 >> 5) & 3);
          const at = o + i0;
          for (let k = 0; k < 16; k++) {
            const q = ((bytes[l0 + k]! >> lshift) & 15) | (((bytes[h0 + k]! >> hshift) & 3) << 4);
            out[at + k] = fr(dl * (q - 32));
          }
        }
      }
      return;
  }
}
