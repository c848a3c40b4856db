/**
 * GGUF files (llama.cpp, Ollama, LM Studio): header, metadata, tensor infos, and lazy
 * dequantized rows of any 2-D tensor (the token embedding `token_embd.weight`).
 *
 * API:
 * - `openGguf(files, path)` → `GgufFile`: reads the header, every metadata key/value and every
 *   tensor info (not the tensor data), checking every count, length and offset against the
 *   file's size before anything is allocated. Versions 2 and 3, little-endian; a big-endian file
 *   (its version field byte-swapped) is refused by name, as are version 1 and unknown versions.
 * - `GgufFile.metadata`: Map key → `GgufValue` ({ type, value }, in file order). Integers up to
 *   32 bits and floats are numbers, 64-bit integers bigints, strings UTF-8-decoded (invalid bytes
 *   become U+FFFD), arrays `GgufArray` (numeric arrays as typed arrays; strings as string[];
 *   nested arrays as GgufArray[]).
 * - `metaString/metaNumber/metaStrings` helpers for the common lookups.
 * - `ggufTokenEmbedding(file)`: `token_embd.weight` checked (present, 2-D, a type we read) with
 *   V, E and the type name.
 * - `GgufFile.tensors`: infos in file order (name, ggml type id and name, ne, absolute offset,
 *   byte size); `GgufFile.store`: a `TensorStore` whose `get(name)` reads rows lazily: a 2-D
 *   tensor with ne = [E, V] has shape [V, E] (row-major, as numpy and `TensorInfo` count), and
 *   row i is the i-th run of E values, dequantized exactly as ggml does (ggmlQuants.ts).
 *   `info.dtype` is the ggml type name ("Q4_K"); a type we cannot dequantize is refused by name
 *   when its values are asked for.
 *
 * The format (little-endian): "GGUF", u32 version, u64 tensor count, u64 key/value count; each
 * key/value: string key, u32 value type, value; each tensor info: string name, u32 n_dims,
 * n_dims × u64 ne, u32 ggml type, u64 offset (relative to the data section); then padding to
 * `general.alignment` (u32, default 32), then the data section. A string is a u64 byte length and
 * the bytes; an array is a u32 item type, a u64 count and the items.
 */
import { LensError } from '../errors';
import { describeKind, kindOf, readRange, type FileAccess } from '../fileAccess';
import { checkBlock, shapeString, type TensorInfo, type TensorSource, type TensorStore } from '../tensors';
import { DEQUANTIZABLE_NAMES, dequantize, GGML_TYPES, ggmlTypeName, isDequantizable } from './ggmlQuants';

/** Limits on what a GGUF header may ask of us (besides fitting in the file). */
export const GGUF_LIMITS = {
  /** Deepest nesting of arrays in a metadata value (ggml's writer emits at most 2). */
  arrayDepth: 8,
  /** Most dimensions of a tensor (ggml's GGML_MAX_DIMS). */
  maxDims: 4,
  /** Longest tensor name in bytes, plus one (ggml's GGML_MAX_NAME: its tensors hold names in 64 bytes). */
  maxNameBytes: 64,
  /** Largest `general.alignment` accepted. */
  maxAlignment: 1 << 20,
  /** Bytes read from the file per step while parsing the header. */
  readChunkBytes: 1 << 20,
} as const;

const MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
const DEFAULT_ALIGNMENT = 32;

/** The value types of GGUF metadata, by id. */
export const GGUF_VALUE_TYPES = ['UINT8', 'INT8', 'UINT16', 'INT16', 'UINT32', 'INT32', 'FLOAT32', 'BOOL', 'STRING', 'ARRAY', 'UINT64', 'INT64', 'FLOAT64'] as const;
export type GgufValueType = (typeof GGUF_VALUE_TYPES)[number];

/** Bytes of each fixed-size value type (STRING and ARRAY vary). */
const FIXED_BYTES: Partial<Record<GgufValueType, number>> = {
  UINT8: 1, INT8: 1, BOOL: 1, UINT16: 2, INT16: 2, UINT32: 4, INT32: 4, FLOAT32: 4, UINT64: 8, INT64: 8, FLOAT64: 8,
};

/** A metadata array: `items` is compact for numbers (a typed array) and plain for the rest. */
export interface GgufArray {
  readonly itemType: GgufValueType;
  readonly items:
    | Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array
    | BigUint64Array | BigInt64Array | boolean[] | string[] | GgufArray[];
}

export type GgufScalar = number | bigint | boolean | string;
export interface GgufValue {
  readonly type: GgufValueType;
  readonly value: GgufScalar | GgufArray;
}

/** One tensor info. `offset` is absolute (data section start + the file's relative offset). */
export interface GgufTensorInfo {
  readonly name: string;
  readonly typeId: number;
  readonly typeName: string;
  /** ggml order: ne[0] is the fastest-varying (a row's length). */
  readonly ne: readonly number[];
  readonly offset: number;
  readonly bytes: number;
}

export interface GgufFile {
  readonly path: string;
  readonly version: number;
  readonly alignment: number;
  /** Absolute offset of the data section. */
  readonly dataOffset: number;
  readonly metadata: ReadonlyMap<string, GgufValue>;
  readonly tensors: readonly GgufTensorInfo[];
  readonly store: TensorStore;
}

/** Reads the header region through the FileAccess seam in chunks; every read is bounds-checked first. */
class Cursor {
  private buf: Uint8Array = new Uint8Array(0);
  private view: DataView = new DataView(this.buf.buffer);
  private start = 0; // file offset of buf[0]
  pos = 0;
  constructor(
    private readonly files: FileAccess,
    readonly path: string,
    readonly size: number,
  ) {}

  /** Makes `n` bytes at `pos` available, or throws naming `what` when the file is shorter. */
  async need(n: number, what: string): Promise<void> {
    if (this.pos + n > this.size) {
      throw new LensError('badFile', `${this.path}: ${what} at byte ${this.pos} needs ${n} bytes, but the file ends at byte ${this.size} (truncated or not a GGUF file?)`);
    }
    if (this.pos >= this.start && this.pos + n <= this.start + this.buf.length) return;
    const length = Math.min(Math.max(n, GGUF_LIMITS.readChunkBytes), this.size - this.pos);
    const bytes = await readRange(this.files, this.path, this.pos, length);
    if (bytes.length < n) throw new LensError('badFile', `${this.path}: file ends at byte ${this.pos + bytes.length} inside ${what} (it changed while being read?)`);
    this.buf = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    this.start = this.pos;
  }
  private at(n: number): number {
    const p = this.pos - this.start;
    this.pos += n;
    return p;
  }
  async u32(what: string): Promise<number> {
    await this.need(4, what);
    return this.view.getUint32(this.at(4), true);
  }
  /** A u64 as a number; one past 2^53 cannot fit any file and is reported as such. */
  async u64(what: string): Promise<number> {
    await this.need(8, what);
    const p = this.at(8);
    const lo = this.view.getUint32(p, true);
    const hi = this.view.getUint32(p + 4, true);
    const v = hi * 2 ** 32 + lo;
    if (hi >= 2 ** 21) throw new LensError('badFile', `${this.path}: ${what} is ${this.view.getBigUint64(p, true)}, too large for any file (at byte ${this.pos - 8})`);
    return v;
  }
  /**
   * The next string when its length and bytes are already buffered (no await: a 150k-token
   * vocabulary is read without a promise per entry), else undefined with `pos` unchanged.
   */
  bufferedString(): string | undefined {
    const p = this.pos - this.start;
    if (p < 0 || p + 8 > this.buf.length) return undefined;
    const lo = this.view.getUint32(p, true);
    const hi = this.view.getUint32(p + 4, true);
    if (hi !== 0 || p + 8 + lo > this.buf.length) return undefined;
    this.pos += 8 + lo;
    return decodeUtf8(this.buf, p + 8, p + 8 + lo);
  }
  async string(what: string, fatal = false): Promise<string> {
    const len = await this.u64(`the length of ${what}`);
    if (len > this.size - this.pos) {
      throw new LensError('badFile', `${this.path}: ${what} at byte ${this.pos - 8} has length ${len}, past the end of the ${this.size}-byte file`);
    }
    await this.need(len, what);
    const p = this.at(len);
    const bytes = this.buf.subarray(p, p + len);
    try {
      // ignoreBOM: a string that starts with U+FEFF keeps it (llama's vocabularies have a "\uFEFF" token).
      return new TextDecoder('utf-8', { fatal, ignoreBOM: true }).decode(bytes);
    } catch {
      throw new LensError('badFile', `${this.path}: ${what} at byte ${this.pos - len} is not valid UTF-8`);
    }
  }
  /** `count` fixed-size little-endian items as a fresh copy of their bytes. */
  async raw(count: number, itemBytes: number, what: string): Promise<Uint8Array> {
    const n = count * itemBytes;
    await this.need(n, what);
    const p = this.at(n);
    return this.buf.slice(p, p + n);
  }
  get dataView(): DataView {
    return this.view;
  }
  offsetInBuffer(n: number): number {
    return this.at(n);
  }
}

// ignoreBOM: keep a leading U+FEFF (a token of its own in llama's vocabularies), do not strip it.
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/** UTF-8 bytes `bytes[begin…end)` as a string (invalid bytes become U+FFFD); ASCII without a TextDecoder call. */
function decodeUtf8(bytes: Uint8Array, begin: number, end: number): string {
  if (end - begin <= 32) {
    let ascii = true;
    for (let i = begin; i < end; i++) {
      if (bytes[i]! >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) return String.fromCharCode(...bytes.subarray(begin, end));
  }
  return utf8.decode(bytes.subarray(begin, end));
}

function valueType(c: Cursor, id: number, what: string): GgufValueType {
  const t = GGUF_VALUE_TYPES[id];
  if (t === undefined) throw new LensError('badFile', `${c.path}: ${what} has value type ${id}, expected 0–12 (${GGUF_VALUE_TYPES.join(', ')})`);
  return t;
}

async function readScalar(c: Cursor, type: GgufValueType, what: string): Promise<GgufScalar> {
  if (type === 'STRING') return c.string(what);
  const n = FIXED_BYTES[type]!;
  await c.need(n, what);
  const v = c.dataView;
  const p = c.offsetInBuffer(n);
  switch (type) {
    case 'UINT8': return v.getUint8(p);
    case 'INT8': return v.getInt8(p);
    case 'BOOL': {
      const b = v.getUint8(p);
      if (b > 1) throw new LensError('badFile', `${c.path}: ${what} is a BOOL with byte ${b}, expected 0 or 1`);
      return b === 1;
    }
    case 'UINT16': return v.getUint16(p, true);
    case 'INT16': return v.getInt16(p, true);
    case 'UINT32': return v.getUint32(p, true);
    case 'INT32': return v.getInt32(p, true);
    case 'FLOAT32': return v.getFloat32(p, true);
    case 'UINT64': return v.getBigUint64(p, true);
    case 'INT64': return v.getBigInt64(p, true);
    case 'FLOAT64': return v.getFloat64(p, true);
    default: throw new Error(`unreachable ${type}`);
  }
}

/** Typed arrays over a little-endian copy (this reader assumes a little-endian machine, as node on x64/arm64 is). */
function typedItems(type: GgufValueType, bytes: Uint8Array, count: number): GgufArray['items'] {
  const b = bytes.buffer as ArrayBuffer;
  const o = bytes.byteOffset;
  switch (type) {
    case 'UINT8': return new Uint8Array(b, o, count);
    case 'INT8': return new Int8Array(b, o, count);
    case 'UINT16': return new Uint16Array(b, o, count);
    case 'INT16': return new Int16Array(b, o, count);
    case 'UINT32': return new Uint32Array(b, o, count);
    case 'INT32': return new Int32Array(b, o, count);
    case 'FLOAT32': return new Float32Array(b, o, count);
    case 'FLOAT64': return new Float64Array(b, o, count);
    case 'UINT64': return new BigUint64Array(b, o, count);
    case 'INT64': return new BigInt64Array(b, o, count);
    default: throw new Error(`unreachable ${type}`);
  }
}

async function readArray(c: Cursor, what: string, depth: number): Promise<GgufArray> {
  if (depth > GGUF_LIMITS.arrayDepth) throw new LensError('badFile', `${c.path}: ${what} nests arrays deeper than ${GGUF_LIMITS.arrayDepth} levels (GGUF_LIMITS.arrayDepth)`);
  const itemType = valueType(c, await c.u32(`the item type of ${what}`), `an item of ${what}`);
  const count = await c.u64(`the item count of ${what}`);
  // Every item takes at least one byte (a string or array at least 8): a count the rest of the
  // file cannot hold is refused before anything is allocated for it.
  const minItem = FIXED_BYTES[itemType] ?? (itemType === 'STRING' ? 8 : 12);
  if (count * minItem > c.size - c.pos) {
    throw new LensError('badFile', `${c.path}: ${what} claims ${count} ${itemType} items (at least ${count * minItem} bytes), past the end of the ${c.size}-byte file`);
  }
  if (itemType === 'STRING') {
    const items: string[] = new Array<string>(count);
    for (let i = 0; i < count; i++) items[i] = c.bufferedString() ?? (await c.string(`${what}[${i}]`));
    return { itemType, items };
  }
  if (itemType === 'ARRAY') {
    const items: GgufArray[] = new Array<GgufArray>(count);
    for (let i = 0; i < count; i++) items[i] = await readArray(c, `${what}[${i}]`, depth + 1);
    return { itemType, items };
  }
  if (itemType === 'BOOL') {
    const bytes = await c.raw(count, 1, what);
    const items: boolean[] = new Array<boolean>(count);
    for (let i = 0; i < count; i++) {
      if (bytes[i]! > 1) throw new LensError('badFile', `${c.path}: ${what}[${i}] is a BOOL with byte ${bytes[i]}, expected 0 or 1`);
      items[i] = bytes[i] === 1;
    }
    return { itemType, items };
  }
  return { itemType, items: typedItems(itemType, await c.raw(count, FIXED_BYTES[itemType]!, what), count) };
}

/** Opens a GGUF file: header, metadata and tensor infos; tensor data is read when asked for. */
export async function openGguf(files: FileAccess, path: string): Promise<GgufFile> {
  const stat = await files.stat(path);
  if (!stat) throw new LensError('badFile', `${path}: no such file`);
  const kind = kindOf(stat);
  if (kind !== 'file') throw new LensError('badFile', `${path}: is ${describeKind(kind)}, expected a .gguf file`);
  const c = new Cursor(files, path, stat.size);
  if (stat.size < 24) throw new LensError('badFile', `${path}: ${stat.size} bytes is too short for a GGUF file (expected "GGUF", a version and two counts: 24 bytes at least)`);
  const magic = await c.u32('the magic');
  if (magic !== MAGIC) throw new LensError('badFile', `${path}: not a GGUF file (expected the bytes "GGUF" at the start)`);
  const version = await c.u32('the version');
  if (version !== 2 && version !== 3) {
    const swapped = ((version & 0xff) << 24) | ((version & 0xff00) << 8) | ((version >>> 8) & 0xff00) | (version >>> 24);
    if (swapped === 2 || swapped === 3) throw new LensError('badFormat', `${path}: a big-endian GGUF file (version ${swapped} byte-swapped); expected a little-endian one`);
    if (version === 1) throw new LensError('badFormat', `${path}: GGUF version 1 (2023, 32-bit counts) is not read; expected version 2 or 3`);
    throw new LensError('badFormat', `${path}: GGUF version ${version}, expected 2 or 3`);
  }
  const tensorCount = await c.u64('the tensor count');
  const kvCount = await c.u64('the metadata key/value count');
  // A key/value is at least 8 + 4 + 1 bytes; a tensor info at least 8 + 4 + 4 + 8 bytes.
  if (kvCount * 13 + tensorCount * 24 > stat.size - c.pos) {
    throw new LensError('badFile', `${path}: the header claims ${kvCount} metadata keys and ${tensorCount} tensors, more than the ${stat.size}-byte file can hold`);
  }
  const metadata = new Map<string, GgufValue>();
  for (let i = 0; i < kvCount; i++) {
    const key = await c.string(`metadata key ${i}`);
    const what = `metadata ${JSON.stringify(key)}`;
    if (metadata.has(key)) throw new LensError('badFile', `${path}: ${what} appears twice; expected each key once`);
    const type = valueType(c, await c.u32(`the type of ${what}`), what);
    const value = type === 'ARRAY' ? await readArray(c, what, 1) : await readScalar(c, type, what);
    metadata.set(key, { type, value });
  }
  let alignment = DEFAULT_ALIGNMENT;
  const a = metadata.get('general.alignment');
  if (a) {
    if (a.type !== 'UINT32') throw new LensError('badFile', `${path}: metadata "general.alignment" is ${a.type}, expected UINT32`);
    alignment = a.value as number;
    if (alignment === 0 || (alignment & (alignment - 1)) !== 0 || alignment > GGUF_LIMITS.maxAlignment) {
      throw new LensError('badFile', `${path}: metadata "general.alignment" is ${alignment}, expected a power of two up to ${GGUF_LIMITS.maxAlignment}`);
    }
  }
  interface Raw { name: string; ne: number[]; typeId: number; rel: number }
  const raws: Raw[] = [];
  const names = new Set<string>();
  for (let i = 0; i < tensorCount; i++) {
    const name = await c.string(`the name of tensor ${i}`);
    const what = `tensor ${JSON.stringify(name)}`;
    if (new TextEncoder().encode(name).length >= GGUF_LIMITS.maxNameBytes) {
      throw new LensError('badFile', `${path}: ${what} has a name of ${new TextEncoder().encode(name).length} bytes, expected fewer than ${GGUF_LIMITS.maxNameBytes} (ggml's GGML_MAX_NAME)`);
    }
    if (names.has(name)) throw new LensError('badFile', `${path}: ${what} appears twice; expected each tensor name once`);
    names.add(name);
    const nDims = await c.u32(`the dimension count of ${what}`);
    if (nDims > GGUF_LIMITS.maxDims) throw new LensError('badFile', `${path}: ${what} has ${nDims} dimensions, expected at most ${GGUF_LIMITS.maxDims}`);
    const ne: number[] = [];
    for (let d = 0; d < nDims; d++) ne.push(await c.u64(`dimension ${d} of ${what}`));
    const typeId = await c.u32(`the type of ${what}`);
    const type = GGML_TYPES.get(typeId);
    if (!type) throw new LensError('badFile', `${path}: ${what} has ggml type id ${typeId}, which ggml does not define`);
    if ((ne[0] ?? 1) % type.blockSize !== 0) {
      throw new LensError('badFile', `${path}: ${what} is ${type.name} with ne[0] = ${ne[0]}, not a multiple of its block size ${type.blockSize}`);
    }
    const rel = await c.u64(`the data offset of ${what}`);
    if (rel % alignment !== 0) throw new LensError('badFile', `${path}: ${what} has data offset ${rel}, not a multiple of the alignment ${alignment}`);
    raws.push({ name, ne, typeId, rel });
  }
  const dataOffset = Math.ceil(c.pos / alignment) * alignment;
  if (tensorCount > 0 && dataOffset > stat.size) throw new LensError('badFile', `${path}: the data section would start at byte ${dataOffset}, past the end of the ${stat.size}-byte file (truncated file?)`);
  // As ggml does: the tensors lie in the data section in order, each at the previous one's end
  // rounded up to the alignment (so no two overlap and every byte is accounted for).
  let expectedRel = 0;
  const tensors: GgufTensorInfo[] = raws.map(r => {
    const type = GGML_TYPES.get(r.typeId)!;
    let n = 1;
    for (const d of r.ne) n *= d;
    const bytes = (n / type.blockSize) * type.typeSize;
    if (r.rel !== expectedRel) {
      throw new LensError('badFile', `${path}: tensor ${JSON.stringify(r.name)} has data offset ${r.rel}, expected ${expectedRel} (where the previous tensor ends, padded to the alignment ${alignment})`);
    }
    expectedRel += Math.ceil(bytes / alignment) * alignment;
    const offset = dataOffset + r.rel;
    if (!Number.isSafeInteger(bytes) || offset + bytes > stat.size) {
      throw new LensError('badFile', `${path}: tensor ${JSON.stringify(r.name)} ${type.name} ne [${r.ne.join(', ')}] needs bytes ${offset}…${offset + bytes}, but the file has ${stat.size} bytes (truncated file?)`);
    }
    return { name: r.name, typeId: r.typeId, typeName: type.name, ne: r.ne, offset, bytes };
  });
  const byName = new Map(tensors.map(t => [t.name, t]));
  const store: TensorStore = {
    origin: path,
    names: () => tensors.map(t => t.name),
    get: name => {
      const t = byName.get(name);
      return t && ggufTensor(files, path, t);
    },
  };
  return { path, version, alignment, dataOffset, metadata, tensors, store };
}

/** A tensor as a lazily read TensorSource (shape = ne reversed). */
function ggufTensor(files: FileAccess, path: string, t: GgufTensorInfo): TensorSource {
  const shape = [...t.ne].reverse();
  const info: TensorInfo = { name: t.name, dtype: t.typeName, shape, file: path };
  const type = GGML_TYPES.get(t.typeId)!;
  const check = (): void => {
    if (!isDequantizable(t.typeId)) {
      throw new LensError('dtype', `${path}: tensor ${JSON.stringify(t.name)} is ggml type ${t.typeName}, which is not read; expected one of ${DEQUANTIZABLE_NAMES.join(', ')}`);
    }
  };
  const cols = t.ne[0] ?? 1;
  const rowBytes = (cols / type.blockSize) * type.typeSize;
  const rows2d = (): void => {
    if (shape.length !== 2) throw new LensError('shape', `${path}: tensor ${JSON.stringify(t.name)} has shape ${shapeString(shape)}, expected 2 dimensions (rows, cols) to read rows`);
  };
  const decodeRows = async (first: number, count: number, out: Float32Array, outOffset: number): Promise<void> => {
    const bytes = await readRange(files, path, t.offset + first * rowBytes, count * rowBytes);
    if (bytes.length < count * rowBytes) throw new LensError('badFile', `${path}: file ends inside tensor ${JSON.stringify(t.name)} (row ${first + Math.floor(bytes.length / rowBytes)})`);
    dequantize(t.typeId, bytes, 0, count * cols, out, outOffset);
  };
  return {
    info,
    async readAll() {
      check();
      const n = t.ne.reduce((x, y) => x * y, 1);
      const out = new Float32Array(n);
      await decodeRows(0, n / cols, out, 0);
      return out;
    },
    async readRows(ids) {
      check();
      rows2d();
      const rows = shape[0]!;
      const unique = [...new Set(Array.from(ids))].sort((x, y) => x - y);
      for (const id of unique) {
        if (!Number.isInteger(id) || id < 0 || id >= rows) throw new LensError('vocabMismatch', `${path}: id ${id} is outside tensor ${JSON.stringify(t.name)} with ${rows} rows`);
      }
      // One ranged read per run of consecutive ids, as readRowsFromFile does.
      const runs: { first: number; count: number }[] = [];
      for (const id of unique) {
        const last = runs[runs.length - 1];
        if (last && last.first + last.count === id) last.count++;
        else runs.push({ first: id, count: 1 });
      }
      const chunks = await files.readRanges(path, runs.map(r => ({ offset: t.offset + r.first * rowBytes, length: r.count * rowBytes })));
      const at = new Map<number, Float32Array>();
      runs.forEach((r, k) => {
        const chunk = chunks[k]!;
        if (chunk.length < r.count * rowBytes) throw new LensError('badFile', `${path}: file ends inside tensor ${JSON.stringify(t.name)} (row ${r.first + Math.floor(chunk.length / rowBytes)} of ${rows})`);
        const values = new Float32Array(r.count * cols);
        dequantize(t.typeId, chunk, 0, r.count * cols, values, 0);
        for (let i = 0; i < r.count; i++) at.set(r.first + i, values.subarray(i * cols, (i + 1) * cols));
      });
      const out = new Float32Array(ids.length * cols);
      for (let i = 0; i < ids.length; i++) out.set(at.get(ids[i]!)!, i * cols);
      return out;
    },
    async readBlock(first, count, out, outOffset) {
      check();
      checkBlock(info, first, count);
      await decodeRows(first, count, out, outOffset);
    },
  };
}

/** The token embedding: `token_embd.weight` (ne = [E, V]) as a lazily read [V, E] tensor. */
export interface GgufTokenEmbedding {
  readonly tensor: TensorSource;
  readonly vocabSize: number;
  readonly embeddingLength: number;
  /** ggml's name of the stored type ("Q4_K"), for "dequantized from Q4_K". */
  readonly typeName: string;
}

/**
 * The file's `token_embd.weight`: a badFile error naming the file when it is missing or not
 * 2-D, a dtype error naming the type when it is one we do not dequantize.
 */
export function ggufTokenEmbedding(file: GgufFile): GgufTokenEmbedding {
  const name = 'token_embd.weight';
  const t = file.tensors.find(x => x.name === name);
  if (!t) throw new LensError('badFile', `${file.path}: no tensor "${name}" (the token embedding); the file has ${file.tensors.length} tensors`);
  if (t.ne.length !== 2) throw new LensError('shape', `${file.path}: tensor "${name}" has ne [${t.ne.join(', ')}], expected 2 dimensions [embedding length, vocabulary size]`);
  if (!isDequantizable(t.typeId)) {
    throw new LensError('dtype', `${file.path}: tensor "${name}" is ggml type ${t.typeName}, which is not read; expected one of ${DEQUANTIZABLE_NAMES.join(', ')}`);
  }
  return { tensor: file.store.get(name)!, vocabSize: t.ne[1]!, embeddingLength: t.ne[0]!, typeName: t.typeName };
}

/** A metadata string, or undefined when absent; another type is a badFile error naming the key. */
export function metaString(file: GgufFile, key: string): string | undefined {
  const v = file.metadata.get(key);
  if (!v) return undefined;
  if (v.type !== 'STRING') throw new LensError('badFile', `${file.path}: metadata ${JSON.stringify(key)} is ${v.type}, expected STRING`);
  return v.value as string;
}

/** A metadata integer or float as a number (64-bit integers must be safe integers). */
export function metaNumber(file: GgufFile, key: string): number | undefined {
  const v = file.metadata.get(key);
  if (!v) return undefined;
  if (typeof v.value === 'number') return v.value;
  if (typeof v.value === 'bigint' && v.value <= BigInt(Number.MAX_SAFE_INTEGER) && v.value >= -BigInt(Number.MAX_SAFE_INTEGER)) return Number(v.value);
  throw new LensError('badFile', `${file.path}: metadata ${JSON.stringify(key)} is ${v.type}${typeof v.value === 'bigint' ? ` ${v.value}` : ''}, expected a number`);
}

/** A metadata array of strings (e.g. `tokenizer.ggml.tokens`). */
export function metaStrings(file: GgufFile, key: string): readonly string[] | undefined {
  const v = file.metadata.get(key);
  if (!v) return undefined;
  if (v.type !== 'ARRAY' || (v.value as GgufArray).itemType !== 'STRING') {
    throw new LensError('badFile', `${file.path}: metadata ${JSON.stringify(key)} is ${v.type === 'ARRAY' ? `an array of ${(v.value as GgufArray).itemType}` : v.type}, expected an array of STRING`);
  }
  return (v.value as GgufArray).items as string[];
}

export { ggmlTypeName };
