import { LensError } from '../../errors';
import type { ModelStep } from '../replay';
import { MergeText } from './mergeText';
import type { PieceToken, TokenizerModel } from './model';
import { Vocab } from './vocab';

/** The options of Hugging Face's BPE model (tokenizer.json `model` with `"type": "BPE"`). */
export interface BpeOptions {
  readonly vocab: Vocab;
  /**
   * The merges in rank order (rank = index); a pair listed twice keeps its last rank, as in the
   * Rust library. Each is a pair, or the file's own "left right" string (one space, checked by
   * the caller: `bpeModelFromJson`), so a load splits each merge once without a pair per merge;
   * or the merges left in the file's text (`MergeText`), sliced out here.
   */
  readonly merges: readonly (string | readonly [string, string])[] | MergeText;
  readonly unkToken?: string | undefined;
  readonly fuseUnk?: boolean;
  readonly byteFallback?: boolean;
  readonly continuingSubwordPrefix?: string | undefined;
  readonly endOfWordSuffix?: string | undefined;
  readonly ignoreMerges?: boolean;
  /** The file, for messages. */
  readonly file: string;
}

/** Words shorter than this merge by scanning (fastest for short words); longer ones use a heap. */
const SCAN_LIMIT = 48;
/** The word cache keeps at least this many recent words (and at most twice as many); longer words are not cached. */
const CACHE_CAPACITY = 40_000;
const CACHE_MAX_WORD = 256;
/** Slots of the direct-mapped table of hot words (a power of two). */
const HOT_SIZE = 32768;
const HOT_SHIFT = 32 - 15;
const NONE = -1;

/** Scratch arrays of the merge loops (they never escape a call; JavaScript runs one call at a time). */
let scratchRanks = new Int32Array(64);
let scratchFirsts = new Int32Array(64);
let scratchStarts = new Int32Array(64);

/**
 * A bounded cache of recent words, in two generations: when the young map is full it becomes
 * the old one (the previous old one is dropped), and a hit in the old map moves back to the
 * young one. Frequent words stay; memory stays bounded; no per-hit bookkeeping.
 */
class WordCache<V> {
  private young = new Map<string, V>();
  private old = new Map<string, V>();

  constructor(private readonly capacity: number) {}

  get(key: string): V | undefined {
    const v = this.young.get(key);
    if (v !== undefined) return v;
    const o = this.old.get(key);
    if (o !== undefined) this.set(key, o);
    return o;
  }

  set(key: string, value: V): void {
    if (this.young.size >= this.capacity) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(key, value);
  }
}

/**
 * An open-addressing hash table (id, id) → merge rank: faster than a Map with number keys,
 * which would allocate a heap number per lookup for vocabularies above 46k ids. A slot is
 * [left, right, rank, unused] side by side, so a probe reads one cache line (the table of a
 * 200k-merge vocabulary is megabytes: memory latency is the cost of a lookup). Ids are u32:
 * they are stored as their int32 bit pattern (`| 0`, one to one), and a free slot is told by
 * its rank (stored plus one: 0 is free, so a new table needs no fill), since every int32 is
 * some id. At most half full: two thirds made encoding ~5% slower (more probes for the pairs
 * that have no merge, the most common lookup).
 */
class PairTable {
  private readonly mask: number;
  private readonly slots: Int32Array;

  constructor(count: number) {
    let cap = 16;
    while (cap < count * 2) cap *= 2;
    this.mask = cap - 1;
    this.slots = new Int32Array(cap * 4);
  }

  private home(a: number, b: number): number {
    return (Math.imul(a | 0, 0x9e3779b1) ^ Math.imul((b | 0) + 0x7f4a7c15, 0x85ebca77)) & this.mask;
  }

  /** The slot of (a, b), or the free slot where it would go, probing from slot `h`. */
  private find(a: number, b: number, h: number): number {
    const slots = this.slots;
    a |= 0;
    b |= 0;
    for (;;) {
      const at = h << 2;
      if (slots[at + 2] === 0 || (slots[at] === a && slots[at + 1] === b)) return at;
      h = (h + 1) & this.mask;
    }
  }

  set(a: number, b: number, rank: number, h = this.home(a, b)): void {
    const at = this.find(a, b, h);
    this.slots[at] = a | 0;
    this.slots[at + 1] = b | 0;
    this.slots[at + 2] = rank + 1;
  }

  /**
   * Sets merge rank r to (lefts[r], rights[r]) for every r, as `set` in rank order would (a
   * pair listed twice keeps its last rank). The pairs go in sorted by home slot (a stable
   * counting sort on its top bits), so the writes sweep the table once instead of landing
   * anywhere in megabytes: in rank order nearly every write missed the cache and the TLB.
   */
  setAll(lefts: Int32Array, rights: Int32Array, count: number): void {
    const shift = Math.max(0, Math.log2(this.mask + 1) - 12);
    const homes = new Int32Array(count);
    const starts = new Int32Array((1 << 12) + 1);
    for (let r = 0; r < count; r++) {
      const h = this.home(lefts[r]!, rights[r]!);
      homes[r] = h;
      starts[(h >>> shift) + 1]!++;
    }
    for (let k = 1; k < starts.length; k++) starts[k]! += starts[k - 1]!;
    const order = new Int32Array(count);
    for (let r = 0; r < count; r++) order[starts[homes[r]! >>> shift]!++] = r;
    for (let k = 0; k < count; k++) {
      const r = order[k]!;
      this.set(lefts[r]!, rights[r]!, r, homes[r]!);
    }
  }

  /** The rank of merging (a, b), or -1 if there is no such merge. */
  get(a: number, b: number): number {
    return this.slots[this.find(a, b, this.home(a, b)) + 2]! - 1;
  }
}

/** True when `t` is `a` followed by `b` (without building a + b). */
function isConcat(t: string | undefined, a: string, b: string): boolean {
  return t !== undefined && t.length === a.length + b.length && t.startsWith(a) && t.endsWith(b);
}

/** True when `t` is text[a0, a1) followed by text[b0, b1). */
function isConcatAt(t: string | undefined, text: string, a0: number, a1: number, b0: number, b1: number): boolean {
  if (t === undefined || t.length !== a1 - a0 + (b1 - b0)) return false;
  let k = 0;
  for (let i = a0; i < a1; i++) if (t.charCodeAt(k++) !== text.charCodeAt(i)) return false;
  for (let i = b0; i < b1; i++) if (t.charCodeAt(k++) !== text.charCodeAt(i)) return false;
  return true;
}

/** The initial symbols of a word: ids, and each symbol's length (UTF-16 units, or UTF-8 bytes when `bytes`). */
interface InitialWord {
  ids: number[];
  lens: number[];
  /** Lengths are UTF-8 bytes (byte fallback happened): offsets need mapping back to UTF-16 units. */
  bytes: boolean;
  /** For the replay: what happened to characters that were not in the vocabulary. */
  notes?: ModelStep[];
}

/**
 * Hugging Face's BPE model, exactly as the Rust library runs it: each character (with the
 * continuing-subword prefix / end-of-word suffix) becomes a symbol — or its <0xNN> bytes with
 * byte_fallback, or the unknown token — then the adjacent pair with the lowest merge rank is
 * merged (the leftmost one on ties) until no pair has a merge.
 */
export class BpeModel implements TokenizerModel {
  readonly type = 'BPE';
  private readonly vocab: Vocab;
  private readonly pairs: PairTable;
  /** The id each merge (by rank) produces (ids are u32). */
  private readonly mergedId: Uint32Array;
  private readonly unkToken: string | undefined;
  private readonly fuseUnk: boolean;
  private readonly byteFallback: boolean;
  private readonly prefix: string;
  private readonly suffix: string;
  private readonly ignoreMerges: boolean;
  private readonly file: string;
  private readonly cache = new WordCache<readonly PieceToken[]>(CACHE_CAPACITY);
  private readonly hotKeys: (string | undefined)[] = new Array<string | undefined>(HOT_SIZE).fill(undefined);
  private readonly hotValues: (readonly PieceToken[] | undefined)[] = new Array<readonly PieceToken[] | undefined>(HOT_SIZE).fill(undefined);
  /** Ids of single characters (no prefix/suffix involved), filled on first use; -2 = not looked up yet, -3 = an id above int32 (looked up each time). */
  private readonly charIds = new Int32Array(0x10000).fill(-2);

  constructor(options: BpeOptions) {
    this.vocab = options.vocab;
    this.file = options.file;
    this.unkToken = options.unkToken;
    this.fuseUnk = options.fuseUnk ?? false;
    this.byteFallback = options.byteFallback ?? false;
    this.prefix = options.continuingSubwordPrefix ?? '';
    this.suffix = options.endOfWordSuffix ?? '';
    this.ignoreMerges = options.ignoreMerges ?? false;
    if (this.byteFallback && (this.prefix !== '' || this.suffix !== '')) {
      // The Rust library then gives the prefix's bytes offsets of their own, past the word's end.
      throw new LensError('unsupported', `${this.file}: BPE with byte_fallback and a continuing_subword_prefix or end_of_word_suffix is not supported`);
    }
    const merges = options.merges;
    const fromText = merges instanceof MergeText ? merges : undefined;
    const count = fromText ? fromText.count : (merges as readonly unknown[]).length;
    const vocab = this.vocab;
    this.pairs = new PairTable(count);
    this.mergedId = new Uint32Array(count);
    // Each merge's pair (ids as int32 bits), put in the pair table at the end (`setAll`).
    const lefts = new Int32Array(count);
    const rights = new Int32Array(count);
    // The id a merge produces is usually the previous merge's or the one after it (vocabularies
    // are built merge by merge, or sorted by score with merges in the same order: over 99% of
    // gemma3's and all of llama3's): try those ids first, comparing their tokens with
    // left + right (no string is built), and look the merged string up only when neither is.
    let guess = -1;
    // Plain merges from the text are looked up by where they are in it (nothing sliced out).
    const index = fromText !== undefined && this.prefix === '' ? vocab.spanIndex() : undefined;
    for (let rank = 0; rank < count; rank++) {
      if (index !== undefined && fromText!.isPlain(rank)) {
        const text = fromText!.text;
        const a0 = fromText!.at(rank, 0);
        const a1 = fromText!.at(rank, 1);
        const b0 = fromText!.at(rank, 2);
        const b1 = fromText!.at(rank, 3);
        const aId = index.find(text, a0, a1);
        const bId = index.find(text, b0, b1);
        if (aId < 0 || bId < 0) {
          const a = text.slice(a0, a1);
          const b = text.slice(b0, b1);
          throw new LensError('badFile', `${this.mergeWhere(rank, a, b)}: ${JSON.stringify(aId < 0 ? a : b)} is not in the vocabulary`);
        }
        let id: number;
        if (guess >= 0 && isConcatAt(vocab.token(guess), text, a0, a1, b0, b1)) id = guess;
        else if (guess >= 0 && isConcatAt(vocab.token(guess + 1), text, a0, a1, b0, b1)) id = guess + 1;
        else {
          const merged = text.slice(a0, a1) + text.slice(b0, b1);
          const found = vocab.id(merged);
          if (found === undefined) throw new LensError('badFile', `${this.mergeWhere(rank, text.slice(a0, a1), text.slice(b0, b1))}: the merged token ${JSON.stringify(merged)} is not in the vocabulary`);
          id = found;
        }
        guess = id;
        lefts[rank] = aId;
        rights[rank] = bId;
        this.mergedId[rank] = id;
        continue;
      }
      let a: string;
      let b: string;
      const merge = fromText ? (fromText.isPlain(rank) ? undefined : fromText.value(rank)) : (merges as readonly (string | readonly [string, string])[])[rank]!;
      if (merge === undefined) {
        a = fromText!.left(rank);
        b = fromText!.right(rank);
      } else if (typeof merge === 'string') {
        const space = merge.indexOf(' ');
        a = merge.slice(0, space);
        b = merge.slice(space + 1);
      } else {
        a = merge[0];
        b = merge[1];
      }
      const aId = vocab.id(a);
      const bId = vocab.id(b);
      if (aId === undefined) throw new LensError('badFile', `${this.mergeWhere(rank, a, b)}: ${JSON.stringify(a)} is not in the vocabulary`);
      if (bId === undefined) throw new LensError('badFile', `${this.mergeWhere(rank, a, b)}: ${JSON.stringify(b)} is not in the vocabulary`);
      const right = this.prefix === '' ? b : this.withoutPrefix(b, rank, a);
      let id: number;
      if (guess >= 0 && isConcat(vocab.token(guess), a, right)) id = guess;
      else if (guess >= 0 && isConcat(vocab.token(guess + 1), a, right)) id = guess + 1;
      else {
        const found = vocab.id(a + right);
        if (found === undefined) throw new LensError('badFile', `${this.mergeWhere(rank, a, b)}: the merged token ${JSON.stringify(a + right)} is not in the vocabulary`);
        id = found;
      }
      guess = id;
      lefts[rank] = aId;
      rights[rank] = bId;
      this.mergedId[rank] = id;
    }
    this.pairs.setAll(lefts, rights, count); // a pair listed again overrides its rank, as in the Rust library
  }

  /** The start of a message about merge `rank` (built only when there is an error). */
  private mergeWhere(rank: number, a: string, b: string): string {
    return `${this.file}: BPE merges[${rank}] ${JSON.stringify(`${a} ${b}`)}`;
  }

  get vocabSize(): number {
    return this.vocab.size;
  }
  idToToken(id: number): string | undefined {
    return this.vocab.token(id);
  }
  tokenToId(token: string): number | undefined {
    return this.vocab.id(token);
  }

  /** The right part of a merge without the continuing-subword prefix: the Rust library cuts prefix-length bytes. */
  private withoutPrefix(b: string, rank: number, a: string): string {
    if (this.prefix === '') return b;
    if (b.startsWith(this.prefix)) return b.slice(this.prefix.length);
    const want = utf8Length(this.prefix);
    let bytes = 0;
    let i = 0;
    while (bytes < want && i < b.length) {
      const cp = b.codePointAt(i)!;
      bytes += utf8Length(String.fromCodePoint(cp));
      i += cp > 0xffff ? 2 : 1;
    }
    if (bytes !== want) throw new LensError('badFile', `${this.mergeWhere(rank, a, b)}: ${JSON.stringify(b)} cannot lose the ${want}-byte continuing_subword_prefix (the Rust library fails here too)`);
    return b.slice(i);
  }

  /** The tokens of one piece. The array may be shared with the word cache: read it, do not change it. */
  tokenize(piece: string): PieceToken[] {
    if (piece.length === 0) return [];
    if (this.ignoreMerges) {
      const id = this.vocab.id(piece);
      if (id !== undefined) return [{ id, text: piece, start: 0, end: piece.length }];
    }
    // A small direct-mapped table in front of the cache: frequent words are found without
    // hashing the whole string or touching the big map (which costs a cache miss in memory).
    const n0 = piece.length;
    const slot = (Math.imul(n0, 0x9e3779b1) ^ Math.imul(piece.charCodeAt(0), 0x85ebca6b) ^ Math.imul(piece.charCodeAt(n0 - 1), 0xc2b2ae35) ^ Math.imul(piece.charCodeAt(n0 >> 1), 0x27d4eb2f)) >>> HOT_SHIFT;
    if (this.hotKeys[slot] === piece) return this.hotValues[slot] as PieceToken[];
    const hit = this.cache.get(piece);
    if (hit) {
      this.hotKeys[slot] = piece;
      this.hotValues[slot] = hit;
      return hit as PieceToken[];
    }
    const word = this.initialWord(piece, false);
    const n = word.ids.length;
    const ids = word.ids;
    if (scratchFirsts.length < n + 1) scratchFirsts = new Int32Array(n * 2 + 1);
    const firsts = scratchFirsts;
    for (let i = 0; i < n; i++) firsts[i] = i;
    const count = n < SCAN_LIMIT ? this.mergeByScan(ids, firsts, n) : this.mergeByHeap(ids, firsts, n);
    const tokens = this.toTokens(piece, word, ids, firsts, count);
    if (piece.length <= CACHE_MAX_WORD) {
      // Shared from now on: callers only read it (freezing would make call sites see two array kinds).
      this.cache.set(piece, tokens);
      this.hotKeys[slot] = piece;
      this.hotValues[slot] = tokens;
    }
    return tokens;
  }

  /**
   * The symbols before any merge, as the Rust library's merge_word builds them (its quirks
   * included). Lengths count UTF-16 units, or UTF-8 bytes once byte fallback is needed or a
   * character is dropped: the Rust library counts offsets in bytes from the symbols it keeps
   * (each <0xNN> token one byte), and those offsets can then fall inside other characters.
   */
  private initialWord(piece: string, explain: boolean, bytes = false): InitialWord {
    const ids: number[] = [];
    const lens: number[] = [];
    const word: InitialWord = { ids, lens, bytes };
    if (explain) word.notes = [];
    let unkId = NONE;
    let unkLen = 0;
    const plain = this.prefix === '' && this.suffix === '';
    for (let i = 0; i < piece.length; ) {
      const c = piece.charCodeAt(i);
      const w = c >= 0xd800 && c <= 0xdbff && i + 1 < piece.length ? 2 : 1;
      let id: number;
      let symbol: string | undefined;
      if (plain && w === 1) {
        id = this.charIds[c]!;
        if (id < NONE) {
          id = this.vocab.id(piece[i]!) ?? NONE;
          this.charIds[c] = id > 0x7fffffff ? -3 : id;
        }
      } else {
        symbol = piece.slice(i, i + w);
        if (i > 0) symbol = this.prefix + symbol;
        if (i + w === piece.length) symbol += this.suffix;
        id = this.vocab.id(symbol) ?? NONE;
      }
      const len = bytes ? utf8Length(piece.slice(i, i + w)) : w;
      i += w;
      if (id !== NONE) {
        if (unkId !== NONE) {
          ids.push(unkId);
          lens.push(unkLen);
          unkId = NONE;
        }
        ids.push(id);
        lens.push(len);
        continue;
      }
      symbol ??= piece.slice(i - w, i);
      if (this.byteFallback) {
        const byteTokens = utf8Bytes(symbol).map(b => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
        const byteIds = byteTokens.map(t => this.vocab.id(t));
        if (byteIds.every(b => b !== undefined)) {
          if (!bytes) return this.initialWord(piece, explain, true);
          // As in the Rust library, a pending unknown token is not flushed first: it follows.
          for (const b of byteIds) {
            ids.push(b!);
            lens.push(1);
          }
          word.notes?.push({ kind: 'byteFallback', symbol, bytes: byteTokens });
          continue;
        }
      }
      if (this.unkToken === undefined) {
        // Dropped: what follows moves back by this character's UTF-8 bytes, so count in bytes.
        if (!bytes) return this.initialWord(piece, explain, true);
        word.notes?.push({ kind: 'unknown', piece: symbol, token: '', reason: 'not in the vocabulary, and the model has no unk_token: dropped (as the Rust library does)' });
        continue;
      }
      const unk = this.vocab.id(this.unkToken);
      if (unk === undefined) throw new LensError('badFile', `${this.file}: BPE unk_token ${JSON.stringify(this.unkToken)} is not in the vocabulary (needed for ${JSON.stringify(symbol)})`);
      if (unkId !== NONE && this.fuseUnk) {
        unkLen += len;
        word.notes?.push({ kind: 'unknown', piece: symbol, token: this.unkToken, reason: 'not in the vocabulary; fused with the unknown token before it (fuse_unk)' });
        continue;
      }
      if (unkId !== NONE) {
        ids.push(unkId);
        lens.push(unkLen);
      }
      unkId = unk;
      unkLen = len;
      word.notes?.push({ kind: 'unknown', piece: symbol, token: this.unkToken, reason: this.byteFallback ? 'not in the vocabulary, and not all of its <0xNN> byte tokens are' : 'not in the vocabulary' });
    }
    if (unkId !== NONE) {
      ids.push(unkId);
      lens.push(unkLen);
    }
    return word;
  }

  /** Merges in place by scanning for the lowest rank (ties: leftmost). Returns the symbol count. */
  private mergeByScan(ids: number[], firsts: Int32Array, n: number, steps?: ModelStep[]): number {
    if (scratchRanks.length < n) scratchRanks = new Int32Array(n * 2);
    const ranks = scratchRanks;
    for (let i = 0; i + 1 < n; i++) ranks[i] = this.pairs.get(ids[i]!, ids[i + 1]!);
    for (;;) {
      let best = NONE;
      let bestRank = 0x7fffffff;
      for (let i = 0; i + 1 < n; i++) {
        const r = ranks[i]!;
        if (r !== NONE && r < bestRank) {
          bestRank = r;
          best = i;
        }
      }
      if (best === NONE) return n;
      const left = ids[best]!;
      const right = ids[best + 1]!;
      ids[best] = this.mergedId[bestRank]!;
      for (let i = best + 1; i + 1 < n; i++) {
        ids[i] = ids[i + 1]!;
        firsts[i] = firsts[i + 1]!;
      }
      for (let i = best + 1; i + 1 < n - 1; i++) ranks[i] = ranks[i + 1]!;
      n--;
      if (best > 0) ranks[best - 1] = this.pairs.get(ids[best - 1]!, ids[best]!);
      if (best + 1 < n) ranks[best] = this.pairs.get(ids[best]!, ids[best + 1]!);
      if (steps) {
        const parts = ids.slice(0, n).map(id => this.vocab.token(id)!);
        steps.push({ kind: 'merge', rank: bestRank, left: this.vocab.token(left)!, right: this.vocab.token(right)!, merged: this.vocab.token(ids[best]!)!, parts });
      }
    }
  }

  /**
   * The Rust library's algorithm for long words: a priority queue of (rank, position) with a
   * linked list of symbols; stale entries are skipped. Same result as scanning, in O(n log n).
   */
  private mergeByHeap(ids: number[], firsts: Int32Array, n: number): number {
    const sym = Uint32Array.from(ids);
    const next = new Int32Array(n);
    const prev = new Int32Array(n);
    const alive = new Uint8Array(n).fill(1);
    for (let i = 0; i < n; i++) {
      next[i] = i + 1 < n ? i + 1 : NONE;
      prev[i] = i - 1;
    }
    const heap = new MinHeap(n);
    for (let i = 0; i + 1 < n; i++) {
      const r = this.pairs.get(sym[i]!, sym[i + 1]!);
      if (r !== NONE) heap.push(r, i);
    }
    while (heap.size > 0) {
      const rank = heap.topRank();
      const pos = heap.topPos();
      heap.pop();
      if (!alive[pos]) continue;
      const right = next[pos]!;
      if (right === NONE) continue;
      if (this.pairs.get(sym[pos]!, sym[right]!) !== rank) continue; // stale entry
      sym[pos] = this.mergedId[rank]!;
      alive[right] = 0;
      const after = next[right]!;
      next[pos] = after;
      if (after !== NONE) prev[after] = pos;
      const before = prev[pos]!;
      if (before >= 0) {
        const r = this.pairs.get(sym[before]!, sym[pos]!);
        if (r !== NONE) heap.push(r, before);
      }
      if (after !== NONE) {
        const r = this.pairs.get(sym[pos]!, sym[after]!);
        if (r !== NONE) heap.push(r, pos);
      }
    }
    let k = 0;
    for (let i = 0; i !== NONE; i = next[i]!) {
      ids[k] = sym[i]!;
      firsts[k++] = i;
    }
    return k;
  }

  /** PieceTokens (offsets in the piece's UTF-16 units) of the merged symbols. */
  private toTokens(piece: string, word: InitialWord, ids: number[], firsts: Int32Array, count: number): PieceToken[] {
    const lens = word.lens;
    if (scratchStarts.length < lens.length + 1) scratchStarts = new Int32Array(lens.length * 2 + 1);
    const starts = scratchStarts;
    starts[0] = 0;
    for (let i = 0; i < lens.length; i++) starts[i + 1] = starts[i]! + lens[i]!;
    const out: PieceToken[] = new Array<PieceToken>(count);
    const toUnits = word.bytes ? byteToUnitMapper(piece) : undefined;
    for (let k = 0; k < count; k++) {
      const id = ids[k]!;
      let start = starts[firsts[k]!]!;
      let end = k + 1 < count ? starts[firsts[k + 1]!]! : starts[lens.length]!;
      if (toUnits) [start, end] = toUnits(start, end);
      out[k] = { id, text: this.vocab.token(id)!, start, end };
    }
    return out;
  }

  /** The replay of one piece: unknown characters and byte fallbacks, the initial symbols, then each merge in the order applied. */
  explain(piece: string): ModelStep[] {
    if (piece.length === 0) return [{ kind: 'note', text: 'empty piece: no tokens' }];
    if (this.ignoreMerges) {
      const id = this.vocab.id(piece);
      if (id !== undefined) return [{ kind: 'wholeWord', piece, id }];
    }
    const word = this.initialWord(piece, true);
    const steps: ModelStep[] = [...(word.notes ?? [])];
    const ids = word.ids.slice();
    steps.push({ kind: 'symbols', parts: ids.map(id => this.vocab.token(id)!) });
    const firsts = new Int32Array(ids.length);
    for (let i = 0; i < ids.length; i++) firsts[i] = i;
    this.mergeByScan(ids, firsts, ids.length, steps);
    return steps;
  }
}

/** A binary min-heap of (rank, position), ordered by rank then position: the Rust library's merge order. */
class MinHeap {
  private rank: Int32Array;
  private pos: Int32Array;
  size = 0;

  constructor(capacity: number) {
    this.rank = new Int32Array(Math.max(capacity, 4));
    this.pos = new Int32Array(Math.max(capacity, 4));
  }

  private less(i: number, j: number): boolean {
    const a = this.rank[i]!;
    const b = this.rank[j]!;
    return a < b || (a === b && this.pos[i]! < this.pos[j]!);
  }

  private swap(i: number, j: number): void {
    const r = this.rank[i]!;
    const p = this.pos[i]!;
    this.rank[i] = this.rank[j]!;
    this.pos[i] = this.pos[j]!;
    this.rank[j] = r;
    this.pos[j] = p;
  }

  push(rank: number, pos: number): void {
    if (this.size === this.rank.length) {
      const r = new Int32Array(this.size * 2);
      r.set(this.rank);
      this.rank = r;
      const p = new Int32Array(this.size * 2);
      p.set(this.pos);
      this.pos = p;
    }
    let i = this.size++;
    this.rank[i] = rank;
    this.pos[i] = pos;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  topRank(): number {
    return this.rank[0]!;
  }
  topPos(): number {
    return this.pos[0]!;
  }

  pop(): void {
    this.size--;
    if (this.size === 0) return;
    this.rank[0] = this.rank[this.size]!;
    this.pos[0] = this.pos[this.size]!;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < this.size && this.less(l, m)) m = l;
      if (r < this.size && this.less(r, m)) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }
}

function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

function utf8Bytes(s: string): number[] {
  const out: number[] = [];
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x80) out.push(cp);
    else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f));
    else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
    else out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
  }
  return out;
}

/**
 * Maps a UTF-8 byte range of `piece` to UTF-16 units the way the Rust library maps offsets back
 * through its alignments: the start goes to the start of the character holding the first byte,
 * the end to the end of the character holding the last byte.
 */
function byteToUnitMapper(piece: string): (start: number, end: number) => [number, number] {
  const charStartOfByte: number[] = [];
  const charEndOfByte: number[] = [];
  for (let i = 0; i < piece.length; ) {
    const c = piece.charCodeAt(i);
    const w = c >= 0xd800 && c <= 0xdbff && i + 1 < piece.length ? 2 : 1;
    const n = utf8Length(piece.slice(i, i + w));
    for (let k = 0; k < n; k++) {
      charStartOfByte.push(i);
      charEndOfByte.push(i + w);
    }
    i += w;
  }
  return (start, end) => {
    if (start >= end) {
      const at = charStartOfByte[start] ?? piece.length;
      return [at, at];
    }
    return [charStartOfByte[start] ?? piece.length, charEndOfByte[end - 1] ?? piece.length];
  };
}

/** A merge as the Rust library takes it: "left right" with exactly one space, or ["left", "right"]. */
function isMerge(merge: unknown): boolean {
  if (typeof merge === 'string') {
    // Exactly one space ("a b c" and "a  b" are errors).
    const space = merge.indexOf(' ');
    return space >= 0 && merge.indexOf(' ', space + 1) < 0;
  }
  return Array.isArray(merge) && merge.length === 2 && typeof merge[0] === 'string' && typeof merge[1] === 'string';
}

/** Reads a tokenizer.json BPE model, with the Rust library's checks (and errors for what we do not support). */
export function bpeModelFromJson(m: Record<string, unknown>, file: string, mergeText?: MergeText): BpeModel {
  // `mergeText`: the merges were read from the text (m.merges is then null in the parsed JSON).
  const fromText = mergeText !== undefined && m.merges === null ? mergeText : undefined;
  if (typeof m.vocab !== 'object' || m.vocab === null || Array.isArray(m.vocab) || !(fromText || Array.isArray(m.merges))) {
    throw new LensError('badFile', `${file}: BPE model needs "vocab": { token: id } and "merges": [...]`);
  }
  const vocab = Vocab.fromObject(m.vocab as Record<string, unknown>, file, 'BPE vocab ');
  if (m.dropout !== undefined && m.dropout !== null && m.dropout !== 0) {
    throw new LensError('unsupported', `${file}: BPE dropout ${JSON.stringify(m.dropout)} is not supported (random merges cannot be reproduced; only null or 0)`);
  }
  // Checked here, kept as written: the model splits each "left right" string itself. Merges
  // read from the text are plain pairs but for a few (escapes, not one space): those are
  // checked the same way, and when one is wrong the whole array is parsed for the usual error.
  let merges: unknown[] | MergeText = fromText ?? (m.merges as unknown[]);
  if (merges instanceof MergeText) {
    for (let i = 0; i < merges.count; i++) {
      if (!merges.isPlain(i) && !isMerge(merges.value(i))) {
        merges = merges.parse();
        break;
      }
    }
  }
  if (!(merges instanceof MergeText)) {
    for (let i = 0; i < merges.length; i++) {
      const merge = merges[i];
      if (!isMerge(merge)) throw new LensError('badFile', `${file}: BPE merges[${i}] is ${JSON.stringify(merge)}, expected "left right" (one space) or ["left", "right"]`);
    }
  }
  const str = (key: string): string | undefined => {
    const v = m[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') throw new LensError('badFile', `${file}: BPE "${key}" should be a string or null, got ${JSON.stringify(v)}`);
    return v;
  };
  const bool = (key: string): boolean => {
    const v = m[key];
    if (v === undefined || v === null) return false;
    if (typeof v !== 'boolean') throw new LensError('badFile', `${file}: BPE "${key}" should be true or false, got ${JSON.stringify(v)}`);
    return v;
  };
  return new BpeModel({
    vocab,
    merges: merges as (string | [string, string])[] | MergeText,
    unkToken: str('unk_token'),
    fuseUnk: bool('fuse_unk'),
    byteFallback: bool('byte_fallback'),
    continuingSubwordPrefix: str('continuing_subword_prefix'),
    endOfWordSuffix: str('end_of_word_suffix'),
    ignoreMerges: bool('ignore_merges'),
    file,
  });
}
