import { LensError } from './errors';
import { bf16ToF32, f16Table, f16ToF32 } from './halfFloat';

/** Float dtypes we read exactly (F16/BF16 widen to float32 without loss; F64 rounds to float32). */
export type FloatDType = 'F32' | 'F16' | 'BF16' | 'F64';

export const FLOAT_DTYPES: readonly FloatDType[] = ['F32', 'F16', 'BF16', 'F64'];

/** Bytes per element of each float dtype. */
export const DTYPE_BYTES: Readonly<Record<FloatDType, number>> = { F32: 4, F16: 2, BF16: 2, F64: 8 };

export function isFloatDType(d: string): d is FloatDType {
  return (FLOAT_DTYPES as readonly string[]).includes(d);
}

/** What a file says about one tensor. `dtype` is the file's own name for it (may be non-float). */
export interface TensorInfo {
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly number[];
  /** The file that holds it (for messages and for the "real, from which file" labels). */
  readonly file: string;
}

/**
 * One tensor that can be read lazily. `readRows` reads only the rows asked for (a 2-D tensor's
 * first axis), so a 50k × 768 table costs T rows per lookup, not the whole file.
 */
export interface TensorSource {
  readonly info: TensorInfo;
  /** All values, row-major, as float32. */
  readAll(): Promise<Float32Array>;
  /** Rows `ids` of a 2-D tensor as an `(ids.length, cols)` row-major Float32Array. */
  readRows(ids: ArrayLike<number>): Promise<Float32Array>;
  /**
   * Rows `first … first+count-1` of a 2-D tensor decoded straight into `out[outOffset…]`
   * (`count × cols` values), with no intermediate float array: for streaming a whole table in
   * blocks. Optional; `readRowBlock` falls back to `readRows`.
   */
  readBlock?(first: number, count: number, out: Float32Array, outOffset: number): Promise<void>;
}

/** Rows `first…first+count-1` of `source` into `out[outOffset…]`, through its block reader when it has one. */
export async function readRowBlock(source: TensorSource, first: number, count: number, out: Float32Array, outOffset: number): Promise<void> {
  if (source.readBlock) return source.readBlock(first, count, out, outOffset);
  const ids = new Int32Array(count);
  for (let i = 0; i < count; i++) ids[i] = first + i;
  out.set(await source.readRows(ids), outOffset);
}

/** A set of named tensors (a safetensors file, a sharded checkpoint, a single .npy). */
export interface TensorStore {
  /** The file(s) it was read from, for messages. */
  readonly origin: string;
  names(): string[];
  get(name: string): TensorSource | undefined;
}

/** Number of elements of a shape. */
export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** A shape as PyTorch prints it: `(50002, 100)`. */
export function shapeString(shape: readonly number[]): string {
  return `(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A typed view of `src` (`count` elements), copying the bytes first when they are not aligned for it. */
function aligned<T extends Uint16Array | Float64Array>(src: Uint8Array, size: number, count: number, Kind: { new (b: ArrayBuffer, o: number, n: number): T }): T {
  if (src.byteOffset % size === 0) return new Kind(src.buffer as ArrayBuffer, src.byteOffset, count);
  const copy = new Uint8Array(count * size);
  copy.set(src);
  return new Kind(copy.buffer, 0, count);
}

/**
 * Decodes `count` little-endian values of `dtype` from `bytes[offset…]` into `out[outOffset…]`.
 * Works on any byte alignment.
 */
export function decodeFloats(
  bytes: Uint8Array,
  offset: number,
  dtype: FloatDType,
  count: number,
  out: Float32Array,
  outOffset = 0,
): void {
  if (LITTLE_ENDIAN && count > 0) {
    // Fast paths: typed-array views and bulk copies instead of a DataView call per value.
    const size = DTYPE_BYTES[dtype];
    const src = bytes.subarray(offset, offset + count * size);
    switch (dtype) {
      case 'F32':
        new Uint8Array(out.buffer, out.byteOffset + outOffset * 4, count * 4).set(src);
        return;
      case 'BF16': {
        // A bfloat16 is the top half of a float32: a 16-bit shift into a Uint32Array view.
        const h = aligned(src, 2, count, Uint16Array);
        const o = new Uint32Array(out.buffer, out.byteOffset + outOffset * 4, count);
        for (let i = 0; i < count; i++) o[i] = h[i]! << 16;
        return;
      }
      case 'F16': {
        const h = aligned(src, 2, count, Uint16Array);
        const t = f16Table();
        for (let i = 0; i < count; i++) out[outOffset + i] = t[h[i]!]!;
        return;
      }
      case 'F64': {
        const d = aligned(src, 8, count, Float64Array);
        for (let i = 0; i < count; i++) out[outOffset + i] = d[i]!;
        return;
      }
    }
  }
  switch (dtype) {
    case 'F16':
      f16ToF32(bytes, offset, count, out, outOffset);
      return;
    case 'BF16':
      bf16ToF32(bytes, offset, count, out, outOffset);
      return;
    case 'F32':
    case 'F64': {
      const size = DTYPE_BYTES[dtype];
      const view = new DataView(bytes.buffer, bytes.byteOffset + offset, count * size);
      if (dtype === 'F32') for (let i = 0; i < count; i++) out[outOffset + i] = view.getFloat32(4 * i, true);
      else for (let i = 0; i < count; i++) out[outOffset + i] = view.getFloat64(8 * i, true);
      return;
    }
  }
}

/**
 * Reads rows of a 2-D tensor laid out row-major at `dataOffset` in a file, through `readRanges`.
 * Duplicate and adjacent ids are read once; ids out of range are a `shape` error naming the tensor.
 */
export async function readRowsFromFile(
  info: TensorInfo,
  dtype: FloatDType,
  dataOffset: number,
  ids: ArrayLike<number>,
  readRanges: (ranges: { offset: number; length: number }[]) => Promise<Uint8Array[]>,
): Promise<Float32Array> {
  if (info.shape.length !== 2) {
    throw new LensError('shape', `${info.file}: tensor ${JSON.stringify(info.name)} has shape ${shapeString(info.shape)}, expected 2 dimensions (rows, cols) to read rows`);
  }
  const [rows, cols] = info.shape as [number, number];
  const rowBytes = cols * DTYPE_BYTES[dtype];
  const unique = [...new Set(Array.from(ids))].sort((a, b) => a - b);
  for (const id of unique) {
    if (!Number.isInteger(id) || id < 0 || id >= rows) {
      throw new LensError('vocabMismatch', `${info.file}: id ${id} is outside tensor ${JSON.stringify(info.name)} with ${rows} rows`);
    }
  }
  // Coalesce runs of consecutive ids into one range each.
  const runs: { first: number; count: number }[] = [];
  for (const id of unique) {
    const last = runs[runs.length - 1];
    if (last && last.first + last.count === id) last.count++;
    else runs.push({ first: id, count: 1 });
  }
  const chunks = await readRanges(runs.map(r => ({ offset: dataOffset + r.first * rowBytes, length: r.count * rowBytes })));
  const byId = new Map<number, Float32Array>();
  runs.forEach((run, k) => {
    const chunk = chunks[k]!;
    if (chunk.length < run.count * rowBytes) {
      throw new LensError('badFile', `${info.file}: file ends inside tensor ${JSON.stringify(info.name)} (row ${run.first + Math.floor(chunk.length / rowBytes)} of ${rows})`);
    }
    const values = new Float32Array(run.count * cols);
    decodeFloats(chunk, 0, dtype, run.count * cols, values);
    for (let i = 0; i < run.count; i++) byId.set(run.first + i, values.subarray(i * cols, (i + 1) * cols));
  });
  const out = new Float32Array(ids.length * cols);
  for (let i = 0; i < ids.length; i++) out.set(byId.get(ids[i]!)!, i * cols);
  return out;
}

/** Refuses a block of rows outside a 2-D tensor, naming it. */
export function checkBlock(info: TensorInfo, first: number, count: number): void {
  if (info.shape.length !== 2) throw new LensError('shape', `${info.file}: tensor ${JSON.stringify(info.name)} has shape ${shapeString(info.shape)}, expected 2 dimensions (rows, cols) to read rows`);
  const rows = info.shape[0]!;
  if (!Number.isInteger(first) || !Number.isInteger(count) || first < 0 || count < 0 || first + count > rows) {
    throw new LensError('vocabMismatch', `${info.file}: rows ${first}…${first + count - 1} are outside tensor ${JSON.stringify(info.name)} with ${rows} rows`);
  }
}

/** A tensor already in memory (built-in tables, appended rows). */
export function memoryTensor(info: TensorInfo, data: Float32Array): TensorSource {
  const n = numel(info.shape);
  if (data.length !== n) throw new LensError('shape', `${info.file}: tensor ${JSON.stringify(info.name)} has ${data.length} values, shape ${shapeString(info.shape)} needs ${n}`);
  return {
    info,
    readAll: async () => data,
    readBlock: async (first, count, out, outOffset) => {
      const cols = info.shape[1]!;
      checkBlock(info, first, count);
      out.set(data.subarray(first * cols, (first + count) * cols), outOffset);
    },
    readRows: async ids => {
      if (info.shape.length !== 2) throw new LensError('shape', `${info.file}: tensor ${JSON.stringify(info.name)} has shape ${shapeString(info.shape)}, expected 2 dimensions to read rows`);
      const [rows, cols] = info.shape as [number, number];
      const out = new Float32Array(ids.length * cols);
      for (let i = 0; i < ids.length; i++) {
        const id = ids[i]!;
        if (!Number.isInteger(id) || id < 0 || id >= rows) throw new LensError('vocabMismatch', `${info.file}: id ${id} is outside tensor ${JSON.stringify(info.name)} with ${rows} rows`);
        out.set(data.subarray(id * cols, (id + 1) * cols), i * cols);
      }
      return out;
    },
  };
}

/**
 * `base` with `extra` rows appended (e.g. zero rows for [UNK] and [PAD] that a word-vector file
 * lacks). Reads of the original rows still go to the file.
 */
export function withExtraRows(base: TensorSource, extra: Float32Array, name = base.info.name): TensorSource {
  const [rows, cols] = base.info.shape as [number, number];
  const added = extra.length / cols;
  const info: TensorInfo = { ...base.info, name, shape: [rows + added, cols] };
  return {
    info,
    readAll: async () => {
      const all = new Float32Array((rows + added) * cols);
      all.set(await base.readAll());
      all.set(extra, rows * cols);
      return all;
    },
    readBlock: async (first, count, out, outOffset) => {
      checkBlock(info, first, count);
      const inBase = Math.max(0, Math.min(count, rows - first));
      if (inBase > 0) await readRowBlock(base, first, inBase, out, outOffset);
      const from = first + inBase - rows;
      if (count > inBase) out.set(extra.subarray(from * cols, (from + count - inBase) * cols), outOffset + inBase * cols);
    },
    readRows: async ids => {
      const inBase = Array.from(ids).filter(id => id < rows);
      const baseRows = await base.readRows(inBase);
      const out = new Float32Array(ids.length * cols);
      let k = 0;
      for (let i = 0; i < ids.length; i++) {
        const id = ids[i]!;
        if (id < rows) out.set(baseRows.subarray(k * cols, ++k * cols), i * cols);
        else if (id < rows + added) out.set(extra.subarray((id - rows) * cols, (id - rows + 1) * cols), i * cols);
        else throw new LensError('vocabMismatch', `${info.file}: id ${id} is outside tensor ${JSON.stringify(info.name)} with ${rows + added} rows`);
      }
      return out;
    },
  };
}
