// Aligns two tokenizations of one text by their character spans (UTF-16 offsets, as tokens carry
// them), for comparing two tokenizers or models side by side. Pure: no vscode, no DOM.
import { LensError } from './errors';

/** What alignment needs of a token: its span in the text and its vocabulary spelling. */
export interface SpanToken {
  readonly start: number;
  readonly end: number;
  /** The token as its vocabulary spells it (compared only where spans cannot tell tokens apart). */
  readonly text: string;
}

/**
 * One aligned group: a stretch `[start, end)` of the text where both sides have a token boundary
 * at `start` and at `end` and none of either side's tokens crosses either edge. `a` and `b` are
 * the indices (ascending) of each side's tokens inside it.
 */
export interface AlignGroup {
  readonly start: number;
  readonly end: number;
  readonly a: readonly number[];
  readonly b: readonly number[];
  /**
   * Both sides cut this stretch the same way: as many tokens, pairwise the same spans; where
   * spans cannot tell tokens apart (zero-width special tokens, and byte-level pieces of one
   * character, which share that character's span) also the same spelling.
   */
  readonly same: boolean;
}

/**
 * Aligns tokens `a` and `b` of a text of `textLength` UTF-16 units. The groups are in text order
 * and cover the text: group i ends where group i+1 starts, the first starts at 0, the last ends at
 * `textLength`. Each token is in exactly one group, and each side's indices, read group after
 * group, are 0, 1, 2, … in order.
 *
 * - A group edge is a token edge of either side where no token of either side straddles it
 *   (start < p < end), so the groups are the finest common cut of the two tokenizations.
 * - Byte-level tokens that hold parts of one character carry that character's span: they share it
 *   and so fall into one group together.
 * - Overlapping spans (a byte-level token holding the end of one character and the start of the
 *   next gets both characters' span, overlapping its neighbours): no edge inside an overlap is a
 *   cut, so the overlapping tokens and everything chained to them form one group.
 * - Zero-width tokens (BOS/EOS, [CLS]/[SEP]: start === end === p) form a zero-width group at p
 *   (both sides' zero-width tokens at p together) when p is a common cut, else they join the
 *   group that contains p. The group sits between the groups ending and starting at p.
 * - Text neither side tokenizes (whitespace a WordPiece tokenizer drops, on both sides) is a group
 *   with no tokens (`same`), so the groups still cover the text.
 * - When a side's tokens are not in span order (a tokenizer that reorders), adjacent groups are
 *   merged until each side's indices read in order again.
 *
 * Cost O(textLength + |a| + |b|·log). A span outside [0, textLength] or with end < start throws
 * LensError('option').
 */
export function alignTokens(textLength: number, a: readonly SpanToken[], b: readonly SpanToken[]): AlignGroup[] {
  if (!Number.isInteger(textLength) || textLength < 0) throw new LensError('option', `alignTokens: textLength ${textLength} is not a length`);
  checkSpans('a', a, textLength);
  checkSpans('b', b, textLength);
  // straddled[p] > 0: some token of either side has start < p < end. [textLength + 1]
  const straddled = new Int32Array(textLength + 2);
  for (const side of [a, b]) {
    for (const t of side) {
      if (t.end - t.start < 2) continue; // straddles nothing
      straddled[t.start + 1]!++;
      straddled[t.end]!--;
    }
  }
  for (let p = 1; p <= textLength; p++) straddled[p]! += straddled[p - 1]!;
  const isEdge = new Uint8Array(textLength + 1);
  isEdge[0] = 1;
  isEdge[textLength] = 1;
  for (const side of [a, b]) {
    for (const t of side) {
      isEdge[t.start] = 1;
      isEdge[t.end] = 1;
    }
  }
  /** The common cuts, ascending: 0, …, textLength. */
  const cuts: number[] = [];
  for (let p = 0; p <= textLength; p++) if (isEdge[p] && straddled[p] === 0) cuts.push(p);
  if (cuts[cuts.length - 1] !== textLength) cuts.push(textLength); // textLength 0: cuts = [0]

  // Slots in text order: for each cut i, a zero-width slot (2i) then the stretch cuts[i]..cuts[i+1] (2i + 1).
  const slots = 2 * cuts.length;
  const slotA: (number[] | undefined)[] = new Array(slots);
  const slotB: (number[] | undefined)[] = new Array(slots);
  const place = (side: readonly SpanToken[], into: (number[] | undefined)[]): void => {
    let k = 0;
    side.forEach((t, i) => {
      // The last cut at or before t.start (tokens mostly come in order: try the last one's first).
      if (!(cuts[k]! <= t.start && (k + 1 >= cuts.length || cuts[k + 1]! > t.start))) k = lastAtOrBefore(cuts, t.start);
      const s = t.start === t.end && cuts[k] === t.start ? 2 * k : 2 * k + 1;
      (into[s] ??= []).push(i);
    });
  };
  place(a, slotA);
  place(b, slotB);

  type Draft = { start: number; end: number; a: number[]; b: number[] };
  const drafts: Draft[] = [];
  const none: number[] = [];
  for (let s = 0; s < slots; s++) {
    const k = s >> 1;
    const a = slotA[s];
    const b = slotB[s];
    // Indices were pushed in index order: each slot is already ascending.
    if ((s & 1) === 0) {
      if (a || b) drafts.push({ start: cuts[k]!, end: cuts[k]!, a: a ?? [], b: b ?? [] });
    } else if (k + 1 < cuts.length) {
      drafts.push({ start: cuts[k]!, end: cuts[k + 1]!, a: a ?? none.slice(), b: b ?? none.slice() });
    }
  }
  // Keep each side's order. The merged groups keep the invariant "a side's indices increase from
  // group to group", so the groups holding an index above a new group's smallest are a suffix:
  // that suffix and the new group become one.
  const merged: Draft[] = [];
  for (const d of drafts) {
    let j = merged.length;
    // Back from the end until, on each side, a group lies wholly below (then all before it do).
    let doneA = d.a.length === 0;
    let doneB = d.b.length === 0;
    for (let k = merged.length - 1; k >= 0 && !(doneA && doneB); k--) {
      const m = merged[k]!;
      if (hasAbove(m.a, d.a[0]) || hasAbove(m.b, d.b[0])) j = k;
      if (m.a.length && !hasAbove(m.a, d.a[0])) doneA = true;
      if (m.b.length && !hasAbove(m.b, d.b[0])) doneB = true;
    }
    if (j === merged.length) {
      merged.push(d); // in order: the usual case
      continue;
    }
    const into = merged[j]!;
    for (const m of merged.splice(j + 1)) absorb(into, m);
    absorb(into, d);
  }
  return merged.map(d => ({ start: d.start, end: d.end, a: d.a, b: d.b, same: sameCut(d.a, d.b, a, b) }));
}

function hasAbove(indices: readonly number[], than: number | undefined): boolean {
  return than !== undefined && indices.length > 0 && indices[indices.length - 1]! > than;
}

function absorb(into: { start: number; end: number; a: number[]; b: number[] }, m: { start: number; end: number; a: number[]; b: number[] }): void {
  into.start = Math.min(into.start, m.start);
  into.end = Math.max(into.end, m.end);
  into.a = [...into.a, ...m.a].sort((x, y) => x - y);
  into.b = [...into.b, ...m.b].sort((x, y) => x - y);
}

function checkSpans(name: string, tokens: readonly SpanToken[], textLength: number): void {
  tokens.forEach((t, i) => {
    if (!Number.isInteger(t.start) || !Number.isInteger(t.end) || t.start < 0 || t.end < t.start || t.end > textLength) {
      throw new LensError('option', `alignTokens: token ${i} of side ${name} has span ${t.start}:${t.end}, expected 0 <= start <= end <= ${textLength}`);
    }
  });
}

/** Index of the last element of ascending `xs` that is <= `v` (xs[0] <= v). */
function lastAtOrBefore(xs: readonly number[], v: number): number {
  let lo = 0;
  let hi = xs.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (xs[mid]! <= v) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function sameCut(ia: readonly number[], ib: readonly number[], a: readonly SpanToken[], b: readonly SpanToken[]): boolean {
  if (ia.length !== ib.length) return false;
  for (let k = 0; k < ia.length; k++) {
    const x = a[ia[k]!]!;
    const y = b[ib[k]!]!;
    if (x.start !== y.start || x.end !== y.end) return false;
    // Spans tell tokens apart unless the span is empty or shared with a neighbour.
    const ambiguous = x.start === x.end || shares(a, ia, k) || shares(b, ib, k);
    if (ambiguous && x.text !== y.text) return false;
  }
  return true;
}

/** Whether token ix[k] of `side` has the same span as a neighbour in the group. */
function shares(side: readonly SpanToken[], ix: readonly number[], k: number): boolean {
  const t = side[ix[k]!]!;
  const prev = k > 0 ? side[ix[k - 1]!] : undefined;
  const next = k + 1 < ix.length ? side[ix[k + 1]!] : undefined;
  return (prev !== undefined && prev.start === t.start && prev.end === t.end) || (next !== undefined && next.start === t.start && next.end === t.end);
}

/** Counts for a summary line: groups, and how many of them the two sides cut differently. */
export function alignSummary(groups: readonly AlignGroup[]): { readonly groups: number; readonly differ: number } {
  let differ = 0;
  for (const g of groups) if (!g.same) differ++;
  return { groups: groups.length, differ };
}
