import type { JsonValueReader } from '../../safeJson';

/**
 * A BPE `merges` array left in the JSON text (see `readMergeText`): where each merge's two parts
 * are, so the model slices them out instead of JSON.parse building an array (and, in the pair
 * form, one more array per merge) that the model would then split again. llama3's merges are
 * 5 of its 8 million characters; gemma3's are 515k two-string arrays.
 */
export class MergeText {
  constructor(
    /** The whole JSON text. */
    readonly text: string,
    /** The `[…]` of the merges in `text`, [start, end). */
    readonly start: number,
    readonly end: number,
    /**
     * Per merge, 4 offsets into `text`: [leftStart, leftEnd, rightStart, rightEnd] (between the
     * quotes), or, for a "left right" string that has escapes or not exactly one plain space,
     * [start, end, -1, -1] of the whole string, decoded by JSON.parse when used.
     */
    private readonly spans: Int32Array,
    /**
     * Per merge, 1 when it is not plain (a part has an escape, or a "left right" string has not
     * exactly one space): `value` decodes it with JSON.parse. Else 0.
     */
    private readonly escaped: Uint8Array,
    readonly count: number,
  ) {}

  /** True when merge `rank` is plain text: `left`/`right` are slices. */
  isPlain(rank: number): boolean {
    return this.escaped[rank] === 0;
  }

  /** Offset `k` (0 leftStart, 1 leftEnd, 2 rightStart, 3 rightEnd) of a plain merge's parts in `text`. */
  at(rank: number, k: number): number {
    return this.spans[rank * 4 + k]!;
  }

  /** The left part of a plain merge. */
  left(rank: number): string {
    return this.text.slice(this.spans[rank * 4]!, this.spans[rank * 4 + 1]!);
  }

  /** The right part of a plain merge. */
  right(rank: number): string {
    return this.text.slice(this.spans[rank * 4 + 2]!, this.spans[rank * 4 + 3]!);
  }

  /** Merge `rank` as JSON.parse gives it: a "left right" string or a [left, right] pair. */
  value(rank: number): string | [string, string] {
    const s = this.spans;
    const at = rank * 4;
    const str = (a: number, b: number): string => (this.escaped[rank] ? (JSON.parse(this.text.slice(a - 1, b + 1)) as string) : this.text.slice(a, b));
    if (s[at + 2]! < 0) return str(s[at]!, s[at + 1]!);
    const pair: [string, string] = [str(s[at]!, s[at + 1]!), str(s[at + 2]!, s[at + 3]!)];
    // A plain "left right" string was stored split at its space.
    return this.text.charCodeAt(s[at]! - 1) === 0x22 && this.text.charCodeAt(s[at + 1]!) === 0x20 ? `${pair[0]} ${pair[1]}` : pair;
  }

  /** The whole array as JSON.parse gives it (for the general path). */
  parse(): unknown[] {
    return JSON.parse(this.text.slice(this.start, this.end)) as unknown[];
  }
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/**
 * Reads tokenizer.json's `merges` array from the text, if it is an array of strings or of
 * two-string arrays (the two forms the Rust library writes) with JSON's whitespace between;
 * anything else is left to JSON.parse (undefined). Strings are checked as JSON.parse checks
 * them (no raw control characters; escapes \" \\ \/ \b \f \n \r \t \uXXXX), since the text
 * taken here is never parsed by JSON.parse.
 */
export const readMergeText: JsonValueReader<MergeText> = (text, begin) => {
  const n = text.length;
  let i = begin;
  if (text.charCodeAt(i) !== 0x5b /* [ */) return undefined;
  i++;
  let spans = new Int32Array(1 << 14);
  let escaped = new Uint8Array(1 << 12);
  let count = 0;
  let depth = 1;
  // The string at i (its opening quote): sets `strEnd` (the closing quote), `strEscaped`, and
  // `space` (the one plain space's index, or -1 when there is none or more than one).
  let strEnd = -1;
  let strEscaped = false;
  let space = -1;
  const readString = (): boolean => {
    strEscaped = false;
    space = -1;
    let spaces = 0;
    for (let k = i + 1; k < n; k++) {
      const c = text.charCodeAt(k);
      if (c === 0x22) {
        strEnd = k;
        if (spaces !== 1) space = -1;
        return true;
      }
      if (c < 0x20) return false;
      if (c === 0x20) {
        spaces++;
        space = k;
      } else if (c === 0x5c) {
        strEscaped = true;
        const e = text.charCodeAt(++k);
        if (e === 0x75 /* u */) {
          if (!(isHex(text.charCodeAt(k + 1)) && isHex(text.charCodeAt(k + 2)) && isHex(text.charCodeAt(k + 3)) && isHex(text.charCodeAt(k + 4)))) return false;
          k += 4;
        } else if (!(e === 0x22 || e === 0x5c || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74)) return false;
      }
    }
    return false;
  };
  const skipSpace = (): number => {
    while (i < n && isSpace(text.charCodeAt(i))) i++;
    return i < n ? text.charCodeAt(i) : -1;
  };
  let c = skipSpace();
  if (c === 0x5d /* ] */) return { end: i + 1, depth, value: new MergeText(text, begin, i + 1, spans, escaped, 0) };
  for (;;) {
    if (count * 4 + 4 > spans.length) {
      const grown = new Int32Array(spans.length * 2);
      grown.set(spans);
      spans = grown;
    }
    if (count >= escaped.length) {
      const grown = new Uint8Array(escaped.length * 2);
      grown.set(escaped);
      escaped = grown;
    }
    const at = count * 4;
    if (c === 0x22) {
      if (!readString()) return undefined;
      if (!strEscaped && space >= 0) {
        spans[at] = i + 1;
        spans[at + 1] = space;
        spans[at + 2] = space + 1;
        spans[at + 3] = strEnd;
      } else {
        spans[at] = i + 1;
        spans[at + 1] = strEnd;
        spans[at + 2] = -1;
        spans[at + 3] = -1;
        escaped[count] = 1;
      }
      i = strEnd + 1;
    } else if (c === 0x5b) {
      depth = 2;
      i++;
      if (skipSpace() !== 0x22 || !readString()) return undefined;
      spans[at] = i + 1;
      spans[at + 1] = strEnd;
      let anyEscape = strEscaped;
      i = strEnd + 1;
      if (skipSpace() !== 0x2c /* , */) return undefined;
      i++;
      if (skipSpace() !== 0x22 || !readString()) return undefined;
      spans[at + 2] = i + 1;
      spans[at + 3] = strEnd;
      anyEscape ||= strEscaped;
      i = strEnd + 1;
      if (skipSpace() !== 0x5d) return undefined;
      i++;
      if (anyEscape) escaped[count] = 1;
    } else return undefined;
    count++;
    c = skipSpace();
    if (c === 0x2c) {
      i++;
      c = skipSpace();
      continue;
    }
    if (c === 0x5d) return { end: i + 1, depth, value: new MergeText(text, begin, i + 1, spans, escaped, count) };
    return undefined;
  }
};
