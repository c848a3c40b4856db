import { LensError } from '../errors';
import { readRange, readText, type FileAccess } from '../fileAccess';
import { f32ToBf16Bits, f32ToF16Bits } from '../halfFloat';
import {
  DTYPE_BYTES,
  decodeFloats,
  isFloatDType,
  numel,
  readRowsFromFile,
  shapeString,
  type FloatDType,
  type TensorInfo,
  type TensorSource,
  type TensorStore,
} from '../tensors';

// The format: 8-byte little-endian header length N, N bytes of JSON
// { name: { dtype, shape, data_offsets: [begin, end] }, "__metadata__"?: {…} }, then the data;
// offsets are relative to the byte after the header.

const MAX_HEADER_BYTES = 100 * 1024 * 1024;

/** Bytes per element of every dtype safetensors defines (to validate offsets of tensors we never read). */
const ALL_DTYPE_BYTES: Readonly<Record<string, number>> = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, I16: 2, U16: 2, F16: 2, BF16: 2,
  I32: 4, U32: 4, F32: 4, I64: 8, U64: 8, F64: 8,
};

interface Entry {
  readonly info: TensorInfo;
  readonly begin: number; // absolute file offset
}

/** Opens a `.safetensors` file: reads the header only; tensors are read when asked for. */
export async function openSafetensors(files: FileAccess, path: string): Promise<TensorStore & { metadata: Record<string, string> }> {
  const stat = await files.stat(path);
  if (!stat) throw new LensError('badFile', `${path}: no such file`);
  if (stat.isDirectory) throw new LensError('badFile', `${path}: is a directory, expected a .safetensors file`);
  if (stat.size < 8) throw new LensError('badFile', `${path}: ${stat.size} bytes is too short for a safetensors file (expected an 8-byte header length, a JSON header and data)`);
  const lenBytes = await readRange(files, path, 0, 8);
  const view = new DataView(lenBytes.buffer, lenBytes.byteOffset, 8);
  const headerLen = view.getUint32(0, true) + view.getUint32(4, true) * 2 ** 32;
  if (headerLen > stat.size - 8 || headerLen > MAX_HEADER_BYTES) {
    throw new LensError('badFile', `${path}: not a safetensors file (header length ${headerLen} does not fit in a ${stat.size}-byte file)`);
  }
  const headerBytes = await readRange(files, path, 8, headerLen);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
  } catch (e) {
    throw new LensError('badFile', `${path}: safetensors header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new LensError('badFile', `${path}: safetensors header is not a JSON object`);
  }
  const dataStart = 8 + headerLen;
  const dataLen = stat.size - dataStart;
  const entries = new Map<string, Entry>();
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (raw !== null && (typeof raw !== 'object' || Array.isArray(raw) || Object.values(raw).some(v => typeof v !== 'string'))) {
        throw new LensError('badFile', `${path}: safetensors "__metadata__" should map names to strings`);
      }
      metadata = (raw ?? {}) as Record<string, string>;
      continue;
    }
    const t = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const shape = t?.shape;
    const offsets = t?.data_offsets;
    if (
      typeof t?.dtype !== 'string' ||
      !Array.isArray(shape) || !shape.every(d => Number.isInteger(d) && d >= 0) ||
      !Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(o => Number.isInteger(o) && o >= 0)
    ) {
      throw new LensError('badFile', `${path}: tensor "${name}" in the header needs dtype, shape and data_offsets [begin, end]`);
    }
    const [begin, end] = offsets as [number, number];
    const size = ALL_DTYPE_BYTES[t.dtype];
    if (size === undefined) throw new LensError('badFile', `${path}: tensor "${name}" has unknown dtype ${t.dtype}`);
    const expected = numel(shape as number[]) * size;
    if (end - begin !== expected) {
      throw new LensError('badFile', `${path}: tensor "${name}" ${t.dtype} ${shapeString(shape as number[])} needs ${expected} bytes, its data_offsets [${begin}, ${end}] hold ${end - begin}`);
    }
    if (end > dataLen) {
      throw new LensError('badFile', `${path}: tensor "${name}" ends at byte ${end} of the data, but the file has only ${dataLen} data bytes (truncated file?)`);
    }
    entries.set(name, { info: { name, dtype: t.dtype, shape: shape as number[], file: path }, begin: dataStart + begin });
  }
  return {
    origin: path,
    metadata,
    names: () => [...entries.keys()],
    get: name => {
      const e = entries.get(name);
      return e && fileTensor(files, e);
    },
  };
}

function fileTensor(files: FileAccess, entry: Entry): TensorSource {
  const { info, begin } = entry;
  const dtype = (): FloatDType => {
    if (!isFloatDType(info.dtype)) {
      throw new LensError('dtype', `${info.file}: tensor "${info.name}" is ${info.dtype}, expected a float tensor (F32, F16, BF16 or F64)`);
    }
    return info.dtype;
  };
  return {
    info,
    async readAll() {
      const d = dtype();
      const n = numel(info.shape);
      const bytes = await readRange(files, info.file, begin, n * DTYPE_BYTES[d]);
      const out = new Float32Array(n);
      decodeFloats(bytes, 0, d, n, out);
      return out;
    },
    readRows(ids) {
      return readRowsFromFile(info, dtype(), begin, ids, ranges => files.readRanges(info.file, ranges));
    },
  };
}

/**
 * Opens a sharded checkpoint from its `model.safetensors.index.json` ({ weight_map: { tensor: shard } }).
 * Shards are opened (header only) on first use.
 */
export async function openShardedSafetensors(files: FileAccess, indexPath: string): Promise<TensorStore> {
  let index: unknown;
  try {
    index = JSON.parse(await readText(files, indexPath));
  } catch (e) {
    if (e instanceof LensError) throw e;
    throw new LensError('badFile', `${indexPath}: not valid JSON (${(e as Error).message})`);
  }
  const weightMap = (index as { weight_map?: unknown })?.weight_map;
  if (typeof weightMap !== 'object' || weightMap === null || Array.isArray(weightMap)) {
    throw new LensError('badFile', `${indexPath}: expected an object with "weight_map": { tensor name: shard file }`);
  }
  const dir = files.dirname(indexPath);
  const shards = new Map<string, Promise<TensorStore>>();
  const shardOf = (file: string): Promise<TensorStore> => {
    let s = shards.get(file);
    if (!s) shards.set(file, (s = openSafetensors(files, files.join(dir, file))));
    return s;
  };
  const map = weightMap as Record<string, unknown>;
  for (const [name, file] of Object.entries(map)) {
    if (typeof file !== 'string') throw new LensError('badFile', `${indexPath}: weight_map["${name}"] should be a shard file name`);
  }
  // Open every shard's header now: the tensor infos (shapes, dtypes) are needed to find the
  // embedding and the encoder, and a missing shard should fail at load, not at first lookup.
  const infos = new Map<string, TensorSource>();
  for (const [name, file] of Object.entries(map as Record<string, string>)) {
    const store = await shardOf(file);
    const t = store.get(name);
    if (!t) throw new LensError('badFile', `${indexPath}: weight_map puts "${name}" in ${file}, but that shard has no such tensor`);
    infos.set(name, t);
  }
  return { origin: indexPath, names: () => [...infos.keys()], get: name => infos.get(name) };
}

/** A tensor to write: floats in any float dtype, or integers (ids, masks) as I64. */
export interface TensorToWrite {
  readonly name: string;
  readonly dtype: FloatDType | 'I64';
  readonly shape: readonly number[];
  readonly data: ArrayLike<number>;
}

/** Serialises tensors as a safetensors file (for export and tests). */
export function writeSafetensors(tensors: readonly TensorToWrite[], metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  for (const t of tensors) {
    const n = numel(t.shape);
    if (t.data.length !== n) throw new LensError('shape', `writeSafetensors: tensor "${t.name}" has ${t.data.length} values, shape ${shapeString(t.shape)} needs ${n}`);
    const bytes = n * (t.dtype === 'I64' ? 8 : DTYPE_BYTES[t.dtype]);
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  // Pad the header with spaces so the data starts 8-byte aligned, as the reference writer does.
  const headerBytes = new Uint8Array(Math.ceil(json.length / 8) * 8).fill(0x20);
  headerBytes.set(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerBytes.length, true);
  out.set(headerBytes, 8);
  let p = 8 + headerBytes.length;
  for (const t of tensors) {
    if (t.dtype === 'I64') for (let i = 0; i < t.data.length; i++) view.setBigInt64(p + 8 * i, BigInt(t.data[i]!), true);
    else encodeFloats(t.data, t.dtype, view, p);
    p += t.data.length * (t.dtype === 'I64' ? 8 : DTYPE_BYTES[t.dtype]);
  }
  return out;
}

function encodeFloats(data: ArrayLike<number>, dtype: FloatDType, view: DataView, at: number): void {
  switch (dtype) {
    case 'F32':
      for (let i = 0; i < data.length; i++) view.setFloat32(at + 4 * i, data[i]!, true);
      return;
    case 'F64':
      for (let i = 0; i < data.length; i++) view.setFloat64(at + 8 * i, data[i]!, true);
      return;
    case 'F16':
    case 'BF16': {
      const conv = dtype === 'F16' ? f32ToF16Bits : f32ToBf16Bits;
      for (let i = 0; i < data.length; i++) view.setUint16(at + 2 * i, conv(data[i]!), true);
      return;
    }
  }
}
