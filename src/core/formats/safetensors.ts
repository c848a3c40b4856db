import { resolveInside } from '../containment';
import { LensError } from '../errors';
import { describeKind, kindOf, readRange, readText, type FileAccess } from '../fileAccess';
import { LIMITS } from '../limits';
import { PICKLE_SNIFF_BYTES, pickleError, pickleKind } from '../pickle';
import { parseJsonFile } from '../safeJson';
import { f32ToBf16Bits, f32ToF16Bits } from '../halfFloat';
import {
  checkBlock,
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

/**
 * Bits per element of every dtype the Rust `safetensors` crate defines (to validate the offsets
 * of tensors we never read). Sub-byte dtypes are valid only when a tensor's bits fill whole bytes.
 */
const DTYPE_BITS: Readonly<Record<string, number>> = {
  BOOL: 8, U8: 8, I8: 8, F8_E5M2: 8, F8_E4M3: 8, F8_E8M0: 8, F4: 4, F6_E2M3: 6, F6_E3M2: 6,
  I16: 16, U16: 16, F16: 16, BF16: 16, I32: 32, U32: 32, F32: 32, I64: 64, U64: 64, F64: 64, C64: 64,
};

interface Entry {
  readonly info: TensorInfo;
  readonly begin: number; // absolute file offset
}

interface RawEntry {
  readonly name: string;
  readonly dtype: string;
  readonly shape: number[];
  readonly begin: number;
  readonly end: number;
}

/**
 * Opens a `.safetensors` file: reads the header only; tensors are read when asked for.
 * The header is validated as the Rust `safetensors` crate does: a header within the size cap,
 * UTF-8 JSON, no repeated names, known dtypes, and data_offsets that, sorted, tile the data
 * area exactly from 0 to the end of the file (no gaps, overlaps or uncovered trailing bytes),
 * each tensor's bytes matching its shape and dtype.
 */
export async function openSafetensors(files: FileAccess, path: string): Promise<TensorStore & { metadata: Record<string, string> }> {
  const stat = await files.stat(path);
  if (!stat) throw new LensError('badFile', `${path}: no such file`);
  const kind = kindOf(stat);
  if (kind !== 'file') throw new LensError('badFile', `${path}: is ${describeKind(kind)}, expected a .safetensors file`);
  if (stat.size < 8) throw new LensError('badFile', `${path}: ${stat.size} bytes is too short for a safetensors file (expected an 8-byte header length, a JSON header and data)`);
  const lenBytes = await readRange(files, path, 0, 8);
  if (lenBytes.length < 8) throw new LensError('badFile', `${path}: file ends inside the 8-byte header length (truncated file?)`);
  const view = new DataView(lenBytes.buffer, lenBytes.byteOffset, 8);
  const headerLen = view.getUint32(0, true) + view.getUint32(4, true) * 2 ** 32;
  const cap = LIMITS.safetensorsHeaderBytes;
  // A renamed PyTorch checkpoint reads as an absurd header length: say what it really is.
  if ((headerLen > cap || headerLen > stat.size - 8) && pickleKind(await readRange(files, path, 0, PICKLE_SNIFF_BYTES))) throw pickleError(path);
  if (headerLen > cap) {
    throw new LensError('badFile', `${path}: safetensors header length ${headerLen} is over the ${cap}-byte cap on headers (the Rust safetensors crate refuses such headers too); expected a smaller header`);
  }
  if (headerLen > stat.size - 8) {
    throw new LensError('badFile', `${path}: not a safetensors file (header length ${headerLen} does not fit in a ${stat.size}-byte file)`);
  }
  const headerBytes = await readRange(files, path, 8, headerLen);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
  } catch {
    throw new LensError('badFile', `${path}: safetensors header is not valid UTF-8`);
  }
  const header = parseJsonFile(text, path, 'safetensors header JSON');
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new LensError('badFile', `${path}: safetensors header is not a JSON object`);
  }
  const problem = scanHeader(text);
  if (problem?.kind === 'duplicate') {
    const where = problem.owner === undefined ? '' : `in ${JSON.stringify(problem.owner)} the key `;
    throw new LensError('badFile', `${path}: safetensors header names ${where}${JSON.stringify(problem.key)} twice; expected each name once`);
  }
  if (problem?.kind === 'notInteger') {
    throw new LensError('badFile', `${path}: tensor ${JSON.stringify(problem.tensor)} has ${problem.token} in its ${problem.key}, expected a non-negative integer written without a fraction or exponent`);
  }
  const dataStart = 8 + headerLen;
  const dataLen = stat.size - dataStart;
  let metadata: Record<string, string> = {};
  const raws: RawEntry[] = [];
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
      !Array.isArray(shape) || !shape.every(d => Number.isSafeInteger(d) && d >= 0) ||
      !Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(o => Number.isSafeInteger(o) && o >= 0)
    ) {
      throw new LensError('badFile', `${path}: tensor ${JSON.stringify(name)} in the header needs dtype, shape (non-negative integers) and data_offsets [begin, end]`);
    }
    if (DTYPE_BITS[t.dtype] === undefined) throw new LensError('badFile', `${path}: tensor ${JSON.stringify(name)} has unknown dtype ${t.dtype}, expected one of ${Object.keys(DTYPE_BITS).join(', ')}`);
    raws.push({ name, dtype: t.dtype, shape: shape as number[], begin: offsets[0] as number, end: offsets[1] as number });
  }
  // The Rust crate's order: sorted by (begin, end); each must start where the previous ended.
  raws.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  let previous: RawEntry | undefined;
  const entries = new Map<string, Entry>();
  for (const r of raws) {
    const offsets = `data_offsets [${r.begin}, ${r.end}]`;
    if (r.end < r.begin) throw new LensError('badFile', `${path}: tensor ${JSON.stringify(r.name)} has ${offsets}, which end before they begin`);
    if (r.begin !== at) {
      const after = previous ? `, where ${JSON.stringify(previous.name)} ends` : '';
      const what = r.begin > at ? 'a gap' : 'an overlap';
      throw new LensError(
        'badFile',
        `${path}: tensor ${JSON.stringify(r.name)} has ${offsets}, ${what} in the data: expected it to start at byte ${at}${after} (the tensors must tile the data from 0 with no gaps or overlaps)`,
      );
    }
    const bits = checkedProduct(r.shape, DTYPE_BITS[r.dtype]!);
    if (bits === undefined) throw new LensError('badFile', `${path}: tensor ${JSON.stringify(r.name)} ${r.dtype} ${shapeString(r.shape)} has more elements than can be counted (over 2^53 bits)`);
    if (bits % 8 !== 0) throw new LensError('badFile', `${path}: tensor ${JSON.stringify(r.name)} ${r.dtype} ${shapeString(r.shape)} is ${bits} bits, expected a whole number of bytes`);
    const expected = bits / 8;
    if (r.end - r.begin !== expected) {
      throw new LensError('badFile', `${path}: tensor ${JSON.stringify(r.name)} ${r.dtype} ${shapeString(r.shape)} needs ${expected} bytes, its ${offsets} hold ${r.end - r.begin}`);
    }
    if (r.end > dataLen) {
      throw new LensError('badFile', `${path}: tensor ${JSON.stringify(r.name)} ends at byte ${r.end} of the data, but the file has only ${dataLen} data bytes (truncated file?)`);
    }
    at = r.end;
    previous = r;
    entries.set(r.name, { info: { name: r.name, dtype: r.dtype, shape: r.shape, file: path }, begin: dataStart + r.begin });
  }
  if (at !== dataLen) {
    throw new LensError('badFile', `${path}: the tensors cover ${at} of the ${dataLen} data bytes; the last ${dataLen - at} bytes belong to no tensor (expected the data to end where the last tensor ends)`);
  }
  // Keep the header's order for names() (JSON object order), as before.
  const ordered = new Map<string, Entry>();
  for (const name of Object.keys(header)) {
    const e = entries.get(name);
    if (e) ordered.set(name, e);
  }
  return {
    origin: path,
    metadata,
    names: () => [...ordered.keys()],
    get: name => {
      const e = ordered.get(name);
      return e && fileTensor(files, e);
    },
  };
}

/** The product of `shape` and `factor`, or undefined when it passes 2^53 (no longer exact). */
function checkedProduct(shape: readonly number[], factor: number): number | undefined {
  let n = factor;
  for (const d of shape) {
    n *= d;
    if (n > Number.MAX_SAFE_INTEGER) return undefined;
  }
  return n;
}

/** What `scanHeader` finds in the raw header text that JSON.parse would hide. */
export type HeaderProblem =
  | { kind: 'duplicate'; key: string; owner?: string }
  | { kind: 'notInteger'; tensor: string; key: string; token: string };

/**
 * Scans a safetensors header's raw text (valid JSON) for what JSON.parse hides but the Rust
 * crate (serde_json) refuses: a key repeated within one object (JSON.parse keeps the last one
 * silently), and a number written as 1.0 or 1e3 in a tensor's shape or data_offsets (serde
 * reads those as unsigned integers and refuses a float).
 */
export function scanHeader(text: string): HeaderProblem | undefined {
  interface Frame { keys?: Set<string>; expectKey: boolean; owner?: string }
  const stack: Frame[] = [];
  let lastKey: string | undefined;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const start = i;
      let escaped = false;
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) {
          escaped = true;
          i++;
        } else if (d === 0x22) break;
      }
      const top = stack[stack.length - 1];
      if (top?.keys && top.expectKey) {
        const key = escaped ? (JSON.parse(text.slice(start, i + 1)) as string) : text.slice(start + 1, i);
        if (top.keys.has(key)) return { kind: 'duplicate', key, ...(top.owner === undefined ? {} : { owner: top.owner }) };
        top.keys.add(key);
        top.expectKey = false;
        lastKey = key;
      }
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      const parent = stack[stack.length - 1];
      const owner = parent?.keys ? lastKey : undefined;
      stack.push(c === 0x7b ? { keys: new Set(), expectKey: true, owner } : { expectKey: false, owner });
    } else if (c === 0x7d || c === 0x5d) {
      stack.pop();
    } else if (c === 0x2c /* , */) {
      const top = stack[stack.length - 1];
      if (top?.keys) top.expectKey = true;
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      const start = i;
      while (i + 1 < n && /[0-9+\-.eE]/.test(text[i + 1]!)) i++;
      const token = text.slice(start, i + 1);
      const top = stack[stack.length - 1];
      const tensor = stack[stack.length - 2];
      if (stack.length === 3 && !top?.keys && (top?.owner === 'shape' || top?.owner === 'data_offsets') && tensor?.owner !== undefined && /[.eE]/.test(token)) {
        return { kind: 'notInteger', tensor: tensor.owner, key: top.owner, token };
      }
    }
  }
  return undefined;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function fileTensor(files: FileAccess, entry: Entry): TensorSource {
  const { info, begin } = entry;
  const dtype = (): FloatDType => {
    if (!isFloatDType(info.dtype)) {
      throw new LensError('dtype', `${info.file}: tensor ${JSON.stringify(info.name)} is ${info.dtype}, expected a float tensor (F32, F16, BF16 or F64)`);
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
    async readBlock(first, count, out, outOffset) {
      const d = dtype();
      checkBlock(info, first, count);
      const cols = info.shape[1]!;
      const size = DTYPE_BYTES[d];
      const rowBytes = cols * size;
      const n = count * cols;
      // F32, F16 and BF16 are read straight into the last bytes of the block's own place in `out`
      // and widened front to back, in place (value i is read before bytes 4i…4i+3 are written,
      // and those bytes held only values before i): no buffer per block. The pages of `out` are
      // first touched by the read, in node's I/O thread rather than this one; for the 2-byte
      // dtypes the same bytes are read into the first half too (a copy from the page cache),
      // only so that the first touch of those pages is not left to the widening here either.
      // F64 (wider than float32) reads apart.
      const at = out.byteOffset + outOffset * 4;
      const range = { offset: begin + first * rowBytes, length: n * size };
      let bytes: Uint8Array;
      if (size === 2) {
        const [, back] = await files.readRanges(info.file, [range, range], [new Uint8Array(out.buffer, at, n * 2), new Uint8Array(out.buffer, at + n * 2, n * 2)]);
        bytes = back!;
      } else {
        bytes = await readRange(files, info.file, range.offset, range.length, size === 4 ? new Uint8Array(out.buffer, at, n * 4) : undefined);
      }
      if (bytes.length < n * size) {
        throw new LensError('badFile', `${info.file}: file ends inside tensor ${JSON.stringify(info.name)} (row ${first + Math.floor(bytes.length / rowBytes)} of ${info.shape[0]})`);
      }
      // F32 read in place is already decoded (on a little-endian machine, as decodeFloats's copy assumes).
      if (d === 'F32' && bytes.buffer === out.buffer && bytes.byteOffset === at && LITTLE_ENDIAN) return;
      decodeFloats(bytes, 0, d, n, out, outOffset);
    },
  };
}

/**
 * Opens a sharded checkpoint from its `model.safetensors.index.json` ({ weight_map: { tensor: shard } }).
 * Shards are opened (header only) on first use.
 */
export async function openShardedSafetensors(files: FileAccess, indexPath: string): Promise<TensorStore> {
  const index = parseJsonFile(await readText(files, indexPath), indexPath);
  const weightMap = (index as { weight_map?: unknown })?.weight_map;
  if (typeof weightMap !== 'object' || weightMap === null || Array.isArray(weightMap)) {
    throw new LensError('badFile', `${indexPath}: expected an object with "weight_map": { tensor name: shard file }`);
  }
  const dir = files.dirname(indexPath);
  const map = weightMap as Record<string, unknown>;
  // Every entry is checked before any shard is opened: a name outside the folder (absolute,
  // "..", a symlink out, a device or FIFO) is refused, naming the index and the entry.
  const shardPaths = new Map<string, string>();
  for (const [name, file] of Object.entries(map)) {
    if (typeof file !== 'string') throw new LensError('badFile', `${indexPath}: weight_map[${JSON.stringify(name)}] should be a shard file name`);
    if (!shardPaths.has(file)) shardPaths.set(file, await resolveInside(files, dir, file, `${indexPath}: weight_map[${JSON.stringify(name)}]`, 'a shard file'));
  }
  const shards = new Map<string, Promise<TensorStore>>();
  const shardOf = (file: string): Promise<TensorStore> => {
    let s = shards.get(file);
    if (!s) {
      s = openSafetensors(files, shardPaths.get(file)!).catch((e: unknown) => {
        if (e instanceof LensError) throw new LensError(e.reason, `${e.message} (a shard named by ${indexPath})`);
        throw e;
      });
      shards.set(file, s);
    }
    return s;
  };
  // Open every shard's header now: the tensor infos (shapes, dtypes) are needed to find the
  // embedding and the encoder, and a missing shard should fail at load, not at first lookup.
  const infos = new Map<string, TensorSource>();
  for (const [name, file] of Object.entries(map as Record<string, string>)) {
    const store = await shardOf(file);
    const t = store.get(name);
    if (!t) throw new LensError('badFile', `${indexPath}: weight_map puts ${JSON.stringify(name)} in ${file}, but that shard has no such tensor`);
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
    if (t.data.length !== n) throw new LensError('shape', `writeSafetensors: tensor ${JSON.stringify(t.name)} has ${t.data.length} values, shape ${shapeString(t.shape)} needs ${n}`);
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
