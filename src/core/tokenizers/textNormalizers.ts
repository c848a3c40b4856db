import { LensError } from '../errors';
import { CodePointSet, isWhiteSpace } from './codePointSet';
import { STRIP_ACCENTS_RANGES } from './hfUnicode';
import { AlignedBuilder, unitWidth } from './normalizedString';
import type { Normalizer } from './normalizers';
import { forEachMatch, splitPatternFromJson } from './split';
import { normalizeAligned, type NormalizationForm } from './unicodeNormalize';

// Hugging Face's normalizers, each with the alignment its Rust `transform` gives: a character
// that replaces another takes that character's original range, an added one takes the previous
// character's, and removed ones leave no trace.

/** `NFC` / `NFD` / `NFKC` / `NFKD`. */
export function unicodeNormalizer(form: NormalizationForm): Normalizer {
  return s => normalizeAligned(s, form);
}

/**
 * `Lowercase`: each code point lowercased on its own (Rust's char::to_lowercase). JavaScript's
 * toLowerCase is the same mapping except that it lowercases Σ to ς at a word's end, and İ is its
 * only mapping that changes length; everything else keeps each unit's alignment.
 */
export const lowercaseNormalizer: Normalizer = s => {
  const t = s.normalized;
  const lower = t.toLowerCase();
  if (lower === t) return s;
  if (lower.length === t.length && t.indexOf('\u03a3') < 0) return s.withText(lower);
  const out = new AlignedBuilder(s, t.length + 16);
  let run = 0;
  const flush = (to: number): void => {
    if (to <= run) return;
    const r = t.slice(run, to).toLowerCase();
    if (r.length === to - run) out.copyAs(r, run);
    else {
      // Not expected (İ and Σ are handled below), but stay exact: one code point at a time.
      for (let i = run; i < to; ) {
        const w = unitWidth(t, i);
        out.push(t.slice(i, i + w).toLowerCase(), s.startOf(i), s.endOf(i));
        i += w;
      }
    }
  };
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c !== 0x130 && c !== 0x3a3) continue;
    flush(i);
    out.push(c === 0x130 ? 'i\u0307' : '\u03c3', s.startOf(i), s.endOf(i));
    run = i + 1;
  }
  flush(t.length);
  return out.finish();
};

let marks: CodePointSet | undefined;

/** `StripAccents`: removes the combining marks (the library's older-Unicode set of them). */
export const stripAccentsNormalizer: Normalizer = s => {
  marks ??= new CodePointSet(STRIP_ACCENTS_RANGES);
  const t = s.normalized;
  let out: AlignedBuilder | undefined;
  let kept = 0;
  for (let i = 0; i < t.length; ) {
    const c = t.charCodeAt(i);
    if (c < 0x300) {
      i++;
      continue;
    }
    const cp = t.codePointAt(i)!;
    const w = cp > 0xffff ? 2 : 1;
    if (marks.has(cp)) {
      out ??= new AlignedBuilder(s);
      out.copy(kept, i);
      kept = i + w;
    }
    i += w;
  }
  if (!out) return s;
  out.copy(kept, t.length);
  return out.finish();
};

/** `Strip`: removes White_Space at the start and/or end. */
export function stripNormalizer(left: boolean, right: boolean): Normalizer {
  return s => {
    const t = s.normalized;
    let a = 0;
    let b = t.length;
    if (left) while (a < b && isWhiteSpace(t.charCodeAt(a))) a++;
    if (right) while (b > a && isWhiteSpace(t.charCodeAt(b - 1))) b--;
    if (a === 0 && b === t.length) return s;
    const out = new AlignedBuilder(s, b - a);
    out.copy(a, b);
    return out.finish();
  };
}

/**
 * `Prepend`: `prefix` before a non-empty string. Every added unit, and the string's first
 * character, align to that first character — except with an empty prefix, where Hugging Face
 * re-adds the first character as new text aligned to the string's start (0, 0).
 */
export function prependNormalizer(prefix: string): Normalizer {
  return s => {
    if (s.length === 0) return s;
    const first = unitWidth(s.normalized, 0);
    const out = new AlignedBuilder(s, s.length + prefix.length);
    if (prefix.length === 0) out.push(s.normalized.slice(0, first), s.originalStart, s.originalStart);
    else out.push(prefix + s.normalized.slice(0, first), s.startOf(0), s.endOf(0));
    out.copy(first, s.length);
    return out.finish();
  };
}

/**
 * `Replace`: every match of the pattern (a literal, or an Oniguruma regex) becomes `content`,
 * whose units all align to the match's last character; content replacing an empty match aligns
 * to the character before it (the string's start when there is none).
 */
export function replaceNormalizer(json: Record<string, unknown>, file: string): Normalizer {
  const what = `${file}: normalizer Replace`;
  if (typeof json.content !== 'string') throw new LensError('badFile', `${what}: "content" should be a string, got ${JSON.stringify(json.content)}`);
  const pattern = json.pattern as Record<string, unknown> | null | undefined;
  if (typeof pattern === 'object' && pattern !== null && Object.keys(pattern).length !== 1) {
    throw new LensError('badFile', `${what}: "pattern" should have exactly one of "String" or "Regex", got ${JSON.stringify(pattern)}`);
  }
  const re = splitPatternFromJson(pattern, what);
  const content = json.content;
  return s => {
    const t = s.normalized;
    if (t.length === 0) return s; // the library's patterns find nothing, not even an empty match, in ""
    let out: AlignedBuilder | undefined;
    let copied = 0;
    forEachMatch(re, t, (a, b) => {
      out ??= new AlignedBuilder(s, t.length + 16);
      out.copy(copied, a);
      if (b > a) out.push(content, s.startOf(b - 1), s.endOf(b - 1));
      else out.push(content, out.lastStart(), out.lastEnd());
      copied = b;
    });
    if (!out) return s;
    out.copy(copied, t.length);
    return out.finish();
  };
}
