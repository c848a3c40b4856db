/**
 * A set of code points read from a generated range table ("base-36 gap from the previous end .
 * base-36 length - 1", comma-separated — the encoding of hfUnicode.ts and onigUnicode.ts).
 * Lookups are a byte read for the BMP and a binary search above it, with no allocation.
 */
export class CodePointSet {
  private readonly bmp = new Uint8Array(0x10000);
  /** Astral runs as [start0, end0, start1, end1, …] (inclusive), sorted. */
  private readonly astral: Int32Array;

  constructor(encoded: string) {
    const astral: number[] = [];
    forEachRange(encoded, (start, end) => {
      for (let cp = start; cp <= Math.min(end, 0xffff); cp++) this.bmp[cp] = 1;
      if (end > 0xffff) astral.push(Math.max(start, 0x10000), end);
    });
    this.astral = Int32Array.from(astral);
  }

  has(cp: number): boolean {
    if (cp < 0x10000) return this.bmp[cp] === 1;
    const a = this.astral;
    let lo = 0;
    let hi = a.length / 2 - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (cp < a[2 * mid]!) hi = mid - 1;
      else if (cp > a[2 * mid + 1]!) lo = mid + 1;
      else return true;
    }
    return false;
  }
}

/** Calls `fn(start, end)` (inclusive) for each range of an encoded table. */
export function forEachRange(encoded: string, fn: (start: number, end: number) => void): void {
  let prev = -1;
  for (const piece of encoded.split(',')) {
    if (piece === '') continue;
    const [gap, len] = piece.split('.');
    const start = prev + 1 + parseInt(gap!, 36);
    const end = start + parseInt(len!, 36);
    fn(start, end);
    prev = end;
  }
}

/**
 * The encoding forEachRange reads, of `members` (any order) as runs of consecutive code points.
 * The scripts that measure the tables write them with it (scripts/build-*-unicode.ts,
 * scripts/build-bert-tokenizer.ts).
 */
export function encodeRanges(members: readonly number[]): string {
  const runs: [number, number][] = [];
  for (const cp of [...members].sort((a, b) => a - b)) {
    const last = runs[runs.length - 1];
    if (last && last[1] === cp - 1) last[1] = cp;
    else runs.push([cp, cp]);
  }
  return encodeRuns(runs);
}

/** The encoding of runs [start, end] (inclusive, sorted, disjoint). */
export function encodeRuns(runs: readonly (readonly [number, number])[]): string {
  let prev = -1;
  return runs
    .map(([start, end]) => {
      const piece = `${(start - prev - 1).toString(36)}.${(end - start).toString(36)}`;
      prev = end;
      return piece;
    })
    .join(',');
}

/** Unicode White_Space — Rust's char::is_whitespace and the regex crates' \s (checked by scripts/build-hf-unicode.ts). */
export function isWhiteSpace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  if (c < 0x85) return false;
  return (
    c === 0x85 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000
  );
}
