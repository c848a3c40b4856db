import { LensError } from '../errors';
import { BYTE_LEVEL_CHARS } from './byteLevelChars';
import { isWhiteSpace } from './codePointSet';
import { NormalizedString } from './normalizedString';
import { onigToRegExp } from './onigRegex';
import type { PostProcessor } from './postProcessors';
import type { PieceToken } from './models/model';
import type { PreTokenizer } from './preTokenizers';
import { splitPattern, splitRanges, type SplitPattern } from './split';
import type { Token } from './types';

/** GPT-2's byte ↔ character table (bytes_to_unicode), from its one home. */
export { BYTE_LEVEL_CHARS };

/** The GPT-2 pre-tokenization regex the Rust ByteLevel pre-tokenizer uses with use_regex (Oniguruma syntax). */
export const GPT2_PATTERN = String.raw`'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`;

let gpt2Pattern: SplitPattern | undefined;

/** BYTE_LEVEL_CHARS as UTF-16 code units. */
const BYTE_LEVEL_CODES = Uint16Array.from(BYTE_LEVEL_CHARS, c => c.charCodeAt(0));

/** Scratch space for building a spelling: code units, grown as needed. */
let scratch = new Uint16Array(256);

function utf8Len(cp: number): number {
  return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

/**
 * Units [a, b) of `text` as byte-level characters: each code point's UTF-8 bytes, each byte its
 * character. Printable ASCII stands for itself, so most words need just a substring, or "Ġ" and
 * a substring.
 */
function convert(text: string, a: number, b: number): string {
  const lead = a < b && text.charCodeAt(a) === 0x20 ? 1 : 0;
  let i = a + lead;
  while (i < b) {
    const c = text.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f) break;
    i++;
  }
  if (i === b) return lead ? BYTE_LEVEL_CHARS[0x20]! + text.slice(a + 1, b) : text.slice(a, b);
  if (scratch.length < (b - a) * 3) scratch = new Uint16Array((b - a) * 3);
  const table = BYTE_LEVEL_CODES;
  let k = 0;
  for (let j = a; j < b; j++) {
    let cp = text.charCodeAt(j);
    if (cp < 0x80) {
      scratch[k++] = table[cp]!;
      continue;
    }
    if (cp >= 0xd800 && cp <= 0xdfff) {
      const low = j + 1 < b ? text.charCodeAt(j + 1) : 0;
      if (cp <= 0xdbff && low >= 0xdc00 && low <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
        j++;
      } else {
        cp = 0xfffd; // a lone surrogate: what the Rust library receives for it (UTF-8 has none)
      }
    }
    if (cp < 0x800) {
      scratch[k++] = table[0xc0 | (cp >> 6)]!;
    } else {
      if (cp < 0x10000) scratch[k++] = table[0xe0 | (cp >> 12)]!;
      else {
        scratch[k++] = table[0xf0 | (cp >> 18)]!;
        scratch[k++] = table[0x80 | ((cp >> 12) & 0x3f)]!;
      }
      scratch[k++] = table[0x80 | ((cp >> 6) & 0x3f)]!;
    }
    scratch[k++] = table[0x80 | (cp & 0x3f)]!;
  }
  let out = '';
  for (let m = 0; m < k; m += 8192) out += String.fromCharCode.apply(null, scratch.subarray(m, Math.min(k, m + 8192)) as unknown as number[]);
  return out;
}

/**
 * Alignment storage for byte-level pieces: every piece's arrays are views into a shared chunk,
 * so a piece costs no typed-array allocation of its own (one of more than 16 elements would need
 * its own backing store). Chunks are only appended to, never rewritten: a chunk lives as long as
 * some piece still holds a view of it.
 */
const arena = {
  starts: new Int32Array(0),
  ends: new Int32Array(0),
  used: 0,
};
const CHUNK = 1 << 16;

/** Views of `n` fresh elements. */
function takeAlignments(n: number): [Int32Array, Int32Array] {
  if (n > CHUNK >> 2) return [new Int32Array(n), new Int32Array(n)];
  if (arena.used + n > arena.starts.length) {
    arena.starts = new Int32Array(CHUNK);
    arena.ends = new Int32Array(CHUNK);
    arena.used = 0;
  }
  const at = arena.used;
  arena.used += n;
  return [arena.starts.subarray(at, at + n), arena.ends.subarray(at, at + n)];
}

/**
 * The range [a, b) of `s` rewritten as byte-level characters. Every character made from a source
 * character aligns to that whole character's original span — as the Rust library aligns them —
 * so a token holding some of a character's bytes gets the character's span. With `prefix`, a "Ġ"
 * goes first, aligned to the first character of `s` (the Rust library's prepend).
 */
function toByteLevel(s: NormalizedString, a: number, b: number, prefix: boolean): NormalizedString {
  const text = convert(s.normalized, a, b);
  if (!prefix && text.length === b - a) {
    // ASCII: unit i comes from unit i.
    if (s.isIdentity) return NormalizedString.fromOriginal(text, s.originalStart + a);
    const piece = s.slice(a, b);
    const al = piece.alignments();
    return NormalizedString.fromAlignments(text, al.start, al.end, piece.originalStart, piece.originalEnd);
  }
  const skip = prefix ? 1 : 0;
  const n = text.length + skip;
  const [starts, ends] = takeAlignments(n);
  if (prefix) {
    const c = s.normalized.charCodeAt(0);
    starts[0] = s.startOf(0);
    ends[0] = s.endOf(c >= 0xd800 && c <= 0xdbff && s.length > 1 ? 1 : 0);
  }
  let j = skip;
  for (let i = a; i < b; ) {
    const c = s.normalized.charCodeAt(i);
    const w = c >= 0xd800 && c <= 0xdbff && i + 1 < b && s.normalized.charCodeAt(i + 1) >= 0xdc00 && s.normalized.charCodeAt(i + 1) <= 0xdfff ? 2 : 1;
    const bytes = w === 2 ? 4 : utf8Len(c);
    const from = s.startOf(i);
    const to = s.endOf(i + w - 1);
    for (let k = 0; k < bytes; k++) {
      starts[j] = from;
      ends[j++] = to;
    }
    i += w;
  }
  const spelled = prefix ? BYTE_LEVEL_CHARS[0x20]! + text : text;
  return NormalizedString.fromAlignments(spelled, starts, ends, starts[0]!, ends[n - 1]!);
}

/**
 * Hugging Face's ByteLevel pre-tokenizer: optionally a space before text that does not start
 * with one (add_prefix_space, for each piece it is given), optionally the GPT-2 split
 * (use_regex), then every piece rewritten as byte-level characters.
 */
export function byteLevelPreTokenizer(options: { addPrefixSpace: boolean; useRegex: boolean; what?: string }): PreTokenizer {
  const re = options.useRegex ? (gpt2Pattern ??= splitPattern(onigToRegExp(GPT2_PATTERN, options.what ?? 'ByteLevel pre-tokenizer'))) : undefined;
  const pre: PreTokenizer = s => {
    if (s.length === 0) return [];
    const prefix = options.addPrefixSpace && s.normalized.charCodeAt(0) !== 0x20;
    if (!re) return [toByteLevel(s, 0, s.length, prefix)];
    const out: NormalizedString[] = [];
    // With the prefix, the split runs on " " + text: shift its ranges back onto `s`.
    const piece = prefix ? (a: number, b: number): void => void out.push(a > 0 ? toByteLevel(s, a - 1, b - 1, false) : toByteLevel(s, 0, b - 1, true)) : (a: number, b: number): void => void out.push(toByteLevel(s, a, b, false));
    splitRanges(prefix ? ' ' + s.normalized : s.normalized, re, 'Isolated', false, piece);
    return out;
  };
  pre.direct = (text, offset, tokenize, out) => {
    if (text.length === 0) return;
    const prefix = options.addPrefixSpace && text.charCodeAt(0) !== 0x20;
    const emit = (a: number, b: number, lead: boolean): void => directPiece(text, offset, a, b, lead, tokenize, out);
    if (!re) return emit(0, text.length, prefix);
    if (prefix) splitRanges(' ' + text, re, 'Isolated', false, (a, b) => (a > 0 ? emit(a - 1, b - 1, false) : emit(0, b - 1, true)));
    else splitRanges(text, re, 'Isolated', false, (a, b) => emit(a, b, false));
  };
  return pre;
}

/** Per byte-level unit of the current piece: the original span of the character it came from. */
let unitStarts = new Int32Array(1024);
let unitEnds = new Int32Array(1024);

/**
 * One piece [a, b) of identity text, the way toByteLevel + the model + originalRange would give
 * its tokens, without building a NormalizedString: ASCII pieces map unit for unit; others fill
 * a reused per-unit span table (every byte of a character gets the character's span).
 */
function directPiece(text: string, offset: number, a: number, b: number, lead: boolean, tokenize: (piece: string) => readonly PieceToken[], out: Token[]): void {
  const spelled = lead ? BYTE_LEVEL_CHARS[0x20]! + convert(text, a, b) : convert(text, a, b);
  const tokens = tokenize(spelled);
  if (!lead && spelled.length === b - a) {
    const base = offset + a;
    for (let k = 0; k < tokens.length; k++) {
      const t = tokens[k]!;
      out.push({ id: t.id, text: t.text, start: base + t.start, end: base + (t.end > t.start ? t.end : t.start), special: false });
    }
    return;
  }
  const n = spelled.length;
  if (unitStarts.length < n) {
    unitStarts = new Int32Array(n * 2);
    unitEnds = new Int32Array(n * 2);
  }
  let j = 0;
  if (lead) {
    // The prepended "Ġ" aligns to the text's first character.
    const c = text.charCodeAt(0);
    unitStarts[0] = offset;
    unitEnds[0] = offset + (c >= 0xd800 && c <= 0xdbff && text.length > 1 ? 2 : 1);
    j = 1;
  }
  for (let i = a; i < b; ) {
    const c = text.charCodeAt(i);
    const pair = c >= 0xd800 && c <= 0xdbff && i + 1 < b && text.charCodeAt(i + 1) >= 0xdc00 && text.charCodeAt(i + 1) <= 0xdfff;
    const w = pair ? 2 : 1;
    const bytes = pair ? 4 : utf8Len(c >= 0xd800 && c <= 0xdfff ? 0xfffd : c);
    const from = offset + i;
    const to = offset + i + w;
    for (let k = 0; k < bytes; k++) {
      unitStarts[j] = from;
      unitEnds[j++] = to;
    }
    i += w;
  }
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k]!;
    let start: number;
    let end: number;
    if (t.end > t.start) {
      start = unitStarts[t.start]!;
      end = unitEnds[t.end - 1]!;
    } else {
      start = end = t.start < n ? unitStarts[t.start]! : t.start > 0 ? unitEnds[t.start - 1]! : offset + a;
    }
    out.push({ id: t.id, text: t.text, start, end, special: false });
  }
}

const SPACE_CHAR = 0x120; // "Ġ"

/** Moves `pos` forward `n` code points in `text`, not past `limit`. */
function forwardCodePoints(text: string, pos: number, n: number, limit: number): number {
  for (; n > 0 && pos < limit; n--) {
    const c = text.charCodeAt(pos);
    pos += c >= 0xd800 && c <= 0xdbff && pos + 1 < text.length && isLowSurrogate(text.charCodeAt(pos + 1)) ? 2 : 1;
  }
  return Math.min(pos, limit);
}

/** Moves `pos` back `n` code points in `text`, not before `limit`; undefined if `text` has fewer than `n` code points before `pos`. */
function backCodePoints(text: string, pos: number, n: number, limit: number): number | undefined {
  let p = pos;
  for (let k = 0; k < n; k++) {
    if (p === 0) return undefined;
    p -= p >= 2 && isLowSurrogate(text.charCodeAt(p - 1)) && text.charCodeAt(p - 2) >= 0xd800 && text.charCodeAt(p - 2) <= 0xdbff ? 2 : 1;
  }
  return Math.max(p, limit);
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/**
 * The ByteLevel post-processor's trim_offsets: a token's span loses one character per leading
 * and trailing "Ġ" (or whitespace) character of the token — except one leading space of the
 * first token when add_prefix_space says the pre-tokenizer put it there. Tokens keep their ids
 * and text. The Rust library trims offsets already converted to characters (code points, in
 * encode_char_offsets, what its bindings call), so a "Ġ" standing for a prepended space in front
 * of "猫" moves the start past 猫; we do the same in code points.
 */
export function trimByteLevelOffsets(tokens: Token[], text: string, addPrefixSpace: boolean): Token[] {
  const out = tokens; // the pipeline hands over a fresh array: changed tokens are replaced in place
  for (let i = 0; i < out.length; i++) {
    const t = out[i]!;
    const s = t.text;
    let leading = 0;
    for (let k = 0; k < s.length; ) {
      const cp = s.codePointAt(k)!;
      if (cp !== SPACE_CHAR && !isWhiteSpace(cp)) break;
      leading++;
      k += cp > 0xffff ? 2 : 1;
    }
    if (leading === 0 && !(s.length > 0 && (s.charCodeAt(s.length - 1) === SPACE_CHAR || isWhiteSpace(s.charCodeAt(s.length - 1))))) continue;
    let trailing = 0;
    for (let k = s.length; k > 0; ) {
      const low = s.charCodeAt(k - 1);
      const w = low >= 0xdc00 && low <= 0xdfff && k >= 2 ? 2 : 1;
      const cp = s.codePointAt(k - w)!;
      if (cp !== SPACE_CHAR && !isWhiteSpace(cp)) break;
      trailing++;
      k -= w;
    }
    let { start, end } = t;
    if (leading > 0) {
      const isFirst = i === 0 || start === 0;
      if (isFirst && addPrefixSpace && leading === 1) leading = 0;
      start = forwardCodePoints(text, start, leading, end);
    }
    // The Rust library leaves the end alone when fewer than `trailing` characters precede it.
    if (trailing > 0) end = backCodePoints(text, end, trailing, start) ?? end;
    if (start !== t.start || end !== t.end) out[i] = { id: t.id, text: t.text, start, end, special: t.special };
  }
  return out;
}

function requireBool(json: Record<string, unknown>, key: string, where: string, fallback?: boolean): boolean {
  const v = json[key];
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'boolean') throw new LensError('badFile', `${where}: "${key}" should be true or false, got ${JSON.stringify(v)}`);
  return v;
}

/** tokenizer.json pre_tokenizer `{"type": "ByteLevel", add_prefix_space, trim_offsets, use_regex?}` (as strict as the Rust library). */
export function byteLevelPreTokenizerFromJson(json: Record<string, unknown>, file: string): PreTokenizer {
  const where = `${file}: pre_tokenizer ByteLevel`;
  const addPrefixSpace = requireBool(json, 'add_prefix_space', where);
  requireBool(json, 'trim_offsets', where); // only the post-processor's trim_offsets changes anything
  const useRegex = requireBool(json, 'use_regex', where, true);
  return byteLevelPreTokenizer({ addPrefixSpace, useRegex, what: where });
}

/** tokenizer.json post_processor `{"type": "ByteLevel", …}`: adds no tokens; trims offsets when trim_offsets is true. */
export function byteLevelPostProcessorFromJson(json: Record<string, unknown>, file: string): PostProcessor | undefined {
  const where = `${file}: post_processor ByteLevel`;
  const addPrefixSpace = requireBool(json, 'add_prefix_space', where);
  const trimOffsets = requireBool(json, 'trim_offsets', where);
  requireBool(json, 'use_regex', where, true);
  if (!trimOffsets) return undefined;
  return {
    added: 0,
    apply: tokens => [...tokens],
    adjust: (tokens, text) => trimByteLevelOffsets(tokens, text, addPrefixSpace),
    description: 'ByteLevel: adds no tokens; takes leading and trailing spaces ("Ġ") out of token spans (trim_offsets)',
  };
}
