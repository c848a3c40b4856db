import { checkPicked } from '../containment';
import { LensError } from '../errors';
import { describeKind, kindOf, readRange, readText, type FileAccess } from '../fileAccess';
import { PICKLE_NAME, PICKLE_SNIFF_BYTES, pickleError, pickleKind } from '../pickle';
import type { TensorInfo, TensorSource } from '../tensors';

/** The word-vector file formats that carry their own vocabulary. */
export type WordVectorFormat = 'glove' | 'word2vec-text' | 'word2vec-binary' | 'tsv';

/** A vocabulary and its (V, E) float32 vectors, all in memory. */
export interface WordVectors {
  readonly format: WordVectorFormat;
  readonly file: string;
  /** Row i's word (TSV: row i's label). */
  readonly words: string[];
  /** Row of each word; the first occurrence wins when a word repeats (see `duplicates`). */
  readonly index: Map<string, number>;
  /** How many rows repeat a word of an earlier row (they keep their rows but are not in `index`). */
  readonly duplicates: number;
  /** The (V, E) float32 table: info.name 'vectors', info.file the file, dtype 'F32'. */
  readonly vectors: TensorSource;
}

/** How to read a word-vector file; the format is detected when not given. */
export interface OpenWordVectorsOptions {
  readonly format?: WordVectorFormat;
  /** TSV only: the labels file (default: metadata.tsv next to the vectors). */
  readonly metadataPath?: string;
}

/**
 * Reads GloVe text (`word v1 … vE`), word2vec text (the same after a `V E` line), word2vec
 * binary (Mikolov's format) or an Embedding Projector TSV (vectors.tsv + metadata.tsv).
 */
export async function openWordVectors(files: FileAccess, path: string, options: OpenWordVectorsOptions = {}): Promise<WordVectors> {
  const stat = await files.stat(path);
  if (!stat) throw new LensError('badFile', `${path}: no such file`);
  const kind = kindOf(stat);
  if (kind !== 'file') throw new LensError('badFile', `${path}: is ${describeKind(kind)}, expected a word-vector file`);
  // A PyTorch checkpoint is never parsed (unpickling runs code), and never read whole to find out.
  if (PICKLE_NAME.test(files.basename(path)) || pickleKind(await readRange(files, path, 0, PICKLE_SNIFF_BYTES))) throw pickleError(path);
  let bytes = await files.readAll(path);
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3); // UTF-8 BOM
  if (isBlank(bytes, 0)) {
    throw new LensError('badFile', `${path}: file is empty, expected word vectors (one word and its values per line, or a word2vec/TSV file)`);
  }
  const format = options.format ?? detectFormat(files, path, bytes);
  let words: string[];
  let data: Float32Array;
  let cols: number;
  switch (format) {
    case 'glove':
    case 'word2vec-text': {
      let start = 0;
      let header: { rows: number; cols: number } | undefined;
      if (format === 'word2vec-text') {
        const eol = lineEnd(bytes, 0);
        header = parseCounts(bytes, 0, eol);
        if (!header) {
          throw new LensError('badFile', `${path}: line 1 is ${JSON.stringify(decodeText(bytes, 0, Math.min(eol, 60)))}, expected a word2vec header "V E" (number of words and dimension)`);
        }
        start = Math.min(eol + 1, bytes.length);
      }
      const parsed = parseRows(path, bytes, start, header ? 2 : 1, true, header?.cols, header ? 'the header says' : 'line 1 has', header?.rows);
      if (header && parsed.rows !== header.rows) {
        throw new LensError('badFile', `${path}: the header says ${header.rows} words, but ${parsed.rows} lines of vectors follow it, expected them to agree`);
      }
      ({ words, data, cols } = parsed);
      break;
    }
    case 'word2vec-binary':
      ({ words, data, cols } = parseWord2vecBinary(path, bytes));
      break;
    case 'tsv': {
      const parsed = parseRows(path, bytes, 0, 1, false, undefined, 'line 1 has');
      words = await readMetadata(files, path, options.metadataPath, parsed.rows);
      ({ data, cols } = parsed);
      break;
    }
  }
  if (words.length === 0) throw new LensError('badFile', `${path}: no word vectors after the header, expected at least one word and its values`);
  const index = new Map<string, number>();
  let duplicates = 0;
  for (let i = 0; i < words.length; i++) {
    if (index.has(words[i]!)) duplicates++;
    else index.set(words[i]!, i);
  }
  return { format, file: path, words, index, duplicates, vectors: memoryTensor({ name: 'vectors', dtype: 'F32', shape: [words.length, cols], file: path }, data) };
}

/**
 * True when the first line of `head` (a file's first bytes) looks like word vectors: a word2vec
 * `V E` header, or a token followed by at least one number (GloVe). Used to tell a word-vector
 * .txt/.vec from any other text file in a folder; `.tsv` vectors (numbers only) pass too.
 */
export function looksLikeWordVectors(head: Uint8Array): boolean {
  const start = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  const eol = lineEnd(head, start);
  if (parseCounts(head, start, eol)) return true;
  const tokens = decodeText(head, start, eol).trim().split(/[ \t\r]+/);
  if (eol === head.length && tokens.length > 2) tokens.pop(); // the line goes on past `head`: its last token may be cut
  if (tokens.length < 2) return false;
  return tokens.slice(1).every(t => /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?(nan|inf|infinity)$/i.test(t));
}

/** `.bin` → binary, `.tsv` → TSV; otherwise a `V E` first line means word2vec (binary if the bytes after it are not text). */
function detectFormat(files: FileAccess, path: string, bytes: Uint8Array): WordVectorFormat {
  const name = files.basename(path).toLowerCase();
  if (name.endsWith('.bin')) return 'word2vec-binary';
  if (name.endsWith('.tsv')) return 'tsv';
  const eol = lineEnd(bytes, 0);
  if (!parseCounts(bytes, 0, eol)) return 'glove';
  return looksBinary(bytes.subarray(eol + 1, eol + 1 + 4096)) ? 'word2vec-binary' : 'word2vec-text';
}

/** Control bytes or invalid UTF-8: what float32 data looks like, and text never does. */
function looksBinary(sample: Uint8Array): boolean {
  for (const b of sample) if ((b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) || b === 0x7f) return true;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(sample, { stream: true }); // stream: a character cut at the end is fine
    return false;
  } catch {
    return true;
  }
}

// ---- Text rows (GloVe, word2vec text, TSV vectors) ----

const NL = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;

interface Rows {
  words: string[];
  data: Float32Array;
  rows: number;
  cols: number;
}

/**
 * Parses lines `word v1 … vE` (or `v1 … vE` when `hasWord` is false) from `start`. Separators are
 * runs of spaces, tabs and CRs. `cols` is fixed by a header or else by the first line.
 * Trailing blank lines are ignored; any other line with the wrong number of values is an error.
 */
function parseRows(
  path: string,
  b: Uint8Array,
  start: number,
  firstLine: number,
  hasWord: boolean,
  cols: number | undefined,
  colsFrom: string,
  headerRows?: number,
): Rows {
  const n = b.length;
  if (isBlank(b, start)) return { words: [], data: new Float32Array(0), rows: 0, cols: cols ?? 0 };
  const expectWhat = (c: number | undefined) => `${hasWord ? 'a word and ' : ''}${c ?? 'its'} values`;
  // Check the first line before allocating, so a wrong header cannot ask for gigabytes.
  const firstTokens = countTokens(b, start);
  if (firstTokens === 0) throw new LensError('badFile', `${path}: line ${firstLine} is empty, expected ${expectWhat(cols)}`);
  const firstValues = hasWord ? firstTokens - 1 : firstTokens;
  if (cols === undefined) {
    if (firstValues < 1) throw new LensError('badFile', `${path}: line ${firstLine} has a word but no values, expected a word followed by its vector's values`);
    cols = firstValues;
  } else if (firstValues !== cols) raggedLine(path, b, start, firstLine, hasWord, cols, colsFrom);
  // One Float32Array for the whole table, sized by the line count so it is filled in place.
  let lines = 0;
  for (let p = b.indexOf(NL, start); p !== -1; p = b.indexOf(NL, p + 1)) lines++;
  if (n > start && b[n - 1] !== NL) lines++;
  if (headerRows !== undefined && lines < headerRows) {
    throw new LensError('badFile', `${path}: the header says ${headerRows} words, but only ${lines} lines of vectors follow it, expected them to agree`);
  }
  // A row of `cols` values takes at least 2·cols bytes (a digit and a separator each), so the
  // bytes bound the rows too: blank lines after one wide row cannot make us allocate for them.
  const capacity = Math.min(lines, Math.floor((n - start + 1) / (2 * cols)) + 1);
  let data = new Float32Array(capacity * cols);
  const words: string[] = [];
  let row = 0;
  let line = firstLine;
  let p = start;
  while (p < n) {
    const lineStart = p;
    p = skipSeparators(b, p);
    if (p >= n || b[p] === NL) {
      if (isBlank(b, p)) break; // only blank lines remain
      throw new LensError('badFile', `${path}: line ${line} is empty, expected ${expectWhat(cols)} (${colsFrom} ${cols})`);
    }
    let word = '';
    if (hasWord) {
      const ws = p;
      while (p < n && !isSeparatorOrNewline(b[p]!)) p++;
      word = decodeText(b, ws, p);
    }
    const base = row * cols;
    if (base + cols > data.length) {
      const grown = new Float32Array(Math.min(lines, 2 * (row + 1)) * cols);
      grown.set(data);
      data = grown;
    }
    for (let k = 0; k < cols; k++) {
      p = skipSeparators(b, p);
      if (p >= n || b[p] === NL) raggedLine(path, b, lineStart, line, hasWord, cols, colsFrom);
      const value = parseNumber(b, p);
      if (!numberOk) {
        const end = tokenEndAt(b, p);
        const token = decodeText(b, p, end);
        const column = [...decodeText(b, lineStart, p)].length + 1;
        throw new LensError(
          'badFile',
          `${path}: line ${line}, column ${column}: ${JSON.stringify(token)} is not a number, expected value ${k + 1} of ${cols}${hasWord ? ` for word ${JSON.stringify(word)}` : ''}`,
        );
      }
      data[base + k] = value;
      p = numberEnd;
    }
    p = skipSeparators(b, p);
    if (p < n && b[p] !== NL) raggedLine(path, b, lineStart, line, hasWord, cols, colsFrom);
    if (hasWord) words.push(word);
    row++;
    line++;
    p++; // past '\n'
  }
  return { words, data: row * cols === data.length ? data : data.subarray(0, row * cols), rows: row, cols };
}

function raggedLine(path: string, b: Uint8Array, lineStart: number, line: number, hasWord: boolean, cols: number, colsFrom: string): never {
  const found = countTokens(b, lineStart) - (hasWord ? 1 : 0);
  throw new LensError('badFile', `${path}: line ${line} has ${found} values, expected ${cols} (${colsFrom} ${cols}; every line needs the same number)`);
}

function isSeparatorOrNewline(c: number): boolean {
  return c === SPACE || c === TAB || c === CR || c === NL;
}

function skipSeparators(b: Uint8Array, p: number): number {
  const n = b.length;
  while (p < n) {
    const c = b[p]!;
    if (c !== SPACE && c !== TAB && c !== CR) break;
    p++;
  }
  return p;
}

function tokenEndAt(b: Uint8Array, p: number): number {
  while (p < b.length && !isSeparatorOrNewline(b[p]!)) p++;
  return p;
}

/** Whitespace-separated tokens on the line starting at `p`. */
function countTokens(b: Uint8Array, p: number): number {
  let count = 0;
  for (;;) {
    p = skipSeparators(b, p);
    if (p >= b.length || b[p] === NL) return count;
    count++;
    p = tokenEndAt(b, p);
  }
}

function isBlank(b: Uint8Array, p: number): boolean {
  for (; p < b.length; p++) if (!isSeparatorOrNewline(b[p]!)) return false;
  return true;
}

function lineEnd(b: Uint8Array, p: number): number {
  const e = b.indexOf(NL, p);
  return e === -1 ? b.length : e;
}

/** `V E` (two non-negative integers, nothing else) on bytes [p, end), or undefined. */
function parseCounts(b: Uint8Array, p: number, end: number): { rows: number; cols: number } | undefined {
  const m = /^[ \t]*(\d+)[ \t]+(\d+)[ \t\r]*$/.exec(decodeText(b, p, Math.min(end, p + 64)));
  if (!m || end > p + 64) return undefined;
  return { rows: Number(m[1]), cols: Number(m[2]) };
}

const utf8 = new TextDecoder('utf-8'); // not fatal: a bad byte in a word becomes U+FFFD, as in most readers

/** Bytes [start, end) as text; ASCII (nearly every word) skips TextDecoder. */
function decodeText(b: Uint8Array, start: number, end: number): string {
  if (end - start <= 64) {
    let ascii = true;
    for (let i = start; i < end; i++) if (b[i]! >= 0x80) ascii = false;
    if (ascii) return String.fromCharCode.apply(null, b.subarray(start, end) as unknown as number[]);
  }
  return utf8.decode(b.subarray(start, end));
}

// ---- Numbers, parsed exactly as Python's float() and JS's Number() (then rounded to float32) ----

/** Powers of ten that are exact doubles (10^22 is the last one). */
const POW10 = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];
// parseNumber's second and third results (kept in module variables so the hot loop allocates nothing).
let numberEnd = 0;
let numberOk = false;

/**
 * Parses a decimal float at `b[p…]`: [+-] digits [. digits] [(e|E) [+-] digits], or nan/inf/infinity.
 * The token must end at a separator or line end. Sets numberEnd/numberOk.
 *
 * With at most 15 significant digits and a power of ten within ±22, mantissa and power are both
 * exact doubles, so one multiplication or division gives the correctly rounded result (Clinger's
 * fast path), the same double that Number() gives. Anything else goes through Number().
 */
function parseNumber(b: Uint8Array, p: number): number {
  const n = b.length;
  const start = p;
  numberOk = false;
  let c = p < n ? b[p]! : NL;
  let negative = false;
  if (c === 0x2d || c === 0x2b) {
    negative = c === 0x2d;
    c = ++p < n ? b[p]! : NL;
  }
  let mantissa = 0;
  let digits = 0;
  let exp10 = 0;
  let sawDigit = false;
  let exact = true;
  while (c >= 0x30 && c <= 0x39) {
    sawDigit = true;
    if (digits < 15) {
      if (mantissa !== 0 || c !== 0x30) {
        mantissa = mantissa * 10 + (c - 0x30);
        digits++;
      }
    } else {
      exp10++;
      if (c !== 0x30) exact = false;
    }
    c = ++p < n ? b[p]! : NL;
  }
  if (c === 0x2e) {
    c = ++p < n ? b[p]! : NL;
    while (c >= 0x30 && c <= 0x39) {
      sawDigit = true;
      if (digits < 15) {
        if (mantissa !== 0 || c !== 0x30) {
          mantissa = mantissa * 10 + (c - 0x30);
          digits++;
        }
        exp10--;
      } else if (c !== 0x30) exact = false;
      c = ++p < n ? b[p]! : NL;
    }
  }
  if (!sawDigit) return parseSpecial(b, start);
  if (c === 0x65 || c === 0x45) {
    c = ++p < n ? b[p]! : NL;
    let expNegative = false;
    if (c === 0x2d || c === 0x2b) {
      expNegative = c === 0x2d;
      c = ++p < n ? b[p]! : NL;
    }
    if (!(c >= 0x30 && c <= 0x39)) return 0; // 'e' without digits: not a number
    let e = 0;
    while (c >= 0x30 && c <= 0x39) {
      if (e < 100000) e = e * 10 + (c - 0x30); // beyond this every value is 0 or Infinity anyway
      c = ++p < n ? b[p]! : NL;
    }
    exp10 += expNegative ? -e : e;
  }
  if (!isSeparatorOrNewline(c)) return 0;
  numberEnd = p;
  numberOk = true;
  // The number's bytes are ASCII; TextDecoder, since spreading a 100k-digit run as arguments
  // (String.fromCharCode.apply) overflows the stack.
  if (!exact || exp10 < -22 || exp10 > 22) return Number(utf8.decode(b.subarray(start, p))); // sign included
  const value = exp10 < 0 ? mantissa / POW10[-exp10]! : mantissa * POW10[exp10]!;
  return negative ? -value : value;
}

/** nan, inf, infinity (any case, optional sign), as Python's float() accepts and numpy writes. */
function parseSpecial(b: Uint8Array, start: number): number {
  const end = tokenEndAt(b, start);
  if (end - start > 9) return 0;
  const token = String.fromCharCode.apply(null, b.subarray(start, end) as unknown as number[]).toLowerCase();
  const m = /^([+-]?)(nan|inf|infinity)$/.exec(token);
  if (!m) return 0;
  numberEnd = end;
  numberOk = true;
  if (m[2] === 'nan') return NaN;
  return m[1] === '-' ? -Infinity : Infinity;
}

// ---- word2vec binary ----

/** Mikolov's format: "V E\n", then V × (word bytes, ' ', E little-endian float32, optional '\n'). */
function parseWord2vecBinary(path: string, b: Uint8Array): Rows {
  const n = b.length;
  const eol = lineEnd(b, 0);
  const header = parseCounts(b, 0, eol);
  if (!header) {
    // fastText's own .bin starts with the int32 magic 793712314.
    const fastText = n >= 4 && b[0] === 0xba && b[1] === 0x16 && b[2] === 0x4f && b[3] === 0x2f;
    throw new LensError(
      'badFile',
      fastText
        ? `${path}: this is a fastText model (.bin), not word2vec binary; expected word vectors — export the .vec text file from fastText instead`
        : `${path}: the first line is not a word2vec binary header, expected "V E" (number of words and dimension) followed by a newline`,
    );
  }
  const { rows, cols } = header;
  if (rows < 1 || cols < 1) throw new LensError('badFile', `${path}: the header says ${rows} words of ${cols} values, expected at least one word of at least one value`);
  const rowBytes = cols * 4;
  // Each record is at least a 1-byte word, a space and cols float32s: check the claim against
  // the file before allocating anything for it (a header may claim 10^12 words).
  const body = n - eol - 1;
  if (rows * (rowBytes + 2) > body) {
    throw new LensError(
      'badFile',
      `${path}: the header says ${rows} words of ${cols} float32 values, which needs at least ${rows * (rowBytes + 2)} bytes, but only ${Math.max(0, body)} follow the header (truncated file, or a wrong header?)`,
    );
  }
  // Every record takes at least rowBytes + 1 bytes, so a header that claims more rows than the
  // file can hold must not allocate them: the loop below reports the truncation instead.
  const capacity = Math.min(rows, Math.max(0, Math.floor((n - eol - 1) / (rowBytes + 1))));
  const data = new Float32Array(capacity * cols);
  const dataBytes = new Uint8Array(data.buffer);
  const hostIsLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const words: string[] = new Array<string>(rows);
  let p = eol + 1;
  for (let i = 0; i < rows; i++) {
    while (p < n && b[p] === NL) p++;
    const ws = p;
    const space = b.indexOf(SPACE, p);
    if (p >= n || space === -1) {
      throw new LensError('badFile', `${path}: file ends before word ${i + 1} of ${rows}, expected ${rows} words each followed by ${cols} float32 values (truncated file?)`);
    }
    if (space === ws) throw new LensError('badFile', `${path}: word ${i + 1} of ${rows} is empty (a space where the word should start), expected a word, a space and ${cols} float32 values`);
    const word = decodeText(b, ws, space);
    p = space + 1;
    if (p + rowBytes > n) {
      throw new LensError('badFile', `${path}: file ends inside the vector of word ${i + 1} of ${rows} (${JSON.stringify(word)}), expected ${cols} float32 values (${rowBytes} bytes) after it (truncated file?)`);
    }
    words[i] = word;
    if (hostIsLittleEndian) dataBytes.set(b.subarray(p, p + rowBytes), i * rowBytes);
    else for (let k = 0; k < cols; k++) data[i * cols + k] = view.getFloat32(p + 4 * k, true);
    p += rowBytes;
  }
  if (!isBlank(b, p)) {
    throw new LensError('badFile', `${path}: ${n - p} bytes follow the ${rows} words the header announces, expected the file to end there (is the header's word count right?)`);
  }
  return { words, data, rows, cols };
}

// ---- TSV metadata ----

/** Labels for a vectors.tsv: one per row; with 2+ columns the first row is a header and the label is column 1. */
async function readMetadata(files: FileAccess, vectorsPath: string, given: string | undefined, rows: number): Promise<string[]> {
  const metaPath = given ?? files.join(files.dirname(vectorsPath), 'metadata.tsv');
  const stat = await files.stat(metaPath);
  if (stat && !given) await checkPicked(files, files.dirname(vectorsPath), metaPath, 'the metadata TSV');
  if (!stat || stat.isDirectory) {
    throw new LensError(
      'badFile',
      given
        ? `${metaPath}: no such file, expected the metadata TSV (one label per row) for ${vectorsPath}`
        : `${vectorsPath}: a TSV of vectors needs a metadata TSV with one label per row, expected ${metaPath} (or choose the labels file)`,
    );
  }
  const text = await readText(files, metaPath);
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop(); // the final newline ends the last row, it does not add one
  const clean = lines.map(l => (l.endsWith('\r') ? l.slice(0, -1) : l));
  const multiColumn = clean.length > 0 && clean[0]!.includes('\t');
  const labels = multiColumn ? clean.slice(1).map(l => l.split('\t', 1)[0]!) : clean;
  if (labels.length !== rows) {
    throw new LensError(
      'vocabMismatch',
      `${metaPath} has ${labels.length} labels${multiColumn ? ' (after its header row)' : ''}, but ${vectorsPath} has ${rows} vectors, expected one label per vector row`,
    );
  }
  return labels;
}

// ---- The table ----

function memoryTensor(info: TensorInfo, data: Float32Array): TensorSource {
  const [rows, cols] = info.shape as [number, number];
  return {
    info,
    /** The table itself, not a copy (it can be hundreds of MB): callers must not modify it. */
    readAll: async () => data,
    async readRows(ids) {
      const out = new Float32Array(ids.length * cols);
      for (let i = 0; i < ids.length; i++) {
        const id = ids[i]!;
        if (!Number.isInteger(id) || id < 0 || id >= rows) {
          throw new LensError('vocabMismatch', `${info.file}: id ${id} is outside tensor ${JSON.stringify(info.name)} with ${rows} rows`);
        }
        out.set(data.subarray(id * cols, (id + 1) * cols), i * cols);
      }
      return out;
    },
  };
}
