import { LensError } from '../errors';
import { describeKind, kindOf, readRange, type FileAccess } from '../fileAccess';
import { LIMITS } from '../limits';
import { PICKLE_SNIFF_BYTES, pickleError, pickleKind } from '../pickle';
import {
  DTYPE_BYTES,
  decodeFloats,
  numel,
  readRowsFromFile,
  shapeString,
  type FloatDType,
  type TensorInfo,
  type TensorSource,
  type TensorStore,
} from '../tensors';

// The format (numpy/lib/format.py, NEP 1): the magic "\x93NUMPY", major and minor version bytes,
// the header length (uint16 LE in 1.0; uint32 LE in 2.0 and 3.0), then the header: a Python dict
// literal {'descr': …, 'fortran_order': …, 'shape': (…), } padded with spaces and ending in '\n',
// latin-1 in 1.0/2.0 and UTF-8 in 3.0. The raw array data follows the header.

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
/**
 * Deepest nesting of tuples/lists in a header. numpy's own headers nest 2 deep (dict → shape);
 * structured dtypes a few more. The parser recurses, so a hostile header must stop here.
 */
export const NPY_HEADER_NESTING = 32;
/** numpy aligns the data to this many bytes (ARRAY_ALIGN). */
const ARRAY_ALIGN = 64;
/** numpy leaves room for the first axis to grow to this many digits (GROWTH_AXIS_MAX_DIGITS). */
const GROWTH_AXIS_MAX_DIGITS = 21;
const EXPECTED_HEADER = "{'descr': '<f4', 'fortran_order': False, 'shape': (rows, cols), }";

/** Opens a NumPy `.npy` file (versions 1.0–3.0, little-endian float16/32/64, C order): header now, data on demand. */
export async function openNpy(files: FileAccess, path: string): Promise<TensorStore> {
  const stat = await files.stat(path);
  if (!stat) throw new LensError('badFile', `${path}: no such file`);
  const kind = kindOf(stat);
  if (kind !== 'file') throw new LensError('badFile', `${path}: is ${describeKind(kind)}, expected a .npy file`);

  const prefix = await readRange(files, path, 0, Math.min(stat.size, 12));
  if (prefix.length < 8 || MAGIC.some((b, i) => prefix[i] !== b)) {
    if (pickleKind(await readRange(files, path, 0, PICKLE_SNIFF_BYTES))) throw pickleError(path);
    throw new LensError('badFile', `${path}: not a .npy file (expected it to start with the magic bytes "\\x93NUMPY")`);
  }
  const major = prefix[6]!;
  const minor = prefix[7]!;
  if (major < 1 || major > 3 || minor !== 0) {
    throw new LensError('badFormat', `${path}: .npy format version ${major}.${minor} is not supported, expected 1.0, 2.0 or 3.0`);
  }
  const lenBytes = major === 1 ? 2 : 4;
  const headerStart = 8 + lenBytes;
  if (prefix.length < headerStart) {
    throw new LensError('badFile', `${path}: .npy header is truncated (the file has ${stat.size} bytes, expected at least ${headerStart} before the header)`);
  }
  const headerLen = major === 1 ? prefix[8]! | (prefix[9]! << 8) : (prefix[8]! | (prefix[9]! << 8) | (prefix[10]! << 16)) + prefix[11]! * 2 ** 24;
  if (headerLen > LIMITS.npyHeaderBytes) {
    throw new LensError('badFile', `${path}: .npy header length ${headerLen} is over the ${LIMITS.npyHeaderBytes}-byte limit on .npy headers; expected a header such as ${EXPECTED_HEADER}`);
  }
  if (headerStart + headerLen > stat.size) {
    throw new LensError('badFile', `${path}: .npy header is truncated (it should be ${headerLen} bytes, the file has only ${stat.size - headerStart} after the prefix)`);
  }
  const headerBytes = await readRange(files, path, headerStart, headerLen);
  let text: string;
  if (major === 3) {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
    } catch {
      throw new LensError('badFile', `${path}: .npy 3.0 header is not valid UTF-8`);
    }
  } else {
    text = latin1(headerBytes); // TextDecoder('latin1') is windows-1252, which differs in 0x80–0x9f
  }

  const header = parseHeader(path, text);
  const dtype = npyDType(path, header.descr);
  if (header.fortranOrder && header.shape.length > 1) {
    // For 0-D and 1-D arrays both orders are the same bytes, so only real matrices are refused.
    throw new LensError('badFormat', `${path}: array is stored in Fortran (column-major) order, expected C order; save it with np.save(path, np.ascontiguousarray(arr))`);
  }
  const dataStart = headerStart + headerLen;
  const count = numel(header.shape);
  const need = count * DTYPE_BYTES[dtype];
  if (!Number.isSafeInteger(need)) {
    throw new LensError('badFile', `${path}: shape ${shapeString(header.shape)} of ${pyRepr(header.descr)} needs more than 2^53 bytes, expected a shape that fits in the file (${stat.size} bytes)`);
  }
  const have = stat.size - dataStart;
  if (have < need) {
    throw new LensError('badFile', `${path}: data is ${have} bytes, expected ${need} for shape ${shapeString(header.shape)} of ${pyRepr(header.descr)} (truncated file?)`);
  }

  const info: TensorInfo = { name: files.basename(path).replace(/\.npy$/i, ''), dtype, shape: header.shape, file: path };
  const tensor: TensorSource = {
    info,
    async readAll() {
      const bytes = await readRange(files, path, dataStart, need);
      const out = new Float32Array(count);
      decodeFloats(bytes, 0, dtype, count, out);
      return out;
    },
    readRows(ids) {
      return readRowsFromFile(info, dtype, dataStart, ids, ranges => files.readRanges(path, ranges));
    },
  };
  return { origin: path, names: () => [info.name], get: name => (name === info.name ? tensor : undefined) };
}

/**
 * Serialises a float32 array as `.npy` version 1.0 ('<f4', C order), byte for byte as numpy's
 * `np.save` writes it (same header text, spare room for the first axis, data aligned to 64).
 * An Int32Array (token ids, masks) is written as '<i8', PyTorch's index dtype.
 */
export function writeNpy(shape: readonly number[], data: Float32Array | Int32Array): Uint8Array {
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new LensError('shape', `writeNpy: shape ${shapeString(shape)} has a dimension ${d}, expected non-negative integers`);
  }
  const n = numel(shape);
  if (data.length !== n) throw new LensError('shape', `writeNpy: ${data.length} values, expected ${n} for shape ${shapeString(shape)}`);
  const ints = data instanceof Int32Array;
  let header = `{'descr': '${ints ? '<i8' : '<f4'}', 'fortran_order': False, 'shape': ${shapeString(shape)}, }`;
  if (shape.length > 0) header += ' '.repeat(GROWTH_AXIS_MAX_DIGITS - String(shape[0]).length);
  const hlen = header.length + 1; // + '\n'
  const padlen = ARRAY_ALIGN - ((8 + 2 + hlen) % ARRAY_ALIGN); // numpy pads a full 64 when already aligned
  const total = hlen + padlen;
  if (total > 0xffff) throw new LensError('shape', `writeNpy: shape ${shapeString(shape)} needs a header of ${total} bytes, more than .npy 1.0 allows`);
  const out = new Uint8Array(10 + total + (ints ? 8 : 4) * n);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  out[8] = total & 0xff;
  out[9] = total >> 8;
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i); // ASCII only
  out.fill(0x20, 10 + header.length, 10 + total - 1);
  out[10 + total - 1] = 0x0a;
  const view = new DataView(out.buffer, 10 + total);
  if (ints) for (let i = 0; i < n; i++) view.setBigInt64(8 * i, BigInt(data[i]!), true);
  else for (let i = 0; i < n; i++) view.setFloat32(4 * i, data[i]!, true);
  return out;
}

function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 4096) s += String.fromCharCode(...bytes.subarray(i, i + 4096));
  return s;
}

/** Maps a numpy type string to one of our float dtypes, or says why not. */
function npyDType(path: string, descr: PyValue): FloatDType {
  if (typeof descr !== 'string') {
    throw new LensError('dtype', `${path}: dtype is a structured (record) dtype ${pyRepr(descr)}, expected a plain float array ('<f4', '<f2' or '<f8')`);
  }
  // numpy writes '<' (or '|' for 1-byte types); '=' and no prefix mean native order, which is
  // little-endian on every machine that runs this (and numpy never writes them itself).
  const m = /^([<>=|]?)([a-zA-Z])(\d+)$/.exec(descr);
  const order = m?.[1] ?? '';
  const kind = m?.[2];
  const size = Number(m?.[3]);
  const dtype: FloatDType | undefined = kind === 'f' ? ({ 2: 'F16', 4: 'F32', 8: 'F64' } as Record<number, FloatDType>)[size] : undefined;
  if (dtype && order === '>') {
    throw new LensError('dtype', `${path}: data is big-endian (${pyStr(descr)}), expected little-endian ('<f${size}'); convert with arr.astype('<f${size}') before saving`);
  }
  if (!dtype || order === '|') {
    throw new LensError('dtype', `${path}: dtype ${pyStr(descr)} is not supported, expected a float array ('<f4', '<f2' or '<f8'); convert with arr.astype(np.float32) before saving`);
  }
  return dtype;
}

// ---- The header: a strict parser for the Python literals numpy writes (not eval). ----

/** A parsed Python literal: str, bool, None, int, tuple or list. */
type PyValue = string | boolean | null | number | PyTuple | PyValue[];
interface PyTuple {
  readonly tuple: readonly PyValue[];
}

interface NpyHeader {
  readonly descr: PyValue;
  readonly fortranOrder: boolean;
  readonly shape: number[];
}

function parseHeader(path: string, text: string): NpyHeader {
  const dict = new HeaderParser(path, text).parseDict();
  const keys = [...dict.keys()].sort();
  if (keys.join() !== 'descr,fortran_order,shape') {
    throw new LensError('badFile', `${path}: .npy header has keys ${keys.map(k => `'${k}'`).join(', ') || '(none)'}, expected exactly 'descr', 'fortran_order' and 'shape'`);
  }
  const fortranOrder = dict.get('fortran_order');
  if (typeof fortranOrder !== 'boolean') {
    throw new LensError('badFile', `${path}: .npy header has 'fortran_order': ${pyRepr(fortranOrder!)}, expected True or False`);
  }
  const shape = dict.get('shape')!;
  if (!isTuple(shape) || !shape.tuple.every(d => typeof d === 'number' && d >= 0)) {
    throw new LensError('badFile', `${path}: .npy header has 'shape': ${pyRepr(shape)}, expected a tuple of non-negative integers such as (3, 5)`);
  }
  return { descr: dict.get('descr')!, fortranOrder, shape: shape.tuple as number[] };
}

function isTuple(v: PyValue): v is PyTuple {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A string as a Python literal, control characters escaped (messages stay on one line). */
function pyStr(v: string): string {
  return `'${v.replace(/[\x00-\x1f\x7f\\']/g, c => (c === '\\' || c === "'" ? `\\${c}` : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`))}'`;
}

function pyRepr(v: PyValue): string {
  if (v === null) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'string') return pyStr(v);
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  return `(${v.tuple.map(pyRepr).join(', ')}${v.tuple.length === 1 ? ',' : ''})`;
}

/** Recursive descent over: dict of str keys; values str | True | False | None | int | tuple | list. */
class HeaderParser {
  private pos = 0;
  private depth = 0;

  constructor(
    private readonly path: string,
    private readonly text: string,
  ) {}

  parseDict(): Map<string, PyValue> {
    this.ws();
    this.expect('{');
    const out = new Map<string, PyValue>();
    this.ws();
    while (this.peek() !== '}') {
      const key = this.value();
      if (typeof key !== 'string') this.fail('a string key');
      this.ws();
      this.expect(':');
      this.ws();
      if (out.has(key)) this.fail(`a key other than '${key}' (it is repeated)`);
      out.set(key, this.value());
      this.ws();
      if (this.peek() === ',') {
        this.pos++;
        this.ws();
      } else if (this.peek() !== '}') this.fail("',' or '}'");
    }
    this.pos++;
    this.ws();
    if (this.pos !== this.text.length) this.fail('the end of the header after the closing brace');
    return out;
  }

  private value(): PyValue {
    const c = this.peek() ?? '';
    if (c === "'" || c === '"') return this.string(c);
    if (c === '(') return this.sequence(')');
    if (c === '[') return this.sequence(']');
    if (c === '-' || c === '+' || (c >= '0' && c <= '9')) return this.integer();
    for (const [word, v] of [['True', true], ['False', false], ['None', null]] as const) {
      if (this.text.startsWith(word, this.pos) && !/[\w]/.test(this.text[this.pos + word.length] ?? '')) {
        this.pos += word.length;
        return v;
      }
    }
    return this.fail('a string, True, False, None, an integer, a tuple or a list');
  }

  /** `(…)` or `[…]`; like Python, `(x)` without a comma is just x. */
  private sequence(close: ')' | ']'): PyValue {
    if (++this.depth > NPY_HEADER_NESTING) {
      throw new LensError('badFile', `${this.path}: .npy header nests tuples/lists more than ${NPY_HEADER_NESTING} levels deep (the nesting limit); expected a header such as ${EXPECTED_HEADER}`);
    }
    this.pos++;
    const items: PyValue[] = [];
    let sawComma = false;
    this.ws();
    while (this.peek() !== close) {
      items.push(this.value());
      this.ws();
      if (this.peek() === ',') {
        sawComma = true;
        this.pos++;
        this.ws();
      } else if (this.peek() !== close) this.fail(`',' or '${close}'`);
    }
    this.pos++;
    this.depth--;
    if (close === ']') return items;
    if (items.length === 1 && !sawComma) return items[0]!;
    return { tuple: items };
  }

  private integer(): number {
    const m = /^[-+]?\d+[lL]?/.exec(this.text.slice(this.pos, this.pos + 40)); // 'L': headers written by Python 2
    if (!m) return this.fail('an integer');
    const n = Number(m[0].replace(/[lL]$/, ''));
    if (!Number.isSafeInteger(n)) this.fail('an integer below 2^53');
    this.pos += m[0].length;
    return n;
  }

  private string(quote: string): string {
    let out = '';
    this.pos++;
    for (;;) {
      const c = this.text[this.pos++];
      if (c === undefined || c === '\n') {
        this.pos--;
        return this.fail(`a closing ${quote}`);
      }
      if (c === quote) return out;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = this.text[this.pos++];
      const simple: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', n: '\n', t: '\t', r: '\r', '0': '\0' };
      if (e !== undefined && e in simple) out += simple[e];
      else if (e === 'x' || e === 'u') {
        const len = e === 'x' ? 2 : 4;
        const hex = this.text.slice(this.pos, this.pos + len);
        if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len) this.fail(`${len} hex digits after \\${e}`);
        out += String.fromCharCode(parseInt(hex, 16));
        this.pos += len;
      } else {
        this.pos--;
        this.fail('a supported escape (\\\\ \\\' \\" \\n \\t \\r \\0 \\x \\u)');
      }
    }
  }

  private ws(): void {
    while (/[ \t\r\n]/.test(this.text[this.pos] ?? '')) this.pos++;
  }

  private peek(): string | undefined {
    return this.text[this.pos];
  }

  private expect(c: string): void {
    if (this.text[this.pos] !== c) this.fail(`'${c}'`);
    this.pos++;
  }

  private fail(expected: string): never {
    const found = this.pos < this.text.length ? JSON.stringify(this.text.slice(this.pos, this.pos + 12)) : 'the end of the header';
    throw new LensError(
      'badFile',
      `${this.path}: .npy header is not a Python dict literal we can read: at character ${this.pos + 1} found ${found}, expected ${expected} (a header looks like ${EXPECTED_HEADER})`,
    );
  }
}
