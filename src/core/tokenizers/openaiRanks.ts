import { LensError } from '../errors';

// A tiktoken rank file (`.tiktoken`) has one token per line: its bytes in base64, a space, and its
// rank. The rank is both the token's id and its merge priority (lower merges first). The table
// keeps all token bytes in one buffer and finds a byte span's rank through an open-addressing
// hash over the bytes, so the encoder's hot loop never builds a string to look a pair up.

/** No rank: the span is not a token. Larger than every rank, so "lowest rank" scans need no test. */
export const NO_RANK = 0x7fffffff;

const BASE64 = new Int8Array(128).fill(-1);
'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.split('').forEach((c, i) => (BASE64[c.charCodeAt(0)] = i));

/** Ranks stay below 2^21 (o200k_base has 200k) so that the merge heap packs rank and offset in a double. */
export const MAX_RANK = 2 ** 21 - 1;

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** The ranks of one encoding: token bytes ↔ rank, looked up without allocating. */
export class RankTable {
  /** Largest rank + 1 (ranks may have gaps: p50k_base leaves 50256 to <|endoftext|>). */
  readonly size: number;
  /** Number of tokens in the file. */
  readonly count: number;
  /** Length in bytes of the longest token: longer spans are not looked up. */
  readonly maxTokenBytes: number;
  /** Rank of each two-byte token, indexed by `(b0 << 8) | b1` (NO_RANK: none); pairs are the commonest look-up. */
  private readonly pairs: Int32Array;
  private readonly slots: Int32Array;
  private readonly mask: number;

  /** @internal built by parseTiktokenRanks */
  constructor(
    private readonly bytes: Uint8Array,
    private readonly starts: Int32Array,
    private readonly lengths: Int32Array,
    count: number,
    file: string,
  ) {
    this.size = starts.length;
    this.count = count;
    let capacity = 1024;
    while (capacity < count * 2) capacity *= 2;
    // Two ints per slot, [hash, rank + 1] (rank + 1 = 0: empty), in one cache line: a miss is
    // usually decided by the hash alone, without touching the token bytes.
    this.slots = new Int32Array(capacity * 2);
    this.mask = capacity - 1;
    this.pairs = new Int32Array(65536).fill(NO_RANK);
    let maxLen = 0;
    for (let rank = 0; rank < this.size; rank++) {
      const len = lengths[rank]!;
      if (len === 0) continue;
      const start = starts[rank]!;
      if (len > maxLen) maxLen = len;
      if (len === 2) this.pairs[(bytes[start]! << 8) | bytes[start + 1]!] = rank;
      const h = this.hash(bytes, start, start + len);
      let slot = h & this.mask;
      for (;;) {
        const held = this.slots[2 * slot + 1]!;
        if (held === 0) break;
        if (this.slots[2 * slot] === h && this.equals(held - 1, bytes, start, start + len)) {
          throw new LensError('badFile', `${file}: ranks ${held - 1} and ${rank} are the same token`);
        }
        slot = (slot + 1) & this.mask;
      }
      this.slots[2 * slot] = h;
      this.slots[2 * slot + 1] = rank + 1;
    }
    this.maxTokenBytes = maxLen;
    for (let b = 0; b < 256; b++) {
      if (this.rank(Uint8Array.of(b), 0, 1) === NO_RANK) {
        throw new LensError('badFile', `${file}: byte 0x${b.toString(16).padStart(2, '0')} has no rank; a byte-level encoding needs all 256 bytes`);
      }
    }
  }

  /** The rank of `buf[from, to)`, or NO_RANK when those bytes are not a token. */
  rank(buf: Uint8Array, from: number, to: number): number {
    const len = to - from;
    if (len === 2) return this.pairs[(buf[from]! << 8) | buf[from + 1]!]!;
    if (len > this.maxTokenBytes || len <= 0) return NO_RANK;
    const h = this.hash(buf, from, to);
    let slot = h & this.mask;
    for (;;) {
      const held = this.slots[2 * slot + 1]!;
      if (held === 0) return NO_RANK;
      if (this.slots[2 * slot] === h && this.equals(held - 1, buf, from, to)) return held - 1;
      slot = (slot + 1) & this.mask;
    }
  }

  /** The bytes of a rank (a view into the table), or undefined for a rank that is not a token. */
  tokenBytes(rank: number): Uint8Array | undefined {
    const len = rank >= 0 && rank < this.size ? this.lengths[rank]! : 0;
    if (len === 0) return undefined;
    const start = this.starts[rank]!;
    return this.bytes.subarray(start, start + len);
  }

  private hash(buf: Uint8Array, from: number, to: number): number {
    let h = FNV_OFFSET;
    for (let i = from; i < to; i++) h = Math.imul(h ^ buf[i]!, FNV_PRIME);
    return (h ^ (h >>> 15)) | 0;
  }

  private equals(rank: number, buf: Uint8Array, from: number, to: number): boolean {
    const len = to - from;
    if (this.lengths[rank] !== len) return false;
    const start = this.starts[rank]!;
    for (let i = 0; i < len; i++) if (this.bytes[start + i] !== buf[from + i]) return false;
    return true;
  }
}

/**
 * Parses a `.tiktoken` rank file (`<base64 bytes> <rank>` per line). Malformed lines, a rank or a
 * token given twice, and a byte without a rank are `badFile` errors naming the file and line.
 */
export function parseTiktokenRanks(data: Uint8Array, file: string): RankTable {
  // Decoded bytes are shorter than their base64, so the file's size bounds the buffer.
  const bytes = new Uint8Array(data.length);
  let lines = 1;
  for (let i = 0; i < data.length; i++) if (data[i] === 0x0a) lines++;
  const lineStart = new Int32Array(lines);
  const lineLen = new Int32Array(lines);
  const lineRank = new Int32Array(lines);
  let count = 0;
  let out = 0;
  let maxRank = -1;
  let lineNo = 0;
  let i = 0;
  const bad = (what: string): LensError => new LensError('badFile', `${file}: line ${lineNo}: ${what}, expected "<base64 token bytes> <rank>" per line (a tiktoken rank file)`);
  while (i < data.length) {
    lineNo++;
    if (data[i] === 0x0a || (data[i] === 0x0d && data[i + 1] === 0x0a)) {
      // Blank lines (a trailing newline) carry no token.
      i += data[i] === 0x0d ? 2 : 1;
      continue;
    }
    const start = out;
    let acc = 0;
    let bits = 0;
    let padding = 0;
    for (; i < data.length && data[i] !== 0x20 && data[i] !== 0x0a && data[i] !== 0x0d; i++) {
      const c = data[i]!;
      if (c === 0x3d) {
        padding++;
        continue;
      }
      const v = c < 128 ? BASE64[c]! : -1;
      if (v < 0 || padding > 0) throw bad(`character ${JSON.stringify(String.fromCharCode(c))} in the token`);
      acc = ((acc << 6) | v) & 0xffffff;
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        bytes[out++] = (acc >> bits) & 0xff;
      }
    }
    if (data[i] !== 0x20) throw bad('no rank');
    if (out === start) throw bad('empty token');
    i++; // the space
    let rank = 0;
    let digits = 0;
    for (; i < data.length && data[i]! >= 0x30 && data[i]! <= 0x39; i++, digits++) rank = rank * 10 + (data[i]! - 0x30);
    if (data[i] === 0x0d) i++;
    if (digits === 0 || (i < data.length && data[i] !== 0x0a)) throw bad('the rank is not a number');
    if (rank > MAX_RANK) throw bad(`rank ${rank} is larger than ${MAX_RANK}`);
    i++;
    lineStart[count] = start;
    lineLen[count] = out - start;
    lineRank[count] = rank;
    count++;
    if (rank > maxRank) maxRank = rank;
  }
  if (count === 0) throw new LensError('badFile', `${file}: no tokens, expected "<base64 token bytes> <rank>" per line (a tiktoken rank file)`);
  const starts = new Int32Array(maxRank + 1);
  const lengths = new Int32Array(maxRank + 1);
  for (let k = 0; k < count; k++) {
    const rank = lineRank[k]!;
    if (lengths[rank] !== 0) throw new LensError('badFile', `${file}: rank ${rank} is given twice`);
    starts[rank] = lineStart[k]!;
    lengths[rank] = lineLen[k]!;
  }
  // A copy of exactly the decoded bytes, so the file-sized buffer can be freed.
  return new RankTable(bytes.slice(0, out), starts, lengths, count, file);
}
