import { noteActivity } from '../activity';
import { LensError } from '../errors';
import type { NormalizedString } from './normalizedString';
import { literalRegExp, onigToRegExp } from './onigRegex';
import type { PreTokenizer } from './preTokenizers';

/** What Hugging Face's Split does with the pieces a pattern matches (tokenizer.json `behavior`). */
export type SplitBehavior = 'Removed' | 'Isolated' | 'MergedWithPrevious' | 'MergedWithNext' | 'Contiguous';

const BEHAVIORS: readonly SplitBehavior[] = ['Removed', 'Isolated', 'MergedWithPrevious', 'MergedWithNext', 'Contiguous'];

/**
 * A compiled Split pattern: the global regex, a sticky twin that tries a match right at a
 * position, and (for a file's regex) the step to note for the watchdog before it runs, made once.
 */
export interface SplitPattern {
  readonly global: RegExp;
  readonly sticky: RegExp;
  /** e.g. `tokenizer.json: pre_tokenizer Split pattern "(a|aa)*$"`; undefined for our own patterns. */
  readonly activity?: string | undefined;
}

/** A SplitPattern from a 'gu' RegExp; `activity` names it for the watchdog (see activity.ts). */
export function splitPattern(re: RegExp, activity?: string): SplitPattern {
  return { global: re, sticky: new RegExp(re.source, re.flags.replace('g', '') + 'y'), activity };
}

/**
 * Calls `found(start, end)` for each match of the pattern in `text`, left to right, the way the
 * Rust library iterates Oniguruma's matches: an empty match right where the previous match ended
 * is skipped (JavaScript would report it), and after an empty match the search moves on by one
 * whole character. Patterns whose matches tile the text (GPT-style ones) are matched with the
 * sticky regex's test(), which allocates nothing; exec() finds the next match after a gap.
 */
export function forEachMatch(p: SplitPattern, text: string, found: (start: number, end: number) => void): void {
  const { global, sticky } = p;
  // A user's regex can backtrack for ever; the watchdog reports what ran (the same string each time: cheap).
  if (p.activity !== undefined) noteActivity(p.activity);
  let from = 0;
  let lastEnd = -1;
  while (from <= text.length) {
    let start: number;
    let end: number;
    sticky.lastIndex = from;
    if (sticky.test(text)) {
      start = from;
      end = sticky.lastIndex;
    } else {
      global.lastIndex = from;
      const m = global.exec(text);
      if (m === null) return;
      start = m.index;
      end = start + m[0].length;
    }
    if (start === end && start === lastEnd) {
      const c = text.charCodeAt(start);
      from = start + (c >= 0xd800 && c <= 0xdbff && start + 1 < text.length ? 2 : 1);
      continue;
    }
    found(start, end);
    lastEnd = end;
    from = end;
  }
}

/**
 * The pieces of `text` as Hugging Face's NormalizedString::split makes them: the pattern's
 * matches (or, with `invert`, the text between them) are the delimiters, and `behavior` says what
 * happens to them. Calls `piece(start, end)` for each non-empty piece, in order (the Rust library
 * drops empty pieces).
 */
export function splitRanges(text: string, re: SplitPattern, behavior: SplitBehavior, invert: boolean, piece: (start: number, end: number) => void): void {
  const push = (a: number, b: number): void => {
    if (b > a) piece(a, b);
  };
  // The common cases (Isolated, Removed) go straight from matches to pieces.
  if (behavior === 'Isolated') {
    let prev = 0;
    forEachMatch(re, text, (a, b) => {
      push(prev, a);
      push(a, b);
      prev = b;
    });
    push(prev, text.length);
    return;
  }
  if (behavior === 'Removed') {
    let prev = 0;
    forEachMatch(re, text, (a, b) => {
      if (invert) push(a, b);
      else push(prev, a);
      prev = b;
    });
    if (!invert) push(prev, text.length);
    return;
  }
  // The others fold the list of (range, is delimiter) exactly as the Rust library does, empty
  // delimiters included (they can separate pieces).
  const splits: [number, number, boolean][] = [];
  let prev = 0;
  forEachMatch(re, text, (a, b) => {
    if (prev !== a) splits.push([prev, a, invert]);
    splits.push([a, b, !invert]);
    prev = b;
  });
  if (prev !== text.length) splits.push([prev, text.length, invert]);
  for (const [a, b] of mergeSplits(splits, behavior)) push(a, b);
}

/** `s` split as splitRanges says, each piece keeping its alignment to the original text. */
export function splitNormalized(s: NormalizedString, re: SplitPattern, behavior: SplitBehavior, invert: boolean): NormalizedString[] {
  const out: NormalizedString[] = [];
  splitRanges(s.normalized, re, behavior, invert, (a, b) => out.push(s.slice(a, b)));
  return out;
}

/** MergedWithPrevious / MergedWithNext / Contiguous over (start, end, isDelimiter) splits. */
function mergeSplits(splits: [number, number, boolean][], behavior: SplitBehavior): [number, number][] {
  const acc: [number, number][] = [];
  let previousMatch = false;
  if (behavior === 'MergedWithPrevious') {
    for (const [a, b, isMatch] of splits) {
      const last = acc[acc.length - 1];
      if (isMatch && !previousMatch && last) last[1] = b;
      else acc.push([a, b]);
      previousMatch = isMatch;
    }
    return acc;
  }
  if (behavior === 'MergedWithNext') {
    for (let k = splits.length - 1; k >= 0; k--) {
      const [a, b, isMatch] = splits[k]!;
      const last = acc[acc.length - 1];
      if (isMatch && !previousMatch && last) last[0] = a;
      else acc.push([a, b]);
      previousMatch = isMatch;
    }
    return acc.reverse();
  }
  for (const [a, b, isMatch] of splits) {
    const last = acc[acc.length - 1];
    if (isMatch === previousMatch && last) last[1] = b;
    else acc.push([a, b]);
    previousMatch = isMatch;
  }
  return acc;
}

/** The regex of a Split pattern: {"String": literal} or {"Regex": Oniguruma pattern}. */
export function splitPatternFromJson(pattern: unknown, what: string): SplitPattern {
  const p = pattern as { String?: unknown; Regex?: unknown } | null;
  if (typeof p === 'object' && p !== null && typeof p.String === 'string') return splitPattern(literalRegExp(p.String));
  if (typeof p === 'object' && p !== null && typeof p.Regex === 'string') {
    return splitPattern(onigToRegExp(p.Regex, `${what} pattern`), `${what} pattern ${JSON.stringify(p.Regex)}`);
  }
  throw new LensError('badFile', `${what}: "pattern" should be {"String": text} or {"Regex": pattern}, got ${JSON.stringify(pattern)}`);
}

/** tokenizer.json `{"type": "Split", pattern, behavior, invert}` (all three required, as in the Rust library). */
export function splitPreTokenizerFromJson(json: Record<string, unknown>, file: string): PreTokenizer {
  const what = `${file}: pre_tokenizer Split`;
  const re = splitPatternFromJson(json.pattern, what);
  const behavior = json.behavior as SplitBehavior;
  if (!BEHAVIORS.includes(behavior)) {
    throw new LensError('badFile', `${what}: "behavior" is ${JSON.stringify(json.behavior)}, expected one of ${BEHAVIORS.join(', ')}`);
  }
  if (typeof json.invert !== 'boolean') throw new LensError('badFile', `${what}: "invert" should be true or false, got ${JSON.stringify(json.invert)}`);
  const invert = json.invert;
  return s => splitNormalized(s, re, behavior, invert);
}
