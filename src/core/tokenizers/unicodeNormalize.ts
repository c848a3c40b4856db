import { CodePointSet } from './codePointSet';
import { CCC_RUNS, COMPOSE_EXCEPTIONS, COMPOSE_SECOND_RANGES, NFD_EXCEPTIONS, NFKD_EXCEPTIONS } from './hfUnicode';
import { AlignedBuilder, type NormalizedString } from './normalizedString';

/** The four Unicode normalization forms, as tokenizer.json names them. */
export type NormalizationForm = 'NFC' | 'NFD' | 'NFKC' | 'NFKD';

/**
 * Normalizes `s` exactly as Hugging Face's NormalizedString::nfc/nfd/nfkc/nfkd do, alignment
 * included. Hugging Face runs the `unicode-normalization-alignments` iterator — decompose each
 * character (first part "replaces" it, the rest are "added"), stably sort each run of
 * non-starters by combining class, then (C forms) recompose, a composite's change being
 * `composee + char - 1` — and aligns the result positionally: an output character that replaces
 * takes the alignment of the next unconsumed input character (and consumes as many more as its
 * negative change says), an added one takes the previous input character's. So after reordering,
 * a mark can point at its neighbour's original position; this reproduces that.
 *
 * JavaScript's `normalize` supplies decompositions and compositions (with generated exceptions
 * where the library's older Unicode differs) and the quick check: text that `normalize` leaves
 * alone is returned as it is, and only the runs that change are simulated.
 */
export function normalizeAligned(s: NormalizedString, form: NormalizationForm): NormalizedString {
  const text = s.normalized;
  if (text.normalize(form) === text) return s;
  const compat = form === 'NFKC' || form === 'NFKD';
  const compose = form === 'NFC' || form === 'NFKC';
  const out = new AlignedBuilder(s, text.length + (text.length >> 2) + 16);
  let i = 0;
  while (i < text.length) {
    // Segments: a non-ASCII run with the ASCII character before it. ASCII characters are
    // starters that nothing composes with from behind, so segments normalize independently.
    let p = i;
    while (p < text.length && text.charCodeAt(p) < 0x80) p++;
    if (p === text.length) {
      out.copy(i, p);
      break;
    }
    const segStart = p > i ? p - 1 : p;
    let q = p;
    while (q < text.length && text.charCodeAt(q) >= 0x80) q++;
    out.copy(i, segStart);
    const seg = text.slice(segStart, q);
    if (seg.normalize(form) === seg) out.copy(segStart, q);
    else simulate(s, segStart, q, compat, compose, out);
    i = q;
  }
  return out.finish();
}

// Scratch buffers, reused across calls (grown on demand): the decomposed stream and the output.
let sCp = new Int32Array(256);
let sChange = new Int32Array(256);
let sClass = new Uint8Array(256);
let oCp = new Int32Array(256);
let oChange = new Int32Array(256);
let uStart = new Int32Array(512);
let uEnd = new Int32Array(512);

function grow(n: number): void {
  if (n <= sCp.length) return;
  const size = Math.max(n, sCp.length * 2);
  const copyI = (a: Int32Array) => {
    const b = new Int32Array(size);
    b.set(a);
    return b;
  };
  sCp = copyI(sCp);
  sChange = copyI(sChange);
  const c = new Uint8Array(size);
  c.set(sClass);
  sClass = c;
  oCp = copyI(oCp);
  oChange = copyI(oChange);
}

/** Decomposes, reorders, (recomposes) and aligns text units [from, to) of `s` into `out`. */
function simulate(s: NormalizedString, from: number, to: number, compat: boolean, compose: boolean, out: AlignedBuilder): void {
  const text = s.normalized;
  // 1. Decompose: (code point, change, class).
  let n = 0;
  for (let i = from; i < to; ) {
    const cp = text.codePointAt(i)!;
    i += cp > 0xffff ? 2 : 1;
    const d = decomposition(cp, compat);
    grow(n + (d ? d.length : 1));
    if (d === null) {
      sCp[n] = cp;
      sChange[n] = 0;
      sClass[n++] = combiningClass(cp);
    } else {
      for (let k = 0; k < d.length; k++) {
        sCp[n] = d[k]!;
        sChange[n] = k === 0 ? 0 : 1;
        sClass[n++] = combiningClass(d[k]!);
      }
    }
  }
  // 2. Stable sort of every run of non-starters by class (insertion sort: runs are short).
  for (let i = 1; i < n; i++) {
    const c = sClass[i]!;
    if (c === 0) continue;
    let j = i;
    while (j > 0 && sClass[j - 1]! > c) j--;
    if (j === i) continue;
    const cp = sCp[i]!;
    const ch = sChange[i]!;
    sCp.copyWithin(j + 1, j, i);
    sChange.copyWithin(j + 1, j, i);
    sClass.copyWithin(j + 1, j, i);
    sCp[j] = cp;
    sChange[j] = ch;
    sClass[j] = c;
  }
  // 3. Recompose (C forms), as the alignments crate's Recompositions iterator does.
  let m = 0;
  const emit = (cp: number, change: number): void => {
    oCp[m] = cp;
    oChange[m++] = change;
  };
  if (!compose) {
    oCp.set(sCp.subarray(0, n));
    oChange.set(sChange.subarray(0, n));
    m = n;
  } else {
    let composee = -1;
    let composeeChange = 0;
    let lastClass = -1;
    const bufIdx: number[] = []; // the non-starters blocked from the composee, in order
    for (let k = 0; k < n; k++) {
      const c = sCp[k]!;
      const change = sChange[k]!;
      const cls = sClass[k]!;
      if (composee < 0) {
        if (cls !== 0) emit(c, change);
        else {
          composee = c;
          composeeChange = change;
        }
        continue;
      }
      if (lastClass < 0) {
        const r = composePair(composee, c);
        if (r >= 0) {
          composee = r;
          composeeChange = composeeChange + change - 1;
          continue;
        }
        if (cls === 0) {
          emit(composee, composeeChange);
          composee = c;
          composeeChange = change;
          continue;
        }
        bufIdx.push(k);
        lastClass = cls;
        continue;
      }
      if (lastClass >= cls) {
        // Blocked from the composee.
        if (cls === 0) {
          emit(composee, composeeChange);
          for (const b of bufIdx) emit(sCp[b]!, sChange[b]!);
          bufIdx.length = 0;
          composee = c;
          composeeChange = change;
          lastClass = -1;
          continue;
        }
        bufIdx.push(k);
        lastClass = cls;
        continue;
      }
      const r = composePair(composee, c);
      if (r >= 0) {
        composee = r;
        composeeChange = composeeChange + change - 1;
        continue;
      }
      bufIdx.push(k);
      lastClass = cls;
    }
    if (composee >= 0) emit(composee, composeeChange);
    for (const b of bufIdx) emit(sCp[b]!, sChange[b]!);
  }
  // 4. Align positionally, as NormalizedString::transform does.
  let units = 0;
  for (let k = 0; k < m; k++) units += oCp[k]! > 0xffff ? 2 : 1;
  if (uStart.length < units) {
    uStart = new Int32Array(units * 2);
    uEnd = new Int32Array(units * 2);
  }
  let cursor = from;
  let u = 0;
  for (let k = 0; k < m; k++) {
    const change = oChange[k]!;
    let as: number;
    let ae: number;
    if (change > 0) {
      // Added: the previous input character's alignment (the string's start when there is none).
      if (cursor === 0) as = ae = s.originalStart;
      else {
        as = s.startOf(cursor - 1);
        ae = s.endOf(cursor - 1);
      }
    } else {
      as = s.startOf(cursor);
      ae = s.endOf(cursor);
      cursor += widthAt(text, cursor);
      for (let r = change; r < 0; r++) cursor += widthAt(text, cursor);
    }
    uStart[u] = as;
    uEnd[u++] = ae;
    if (oCp[k]! > 0xffff) {
      uStart[u] = as;
      uEnd[u++] = ae;
    }
  }
  out.pushAligned(fromCodePoints(oCp, m), uStart, uEnd);
}

function widthAt(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
    const d = text.charCodeAt(i + 1);
    if (d >= 0xdc00 && d <= 0xdfff) return 2;
  }
  return 1;
}

function fromCodePoints(cps: Int32Array, n: number): string {
  let s = '';
  for (let i = 0; i < n; i += 4096) s += String.fromCodePoint(...cps.subarray(i, Math.min(n, i + 4096)));
  return s;
}

// --- Unicode data: decompositions and compositions from JavaScript (cached per code point),
// corrected by the generated exceptions; combining classes from the generated table.

const canonicalCache = new Map<number, number[] | null>();
const compatCache = new Map<number, number[] | null>();
let canonicalExceptions: Map<number, number[]> | undefined;
let compatExceptions: Map<number, number[]> | undefined;

function parseExceptions(encoded: string): Map<number, number[]> {
  const m = new Map<number, number[]>();
  for (const item of encoded.split(',')) {
    if (item === '') continue;
    const [cp, ...d] = item.split(' ').map(x => parseInt(x, 36));
    m.set(cp!, d);
  }
  return m;
}

/** The full decomposition of `cp` (null: none), as the library has it. */
function decomposition(cp: number, compat: boolean): number[] | null {
  if (cp < 0xa0) return null;
  const cache = compat ? compatCache : canonicalCache;
  let d = cache.get(cp);
  if (d !== undefined) return d;
  canonicalExceptions ??= parseExceptions(NFD_EXCEPTIONS);
  compatExceptions ??= parseExceptions(NFKD_EXCEPTIONS);
  const exception = (compat ? compatExceptions : canonicalExceptions).get(cp);
  const ch = String.fromCodePoint(cp);
  const list = exception ?? Array.from(ch.normalize(compat ? 'NFKD' : 'NFD'), c => c.codePointAt(0)!);
  d = list.length === 1 && list[0] === cp ? null : list;
  cache.set(cp, d);
  return d;
}

let bmpClass: Uint8Array | undefined;
let astralClass: Map<number, number> | undefined;

/** The combining class rank of `cp` (0: starter). */
function combiningClass(cp: number): number {
  if (cp < 0x300) return 0;
  if (!bmpClass) {
    const bmp = new Uint8Array(0x10000);
    const astral = new Map<number, number>();
    let prev = -1;
    for (const item of CCC_RUNS.split(',')) {
      const [gap, len, rank] = item.split('.').map(x => parseInt(x, 36));
      const start = prev + 1 + gap!;
      const end = start + len!;
      for (let c = start; c <= end; c++) {
        if (c < 0x10000) bmp[c] = rank!;
        else astral.set(c, rank!);
      }
      prev = end;
    }
    bmpClass = bmp;
    astralClass = astral;
  }
  return cp < 0x10000 ? bmpClass[cp]! : (astralClass!.get(cp) ?? 0);
}

/** Per first code point: second code point → composite (-1: none). Small integer keys stay fast. */
const composeCache = new Map<number, Map<number, number>>();
let composeExceptions: Map<number, Map<number, number>> | undefined;
let seconds: CodePointSet | undefined;

/** The primary composite of (a, b), or -1: the canonical composition the library would make. */
function composePair(a: number, b: number): number {
  if (b < 0x300) return -1; // nothing below U+0300 is the second part of a composition
  seconds ??= new CodePointSet(COMPOSE_SECOND_RANGES);
  if (!seconds.has(b)) return -1;
  let byB = composeCache.get(a);
  if (!byB) composeCache.set(a, (byB = new Map()));
  let r = byB.get(b);
  if (r !== undefined) return r;
  if (!composeExceptions) {
    composeExceptions = new Map();
    for (const item of COMPOSE_EXCEPTIONS.split(',')) {
      if (item === '') continue;
      const [x, y, z] = item.split(' ').map(v => parseInt(v, 36));
      let m = composeExceptions.get(x!);
      if (!m) composeExceptions.set(x!, (m = new Map()));
      m.set(y!, z!);
    }
  }
  r = composeExceptions.get(a)?.get(b);
  if (r === undefined) {
    const sa = String.fromCodePoint(a);
    const sb = String.fromCodePoint(b);
    const c = (sa + sb).normalize('NFC');
    const cp = c.codePointAt(0)!;
    // One code point whose decomposition is a's then b's: a primary composite of exactly this pair.
    r = c.length === (cp > 0xffff ? 2 : 1) && c.normalize('NFD') === sa.normalize('NFD') + sb.normalize('NFD') ? cp : -1;
  }
  byB.set(b, r);
  return r;
}
