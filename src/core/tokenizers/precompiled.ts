import { LensError } from '../errors';
import { NormalizedString } from './normalizedString';
import type { Normalizer } from './normalizers';

// Hugging Face's `Precompiled` normalizer: SentencePiece's compiled normalization rules
// (`precompiled_charsmap`, e.g. nmt_nfkc), applied the way the Rust library applies them.
//
// The charsmap is: u32 LE trie size in bytes; that many bytes of u32 LE units forming a
// darts-clone double-array trie over the UTF-8 bytes of the keys; then the pool of normalized
// strings, each ending with NUL. A key's leaf value is the byte offset of its replacement in the
// pool. Unit layout: bit 8 = has a leaf child, bits 0-7 (+ bit 31) = label, offset =
// (unit >> 10) << ((unit & 0x200) >> 6), leaf value = unit & 0x7fffffff.
//
// How Rust applies it (read from its behaviour, verified on the reference corpus): the text is
// cut into extended grapheme clusters. A cluster shorter than 6 UTF-8 bytes is looked up whole,
// and the FIRST (shortest) key that is a prefix of it wins: the whole cluster becomes that key's
// replacement, so marks after a shorter key are dropped. Otherwise each character is looked up
// on its own. Alignment follows NormalizedString::transform: a replacement's characters each
// replace one old character (the last one also eating the rest when it is shorter); extra
// characters count as inserted after the previous one; a replacement that is empty adds its
// characters to the PREVIOUS transformation — and when there is none (deletions at the very
// start), every following character takes the alignment of an earlier one. We reproduce that
// too, because the offsets users see are Rust's.

const CR = 1;
const LF = 2;
const CONTROL = 3;
const EXTEND = 4;
const ZWJ = 5;
const RI = 6;
const PREPEND = 7;
const SPACING_MARK = 8;
const L = 9;
const V = 10;
const T = 11;
const LV = 12;
const LVT = 13;
const OTHER = 14;
const EXT_PICT = 32;
const CLASS_MASK = 31;

// Grapheme_Cluster_Break classes from the properties JavaScript's regexes expose (UAX #29's
// derivations). Prepend and the SpacingMark exceptions are not exposed, so they are listed.
const RE_EXTEND = /[\p{Grapheme_Extend}\p{Emoji_Modifier}]/u;
const RE_CONTROL = /[\p{Cc}\p{Zl}\p{Zp}\p{Cs}\p{Cf}]|(?=\p{Cn})\p{Default_Ignorable_Code_Point}/u;
const RE_MC = /\p{Mc}/u;
const RE_EXT_PICT = /\p{Extended_Pictographic}/u;
const PREPEND_RANGES: readonly (readonly [number, number])[] = [
  [0x600, 0x605], [0x6dd, 0x6dd], [0x70f, 0x70f], [0x890, 0x891], [0x8e2, 0x8e2], [0xd4e, 0xd4e], [0x110bd, 0x110bd], [0x110cd, 0x110cd],
  [0x111c2, 0x111c3], [0x1193f, 0x1193f], [0x11941, 0x11941], [0x11a3a, 0x11a3a], [0x11a84, 0x11a89], [0x11d46, 0x11d46], [0x11f02, 0x11f02],
];
const NOT_SPACING_MARK = new Set([0x102b, 0x102c, 0x1038, 0x1062, 0x1063, 0x1064, 0x1067, 0x1068, 0x1069, 0x106a, 0x106b, 0x106c, 0x106d, 0x1083, 0x1087, 0x1088, 0x1089, 0x108a, 0x108b, 0x108c, 0x108f, 0x109a, 0x109b, 0x109c, 0x1a61, 0x1a63, 0x1a64, 0xaa7b, 0xaa7d, 0x11720, 0x11721]);

function computeClass(cp: number): number {
  const ch = String.fromCodePoint(cp);
  const pict = RE_EXT_PICT.test(ch) ? EXT_PICT : 0;
  if (cp === 0x0d) return CR;
  if (cp === 0x0a) return LF;
  if (cp === 0x200d) return ZWJ;
  if (cp >= 0x1f1e6 && cp <= 0x1f1ff) return RI;
  if (RE_EXTEND.test(ch)) return EXTEND | pict;
  for (const [lo, hi] of PREPEND_RANGES) if (cp >= lo && cp <= hi) return PREPEND;
  if (RE_CONTROL.test(ch)) return CONTROL;
  if ((RE_MC.test(ch) && !NOT_SPACING_MARK.has(cp)) || cp === 0x0e33 || cp === 0x0eb3) return SPACING_MARK;
  if ((cp >= 0x1100 && cp <= 0x115f) || (cp >= 0xa960 && cp <= 0xa97c)) return L;
  if ((cp >= 0x1160 && cp <= 0x11a7) || (cp >= 0xd7b0 && cp <= 0xd7c6)) return V;
  if ((cp >= 0x11a8 && cp <= 0x11ff) || (cp >= 0xd7cb && cp <= 0xd7fb)) return T;
  if (cp >= 0xac00 && cp <= 0xd7a3) return (cp - 0xac00) % 28 === 0 ? LV : LVT;
  return OTHER | pict;
}

const bmpClass = new Uint8Array(0x10000);
const astralClass = new Map<number, number>();

function graphemeClass(cp: number): number {
  if (cp < 0x10000) {
    let c = bmpClass[cp]!;
    if (c === 0) bmpClass[cp] = c = computeClass(cp);
    return c;
  }
  let c = astralClass.get(cp);
  if (c === undefined) astralClass.set(cp, (c = computeClass(cp)));
  return c;
}

/**
 * Whether no grapheme boundary lies between `prev` and `next` (GB3–GB13 of UAX #29). `ri` is the
 * number of regional indicators ending at prev, `emoji` is true after ExtPict Extend* ZWJ.
 * GB9c (Indic conjuncts) is left out on purpose: it only joins clusters of ≥ 6 UTF-8 bytes,
 * which are looked up character by character either way.
 */
function joins(prev: number, next: number, ri: number, emoji: boolean): boolean {
  const p = prev & CLASS_MASK;
  const n = next & CLASS_MASK;
  if (p === CR) return n === LF;
  if (p === LF || p === CONTROL || n === CR || n === LF || n === CONTROL) return false;
  if (p === L) return n === L || n === V || n === LV || n === LVT || n === EXTEND || n === ZWJ || n === SPACING_MARK;
  if ((p === LV || p === V) && (n === V || n === T)) return true;
  if ((p === LVT || p === T) && n === T) return true;
  if (n === EXTEND || n === ZWJ || n === SPACING_MARK) return true;
  if (p === PREPEND) return true;
  if (p === ZWJ && emoji && (next & EXT_PICT) !== 0) return true;
  return p === RI && n === RI && ri % 2 === 1;
}

function utf8Length(cp: number): number {
  return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

/** Standard base64; padding optional (the Rust library accepts both). Invalid input → null. */
function decodeBase64(s: string): Uint8Array | null {
  const body = s.replace(/={1,2}$/, '');
  if (body.length % 4 === 1 || (body.length !== s.length && s.length % 4 !== 0)) return null;
  const out = new Uint8Array(Math.floor((body.length * 3) / 4));
  let bits = 0;
  let nbits = 0;
  let o = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body.charCodeAt(i);
    const v = c >= 65 && c <= 90 ? c - 65 : c >= 97 && c <= 122 ? c - 71 : c >= 48 && c <= 57 ? c + 4 : c === 43 ? 62 : c === 47 ? 63 : -1;
    if (v < 0) return null;
    bits = ((bits << 6) | v) & 0xffffff;
    nbits += 6;
    if (nbits >= 8) {
      nbits -= 8;
      out[o++] = (bits >> nbits) & 0xff;
    }
  }
  // Non-zero leftover bits mean a non-canonical encoding, which Rust's decoder rejects.
  return (bits & ((1 << nbits) - 1)) === 0 ? out : null;
}

/** A parsed `precompiled_charsmap`: a double-array trie of keys and the pool of replacements. */
export class PrecompiledCharsmap {
  private readonly units: Uint32Array;
  private readonly pool: Uint8Array;
  private readonly rootOffset: number;
  /** Replacement strings by pool offset (decoded once). */
  private readonly decoded = new Map<number, string>();
  /** Per code point: -2 not looked up yet, -1 no key, else the pool offset of its replacement. */
  private readonly bmp = new Int32Array(0x10000).fill(-2);
  private readonly astral = new Map<number, number>();

  private constructor(units: Uint32Array, pool: Uint8Array, private readonly file: string) {
    this.units = units;
    this.pool = pool;
    this.rootOffset = offsetOf(units[0]!);
  }

  /** Parses the charsmap bytes; a layout we cannot read is an `unsupported` error. */
  static fromBytes(bytes: Uint8Array, file: string): PrecompiledCharsmap {
    const fail = (why: string): never => {
      throw new LensError('unsupported', `${file}: Precompiled normalizer: cannot read precompiled_charsmap (${why}); expected SentencePiece's layout: u32 trie size, darts-clone trie, NUL-separated UTF-8 pool`);
    };
    if (bytes.length < 4) fail(`${bytes.length} bytes, too short for the trie size`);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const trieBytes = view.getUint32(0, true);
    const count = Math.floor(trieBytes / 4);
    if (count === 0) fail('the trie is empty');
    if (4 + count * 4 > bytes.length) fail(`the trie size says ${trieBytes} bytes but only ${bytes.length - 4} follow`);
    const units = new Uint32Array(count);
    for (let i = 0; i < count; i++) units[i] = view.getUint32(4 + i * 4, true);
    const pool = bytes.subarray(4 + count * 4);
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(pool);
    } catch {
      fail('the pool of normalized strings is not valid UTF-8');
    }
    return new PrecompiledCharsmap(units, pool, file);
  }

  /** Parses the base64 `precompiled_charsmap` of a tokenizer.json. */
  static fromBase64(b64: string, file: string): PrecompiledCharsmap {
    const bytes = decodeBase64(b64);
    if (!bytes) throw new LensError('badFile', `${file}: Precompiled normalizer: precompiled_charsmap is not valid base64`);
    return PrecompiledCharsmap.fromBytes(bytes, file);
  }

  /**
   * The pool offset of the replacement for the first (shortest) key that is a prefix of
   * text[start, end) (code points fed as UTF-8 bytes), or -1 when no key is.
   */
  firstMatch(text: string, start: number, end: number): number {
    const units = this.units;
    let pos = this.rootOffset;
    for (let i = start; i < end; ) {
      const cp = text.codePointAt(i)!;
      i += cp > 0xffff ? 2 : 1;
      // The UTF-8 bytes of cp, one at a time.
      const n = utf8Length(cp);
      for (let k = 0; k < n; k++) {
        const byte = n === 1 ? cp : k === 0 ? ((0xf00 >> n) & 0xff) | (cp >> (6 * (n - 1))) : 0x80 | ((cp >> (6 * (n - 1 - k))) & 0x3f);
        if (byte === 0) return -1; // Rust stops the search at a NUL byte
        pos ^= byte;
        if (pos >= units.length) this.malformed();
        const unit = units[pos]!;
        if ((unit & 0x800000ff) >>> 0 !== byte) return -1;
        pos ^= offsetOf(unit);
        if ((unit >>> 8) & 1) {
          if (pos >= units.length) this.malformed();
          return units[pos]! & 0x7fffffff;
        }
      }
    }
    return -1;
  }

  /** The replacement of one code point on its own, as a pool offset (-1: none). Cached. */
  charMatch(cp: number, text: string, at: number, width: number): number {
    if (cp < 0x10000) {
      let m = this.bmp[cp]!;
      if (m === -2) this.bmp[cp] = m = this.firstMatch(text, at, at + width);
      return m;
    }
    let m = this.astral.get(cp);
    if (m === undefined) this.astral.set(cp, (m = this.firstMatch(text, at, at + width)));
    return m;
  }

  /** The replacement string stored at a pool offset (up to its NUL). */
  replacement(offset: number): string {
    let s = this.decoded.get(offset);
    if (s !== undefined) return s;
    const pool = this.pool;
    if (offset > pool.length || (offset < pool.length && (pool[offset]! & 0xc0) === 0x80)) {
      throw new LensError('unsupported', `${this.file}: Precompiled normalizer: a trie value points at byte ${offset}, which is not the start of a string in the ${pool.length}-byte pool`);
    }
    let end = offset;
    while (end < pool.length && pool[end] !== 0) end++;
    s = new TextDecoder('utf-8').decode(pool.subarray(offset, end));
    this.decoded.set(offset, s);
    return s;
  }

  private malformed(): never {
    throw new LensError('unsupported', `${this.file}: Precompiled normalizer: the precompiled_charsmap trie is malformed (an index runs past its ${this.units.length} units)`);
  }
}

function offsetOf(unit: number): number {
  return ((unit >>> 10) << ((unit & 0x200) >>> 6)) >>> 0;
}

/** Growable alignment arrays for a rewritten string. */
class AlignmentBuilder {
  start: Int32Array;
  end: Int32Array;
  length = 0;
  constructor(capacity: number) {
    this.start = new Int32Array(Math.max(16, capacity));
    this.end = new Int32Array(Math.max(16, capacity));
  }
  push(s: number, e: number, count: number): void {
    if (this.length + count > this.start.length) {
      const cap = Math.max(this.start.length * 2, this.length + count);
      const ns = new Int32Array(cap);
      const ne = new Int32Array(cap);
      ns.set(this.start.subarray(0, this.length));
      ne.set(this.end.subarray(0, this.length));
      this.start = ns;
      this.end = ne;
    }
    for (let k = 0; k < count; k++) {
      this.start[this.length] = s;
      this.end[this.length++] = e;
    }
  }
}

/**
 * Builds the rewritten string the way Rust's NormalizedString::transform aligns it. Unchanged
 * characters are copied in runs while nothing lags (the common case); `consumed` is the next
 * old unit a new character takes its alignment from. While every replacement is one character
 * of the same UTF-16 width (nmt_nfkc's \n → " ", Ａ → A), unit i of the result still aligns like
 * unit i of the input: no alignment arrays are built, and an identity string stays identity.
 */
class Rewriter {
  private readonly parts: string[] = [];
  /** Null while the result has the input's shape (see above). */
  private align: AlignmentBuilder | null = null;
  private consumed: number;
  private runStart = 0;
  private runEnd: number;
  private emittedAny: boolean;

  /** Everything before `upTo` was left unchanged. */
  constructor(
    private readonly s: NormalizedString,
    upTo: number,
  ) {
    this.runEnd = this.consumed = upTo;
    this.emittedAny = upTo > 0;
  }

  private width(at: number): number {
    const src = this.s.normalized;
    const c = src.charCodeAt(at);
    return c >= 0xd800 && c <= 0xdbff && at + 1 < src.length && (src.charCodeAt(at + 1) & 0xfc00) === 0xdc00 ? 2 : 1;
  }

  private flush(): void {
    const { s, runStart, runEnd, align } = this;
    if (runEnd > runStart) {
      this.parts.push(s.normalized.slice(runStart, runEnd));
      if (align) for (let i = runStart; i < runEnd; i++) align.push(s.startOf(i), s.endOf(i), 1);
    }
    this.runStart = runEnd;
  }

  /** One unchanged character at old [at, at + w): a `(c, 0)` transformation. */
  keep(at: number, w: number): void {
    this.emittedAny = true;
    if (this.consumed === at) {
      if (this.runEnd !== at) {
        this.flush();
        this.runStart = at;
      }
      this.runEnd = this.consumed = at + w;
      return;
    }
    // Something lags (deletions at the start): the character takes an earlier one's alignment.
    this.flush();
    const from = this.consumed;
    this.consumed += this.width(from);
    this.parts.push(this.s.normalized.slice(at, at + w));
    this.align!.push(this.s.startOf(from), this.s.endOf(from), w);
  }

  /** Rust's `replace(transformations, old, new)`: `oldChars` characters become `text`. */
  replace(oldChars: number, text: string): void {
    this.flush();
    const s = this.s;
    if (!this.align) {
      const w = this.width(this.consumed);
      if (oldChars === 1 && text.length === w && (w === 1 || text.codePointAt(0)! > 0xffff)) {
        this.parts.push(text);
        this.runStart = this.runEnd = this.consumed += w;
        this.emittedAny = true;
        return;
      }
      // The shape changes here: everything so far aligned one to one with the input.
      this.align = new AlignmentBuilder(s.length + 16);
      for (let i = 0; i < this.consumed; i++) this.align.push(s.startOf(i), s.endOf(i), 1);
    }
    const align = this.align;
    let newChars = 0;
    for (let k = 0; k < text.length; ) {
      const cw = text.codePointAt(k)! > 0xffff ? 2 : 1;
      if (newChars < oldChars) {
        // Replaces one old character: takes its alignment, and consumes it.
        const from = this.consumed;
        this.consumed += this.width(from);
        align.push(s.startOf(from), s.endOf(from), cw);
      } else {
        // Inserted: shares the alignment of the last consumed unit.
        const prev = this.consumed - 1;
        if (prev < 0) align.push(s.originalStart, s.originalStart, cw);
        else align.push(s.startOf(prev), s.endOf(prev), cw);
      }
      newChars++;
      k += cw;
    }
    this.parts.push(text);
    // Fewer new characters: the last transformation (this one's, or the previous one's when the
    // replacement is empty) eats the rest; with no transformation before, nothing is eaten.
    if (newChars < oldChars && (newChars > 0 || this.emittedAny)) {
      for (let k = newChars; k < oldChars; k++) this.consumed += this.width(this.consumed);
    }
    if (newChars > 0) this.emittedAny = true;
    this.runStart = this.runEnd = this.consumed;
  }

  finish(): NormalizedString {
    this.flush();
    const { align, s } = this;
    const text = this.parts.join('');
    if (!align) {
      if (s.isIdentity) return NormalizedString.fromOriginal(text, s.originalStart);
      const { start, end } = s.alignments();
      return NormalizedString.fromAlignments(text, start, end, s.originalStart, s.originalEnd);
    }
    return NormalizedString.fromAlignments(text, align.start.slice(0, align.length), align.end.slice(0, align.length), s.originalStart, s.originalEnd);
  }
}

/** Applies a charsmap to a normalized string, with Rust's grapheme rules and alignments. */
export function applyPrecompiled(map: PrecompiledCharsmap, s: NormalizedString): NormalizedString {
  const src = s.normalized;
  const n = src.length;
  let out: Rewriter | null = null; // created at the first change: most text is left as it is
  let i = 0;
  while (i < n) {
    // The grapheme cluster [i, end).
    const cp = src.codePointAt(i)!;
    const w = cp > 0xffff ? 2 : 1;
    let end = i + w;
    let prevClass = graphemeClass(cp);
    let ri = (prevClass & CLASS_MASK) === RI ? 1 : 0;
    let emoji = (prevClass & EXT_PICT) !== 0 ? 1 : 0; // 1: ExtPict Extend*, 2: … ZWJ
    let bytes = utf8Length(cp);
    let chars = 1;
    while (end < n) {
      const next = src.codePointAt(end)!;
      const nextClass = graphemeClass(next);
      if (!joins(prevClass, nextClass, ri, emoji === 2)) break;
      const nc = nextClass & CLASS_MASK;
      ri = nc === RI ? ri + 1 : 0;
      emoji = (nextClass & EXT_PICT) !== 0 ? 1 : emoji === 1 && nc === EXTEND ? 1 : emoji === 1 && nc === ZWJ ? 2 : 0;
      prevClass = nextClass;
      bytes += utf8Length(next);
      chars++;
      end += next > 0xffff ? 2 : 1;
    }

    const whole = chars === 1 ? map.charMatch(cp, src, i, w) : bytes < 6 ? map.firstMatch(src, i, end) : -1;
    if (whole >= 0) {
      out ??= new Rewriter(s, i);
      out.replace(chars, map.replacement(whole));
    } else if (chars === 1) {
      out?.keep(i, w);
    } else {
      for (let k = i; k < end; ) {
        const c = src.codePointAt(k)!;
        const cw = c > 0xffff ? 2 : 1;
        const m = map.charMatch(c, src, k, cw);
        if (m >= 0) {
          out ??= new Rewriter(s, k);
          out.replace(1, map.replacement(m));
        } else out?.keep(k, cw);
        k += cw;
      }
    }
    i = end;
  }
  return out ? out.finish() : s;
}

/** `Precompiled` from its tokenizer.json object. */
export function precompiledNormalizerFromJson(json: Record<string, unknown>, file: string): Normalizer {
  const b64 = json.precompiled_charsmap;
  if (typeof b64 !== 'string') throw new LensError('badFile', `${file}: Precompiled normalizer needs "precompiled_charsmap" (a base64 string)`);
  const map = PrecompiledCharsmap.fromBase64(b64, file);
  return s => applyPrecompiled(map, s);
}
