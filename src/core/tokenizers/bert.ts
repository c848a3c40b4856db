// BERT's text handling as Hugging Face's Rust `tokenizers` library does it: the BertNormalizer
// (clean_text, handle_chinese_chars, strip_accents, lowercase), the BertPreTokenizer (split on
// whitespace, isolate punctuation), and the BERT pipeline for a plain WordPiece vocab.txt.
import { LensError } from '../errors';
import type { Vocab } from './models/vocab';
import { WordPieceModel } from './models/wordPiece';
import { NormalizedString } from './normalizedString';
import type { Normalizer } from './normalizers';
import { PipelineTokenizer, type AddedToken } from './pipelineTokenizer';
import { postProcessorFromJson } from './postProcessors';
import type { PreTokenizer } from './preTokenizers';
import type { Tokenizer } from './types';

// ---- Character classes ---------------------------------------------------------------------
// The Rust library classifies characters with its own Unicode tables, some of them years older
// than JavaScript's (its "control", "non-spacing mark" and "punctuation" tables, and the
// normalization data behind NFD): a mark added to Unicode since is neither stripped nor reordered
// there, and a newer punctuation sign is part of a word. So these sets are not JavaScript's
// \p{...} classes but the Rust library's own, measured on it by
// `scripts/build-bert-tokenizer.ts --unicode-tables` and checked over every code point by
// test/unit/tokenizers/wordPieceBert.test.ts. Hex code point ranges, "a-b" or "a".

/** clean_text removes these: controls (but \t \n \r), formats, private use, U+0000 and U+FFFD. */
const REMOVED_RANGES =
  '0-8 b-c e-1f 7f-9f ad 600-605 61c 6dd 70f 180e 200b-200f 202a-202e 2060-2064 2066-206f e000-f8ff feff fff9-fffb fffd 110bd 1bca0-1bca3 1d173-1d17a e0001 e0020-e007f f0000-ffffd 100000-10fffd';

/** Rust's char::is_whitespace (Unicode White_Space): clean_text makes them spaces; the pre-tokenizer splits on them. */
const SPACE_RANGES = '9-d 20 85 a0 1680 2000-200a 2028-2029 202f 205f 3000';

/** handle_chinese_chars puts spaces around these (BERT's "CJK Unified Ideographs" blocks, as the Rust library lists them). */
const CJK_RANGES = '3400-4dbf 4e00-9fff f900-faff 20000-2a6df 2a700-2b73f 2b740-2b81f 2b920-2ceaf 2f800-2fa1f';

/** strip_accents removes these after NFD: non-spacing marks (Mn) in the Rust library's table. */
const STRIPPED_RANGES =
  '300-33f 342 345-36f 483-487 591-5bd 5bf 5c1-5c2 5c4-5c5 5c7 610-61a 64b-65f 670 6d6-6dc 6df-6e4 6e7-6e8 6ea-6ed 711 730-74a 7a6-7b0 7eb-7f3 816-819 81b-823 825-827 829-82d 859-85b 8e3-902 93a 93c 941-948 94d 951-957 962-963 981 9bc 9c1-9c4 9cd 9e2-9e3 a01-a02 a3c a41-a42 a47-a48 a4b-a4d a51 a70-a71 a75 a81-a82 abc ac1-ac5 ac7-ac8 acd ae2-ae3 b01 b3c b3f b41-b44 b4d b56 b62-b63 b82 bc0 bcd c00 c3e-c40 c46-c47 c4a-c4d c55-c56 c62-c63 c81 cbc cbf cc6 ccc-ccd ce2-ce3 d01 d41-d44 d4d d62-d63 dca dd2-dd4 dd6 e31 e34-e3a e47-e4e eb1 eb4-eb9 ebb-ebc ec8-ecd f18-f19 f35 f37 f39 f71-f72 f74 f77 f79-f7e f80 f82-f84 f86-f87 f8d-f92 f94-f97 f99-f9c f9e-fa1 fa3-fa6 fa8-fab fad-fb8 fba-fbc fc6 102d-1030 1032-1037 1039-103a 103d-103e 1058-1059 105e-1060 1071-1074 1082 1085-1086 108d 109d 135d-135f 1712-1714 1732-1734 1752-1753 1772-1773 17b4-17b5 17b7-17bd 17c6 17c9-17d3 17dd 180b-180d 18a9 1920-1922 1927-1928 1932 1939-193b 1a17-1a18 1a1b 1a56 1a58-1a5e 1a60 1a62 1a65-1a6c 1a73-1a7c 1a7f 1ab0-1abd 1b00-1b03 1b34 1b36-1b3a 1b3c 1b42 1b6b-1b73 1b80-1b81 1ba2-1ba5 1ba8-1ba9 1bab-1bad 1be6 1be8-1be9 1bed 1bef-1bf1 1c2c-1c33 1c36-1c37 1cd0-1cd2 1cd4-1ce0 1ce2-1ce8 1ced 1cf4 1cf8-1cf9 1dc0-1df5 1dfc-1dff 20d0-20dc 20e1 20e5-20f0 2cef-2cf1 2d7f 2de0-2dff 302a-302d 3099-309a a66f a674-a67d a69e-a69f a6f0-a6f1 a802 a806 a80b a825-a826 a8c4 a8e0-a8f1 a926-a92d a947-a951 a980-a982 a9b3 a9b6-a9b9 a9bc a9e5 aa29-aa2e aa31-aa32 aa35-aa36 aa43 aa4c aa7c aab0 aab2-aab4 aab7-aab8 aabe-aabf aac1 aaec-aaed aaf6 abe5 abe8 abed fb1e fe00-fe0f fe20-fe2f 101fd 102e0 10376-1037a 10a01-10a03 10a05-10a06 10a0c-10a0f 10a38-10a3a 10a3f 10ae5-10ae6 11001 11038-11046 1107f-11081 110b3-110b6 110b9-110ba 11100-11102 11127-1112b 1112d 11130-11134 11173 11180-11181 111b6-111be 111ca-111cc 1122f-11231 11234 11236-11237 112df 112e3-112ea 11300-11301 1133c 11340 11366-1136c 11370-11374 114b3-114b8 114ba 114bf-114c0 114c2-114c3 115b2-115b5 115bc-115bd 115bf-115c0 115dc-115dd 11633-1163a 1163d 1163f-11640 116ab 116ad 116b0-116b5 116b7 1171d-1171f 11722-11725 11727-1172b 16af0-16af4 16b30-16b36 16f8f-16f92 1bc9d-1bc9e 1d167-1d169 1d17b-1d182 1d185-1d18b 1d1aa-1d1ad 1d242-1d244 1da00-1da36 1da3b-1da6c 1da75 1da84 1da9b-1da9f 1daa1-1daaf 1e8d0-1e8d6 e0100-e01ef';

/** Non-starters (canonical combining class > 0) in the Rust library's NFD data: NFD sorts runs of them. */
const NON_STARTER_RANGES =
  '300-33f 342 345-34e 350-36f 483-487 591-5bd 5bf 5c1-5c2 5c4-5c5 5c7 610-61a 64b-65f 670 6d6-6dc 6df-6e4 6e7-6e8 6ea-6ed 711 730-74a 7eb-7f3 816-819 81b-823 825-827 829-82d 859-85b 8d4-8e1 8e3-8ff 93c 94d 951-954 9bc 9cd a3c a4d abc acd b3c b4d bcd c4d c55-c56 cbc ccd d4d dca e38-e3a e48-e4b eb8-eb9 ec8-ecb f18-f19 f35 f37 f39 f71-f72 f74 f7a-f7d f80 f82-f84 f86-f87 fc6 1037 1039-103a 108d 135d-135f 1714 1734 17d2 17dd 18a9 1939-193b 1a17-1a18 1a60 1a75-1a7c 1a7f 1ab0-1abd 1b34 1b44 1b6b-1b73 1baa-1bab 1be6 1bf2-1bf3 1c37 1cd0-1cd2 1cd4-1ce0 1ce2-1ce8 1ced 1cf4 1cf8-1cf9 1dc0-1df5 1dfb-1dff 20d0-20dc 20e1 20e5-20f0 2cef-2cf1 2d7f 2de0-2dff 302a-302f 3099-309a a66f a674-a67d a69e-a69f a6f0-a6f1 a806 a8c4 a8e0-a8f1 a92b-a92d a953 a9b3 a9c0 aab0 aab2-aab4 aab7-aab8 aabe-aabf aac1 aaf6 abed fb1e fe20-fe2f 101fd 102e0 10376-1037a 10a0d 10a0f 10a38-10a3a 10a3f 10ae5-10ae6 11046 1107f 110b9-110ba 11100-11102 11133-11134 11173 111c0 111ca 11235-11236 112e9-112ea 1133c 1134d 11366-1136c 11370-11374 11442 11446 114c2-114c3 115bf-115c0 1163f 116b6-116b7 1172b 11c3f 16af0-16af4 16b30-16b36 1bc9e 1d165-1d169 1d16d-1d172 1d17b-1d182 1d185-1d18b 1d1aa-1d1ad 1d242-1d244 1e000-1e006 1e008-1e018 1e01b-1e021 1e023-1e024 1e026-1e02a 1e8d0-1e8d6 1e944-1e94a';

/** Characters JavaScript's NFD decomposes but the Rust library's (older) NFD data leaves whole. */
const NOT_DECOMPOSED_RANGES = '105c9 105e4 11383 11385 1138e 11391 113c5 113c7-113c8 11938 16121-16128 16d68-16d6a';

/** The BertPreTokenizer isolates these: ASCII punctuation and Unicode P* in the Rust library's table. */
const PUNCTUATION_RANGES =
  '21-2f 3a-40 5b-60 7b-7e a1 a7 ab b6-b7 bb bf 37e 387 55a-55f 589-58a 5be 5c0 5c3 5c6 5f3-5f4 609-60a 60c-60d 61b 61e-61f 66a-66d 6d4 700-70d 7f7-7f9 830-83e 85e 964-965 970 af0 df4 e4f e5a-e5b f04-f12 f14 f3a-f3d f85 fd0-fd4 fd9-fda 104a-104f 10fb 1360-1368 1400 166d-166e 169b-169c 16eb-16ed 1735-1736 17d4-17d6 17d8-17da 1800-180a 1944-1945 1a1e-1a1f 1aa0-1aa6 1aa8-1aad 1b5a-1b60 1bfc-1bff 1c3b-1c3f 1c7e-1c7f 1cc0-1cc7 1cd3 2010-2027 2030-2043 2045-2051 2053-205e 207d-207e 208d-208e 2308-230b 2329-232a 2768-2775 27c5-27c6 27e6-27ef 2983-2998 29d8-29db 29fc-29fd 2cf9-2cfc 2cfe-2cff 2d70 2e00-2e2e 2e30-2e42 3001-3003 3008-3011 3014-301f 3030 303d 30a0 30fb a4fe-a4ff a60d-a60f a673 a67e a6f2-a6f7 a874-a877 a8ce-a8cf a8f8-a8fa a8fc a92e-a92f a95f a9c1-a9cd a9de-a9df aa5c-aa5f aade-aadf aaf0-aaf1 abeb fd3e-fd3f fe10-fe19 fe30-fe52 fe54-fe61 fe63 fe68 fe6a-fe6b ff01-ff03 ff05-ff0a ff0c-ff0f ff1a-ff1b ff1f-ff20 ff3b-ff3d ff3f ff5b ff5d ff5f-ff65 10100-10102 1039f 103d0 1056f 10857 1091f 1093f 10a50-10a58 10a7f 10af0-10af6 10b39-10b3f 10b99-10b9c 11047-1104d 110bb-110bc 110be-110c1 11140-11143 11174-11175 111c5-111c9 111cd 111db 111dd-111df 11238-1123d 112a9 114c6 115c1-115d7 11641-11643 1173c-1173e 12470-12474 16a6e-16a6f 16af5 16b37-16b3b 16b44 1bc9f 1da87-1da8b';

const REMOVED = 1;
const SPACE = 2;
const CJK = 4;
const STRIPPED = 8;
const NON_STARTER = 16;
const NOT_DECOMPOSED = 32;
const PUNCTUATION = 64;

const TABLES: readonly (readonly [number, string])[] = [
  [REMOVED, REMOVED_RANGES],
  [SPACE, SPACE_RANGES],
  [CJK, CJK_RANGES],
  [STRIPPED, STRIPPED_RANGES],
  [NON_STARTER, NON_STARTER_RANGES],
  [NOT_DECOMPOSED, NOT_DECOMPOSED_RANGES],
  [PUNCTUATION, PUNCTUATION_RANGES],
];

/** Flags of every BMP code point (lone surrogates count as U+FFFD, which is what Rust would see). */
let bmpFlags: Uint8Array | undefined;
/** Astral code points: sorted ranges [start, end] with their flags. */
let astralStarts: Int32Array = new Int32Array(0);
let astralEnds: Int32Array = new Int32Array(0);
let astralFlags: Uint8Array = new Uint8Array(0);

function buildTables(): Uint8Array {
  const flags = new Uint8Array(0x10000);
  const astral: [number, number, number][] = [];
  for (const [flag, text] of TABLES) {
    for (const range of text.split(' ')) {
      const dash = range.indexOf('-');
      const lo = parseInt(dash < 0 ? range : range.slice(0, dash), 16);
      const hi = dash < 0 ? lo : parseInt(range.slice(dash + 1), 16);
      for (let cp = lo; cp <= Math.min(hi, 0xffff); cp++) flags[cp]! |= flag;
      if (hi > 0xffff) astral.push([Math.max(lo, 0x10000), hi, flag]);
    }
  }
  for (let cp = 0xd800; cp <= 0xdfff; cp++) flags[cp] = REMOVED;
  // Cut the astral ranges into disjoint pieces so that one binary search gives all flags.
  const cuts = [...new Set(astral.flatMap(([lo, hi]) => [lo, hi + 1]))].sort((a, b) => a - b);
  const starts: number[] = [];
  const ends: number[] = [];
  const fl: number[] = [];
  for (let k = 0; k + 1 < cuts.length; k++) {
    const lo = cuts[k]!;
    const hi = cuts[k + 1]! - 1;
    let f = 0;
    for (const [a, b, flag] of astral) if (a <= lo && hi <= b) f |= flag;
    if (f !== 0) {
      starts.push(lo);
      ends.push(hi);
      fl.push(f);
    }
  }
  astralStarts = Int32Array.from(starts);
  astralEnds = Int32Array.from(ends);
  astralFlags = Uint8Array.from(fl);
  return flags;
}

function flagsOf(cp: number): number {
  if (cp < 0x10000) return (bmpFlags ??= buildTables())[cp]!;
  let lo = 0;
  let hi = astralStarts.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (cp < astralStarts[mid]!) hi = mid - 1;
    else if (cp > astralEnds[mid]!) lo = mid + 1;
    else return astralFlags[mid]!;
  }
  return 0;
}

// Lowercase and NFD of one code point, cached: JavaScript's per-code-point toLowerCase equals
// Rust's char::to_lowercase (the test checks every code point); NFD comes from String.normalize,
// minus the decompositions the Rust library does not know.
/** BMP lowercase: -1 not computed yet, -2 more than one unit (see lowerLong), else the unit. */
const lowerUnit = new Int32Array(0x10000).fill(-1);
const lowerLong = new Map<number, string>();
/** BMP NFD: 0 not computed yet, 1 itself, 2 decomposes (see decomposition). */
const decomposeState = new Uint8Array(0x10000);
const decomposition = new Map<number, Int32Array>();

function decompose(cp: number): Int32Array | undefined {
  if (cp < 0x10000) {
    const st = decomposeState[cp]!;
    if (st === 1) return undefined;
    if (st === 2) return decomposition.get(cp);
  } else {
    const known = decomposition.get(cp);
    if (known) return known;
  }
  const ch = String.fromCodePoint(cp);
  const d = ch.normalize('NFD');
  let result: Int32Array | undefined;
  if (d !== ch && (flagsOf(cp) & NOT_DECOMPOSED) === 0) {
    result = Int32Array.from(d, c => c.codePointAt(0)!);
    decomposition.set(cp, result);
  }
  if (cp < 0x10000) decomposeState[cp] = result ? 2 : 1;
  return result;
}

// ---- BertNormalizer ----------------------------------------------------------------------

/** The BertNormalizer's options, as tokenizer.json names them (strip_accents null = follow lowercase). */
export interface BertNormalizerOptions {
  readonly cleanText: boolean;
  readonly handleChineseChars: boolean;
  readonly stripAccents: boolean | null;
  readonly lowercase: boolean;
}

/** Output under construction: UTF-16 units and, for each, its original range. */
class Output {
  units = new Uint16Array(256);
  starts = new Int32Array(256);
  ends = new Int32Array(256);
  length = 0;

  reset(capacity: number): void {
    this.length = 0;
    if (this.units.length < capacity) this.grow(capacity);
  }

  grow(min: number): void {
    const size = Math.max(min, this.units.length * 2);
    const units = new Uint16Array(size);
    const starts = new Int32Array(size);
    const ends = new Int32Array(size);
    units.set(this.units.subarray(0, this.length));
    starts.set(this.starts.subarray(0, this.length));
    ends.set(this.ends.subarray(0, this.length));
    this.units = units;
    this.starts = starts;
    this.ends = ends;
  }

  push(unit: number, start: number, end: number): void {
    if (this.length === this.units.length) this.grow(this.length + 1);
    const k = this.length++;
    this.units[k] = unit;
    this.starts[k] = start;
    this.ends[k] = end;
  }

  pushCodePoint(cp: number, start: number, end: number): void {
    if (cp < 0x10000) this.push(cp, start, end);
    else {
      this.push(0xd800 + ((cp - 0x10000) >> 10), start, end);
      this.push(0xdc00 + ((cp - 0x10000) & 0x3ff), start, end);
    }
  }

  text(): string {
    const parts: string[] = [];
    for (let i = 0; i < this.length; i += 8192) {
      parts.push(String.fromCharCode.apply(null, this.units.subarray(i, Math.min(this.length, i + 8192)) as unknown as number[]));
    }
    return parts.join('');
  }
}

/** A pending run of non-starters (NFD reorders them by combining class before accents are stripped). */
interface RunChar {
  cp: number;
  /** 0: first character of its source's decomposition (consumes the source); 1: added after it. */
  change: number;
  start: number;
  end: number;
}

/**
 * The BertNormalizer: in Hugging Face's order, clean_text (drop controls and U+FFFD, whitespace →
 * space), handle_chinese_chars (space around each CJK ideograph), strip_accents (NFD, then drop
 * non-spacing marks) and lowercase. Each output unit keeps the original range of the character it
 * came from, so offsets map back to the input (an accent stripped from "é" leaves "e" spanning
 * "é"; a Hangul syllable decomposed into jamo gives each jamo the syllable's span).
 */
class BertNormalizer {
  private readonly strip: boolean;
  /** What each ASCII unit becomes (-1: removed). */
  private readonly ascii = new Int16Array(128);
  private readonly out = new Output();
  private run: RunChar[] = [];
  private runLength = 0;

  constructor(private readonly options: BertNormalizerOptions) {
    this.strip = options.stripAccents ?? options.lowercase;
    for (let c = 0; c < 128; c++) {
      let u = c;
      if (options.cleanText) {
        if (c === 9 || c === 10 || c === 13) u = 32;
        else if ((flagsOf(c) & REMOVED) !== 0) u = -1;
      }
      if (options.lowercase && u >= 65 && u <= 90) u += 32;
      this.ascii[c] = u;
    }
  }

  /** True when the normalizer leaves this (non-ASCII) code point exactly as it is. */
  private keeps(cp: number): boolean {
    const f = flagsOf(cp);
    const o = this.options;
    if (o.cleanText && (f & (REMOVED | SPACE)) !== 0) return false;
    if (o.handleChineseChars && (f & CJK) !== 0) return false;
    if (this.strip && ((f & STRIPPED) !== 0 || decompose(cp) !== undefined)) return false;
    if (o.lowercase && lower(cp) !== cp) return false;
    return true;
  }

  normalize(s: NormalizedString): NormalizedString {
    const src = s.normalized;
    const n = src.length;
    // Most text changes somewhere (a capital, a newline); find where, and copy what comes before.
    let first = 0;
    let afterNonStarter = false;
    while (first < n) {
      const c = src.charCodeAt(first);
      if (c < 128) {
        if (this.ascii[c] !== c) break;
        afterNonStarter = false;
        first++;
        continue;
      }
      const cp = src.codePointAt(first)!;
      if (!this.keeps(cp)) break;
      if (this.strip && (flagsOf(cp) & NON_STARTER) !== 0) {
        // Two non-starters in a row may be out of canonical order: NFD would sort them.
        if (afterNonStarter) break;
        afterNonStarter = true;
      } else afterNonStarter = false;
      first += cp > 0xffff ? 2 : 1;
    }
    if (first === n) return s;
    // NFD may reorder the non-starters just before the change with those after it: start before them.
    while (this.strip && first > 0) {
      const low = src.charCodeAt(first - 1);
      const w = isLow(low) && first > 1 && isHigh(src.charCodeAt(first - 2)) ? 2 : 1;
      const cp = w === 2 ? src.codePointAt(first - 2)! : low;
      if (cp < 0x80 || (flagsOf(cp) & NON_STARTER) === 0) break;
      first -= w;
    }

    const out = this.out;
    out.reset(n + 16);
    const identity = s.isIdentity;
    const base = s.originalStart;
    for (let i = 0; i < first; i++) out.push(src.charCodeAt(i), identity ? base + i : s.startOf(i), identity ? base + i + 1 : s.endOf(i));
    if (identity) {
      // A surrogate pair copied above spans its whole character.
      for (let i = 0; i + 1 < first; i++) {
        if (isHigh(src.charCodeAt(i)) && isLow(src.charCodeAt(i + 1))) {
          out.ends[i] = base + i + 2;
          out.starts[i + 1] = base + i;
          i++;
        }
      }
    }
    const { cleanText, handleChineseChars } = this.options;
    for (let i = first; i < n; ) {
      const c = src.charCodeAt(i);
      let cp = c;
      let w = 1;
      if (isHigh(c) && i + 1 < n && isLow(src.charCodeAt(i + 1))) {
        cp = src.codePointAt(i)!;
        w = 2;
      }
      const start = identity ? base + i : s.startOf(i);
      const end = identity ? base + i + w : s.endOf(i + w - 1);
      i += w;
      if (c < 128) {
        const u = this.ascii[c]!;
        if (u < 0) continue;
        if (this.runLength > 0) this.flushRun();
        out.push(u, start, end);
        continue;
      }
      const f = flagsOf(cp);
      if (cleanText) {
        if ((f & REMOVED) !== 0) continue;
        if ((f & SPACE) !== 0) cp = 32;
      }
      if (handleChineseChars && (f & CJK) !== 0) {
        this.accent(32, start, end);
        this.accent(cp, start, end);
        this.accent(32, start, end);
      } else {
        this.accent(cp, start, end);
      }
    }
    if (this.runLength > 0) this.flushRun();
    const len = out.length;
    // Often every unit still maps onto its own original unit (capitals lowercased, newlines made
    // spaces): then the result is an identity string, and its pieces need no alignment arrays.
    const text = out.text();
    if (identity && len === n && isShiftedIdentity(text, out.starts, out.ends, 0, n, base)) return NormalizedString.fromOriginal(text, base);
    return NormalizedString.fromAlignments(text, out.starts.slice(0, len), out.ends.slice(0, len), s.originalStart, s.originalEnd);
  }

  /** strip_accents: NFD of one source character; non-starters wait in a run (NFD may reorder them). */
  private accent(cp: number, start: number, end: number): void {
    if (!this.strip) {
      this.lowercase(cp, start, end);
      return;
    }
    const d = cp < 0x80 ? undefined : decompose(cp);
    if (!d) {
      this.decomposed(cp, 0, start, end);
      return;
    }
    for (let k = 0; k < d.length; k++) this.decomposed(d[k]!, k === 0 ? 0 : 1, start, end);
  }

  private decomposed(cp: number, change: number, start: number, end: number): void {
    if (cp >= 0x80 && (flagsOf(cp) & NON_STARTER) !== 0) {
      let slot = this.run[this.runLength];
      if (!slot) this.run.push((slot = { cp, change, start, end }));
      else {
        slot.cp = cp;
        slot.change = change;
        slot.start = start;
        slot.end = end;
      }
      this.runLength++;
      return;
    }
    if (this.runLength > 0) this.flushRun();
    if (cp < 0x80 || (flagsOf(cp) & STRIPPED) === 0) this.lowercase(cp, start, end);
  }

  /**
   * Emits a run of non-starters. NFD sorts a run by combining class (stably); Hugging Face then
   * aligns the sorted characters by position — each first-of-a-decomposition character takes the
   * next source character's span, each added one the span of the last source consumed — so a
   * sorted run keeps spans in source order. Sorting only matters when a character survives the
   * stripping, so runs that are stripped whole skip it.
   */
  private flushRun(): void {
    const n = this.runLength;
    this.runLength = 0;
    const run = this.run;
    let survivors = 0;
    for (let k = 0; k < n; k++) if ((flagsOf(run[k]!.cp) & STRIPPED) === 0) survivors++;
    if (survivors === 0) return;
    let order: RunChar[] | undefined;
    if (n > 1) {
      const cps = run.slice(0, n).map(r => r.cp);
      const text = String.fromCodePoint(...cps);
      const sorted = text.normalize('NFD');
      if (sorted !== text) {
        // Stable sort by class: the k-th occurrence of a character stays the k-th.
        const used = new Array<boolean>(n).fill(false);
        order = [];
        for (const ch of sorted) {
          const cp = ch.codePointAt(0)!;
          const at = cps.findIndex((c, k) => c === cp && !used[k]);
          if (at < 0) {
            order = undefined;
            break;
          }
          used[at] = true;
          order.push({ ...run[at]! });
        }
        if (order && order.length !== n) order = undefined;
      }
    }
    if (!order) {
      for (let k = 0; k < n; k++) {
        const r = run[k]!;
        if ((flagsOf(r.cp) & STRIPPED) === 0) this.lowercase(r.cp, r.start, r.end);
      }
      return;
    }
    const sources = run.slice(0, n).filter(r => r.change === 0);
    let next = 0;
    let lastStart = run[0]!.start;
    let lastEnd = run[0]!.end;
    for (const r of order) {
      if (r.change === 0) {
        const src = sources[next++]!;
        lastStart = src.start;
        lastEnd = src.end;
      }
      if ((flagsOf(r.cp) & STRIPPED) === 0) this.lowercase(r.cp, lastStart, lastEnd);
    }
  }

  private lowercase(cp: number, start: number, end: number): void {
    if (!this.options.lowercase) {
      this.out.pushCodePoint(cp, start, end);
      return;
    }
    if (cp < 128) {
      this.out.push(cp >= 65 && cp <= 90 ? cp + 32 : cp, start, end);
      return;
    }
    const l = lower(cp);
    if (l >= 0) this.out.pushCodePoint(l, start, end);
    else {
      const s = lowerString(cp);
      for (let k = 0; k < s.length; k++) this.out.push(s.charCodeAt(k), start, end);
    }
  }
}

/** The lowercase of a code point when it is one code point, else -2 (see lowerString). */
function lower(cp: number): number {
  if (cp < 0x10000) {
    let l = lowerUnit[cp]!;
    if (l === -1) {
      const s = String.fromCharCode(cp).toLowerCase();
      l = s.length === 1 ? s.charCodeAt(0) : -2;
      if (l === -2) lowerLong.set(cp, s);
      lowerUnit[cp] = l;
    }
    return l;
  }
  const s = lowerString(cp);
  const first = s.codePointAt(0)!;
  return s.length === (first > 0xffff ? 2 : 1) ? first : -2;
}

function lowerString(cp: number): string {
  let s = lowerLong.get(cp);
  if (s === undefined) {
    s = String.fromCodePoint(cp).toLowerCase();
    lowerLong.set(cp, s);
  }
  return s;
}

/** A BertNormalizer with the given options. */
export function bertNormalizer(options: BertNormalizerOptions): Normalizer {
  const n = new BertNormalizer(options);
  return s => n.normalize(s);
}

/** tokenizer.json `{"type": "BertNormalizer", ...}`: clean_text, handle_chinese_chars and lowercase are required, as in Hugging Face. */
export function bertNormalizerFromJson(json: Record<string, unknown>, file: string): Normalizer {
  const flag = (name: string): boolean => {
    const v = json[name];
    if (typeof v !== 'boolean') throw new LensError('badFile', `${file}: BertNormalizer needs "${name}" (true or false), got ${JSON.stringify(v)}`);
    return v;
  };
  const strip = json.strip_accents;
  if (strip !== undefined && strip !== null && typeof strip !== 'boolean') {
    throw new LensError('badFile', `${file}: BertNormalizer "strip_accents" should be true, false or null, got ${JSON.stringify(strip)}`);
  }
  return bertNormalizer({ cleanText: flag('clean_text'), handleChineseChars: flag('handle_chinese_chars'), stripAccents: strip ?? null, lowercase: flag('lowercase') });
}

// ---- BertPreTokenizer --------------------------------------------------------------------

/** 0 word character, 1 whitespace (dropped), 2 punctuation (a piece of its own). */
const ASCII_KIND = new Uint8Array(128);
for (let c = 0; c < 128; c++) ASCII_KIND[c] = c === 32 || (c >= 9 && c <= 13) ? 1 : (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126) ? 2 : 0;

/** `BertPreTokenizer`: split on whitespace (dropped) and make each punctuation character its own piece. */
export const bertPreTokenizer: PreTokenizer = s => {
  const t = s.normalized;
  const n = t.length;
  const out: NormalizedString[] = [];
  // Most pieces of normalized text still map unit for unit onto the original ("Hello" → "hello"):
  // those become identity strings, which need no alignment arrays; the others share views of
  // the normalized string's arrays rather than copies.
  const al = s.isIdentity ? undefined : s.alignments();
  const cut = (a: number, b: number): NormalizedString => {
    if (!al) return s.slice(a, b);
    const text = t.slice(a, b);
    const os = al.start[a]!;
    if (isShiftedIdentity(t, al.start, al.end, a, b, os)) return NormalizedString.fromOriginal(text, os);
    const [rs, re] = s.originalRange(a, b);
    return NormalizedString.fromAlignments(text, al.start.subarray(a, b), al.end.subarray(a, b), rs, re);
  };
  let word = -1;
  for (let i = 0; i < n; ) {
    const c = t.charCodeAt(i);
    let w = 1;
    let kind: number;
    if (c < 128) kind = ASCII_KIND[c]!;
    else {
      let cp = c;
      if (isHigh(c) && i + 1 < n && isLow(t.charCodeAt(i + 1))) {
        cp = t.codePointAt(i)!;
        w = 2;
      }
      const f = cp >= 0xd800 && cp <= 0xdfff ? 0 : flagsOf(cp);
      kind = (f & SPACE) !== 0 ? 1 : (f & PUNCTUATION) !== 0 ? 2 : 0;
    }
    if (kind === 0) {
      if (word < 0) word = i;
    } else {
      if (word >= 0) {
        out.push(cut(word, i));
        word = -1;
      }
      if (kind === 2) out.push(cut(i, i + w));
    }
    i += w;
  }
  if (word >= 0) out.push(cut(word, n));
  return out;
};

/** True when units [a, b) of `t` align to the original exactly as an identity string at `base` would. */
function isShiftedIdentity(t: string, starts: Int32Array, ends: Int32Array, a: number, b: number, base: number): boolean {
  for (let i = a; i < b; i++) {
    const c = t.charCodeAt(i);
    let start = base + (i - a);
    let end = start + 1;
    if (isHigh(c) && i + 1 < b && isLow(t.charCodeAt(i + 1))) end++;
    else if (isLow(c) && i > a && isHigh(t.charCodeAt(i - 1))) start--;
    if (starts[i] !== start || ends[i] !== end) return false;
  }
  return true;
}

// ---- BERT from a vocab.txt ---------------------------------------------------------------

const BERT_SPECIALS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];

/** True when a vocabulary has `##` continuation entries: a WordPiece (BERT-style) vocabulary. */
export function isWordPieceVocab(tokens: Iterable<string>): boolean {
  for (const t of tokens) if (t.length > 2 && t.startsWith('##')) return true;
  return false;
}

/**
 * The tokenizer Hugging Face's BertTokenizerFast builds from a vocab.txt: BertNormalizer (clean
 * text, Chinese characters, accents stripped when lowercasing), BertPreTokenizer, WordPiece with
 * `##` and [UNK] (100 characters a word at most), [CLS] … [SEP] around the text when both exist.
 */
export function bertVocabTokenizer(vocab: Vocab, file: string, lowercase: boolean): Tokenizer {
  const addedTokens: AddedToken[] = [];
  for (const content of BERT_SPECIALS) {
    const id = vocab.id(content);
    if (id !== undefined) addedTokens.push({ id, content, special: true });
  }
  const cls = vocab.id('[CLS]');
  const sep = vocab.id('[SEP]');
  const pad = vocab.id('[PAD]');
  return new PipelineTokenizer({
    description: `vocab.txt (WordPiece, BERT${lowercase ? ', lowercased' : ''})`,
    source: file,
    normalizer: bertNormalizer({ cleanText: true, handleChineseChars: true, stripAccents: null, lowercase }),
    preTokenizer: bertPreTokenizer,
    model: new WordPieceModel(vocab, { unkToken: '[UNK]', continuingSubwordPrefix: '##', maxInputCharsPerWord: 100 }, file),
    postProcessor: cls !== undefined && sep !== undefined ? postProcessorFromJson({ type: 'BertProcessing', cls: ['[CLS]', cls], sep: ['[SEP]', sep] }, file) : undefined,
    addedTokens,
    padToken: pad === undefined ? undefined : { id: pad, text: '[PAD]' },
  });
}

function isHigh(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

function isLow(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}
