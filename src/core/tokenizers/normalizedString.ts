/**
 * A piece of text after normalization that remembers, for every UTF-16 code unit of the
 * normalized form, which range of the ORIGINAL text it came from — the same idea as Hugging
 * Face's NormalizedString (which aligns bytes; we align UTF-16 code units, VS Code's offsets).
 * Normalizers map it, pre-tokenizers slice it, and a token's offsets are read back through it.
 */
export class NormalizedString {
  private constructor(
    /** The normalized text. */
    readonly normalized: string,
    /** alignStart[i], alignEnd[i]: the original range of normalized code unit i. */
    private readonly alignStart: Int32Array,
    private readonly alignEnd: Int32Array,
    /** Original position of this string's start (for empty strings and for the end edge). */
    private readonly originStart: number,
    private readonly originEnd: number,
  ) {}

  /** `text` as it is, aligned to itself, shifted by `offset` (its position in the whole input). */
  static fromOriginal(text: string, offset = 0): NormalizedString {
    const n = text.length;
    const s = new Int32Array(n);
    const e = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      // A surrogate pair aligns both halves to the whole character.
      const c = text.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < n && isLow(text.charCodeAt(i + 1))) {
        s[i] = s[i + 1] = offset + i;
        e[i] = e[i + 1] = offset + i + 2;
        i++;
      } else {
        s[i] = offset + i;
        e[i] = offset + i + 1;
      }
    }
    return new NormalizedString(text, s, e, offset, offset + n);
  }

  get length(): number {
    return this.normalized.length;
  }

  /** The original range [start, end) that normalized range [start, end) came from. */
  originalRange(start: number, end: number): [number, number] {
    if (start >= end) {
      const at = start < this.length ? this.alignStart[start]! : start > 0 ? this.alignEnd[start - 1]! : this.originStart;
      return [at, at];
    }
    let lo = Infinity;
    let hi = -Infinity;
    // Normalizers may reorder (NFD/NFC combining marks): take the hull of the range's alignments.
    for (let i = start; i < end; i++) {
      if (this.alignStart[i]! < lo) lo = this.alignStart[i]!;
      if (this.alignEnd[i]! > hi) hi = this.alignEnd[i]!;
    }
    return [lo, hi];
  }

  /** The normalized range [start, end) as its own NormalizedString (alignments kept). */
  slice(start: number, end: number): NormalizedString {
    const [os, oe] = this.originalRange(start, end);
    return new NormalizedString(this.normalized.slice(start, end), this.alignStart.slice(start, end), this.alignEnd.slice(start, end), os, oe);
  }

  /** Where this string sits in the original text. */
  get originalStart(): number {
    return this.originStart;
  }
  get originalEnd(): number {
    return this.originEnd;
  }

  /**
   * Rewrites the text one code point at a time: `fn` returns the replacement of each code
   * point (possibly several, possibly none). Every replacement code unit aligns to the
   * original range of the code point it replaced — how Hugging Face aligns a char-wise map.
   */
  mapCodePoints(fn: (cp: string) => string): NormalizedString {
    const src = this.normalized;
    let out = '';
    const s: number[] = [];
    const e: number[] = [];
    for (let i = 0; i < src.length; ) {
      const cp = src.codePointAt(i)!;
      const w = cp > 0xffff ? 2 : 1;
      const rep = fn(String.fromCodePoint(cp));
      const os = this.alignStart[i]!;
      const oe = this.alignEnd[i + w - 1]!;
      for (let k = 0; k < rep.length; k++) {
        s.push(os);
        e.push(oe);
      }
      out += rep;
      i += w;
    }
    return new NormalizedString(out, Int32Array.from(s), Int32Array.from(e), this.originStart, this.originEnd);
  }
}

function isLow(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}
