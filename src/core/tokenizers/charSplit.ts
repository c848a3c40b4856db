import { LensError } from '../errors';
import { CodePointSet, isWhiteSpace } from './codePointSet';
import { NUMERIC_RANGES, PUNCTUATION_RANGES, REGEX_WORD_RANGES } from './hfUnicode';
import type { NormalizedString } from './normalizedString';
import type { PreTokenizer } from './preTokenizers';

// The pre-tokenizers that split on single characters, with Hugging Face's split semantics:
// every delimiter character is a match of its own, and the behaviour decides what becomes of it.

/** What Hugging Face does with a delimiter (tokenizer.json `behavior`). */
export type DelimiterBehavior = 'Removed' | 'Isolated' | 'MergedWithPrevious' | 'MergedWithNext' | 'Contiguous';

const BEHAVIORS: readonly DelimiterBehavior[] = ['Removed', 'Isolated', 'MergedWithPrevious', 'MergedWithNext', 'Contiguous'];

/**
 * `s` split on the characters `isDelimiter` accepts, as NormalizedString::split does with a
 * char predicate: the text between delimiters and each delimiter character are the splits, then
 * `behavior` drops, isolates or merges the delimiters. Empty pieces are dropped, as the
 * pre-tokenized string does.
 */
export function splitOnCharacters(s: NormalizedString, isDelimiter: (cp: number) => boolean, behavior: DelimiterBehavior): NormalizedString[] {
  const text = s.normalized;
  const out: NormalizedString[] = [];
  // Splits as (start, end, isDelimiter) triples in a flat array.
  const splits: number[] = [];
  let last = 0;
  for (let i = 0; i < text.length; ) {
    const cp = text.codePointAt(i)!;
    const w = cp > 0xffff ? 2 : 1;
    if (isDelimiter(cp)) {
      if (last < i) splits.push(last, i, 0);
      splits.push(i, i + w, 1);
      last = i + w;
    }
    i += w;
  }
  if (last < text.length) splits.push(last, text.length, 0);
  const piece = (a: number, b: number): void => {
    if (b > a) out.push(s.slice(a, b));
  };
  const n = splits.length / 3;
  switch (behavior) {
    case 'Removed':
      for (let k = 0; k < n; k++) if (!splits[3 * k + 2]) piece(splits[3 * k]!, splits[3 * k + 1]!);
      return out;
    case 'Isolated':
      for (let k = 0; k < n; k++) piece(splits[3 * k]!, splits[3 * k + 1]!);
      return out;
    case 'Contiguous':
    case 'MergedWithPrevious': {
      // Contiguous: consecutive splits of the same kind merge. MergedWithPrevious: a delimiter
      // that follows a non-delimiter joins it (a second delimiter in a row starts a new piece).
      const merged: number[] = [];
      let previous = false;
      for (let k = 0; k < n; k++) {
        const a = splits[3 * k]!;
        const b = splits[3 * k + 1]!;
        const isMatch = splits[3 * k + 2] === 1;
        const join = behavior === 'Contiguous' ? isMatch === previous : isMatch && !previous;
        if (join && merged.length > 0) merged[merged.length - 1] = b;
        else merged.push(a, b);
        previous = isMatch;
      }
      for (let k = 0; k < merged.length; k += 2) piece(merged[k]!, merged[k + 1]!);
      return out;
    }
    case 'MergedWithNext': {
      // From the end: a delimiter that precedes a non-delimiter joins it.
      const merged: number[] = [];
      let previous = false;
      for (let k = n - 1; k >= 0; k--) {
        const a = splits[3 * k]!;
        const b = splits[3 * k + 1]!;
        const isMatch = splits[3 * k + 2] === 1;
        if (isMatch && !previous && merged.length > 0) merged[merged.length - 2] = a;
        else merged.push(a, b);
        previous = isMatch;
      }
      for (let k = merged.length - 2; k >= 0; k -= 2) piece(merged[k]!, merged[k + 1]!);
      return out;
    }
  }
}

let regexWord: CodePointSet | undefined;

/**
 * `Whitespace`: the Rust library keeps the matches of \w+|[^\w\s]+ (its `regex` crate's
 * Unicode classes: \w = Alphabetic, marks, decimal digits, connector punctuation and the
 * joiners; \s = White_Space): runs of word characters and runs of other non-space characters.
 */
export const whitespacePreTokenizer: PreTokenizer = s => {
  regexWord ??= new CodePointSet(REGEX_WORD_RANGES);
  const word = regexWord;
  const text = s.normalized;
  const out: NormalizedString[] = [];
  let runStart = -1;
  let runKind = 0; // 1: word, 2: other
  for (let i = 0; i < text.length; ) {
    const c = text.charCodeAt(i);
    let kind: number;
    let w = 1;
    if (c < 0x80) {
      // ASCII fast path: [0-9A-Za-z_] is \w; \t\n\v\f\r and space are \s.
      kind = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f ? 1 : c === 0x20 || (c >= 0x09 && c <= 0x0d) ? 0 : 2;
    } else {
      const cp = text.codePointAt(i)!;
      if (cp > 0xffff) w = 2;
      kind = word.has(cp) ? 1 : isWhiteSpace(cp) ? 0 : 2;
    }
    if (kind !== runKind) {
      if (runKind !== 0) out.push(s.slice(runStart, i));
      runKind = kind;
      runStart = i;
    }
    i += w;
  }
  if (runKind !== 0) out.push(s.slice(runStart, text.length));
  return out;
};

/** `WhitespaceSplit`: split on White_Space (Rust's char::is_whitespace), which is removed. */
export const whitespaceSplitPreTokenizer: PreTokenizer = s => {
  const text = s.normalized;
  const out: NormalizedString[] = [];
  let start = -1;
  for (let i = 0; i < text.length; i++) {
    if (isWhiteSpace(text.charCodeAt(i))) {
      if (start >= 0) out.push(s.slice(start, i));
      start = -1;
    } else if (start < 0) start = i;
  }
  if (start >= 0) out.push(s.slice(start, text.length));
  return out;
};

let punctuation: CodePointSet | undefined;
let numeric: CodePointSet | undefined;

/** `Punctuation`: splits on ASCII punctuation and Unicode P* (the library's older Unicode). */
export function punctuationPreTokenizer(behavior: DelimiterBehavior): PreTokenizer {
  punctuation ??= new CodePointSet(PUNCTUATION_RANGES);
  const set = punctuation;
  return s => splitOnCharacters(s, cp => set.has(cp), behavior);
}

/** `Digits`: numeric characters (Rust's char::is_numeric) each on their own, or in runs. */
export function digitsPreTokenizer(individualDigits: boolean): PreTokenizer {
  numeric ??= new CodePointSet(NUMERIC_RANGES);
  const set = numeric;
  return s => splitOnCharacters(s, cp => set.has(cp), individualDigits ? 'Isolated' : 'Contiguous');
}

/** tokenizer.json `{"type": "Punctuation", behavior?}` (behavior defaults to Isolated, as in the library). */
export function punctuationFromJson(json: Record<string, unknown>, file: string): PreTokenizer {
  const behavior = json.behavior ?? 'Isolated';
  if (!BEHAVIORS.includes(behavior as DelimiterBehavior)) {
    throw new LensError('badFile', `${file}: pre_tokenizer Punctuation: "behavior" is ${JSON.stringify(json.behavior)}, expected one of ${BEHAVIORS.join(', ')}`);
  }
  return punctuationPreTokenizer(behavior as DelimiterBehavior);
}

/** tokenizer.json `{"type": "Digits", individual_digits}` (required, as in the library). */
export function digitsFromJson(json: Record<string, unknown>, file: string): PreTokenizer {
  if (typeof json.individual_digits !== 'boolean') {
    throw new LensError('badFile', `${file}: pre_tokenizer Digits needs "individual_digits": true or false, got ${JSON.stringify(json.individual_digits)}`);
  }
  return digitsPreTokenizer(json.individual_digits);
}
