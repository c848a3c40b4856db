import { NO_RANK, type RankTable } from './openaiRanks';

/**
 * Reusable scratch space for `bytePairMerge`, grown on demand, so that encoding allocates nothing
 * per piece. `bounds[0..count]` are the token boundaries (byte offsets) after a merge.
 */
export class MergeScratch {
  bounds = new Int32Array(256);
  ranks = new Int32Array(256);
  // For long pieces (mergeLong): the byte offset after each live token, by its start, and a heap.
  next = new Int32Array(0);
  prev = new Int32Array(0);
  heap = new Float64Array(0);

  ensure(n: number): void {
    if (this.bounds.length > n + 1) return;
    let size = this.bounds.length;
    while (size <= n + 1) size *= 2;
    this.bounds = new Int32Array(size);
    this.ranks = new Int32Array(size);
  }

  ensureLong(n: number): void {
    if (this.next.length > n + 1) return;
    const size = Math.max(2 * this.next.length, n + 2);
    this.next = new Int32Array(size);
    this.prev = new Int32Array(size);
    // n - 1 initial pairs, then at most two new pairs per merge: fewer than 3n entries.
    this.heap = new Float64Array(3 * size);
  }
}

/** Pieces longer than this (in bytes) merge through a heap: the scan is quadratic in the length, and measured slower from here on. */
const LONG_PIECE = 32;

/** Called after each merge: the merged token is `bounds[at]..bounds[at + 1]`, of `count` tokens now. */
export type MergeTrace = (rank: number, at: number, bounds: Int32Array, count: number) => void;

/**
 * tiktoken's byte-pair merge of `buf[0, n)` (n ≥ 2): start from single bytes; repeatedly merge the
 * adjacent pair whose concatenation has the lowest rank (the leftmost on a tie) until no adjacent
 * pair is a token. Leaves the token boundaries in `scratch.bounds[0..count]` and returns `count`,
 * the number of tokens. With `trace` (the replay) it always takes the scan, which reports each
 * merge in order; without, long pieces take the heap, which gives the same merges.
 */
export function bytePairMerge(table: RankTable, buf: Uint8Array, n: number, scratch: MergeScratch, trace?: MergeTrace): number {
  if (n > LONG_PIECE && !trace) return mergeLong(table, buf, n, scratch);
  scratch.ensure(n);
  const bounds = scratch.bounds;
  const ranks = scratch.ranks;
  // `parts` = boundaries 0..n (n + 1 of them); ranks[i] is the rank of bounds[i]..bounds[i + 2]
  // (tokens i and i + 1 merged).
  let parts = n + 1;
  let minRank = NO_RANK;
  let minAt = 0;
  for (let i = 0; i < n - 1; i++) {
    const r = table.rank(buf, i, i + 2);
    bounds[i] = i;
    ranks[i] = r;
    if (r < minRank) {
      minRank = r;
      minAt = i;
    }
  }
  bounds[n - 1] = n - 1;
  ranks[n - 1] = NO_RANK;
  bounds[n] = n;
  ranks[n] = NO_RANK;
  while (minRank !== NO_RANK) {
    const i = minAt;
    // After removing boundary i+1, the pairs that changed are (i-1, i) and (i, i+1).
    if (i > 0) ranks[i - 1] = i + 2 < parts ? table.rank(buf, bounds[i - 1]!, bounds[i + 2]!) : NO_RANK;
    ranks[i] = i + 3 < parts ? table.rank(buf, bounds[i]!, bounds[i + 3]!) : NO_RANK;
    // Pieces are short: a plain loop beats copyWithin's call overhead.
    parts--;
    for (let k = i + 1; k < parts; k++) {
      bounds[k] = bounds[k + 1]!;
      ranks[k] = ranks[k + 1]!;
    }
    trace?.(minRank, i, bounds, parts - 1);
    minRank = NO_RANK;
    for (let k = 0; k < parts - 1; k++) {
      const r = ranks[k]!;
      if (r < minRank) {
        minRank = r;
        minAt = k;
      }
    }
  }
  return parts - 1;
}

// Heap keys pack (rank, start): ordered by rank, then leftmost, exactly tiktoken's choice.
const START_RANGE = 2 ** 32;

/**
 * The same merges as the scan in bytePairMerge, in O(n log n) for long pieces (a 100 kB run of
 * spaces is one piece): live tokens form a linked list keyed by their start byte, and candidate
 * pairs wait in a min-heap. An entry is stale when its left token died or its pair's rank
 * changed; one that still matches the current pair stands for that pair, so popping it is right.
 */
function mergeLong(table: RankTable, buf: Uint8Array, n: number, scratch: MergeScratch): number {
  scratch.ensureLong(n);
  scratch.ensure(n);
  const next = scratch.next; // next[start] = end of the token starting at start; -1: not a token start
  const prev = scratch.prev; // prev[start] = start of the token before it; -1: first
  const pairRank = scratch.ranks; // pairRank[start] = rank of the token at start merged with its successor
  const heap = scratch.heap;
  let size = 0;
  for (let i = 0; i < n; i++) {
    next[i] = i + 1;
    prev[i] = i - 1;
    const r = i + 1 < n ? table.rank(buf, i, i + 2) : NO_RANK;
    pairRank[i] = r;
    if (r !== NO_RANK) size = heapPush(heap, size, r * START_RANGE + i);
  }
  const rankAfter = (start: number): number => {
    const end = next[start]!;
    return end < n ? table.rank(buf, start, next[end]!) : NO_RANK;
  };
  while (size > 0) {
    const key = heap[0]!;
    size = heapPopTop(heap, size);
    const rank = Math.floor(key / START_RANGE);
    const start = key - rank * START_RANGE;
    if (next[start]! < 0 || pairRank[start] !== rank) continue;
    const right = next[start]!;
    next[start] = next[right]!;
    next[right] = -1;
    if (next[start]! < n) prev[next[start]!] = start;
    const r = rankAfter(start);
    pairRank[start] = r;
    if (r !== NO_RANK) size = heapPush(heap, size, r * START_RANGE + start);
    const before = prev[start]!;
    if (before >= 0) {
      const rb = rankAfter(before);
      pairRank[before] = rb;
      if (rb !== NO_RANK) size = heapPush(heap, size, rb * START_RANGE + before);
    }
  }
  const bounds = scratch.bounds;
  let count = 0;
  for (let at = 0; at < n; at = next[at]!) bounds[count++] = at;
  bounds[count] = n;
  return count;
}

/** Adds `key` to the min-heap `heap[0, size)`; returns the new size. */
function heapPush(heap: Float64Array, size: number, key: number): number {
  let i = size;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (heap[parent]! <= key) break;
    heap[i] = heap[parent]!;
    i = parent;
  }
  heap[i] = key;
  return size + 1;
}

/** Removes the smallest key (heap[0]) from the min-heap `heap[0, size)`; returns the new size. */
function heapPopTop(heap: Float64Array, size: number): number {
  const last = heap[--size]!;
  let i = 0;
  for (;;) {
    let child = 2 * i + 1;
    if (child >= size) break;
    if (child + 1 < size && heap[child + 1]! < heap[child]!) child++;
    if (heap[child]! >= last) break;
    heap[i] = heap[child]!;
    i = child;
  }
  heap[i] = last;
  return size;
}
