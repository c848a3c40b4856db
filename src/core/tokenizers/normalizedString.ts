/**
 * A piece of text after normalization that remembers, for every UTF-16 code unit of the
 * normalized form, which range of the ORIGINAL text it came from — the same idea as Hugging
 * Face's NormalizedString (which aligns bytes; we align UTF-16 code units, VS Code's offsets).
 * Normalizers map it, pre-tokenizers slice it, and a token's offsets are read back through it.
 *
 * Most text is never changed by a normalizer (byte-level BPE has none): such a string keeps no
 * alignment arrays at all, and unit i maps to the original [offset + i, offset + i + 1) — widened
 * to the whole character for a surrogate half. Arrays appear only after a real change.
 */
export class NormalizedString {
  private constructor(
    /** The normalized text. */
    readonly normalized: string,
    /** alignStart[i], alignEnd[i]: the original range of normalized unit i; null = identity. */
    private readonly alignStart: Int32Array | null,
    private readonly alignEnd: Int32Array | null,
    /** Original range this string covers (the identity mapping's base when arrays are null). */
    readonly originalStart: number,
    readonly originalEnd: number,
  ) {}

  /** `text` as it is, aligned to itself, placed at `offset` in the whole input. */
  static fromOriginal(text: string, offset = 0): NormalizedString {
    return new NormalizedString(text, null, null, offset, offset + text.length);
  }

  /** A string built from explicit alignments (for normalizers that rewrite text). */
  static fromAlignments(normalized: string, alignStart: Int32Array, alignEnd: Int32Array, originalStart: number, originalEnd: number): NormalizedString {
    return new NormalizedString(normalized, alignStart, alignEnd, originalStart, originalEnd);
  }

  get length(): number {
    return this.normalized.length;
  }

  /** True when no normalizer has changed this text (offsets are plain arithmetic). */
  get isIdentity(): boolean {
    return this.alignStart === null;
  }

  /** Original start of normalized unit i (a low surrogate maps to its character's start). */
  startOf(i: number): number {
    if (this.alignStart) return this.alignStart[i]!;
    const c = this.normalized.charCodeAt(i);
    return this.originalStart + (c >= 0xdc00 && c <= 0xdfff && i > 0 && isHigh(this.normalized.charCodeAt(i - 1)) ? i - 1 : i);
  }

  /** Original end of normalized unit i (a high surrogate maps to its character's end). */
  endOf(i: number): number {
    if (this.alignEnd) return this.alignEnd[i]!;
    const c = this.normalized.charCodeAt(i);
    return this.originalStart + (isHigh(c) && i + 1 < this.normalized.length && isLow(this.normalized.charCodeAt(i + 1)) ? i + 2 : i + 1);
  }

  /** The original range [start, end) that normalized range [start, end) came from. */
  originalRange(start: number, end: number): [number, number] {
    if (start >= end) {
      const at = start < this.length ? this.startOf(start) : start > 0 ? this.endOf(start - 1) : this.originalStart;
      return [at, at];
    }
    if (!this.alignStart) return [this.startOf(start), this.endOf(end - 1)];
    let lo = Infinity;
    let hi = -Infinity;
    // Normalizers may reorder (NFD/NFC combining marks): take the hull of the range's alignments.
    for (let i = start; i < end; i++) {
      if (this.alignStart[i]! < lo) lo = this.alignStart[i]!;
      if (this.alignEnd![i]! > hi) hi = this.alignEnd![i]!;
    }
    return [lo, hi];
  }

  /** The normalized range [start, end) as its own NormalizedString (alignments kept). */
  slice(start: number, end: number): NormalizedString {
    const text = this.normalized.slice(start, end);
    if (!this.alignStart) {
      // Identity stays identity; a cut through a surrogate pair keeps the half's own unit.
      return new NormalizedString(text, null, null, this.originalStart + start, this.originalStart + end);
    }
    const [os, oe] = this.originalRange(start, end);
    return new NormalizedString(text, this.alignStart.slice(start, end), this.alignEnd!.slice(start, end), os, oe);
  }

  /** Alignment arrays, materialised (identity strings build them on demand). */
  alignments(): { start: Int32Array; end: Int32Array } {
    if (this.alignStart) return { start: this.alignStart, end: this.alignEnd! };
    const n = this.length;
    const s = new Int32Array(n);
    const e = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = this.startOf(i);
      e[i] = this.endOf(i);
    }
    return { start: s, end: e };
  }

  /**
   * Rewrites the text one code point at a time: `fn` returns the replacement of each code
   * point (possibly several, possibly none). Every replacement code unit aligns to the
   * original range of the code point it replaced — how Hugging Face aligns a char-wise map.
   * Returns `this` when nothing changed.
   */
  mapCodePoints(fn: (cp: string) => string): NormalizedString {
    const src = this.normalized;
    const parts: string[] = [];
    let changed = false;
    for (let i = 0; i < src.length; ) {
      const cp = src.codePointAt(i)!;
      const ch = cp > 0xffff ? src.slice(i, i + 2) : src[i]!;
      const rep = fn(ch);
      if (rep !== ch) changed = true;
      parts.push(rep);
      i += ch.length;
    }
    if (!changed) return this;
    const out = parts.join('');
    const s = new Int32Array(out.length);
    const e = new Int32Array(out.length);
    let i = 0;
    let o = 0;
    for (const rep of parts) {
      const w = src.codePointAt(i)! > 0xffff ? 2 : 1;
      const os = this.startOf(i);
      const oe = this.endOf(i + w - 1);
      for (let k = 0; k < rep.length; k++) {
        s[o] = os;
        e[o++] = oe;
      }
      i += w;
    }
    return new NormalizedString(out, s, e, this.originalStart, this.originalEnd);
  }
}

function isHigh(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

function isLow(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}
