// BERT's text handling as Hugging Face's Rust `tokenizers` library does it: the BertNormalizer
// (clean_text, handle_chinese_chars, strip_accents, lowercase), the BertPreTokenizer (split on
// whitespace, isolate punctuation), and the BERT pipeline for a plain WordPiece vocab.txt.
import { LensError } from '../errors';
import { forEachRange, isWhiteSpace } from './codePointSet';
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
// test/unit/tokenizers/wordPieceBert.test.ts. Encoded as every generated range table is (see
// codePointSet.ts: "base-36 gap from the previous end . base-36 length - 1", comma-separated).

/** clean_text removes these: controls (but \t \n \r), formats, private use, U+0000 and U+FFFD. */
const REMOVED_RANGES =
  '0.8,2.1,1.h,2n.w,d.0,11u.5,m.0,5c.0,1d.0,3cu.0,1ks.4,q.4,1d.4,1.9,11u8.4xr,16n.0,6x.2,1.0,3b3.0,xya.3,43z.7,h406.0,u.2n,1egw.1ekd,2.1ekd';

/** handle_chinese_chars puts spaces around these (BERT's "CJK Unified Ideographs" blocks, as the Rust library lists them). */
const CJK_RANGES =
  'a9s.533,1s.g73,hkw.e7,1fk0.wyn,w.3dr,74.49b,85s.f3';

/** strip_accents removes these after NFD: non-spacing marks (Mn) in the Rust library's table. */
const STRIPPED_RANGES =
  'lc.1r,2.0,2.16,7n.4,7d.18,1.0,1.1,1.1,1.0,20.a,1c.k,g.0,2t.6,2.5,2.1,1.3,z.0,u.q,2j.a,1m.8,y.3,1.8,1.2,1.4,17.2,3r.v,1j.0,1.0,4.7,4.0,3.6,a.1,t.0,1m.0,4.3,8.0,k.1,t.1,1l.0,4.1,4.1,2.2,3.0,u.1,3.0,b.1,1l.0,4.4,1.1,4.0,k.1,t.0,1m.0,2.0,1.3,8.0,8.0,b.1,u.0,1p.0,c.0,1e.0,1p.2,5.1,2.3,7.1,b.1,t.0,1m.0,2.0,6.0,5.1,k.1,t.0,1r.3,8.0,k.1,2u.0,7.2,1.0,2i.0,2.6,c.7,2q.0,2.5,1.1,b.5,22.1,r.0,1.0,1.0,1j.1,1.0,2.0,1.5,1.0,1.2,1.1,5.5,1.3,1.3,1.3,1.3,1.3,1.b,1.2,9.0,2u.3,1.5,1.1,2.1,p.1,4.2,g.3,d.0,2.1,6.0,f.0,jj.2,qa.2,t.2,t.1,u.1,1s.1,1.6,8.0,2.a,9.0,19.2,4b.0,3a.2,4.1,9.0,6.2,63.1,2.0,1m.0,1.6,1.0,1.0,2.7,6.9,2.0,1c.d,1u.3,1c.0,1.4,1.0,5.0,14.8,c.1,w.3,2.1,1.2,1k.0,1.1,3.0,1.2,1m.7,2.1,48.2,1.c,1.6,4.0,6.0,3.1,5i.1h,6.3,k0.c,4.0,3.b,2da.2,3x.0,2o.v,fe.3,2z.1,n9w.0,4.9,w.1,28.1,7k.0,3.0,4.0,p.1,4d.0,r.h,1g.7,p.a,1a.2,1c.0,2.3,2.0,14.0,1v.5,2.1,2.1,c.0,8.0,1b.0,1f.0,1.2,2.1,5.1,1.0,16.1,8.0,6m.0,2.0,4.0,fn4.0,kh.f,g.f,r1.0,6a.0,45.4,1ae.2,1.1,5.3,14.2,4.0,4l.1,10a.0,1i.e,1k.2,1d.3,2.1,1x.2,10.4,1.0,2.4,1q.0,c.1,1g.8,b.2,2q.2,2.0,1.1,4n.0,3.7,l.1,1m.0,3.0,11.6,3.4,8u.5,1.0,4.1,1.1,6m.3,6.1,1.1,r.1,2d.7,2.0,1.1,2y.0,1.0,2.5,1.0,2t.2,2.3,1.4,gjo.4,1n.6,uw.3,f7u.1,43s.2,h.7,2.6,u.3,44.2,1iz.1i,4.1d,8.0,e.0,m.4,1.e,2sg.6,gzl5.6n';

/** Non-starters (canonical combining class > 0) in the Rust library's NFD data: NFD sorts runs of them. */
const NON_STARTER_RANGES =
  'lc.1r,2.0,2.9,1.v,7n.4,7d.18,1.0,1.1,1.1,1.0,20.a,1c.k,g.0,2t.6,2.5,2.1,1.3,z.0,u.q,4g.8,y.3,1.8,1.2,1.4,17.2,3c.d,1.s,1o.0,g.0,3.3,2v.0,g.0,32.0,g.0,32.0,g.0,32.0,g.0,3j.0,3j.0,7.1,2t.0,g.0,3j.0,3g.0,31.2,d.3,30.1,e.3,24.1,r.0,1.0,1.0,1j.1,1.0,5.3,2.0,1.2,1.1,1q.0,34.0,1.1,2a.0,jz.2,qc.0,v.0,4d.0,a.0,5n.0,3z.2,63.1,1z.0,k.7,2.0,1c.d,3a.0,f.0,12.8,1i.1,1m.0,b.1,1v.0,48.2,1.c,1.6,4.0,6.0,3.1,5i.1h,5.4,k0.c,4.0,3.b,2da.2,3x.0,2o.v,fe.5,2x.1,n9w.0,4.9,w.1,28.1,7o.0,59.0,r.h,1l.2,11.0,2n.0,c.0,6n.0,1.2,2.1,5.1,1.0,1g.0,6u.0,fn4.0,ld.f,r1.0,6a.0,45.4,1aq.0,1.0,14.2,4.0,4l.1,127.0,1k.0,1l.1,1x.2,1c.1,1q.0,24.0,9.0,2y.1,4y.1,29.0,g.0,o.6,3.4,5p.0,3.0,3f.1,6z.1,3i.0,3a.1,37.0,103.0,fjk.4,1n.6,g2v.0,43q.4,3.5,8.7,2.6,u.3,44.2,2pn.6,1.g,2.6,1.1,1.4,1ph.6,31.6';

/** Characters JavaScript's NFD decomposes but the Rust library's (older) NFD data leaves whole. */
const NOT_DECOMPOSED_RANGES =
  '1fpl.0,q.0,2ou.0,1.0,8.0,2.0,1f.0,1.1,12n.0,e7c.7,2f3.2';

/** The BertPreTokenizer isolates these: ASCII punctuation and Unicode P* in the Rust library's table. */
const PUNCTUATION_RANGES =
  'x.e,a.6,q.5,q.3,y.0,5.0,3.0,a.1,3.0,3.0,ji.0,8.0,cy.5,15.1,1f.0,1.0,2.0,2.0,18.1,k.1,1.1,d.0,2.1,22.3,2u.0,17.d,6h.2,1i.e,v.0,79.1,a.0,an.0,lf.0,2i.0,a.1,4o.e,1.0,11.3,1z.0,22.4,4.1,33.5,4r.0,h0.8,47.0,h8.1,18.1,26.2,1z.1,4d.2,1.2,11.a,8p.1,60.1,3k.6,1.5,4s.6,4b.3,1n.4,1q.1,1s.7,b.0,n0.n,8.j,1.c,1.b,u.1,e.1,hl.3,t.1,u5.d,27.1,v.9,b7.l,1r.3,w.1,l7.3,1.1,34.0,3z.1a,1.i,ce.2,4.9,2.b,g.0,c.0,2q.0,2i.0,mwy.1,7h.2,2r.0,a.0,37.5,ak.3,2e.1,14.2,1.0,1d.1,1b.0,2p.c,g.1,3g.3,3i.1,g.1,6x.0,g2a.1,5s.9,m.y,1.d,1.0,4.0,1.1,45.2,1.5,1.3,a.1,3.1,q.2,1.0,r.0,1.0,1.6,be.2,ik.0,1c.0,bi.0,kn.0,5j.0,v.0,7k.8,12.0,34.6,1u.6,2h.3,x6.6,31.1,1.3,3i.3,1c.1,27.4,3.0,d.0,1.2,2g.5,2z.0,f0.0,6y.m,2x.2,6w.2,2lt.4,dtl.1,3p.0,1t.4,8.0,g2i.0,5wn.4';

const REMOVED = 1;
const SPACE = 2;
const CJK = 4;
const STRIPPED = 8;
const NON_STARTER = 16;
const NOT_DECOMPOSED = 32;
const PUNCTUATION = 64;

const TABLES: readonly (readonly [number, string])[] = [
  [REMOVED, REMOVED_RANGES],
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
    forEachRange(text, (lo, hi) => {
      for (let cp = lo; cp <= Math.min(hi, 0xffff); cp++) flags[cp]! |= flag;
      if (hi > 0xffff) astral.push([Math.max(lo, 0x10000), hi, flag]);
    });
  }
  // Rust's char::is_whitespace (Unicode White_Space, all in the BMP): clean_text makes these
  // spaces; the pre-tokenizer splits on them.
  for (let cp = 0; cp < 0x10000; cp++) if (isWhiteSpace(cp)) flags[cp]! |= SPACE;
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
