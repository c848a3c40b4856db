import { LensError } from '../../errors';
import type { ModelStep } from '../replay';
import type { PieceToken, TokenizerModel } from './model';
import { Vocab } from './vocab';

/** The options of a WordPiece model, named as tokenizer.json names them. */
export interface WordPieceOptions {
  readonly unkToken: string;
  /** Put before every piece of a word but the first: `##` for BERT. */
  readonly continuingSubwordPrefix: string;
  /** A word with more characters (code points) than this is the unknown token as a whole. */
  readonly maxInputCharsPerWord: number;
}

/**
 * The vocabulary as a trie over UTF-16 units, its edges in one open-addressing hash table. Hugging
 * Face tries candidates from the whole rest of the word down, one character shorter each time, and
 * takes the first in the vocabulary: that is the longest vocabulary entry the rest starts with,
 * which one walk down the trie finds without building a string per candidate.
 */
class VocabTrie {
  /**
   * Edge table, 4 numbers a slot so that one probe reads one cache line: parent node (-1: free
   * slot), unit, child node, and the index of the entry that ends at the child (-1: none).
   * Entries are stored by index, not id: ids are u32 and would not fit an Int32Array.
   */
  private slots: Int32Array;
  private mask: number;
  /** The root's edges by unit, 2 numbers each: child node (-1: none) and its entry's id. */
  private readonly root = new Int32Array(0x20000).fill(-1);
  private edges = 0;
  /** Entry index → token id. */
  readonly entryIds: number[] = [];

  constructor(entries: Iterable<[string, number]>) {
    this.slots = new Int32Array(4 * 1024).fill(-1);
    this.mask = 1023;
    const ids: number[] = [-1];
    for (const [token, id] of entries) {
      const index = this.entryIds.length;
      this.entryIds.push(id);
      let node = 0;
      for (let i = 0; i < token.length; i++) {
        const unit = token.charCodeAt(i);
        let next = this.child(node, unit);
        if (next < 0) {
          next = ids.length;
          ids.push(-1);
          this.add(node, unit, next);
        }
        node = next;
      }
      ids[node] = index;
    }
    for (let h = 0; h <= this.mask; h++) if (this.slots[4 * h]! >= 0) this.slots[4 * h + 3] = ids[this.slots[4 * h + 2]!]!;
    for (let u = 0; u < 0x10000; u++) if (this.root[2 * u]! >= 0) this.root[2 * u + 1] = ids[this.root[2 * u]!]!;
  }

  private add(parent: number, unit: number, child: number): void {
    if (parent === 0) {
      this.root[2 * unit] = child;
      return;
    }
    // Keep the table at most half full: probes stay short.
    if (++this.edges * 2 > this.mask + 1) {
      const old = this.slots;
      this.slots = new Int32Array(old.length * 2).fill(-1);
      this.mask = this.mask * 2 + 1;
      for (let h = 0; 4 * h < old.length; h++) if (old[4 * h]! >= 0) this.place(old[4 * h]!, old[4 * h + 1]!, old[4 * h + 2]!);
    }
    this.place(parent, unit, child);
  }

  private place(parent: number, unit: number, child: number): void {
    let h = hash(parent, unit) & this.mask;
    while (this.slots[4 * h]! >= 0) h = (h + 1) & this.mask;
    this.slots[4 * h] = parent;
    this.slots[4 * h + 1] = unit;
    this.slots[4 * h + 2] = child;
  }

  /** The child of `node` along `unit`, or -1. */
  private child(node: number, unit: number): number {
    if (node === 0) return this.root[2 * unit]!;
    for (let h = hash(node, unit) & this.mask; ; h = (h + 1) & this.mask) {
      const p = this.slots[4 * h]!;
      if (p === -1) return -1;
      if (p === node && this.slots[4 * h + 1] === unit) return this.slots[4 * h + 2]!;
    }
  }

  /** The node that spells `text` from the root, or -1. */
  walk(text: string): number {
    let node = 0;
    for (let i = 0; i < text.length && node >= 0; i++) node = this.child(node, text.charCodeAt(i));
    return node;
  }

  /**
   * The longest entry that `s` starts with at `from`, continuing from `node` (the root, or the
   * prefix's node for a continuation): sets `matchEnd` and returns its index (`entryIds` has its
   * id), or returns -1.
   */
  longest(node: number, s: string, from: number): number {
    const { slots, mask, root } = this;
    let best = -1;
    let bestEnd = 0;
    const n = s.length;
    for (let i = from; i < n; i++) {
      const unit = s.charCodeAt(i);
      let id: number;
      if (node === 0) {
        node = root[2 * unit]!;
        if (node < 0) break;
        id = root[2 * unit + 1]!;
      } else {
        let h = hash(node, unit) & mask;
        for (;;) {
          const p = slots[4 * h]!;
          if (p === node && slots[4 * h + 1] === unit) break;
          if (p === -1) {
            h = -1;
            break;
          }
          h = (h + 1) & mask;
        }
        if (h < 0) break;
        node = slots[4 * h + 2]!;
        id = slots[4 * h + 3]!;
      }
      // An end between the halves of a surrogate pair is not a candidate: Hugging Face cuts at characters.
      if (id >= 0 && !(unit >= 0xd800 && unit <= 0xdbff && i + 1 < n && isLow(s.charCodeAt(i + 1)))) {
        best = id;
        bestEnd = i + 1;
      }
    }
    this.matchEnd = bestEnd;
    return best;
  }

  /** Where the last `longest` match ended. */
  matchEnd = 0;
}

function hash(node: number, unit: number): number {
  return Math.imul(node, 0x9e3779b1) ^ Math.imul(unit, 0x85ebca6b);
}

/**
 * Hugging Face's WordPiece model: each word is cut greedily into the longest vocabulary entry from
 * the left, every piece after the first spelled with the continuing-subword prefix (`##`). A word
 * that cannot be cut all the way, or that is too long, is one unknown token.
 */
export class WordPieceModel implements TokenizerModel {
  readonly type = 'WordPiece';
  private readonly unkId: number | undefined;
  private readonly trie: VocabTrie;
  /** The trie node of the continuing-subword prefix (-1: no entry starts with it). */
  private readonly continuation: number;
  /** The one-token result of each whole-word entry (by trie index), made once and shared (frozen). */
  private readonly whole: (readonly PieceToken[] | undefined)[];

  constructor(
    private readonly vocab: Vocab,
    private readonly options: WordPieceOptions,
    private readonly file: string,
  ) {
    this.unkId = vocab.id(options.unkToken);
    // Filled, so that V8 keeps fast elements (written sparsely, a large array turns into a dictionary).
    this.whole = new Array<readonly PieceToken[] | undefined>(vocab.count).fill(undefined);
    this.trie = new VocabTrie(vocab.entries());
    this.continuation = this.trie.walk(options.continuingSubwordPrefix);
  }

  get vocabSize(): number {
    return this.vocab.size;
  }

  /** The tokens of one word. A one-token result is shared and frozen: read it, do not change it. */
  tokenize(piece: string): PieceToken[] {
    const n = piece.length;
    const max = this.options.maxInputCharsPerWord;
    if (n > max && codePoints(piece) > max) return [this.unknown(piece)];
    if (n === 0) return [];
    const trie = this.trie;
    const entryIds = trie.entryIds;
    let index = trie.longest(0, piece, 0);
    if (index < 0) return [this.unknown(piece)];
    let end = trie.matchEnd;
    if (end === n) return (this.whole[index] ??= Object.freeze([{ id: entryIds[index]!, text: piece, start: 0, end: n }])) as PieceToken[];
    let id = entryIds[index]!;
    const out: PieceToken[] = [{ id, text: this.vocab.token(id)!, start: 0, end }];
    while (end < n) {
      const start = end;
      index = this.continuation < 0 ? -1 : trie.longest(this.continuation, piece, start);
      if (index < 0) return [this.unknown(piece)];
      end = trie.matchEnd;
      id = entryIds[index]!;
      out.push({ id, text: this.vocab.token(id)!, start, end });
    }
    return out;
  }

  private unknown(piece: string): PieceToken {
    if (this.unkId === undefined) {
      throw new LensError(
        'unknownToken',
        `${this.file}: ${JSON.stringify(piece)} cannot be cut into WordPiece tokens of the vocabulary, and the unknown token ${JSON.stringify(this.options.unkToken)} is not in the vocabulary`,
      );
    }
    return { id: this.unkId, text: this.options.unkToken, start: 0, end: piece.length };
  }

  /** Every candidate Hugging Face tries, longest first, in order — the same search, step by step. */
  explain(piece: string): ModelStep[] {
    const steps: ModelStep[] = [];
    const { maxInputCharsPerWord: max, unkToken, continuingSubwordPrefix: prefix } = this.options;
    const chars = codePoints(piece);
    if (chars > max) {
      steps.push({ kind: 'note', text: `the word has ${chars} characters, more than max_input_chars_per_word (${max}): it is not split` });
      steps.push({ kind: 'unknown', piece, token: unkToken, reason: `longer than ${max} characters` });
      return steps;
    }
    let start = 0;
    while (start < piece.length) {
      let end = piece.length;
      let found = false;
      while (end > start) {
        const candidate = (start > 0 ? prefix : '') + piece.slice(start, end);
        const id = this.vocab.id(candidate);
        if (id !== undefined) {
          steps.push({ kind: 'wordpiece', start, candidate, found: true, id });
          found = true;
          break;
        }
        steps.push({ kind: 'wordpiece', start, candidate, found: false });
        end -= end - start >= 2 && isLow(piece.charCodeAt(end - 1)) && isHigh(piece.charCodeAt(end - 2)) ? 2 : 1;
      }
      if (!found) {
        steps.push({ kind: 'unknown', piece, token: unkToken, reason: `no vocabulary entry matches ${JSON.stringify((start > 0 ? prefix : '') + String.fromCodePoint(piece.codePointAt(start)!))}… at ${start}, so the whole word is the unknown token` });
        return steps;
      }
      start = end;
    }
    return steps;
  }

  idToToken(id: number): string | undefined {
    return this.vocab.token(id);
  }
  tokenToId(token: string): number | undefined {
    return this.vocab.id(token);
  }
}

/** A tokenizer.json `model` of type WordPiece; the fields Hugging Face requires are required here too. */
export function wordPieceModelFromJson(m: Record<string, unknown>, file: string): WordPieceModel {
  if (typeof m.vocab !== 'object' || m.vocab === null || Array.isArray(m.vocab)) {
    throw new LensError('badFile', `${file}: WordPiece model needs "vocab": { token: id }`);
  }
  if (typeof m.unk_token !== 'string') throw new LensError('badFile', `${file}: WordPiece model needs "unk_token" (a string), got ${JSON.stringify(m.unk_token)}`);
  if (typeof m.continuing_subword_prefix !== 'string') {
    throw new LensError('badFile', `${file}: WordPiece model needs "continuing_subword_prefix" (a string), got ${JSON.stringify(m.continuing_subword_prefix)}`);
  }
  const max = m.max_input_chars_per_word;
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 0) {
    throw new LensError('badFile', `${file}: WordPiece model needs "max_input_chars_per_word" (a non-negative integer), got ${JSON.stringify(max)}`);
  }
  const vocab = Vocab.fromObject(m.vocab as Record<string, unknown>, file);
  return new WordPieceModel(vocab, { unkToken: m.unk_token, continuingSubwordPrefix: m.continuing_subword_prefix, maxInputCharsPerWord: max }, file);
}

function codePoints(s: string): number {
  let n = s.length;
  for (let i = 0; i + 1 < s.length; i++) {
    if (isHigh(s.charCodeAt(i)) && isLow(s.charCodeAt(i + 1))) {
      n--;
      i++;
    }
  }
  return n;
}

function isHigh(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

function isLow(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}
