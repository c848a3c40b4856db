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
    /** starts[base + i], ends[base + i]: the original range of normalized unit i; null = identity. Slices share the arrays. */
    private readonly starts: Int32Array | null,
    private readonly ends: Int32Array | null,
    private readonly base: number,
    /** Original range this string covers (the identity mapping's base when arrays are null). */
    readonly originalStart: number,
    readonly originalEnd: number,
  ) {}

  /** `text` as it is, aligned to itself, placed at `offset` in the whole input. */
  static fromOriginal(text: string, offset = 0): NormalizedString {
    return new NormalizedString(text, null, null, 0, offset, offset + text.length);
  }

  /** A string built from explicit alignments (for normalizers that rewrite text). */
  static fromAlignments(normalized: string, alignStart: Int32Array, alignEnd: Int32Array, originalStart: number, originalEnd: number): NormalizedString {
    return new NormalizedString(normalized, alignStart, alignEnd, 0, originalStart, originalEnd);
  }

  get length(): number {
    return this.normalized.length;
  }

  /** True when no normalizer has changed this text (offsets are plain arithmetic). */
  get isIdentity(): boolean {
    return this.starts === null;
  }

  /** Original start of normalized unit i (a low surrogate maps to its character's start). */
  startOf(i: number): number {
    if (this.starts) return this.starts[this.base + i]!;
    const c = this.normalized.charCodeAt(i);
    return this.originalStart + (c >= 0xdc00 && c <= 0xdfff && i > 0 && isHigh(this.normalized.charCodeAt(i - 1)) ? i - 1 : i);
  }

  /** Original end of normalized unit i (a high surrogate maps to its character's end). */
  endOf(i: number): number {
    if (this.ends) return this.ends[this.base + i]!;
    const c = this.normalized.charCodeAt(i);
    return this.originalStart + (isHigh(c) && i + 1 < this.normalized.length && isLow(this.normalized.charCodeAt(i + 1)) ? i + 2 : i + 1);
  }

  /**
   * The original range [start, end) that normalized range [start, end) came from: the first
   * unit's original start and the last unit's original end, as Hugging Face's convert_offsets
   * does (its alignments only move forward, so this is also the hull).
   */
  originalRange(start: number, end: number): [number, number] {
    if (start >= end) {
      const at = start < this.length ? this.startOf(start) : start > 0 ? this.endOf(start - 1) : this.originalStart;
      return [at, at];
    }
    return [this.startOf(start), this.endOf(end - 1)];
  }

  /** The normalized range [start, end) as its own NormalizedString (alignments shared, not copied). */
  slice(start: number, end: number): NormalizedString {
    const text = this.normalized.slice(start, end);
    if (!this.starts) {
      // Identity stays identity; a cut through a surrogate pair keeps the half's own unit.
      return new NormalizedString(text, null, null, 0, this.originalStart + start, this.originalStart + end);
    }
    const [os, oe] = this.originalRange(start, end);
    return new NormalizedString(text, this.starts, this.ends, this.base + start, os, oe);
  }

  /** Alignment arrays (views when shared; identity strings build them on demand). */
  alignments(): { start: Int32Array; end: Int32Array } {
    const n = this.length;
    if (this.starts) return { start: this.starts.subarray(this.base, this.base + n), end: this.ends!.subarray(this.base, this.base + n) };
    const s = new Int32Array(n);
    const e = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = this.startOf(i);
      e[i] = this.endOf(i);
    }
    return { start: s, end: e };
  }

  /** The same alignment with another text of the same length (a length-preserving rewrite). */
  withText(text: string): NormalizedString {
    if (text.length !== this.length) throw new Error(`withText: length ${text.length}, expected ${this.length}`);
    return new NormalizedString(text, this.starts, this.ends, this.base, this.originalStart, this.originalEnd);
  }

  /**
   * Rewrites the text one code point at a time: `fn` returns the replacement of each code
   * point (possibly several, possibly none). Every replacement code unit aligns to the
   * original range of the code point it replaced — how Hugging Face aligns a char-wise map.
   * Returns `this` when nothing changed.
   */
  mapCodePoints(fn: (cp: string) => string): NormalizedString {
    const src = this.normalized;
    let out: AlignedBuilder | undefined;
    let copied = 0;
    for (let i = 0; i < src.length; ) {
      const w = isHigh(src.charCodeAt(i)) && i + 1 < src.length && isLow(src.charCodeAt(i + 1)) ? 2 : 1;
      const ch = w === 2 ? src.slice(i, i + 2) : src[i]!;
      const rep = fn(ch);
      if (rep !== ch) {
        out ??= new AlignedBuilder(this);
        out.copy(copied, i);
        out.push(rep, this.startOf(i), this.endOf(i));
        copied = i + w;
      }
      i += w;
    }
    if (!out) return this;
    out.copy(copied, src.length);
    return out.finish();
  }
}

/**
 * Builds a rewritten NormalizedString from a source one, left to right: runs copied with their
 * alignments, and new text aligned to a given original range. Normalizers use it to follow
 * Hugging Face's transform rules without a per-character allocation.
 */
export class AlignedBuilder {
  private readonly parts: string[] = [];
  private starts: Int32Array;
  private ends: Int32Array;
  private n = 0;

  constructor(
    private readonly source: NormalizedString,
    capacity = source.length + 16,
  ) {
    this.starts = new Int32Array(Math.max(16, capacity));
    this.ends = new Int32Array(this.starts.length);
  }

  /** Units written so far. */
  get length(): number {
    return this.n;
  }

  /** Original start / end of the last unit written (the source's start when none). */
  lastStart(): number {
    return this.n > 0 ? this.starts[this.n - 1]! : this.source.originalStart;
  }
  lastEnd(): number {
    return this.n > 0 ? this.ends[this.n - 1]! : this.source.originalStart;
  }

  /** Appends source units [from, to) with their own alignments. */
  copy(from: number, to: number): void {
    if (to <= from) return;
    const src = this.source;
    this.parts.push(from === 0 && to === src.length ? src.normalized : src.normalized.slice(from, to));
    this.reserve(to - from);
    for (let i = from; i < to; i++) {
      this.starts[this.n] = src.startOf(i);
      this.ends[this.n++] = src.endOf(i);
    }
  }

  /** Appends `text` (as long as source units [from, from + text.length)) with those units' alignments. */
  copyAs(text: string, from: number): void {
    if (text.length === 0) return;
    const src = this.source;
    this.parts.push(text);
    this.reserve(text.length);
    for (let i = from; i < from + text.length; i++) {
      this.starts[this.n] = src.startOf(i);
      this.ends[this.n++] = src.endOf(i);
    }
  }

  /** Appends `text`, every unit aligned to the original range [start, end). */
  push(text: string, start: number, end: number): void {
    if (text.length === 0) return;
    this.parts.push(text);
    this.reserve(text.length);
    for (let k = 0; k < text.length; k++) {
      this.starts[this.n] = start;
      this.ends[this.n++] = end;
    }
  }

  /** Appends `text` with one alignment per unit (starts[k], ends[k] for text unit k). */
  pushAligned(text: string, starts: ArrayLike<number>, ends: ArrayLike<number>): void {
    if (text.length === 0) return;
    this.parts.push(text);
    this.reserve(text.length);
    for (let k = 0; k < text.length; k++) {
      this.starts[this.n] = starts[k]!;
      this.ends[this.n++] = ends[k]!;
    }
  }

  /** The result; its original range is the source's (a normalizer does not move the original). */
  finish(): NormalizedString {
    const text = this.parts.length === 1 ? this.parts[0]! : this.parts.join('');
    return NormalizedString.fromAlignments(text, this.starts.subarray(0, this.n), this.ends.subarray(0, this.n), this.source.originalStart, this.source.originalEnd);
  }

  private reserve(k: number): void {
    if (this.n + k <= this.starts.length) return;
    const size = Math.max(this.starts.length * 2, this.n + k);
    const s = new Int32Array(size);
    const e = new Int32Array(size);
    s.set(this.starts.subarray(0, this.n));
    e.set(this.ends.subarray(0, this.n));
    this.starts = s;
    this.ends = e;
  }
}

/** Width in UTF-16 units of the code point starting at unit i of `s` (1 for a lone surrogate). */
export function unitWidth(s: string, i: number): number {
  return isHigh(s.charCodeAt(i)) && i + 1 < s.length && isLow(s.charCodeAt(i + 1)) ? 2 : 1;
}

function isHigh(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

function isLow(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}
