import { LensError } from '../../errors';
import type { ModelStep } from '../replay';
import type { PieceToken, TokenizerModel } from './model';
import { idValueText } from '../tokenIds';
import { Vocab } from './vocab';

/** The unknown piece scores this much below the lowest score in the vocabulary (Rust's K_UNK_PENALTY). */
const UNK_PENALTY = 10;
/** Pieces cached (cleared when full); longer pieces are not cached. */
const CACHE_CAPACITY = 50_000;
const CACHE_MAX_PIECE = 256;
const NONE = -1;

/** Options of Hugging Face's Unigram model (tokenizer.json `model` with `"type": "Unigram"`). */
export interface UnigramOptions {
  /** [piece, score] in id order. */
  readonly vocab: readonly (readonly [string, number])[];
  readonly unkId?: number | undefined;
  readonly byteFallback?: boolean;
  /** The file, for messages. */
  readonly file: string;
}

/**
 * A trie over the UTF-16 code units of the pieces. The root's children are a direct table;
 * deeper edges live in an open-addressing hash table (node, unit) → child, which is faster
 * than nested Maps and allocates nothing per lookup.
 */
class PieceTrie {
  private readonly rootChild = new Int32Array(0x10000).fill(NONE);
  private keyNode: Int32Array;
  private keyUnit: Int32Array;
  private child: Int32Array;
  private mask: number;
  private used = 0;
  /** Per node: the id of the piece ending there, or -1. */
  pieceId: Int32Array;
  private nodes = 0;

  constructor(capacity: number) {
    let cap = 16;
    while (cap < capacity * 2) cap *= 2;
    this.mask = cap - 1;
    this.keyNode = new Int32Array(cap).fill(NONE);
    this.keyUnit = new Int32Array(cap);
    this.child = new Int32Array(cap);
    this.pieceId = new Int32Array(Math.max(16, capacity)).fill(NONE);
  }

  private slot(node: number, unit: number): number {
    let h = (Math.imul(node, 0x9e3779b1) ^ Math.imul(unit + 0x7f4a7c15, 0x85ebca77)) & this.mask;
    while (this.keyNode[h] !== NONE && (this.keyNode[h] !== node || this.keyUnit[h] !== unit)) h = (h + 1) & this.mask;
    return h;
  }

  /** The child of `node` along `unit` (node -1 is the root), or -1. */
  next(node: number, unit: number): number {
    if (node === NONE) return this.rootChild[unit]!;
    const h = this.slot(node, unit);
    return this.keyNode[h] === NONE ? NONE : this.child[h]!;
  }

  private newNode(): number {
    if (this.nodes === this.pieceId.length) {
      const grown = new Int32Array(this.pieceId.length * 2).fill(NONE);
      grown.set(this.pieceId);
      this.pieceId = grown;
    }
    return this.nodes++;
  }

  /** Adds a piece; a piece given twice keeps its last id (the Rust library's token → id map does). */
  insert(piece: string, id: number): void {
    let node = NONE;
    for (let i = 0; i < piece.length; i++) {
      const unit = piece.charCodeAt(i);
      let next = this.next(node, unit);
      if (next === NONE) {
        next = this.newNode();
        if (node === NONE) this.rootChild[unit] = next;
        else {
          if ((this.used + 1) * 2 > this.mask + 1) this.grow();
          const h = this.slot(node, unit);
          this.keyNode[h] = node;
          this.keyUnit[h] = unit;
          this.child[h] = next;
          this.used++;
        }
      }
      node = next;
    }
    if (node !== NONE) this.pieceId[node] = id;
  }

  private grow(): void {
    const { keyNode, keyUnit, child } = this;
    const cap = (this.mask + 1) * 2;
    this.mask = cap - 1;
    this.keyNode = new Int32Array(cap).fill(NONE);
    this.keyUnit = new Int32Array(cap);
    this.child = new Int32Array(cap);
    for (let i = 0; i < keyNode.length; i++) {
      if (keyNode[i] === NONE) continue;
      const h = this.slot(keyNode[i]!, keyUnit[i]!);
      this.keyNode[h] = keyNode[i]!;
      this.keyUnit[h] = keyUnit[i]!;
      this.child[h] = child[i]!;
    }
  }
}

/** A node of the best path: the piece [start, end) of the input, its id (the unknown id for an unknown character) and score. */
interface PathNode {
  readonly start: number;
  readonly end: number;
  readonly id: number;
  readonly score: number;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Hugging Face's Unigram model as the Rust library runs it: the best segmentation of each
 * pre-token piece by Viterbi over the lattice of vocabulary pieces (sum of log-probability
 * scores; ties keep the first candidate found, scanning starts left to right and shorter
 * pieces first); a character that no single piece covers is the unknown piece, scored
 * min score − 10; consecutive unknown pieces fuse into one unknown token that keeps the text
 * it covers as its token; with byte_fallback an unknown token becomes the <0xNN> tokens of its
 * UTF-8 bytes (each spanning the whole unknown text) when all of them are in the vocabulary.
 */
export class UnigramModel implements TokenizerModel {
  readonly type = 'Unigram';
  private readonly vocab: Vocab;
  private readonly scores: Float64Array;
  private readonly trie: PieceTrie;
  private readonly unkId: number | undefined;
  private readonly unkScore: number;
  private readonly byteFallback: boolean;
  private readonly file: string;
  private readonly cache = new Map<string, readonly PieceToken[]>();
  // Viterbi buffers, reused across pieces (grown as needed).
  private bestScore = new Float64Array(64);
  private bestStart = new Int32Array(64);
  private bestId = new Int32Array(64);
  private bestUnk = new Uint8Array(64);
  private ends = new Int32Array(64);

  constructor(options: UnigramOptions) {
    const { vocab, file } = options;
    this.file = file;
    this.byteFallback = options.byteFallback ?? false;
    this.unkId = options.unkId;
    if (this.unkId !== undefined) {
      if (vocab.length === 0) throw new LensError('badFile', `${file}: Unigram model has unk_id ${this.unkId} but an empty vocabulary`);
      if (this.unkId >= vocab.length) throw new LensError('badFile', `${file}: Unigram unk_id ${idValueText(this.unkId)} is outside the vocabulary (${vocab.length} pieces)`);
    }
    this.scores = new Float64Array(vocab.length);
    let units = 0;
    for (const [piece] of vocab) units += piece.length;
    this.trie = new PieceTrie(units + 1);
    let min = Infinity;
    vocab.forEach(([piece, score], id) => {
      this.scores[id] = score;
      if (score < min) min = score;
      this.trie.insert(piece, id);
    });
    this.unkScore = min - UNK_PENALTY;
    this.vocab = new Vocab(
      vocab.map(([piece], id) => [piece, id] as [string, number]),
      file,
    );
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

  tokenize(piece: string): PieceToken[] {
    const hit = this.cache.get(piece);
    if (hit) return hit as PieceToken[];
    const tokens = this.tokensOf(piece);
    if (piece.length <= CACHE_MAX_PIECE) {
      if (this.cache.size >= CACHE_CAPACITY) this.cache.clear();
      this.cache.set(piece, Object.freeze(tokens));
    }
    return tokens;
  }

  explain(piece: string): ModelStep[] {
    const path = this.bestPath(piece);
    const steps: ModelStep[] = [
      {
        kind: 'unigram',
        pieces: path.map(p => ({ piece: piece.slice(p.start, p.end), id: p.id, score: p.score })),
        score: path.length === 0 ? 0 : this.bestScore[piece.length]!,
      },
    ];
    // The unknown runs, as tokenize fuses them.
    for (let k = 0; k < path.length; ) {
      if (path[k]!.id !== this.unkId) {
        k++;
        continue;
      }
      let e = k;
      while (e + 1 < path.length && path[e + 1]!.id === this.unkId) e++;
      const text = piece.slice(path[k]!.start, path[e]!.end);
      const nodes = e - k + 1;
      k = e + 1;
      if (this.vocab.id(text) !== undefined) continue; // e.g. "<unk>" typed in the text: a vocabulary piece
      const bytes = this.byteTokens(text);
      if (bytes) steps.push({ kind: 'byteFallback', symbol: text, bytes: bytes.map(([t]) => t) });
      else {
        steps.push({
          kind: 'unknown',
          piece: text,
          token: this.vocab.token(this.unkId!) ?? String(this.unkId),
          reason: `no vocabulary piece covers ${nodes > 1 ? `these ${nodes} characters` : 'this character'}; consecutive unknown characters fuse into one token (id ${this.unkId}) that keeps the text${this.byteFallback ? ', and not all of its <0xNN> byte tokens are in the vocabulary' : ''}`,
        });
      }
    }
    return steps;
  }

  /** Fills the lattice buffers for `piece` (Viterbi, left to right): best score, start and id per end. */
  private lattice(piece: string): void {
    const n = piece.length;
    if (this.bestScore.length < n + 1) {
      const cap = Math.max(n + 1, this.bestScore.length * 2);
      this.bestScore = new Float64Array(cap);
      this.bestStart = new Int32Array(cap);
      this.bestId = new Int32Array(cap);
      this.bestUnk = new Uint8Array(cap);
    }
    const bestScore = this.bestScore;
    const bestStart = this.bestStart;
    const bestId = this.bestId;
    const bestUnk = this.bestUnk;
    const trie = this.trie;
    const scores = this.scores;
    bestScore[0] = 0;
    bestStart.fill(NONE, 0, n + 1);
    for (let i = 0; i < n; ) {
      const c = piece.charCodeAt(i);
      const width = c >= 0xd800 && c <= 0xdbff && i + 1 < n && (piece.charCodeAt(i + 1) & 0xfc00) === 0xdc00 ? 2 : 1;
      const base = bestScore[i]!;
      let single = false;
      let node = trie.next(NONE, c);
      for (let j = i + 1; node !== NONE; ) {
        const id = trie.pieceId[node]!;
        if (id !== NONE) {
          const score = scores[id]! + base;
          if (bestStart[j] === NONE || score > bestScore[j]!) {
            bestScore[j] = score;
            bestStart[j] = i;
            bestId[j] = id;
            bestUnk[j] = 0;
          }
          if (j - i === width) single = true;
        }
        if (j >= n) break;
        node = trie.next(node, piece.charCodeAt(j++));
      }
      if (!single) {
        if (this.unkId === undefined) {
          throw new LensError('unknownToken', `${this.file}: ${JSON.stringify(piece.slice(i, i + width))} is not in the Unigram vocabulary and the model has no unk_id`);
        }
        const j = i + width;
        const score = this.unkScore + base;
        if (bestStart[j] === NONE || score > bestScore[j]!) {
          bestScore[j] = score;
          bestStart[j] = i;
          bestId[j] = this.unkId;
          bestUnk[j] = 1;
        }
      }
      i += width;
    }
  }

  /** The ends of the best path's nodes, last first, in a reused buffer; returns how many. */
  private backtrack(n: number): number {
    if (this.ends.length < n) this.ends = new Int32Array(Math.max(n, this.ends.length * 2));
    let k = 0;
    for (let end = n; end > 0; end = this.bestStart[end]!) this.ends[k++] = end;
    return k;
  }

  /** The best path's nodes (for the replay): an unknown node has the unknown score. */
  private bestPath(piece: string): PathNode[] {
    if (piece.length === 0) return [];
    this.lattice(piece);
    const path: PathNode[] = [];
    let start = 0;
    for (let q = this.backtrack(piece.length) - 1; q >= 0; q--) {
      const end = this.ends[q]!;
      const id = this.bestId[end]!;
      path.push({ start, end, id, score: this.bestUnk[end] ? this.unkScore : this.scores[id]! });
      start = end;
    }
    return path;
  }

  /** The tokens of the best path: runs of unknown ids fused (Rust's fuse_unk), then resolved to ids. */
  private tokensOf(piece: string): PieceToken[] {
    const tokens: PieceToken[] = [];
    if (piece.length === 0) return tokens;
    this.lattice(piece);
    const count = this.backtrack(piece.length);
    const ends = this.ends;
    const bestId = this.bestId;
    let start = 0;
    for (let q = count - 1; q >= 0; ) {
      const end = ends[q--]!;
      const id = bestId[end]!;
      if (id !== this.unkId) {
        tokens.push({ id, text: piece.slice(start, end), start, end });
        start = end;
        continue;
      }
      let runEnd = end;
      while (q >= 0 && bestId[ends[q]!] === this.unkId) runEnd = ends[q--]!;
      this.pushFused(piece.slice(start, runEnd), start, runEnd, tokens);
      start = runEnd;
    }
    return tokens;
  }

  /** A fused unknown run: looked up again (it may be a vocabulary piece after all), else bytes or the unknown id. */
  private pushFused(text: string, start: number, end: number, tokens: PieceToken[]): void {
    const id = this.vocab.id(text);
    if (id !== undefined) {
      tokens.push({ id, text, start, end });
      return;
    }
    const bytes = this.byteTokens(text);
    if (bytes) for (const [t, byteId] of bytes) tokens.push({ id: byteId, text: t, start, end });
    else tokens.push({ id: this.unkId!, text, start, end });
  }

  /** The <0xNN> tokens of `text`'s UTF-8 bytes, or undefined unless all are in the vocabulary. */
  private byteTokens(text: string): [string, number][] | undefined {
    if (!this.byteFallback) return undefined;
    const out: [string, number][] = [];
    for (const b of new TextEncoder().encode(text)) {
      const t = `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`;
      const id = this.vocab.id(t);
      if (id === undefined) return undefined;
      out.push([t, id]);
    }
    return out;
  }
}

/** `Unigram` from its tokenizer.json object, accepting what the Rust library accepts. */
export function unigramModelFromJson(m: Record<string, unknown>, file: string): UnigramModel {
  const vocab = m.vocab;
  if (!Array.isArray(vocab)) throw new LensError('badFile', `${file}: Unigram model needs "vocab": [[piece, score], ...]`);
  const entries = vocab.map((e: unknown, i): [string, number] => {
    if (!Array.isArray(e) || e.length !== 2 || typeof e[0] !== 'string' || typeof e[1] !== 'number' || !Number.isFinite(e[1])) {
      throw new LensError('badFile', `${file}: Unigram vocab[${i}] is ${JSON.stringify(e)}, expected [piece, score] with a string and a finite number`);
    }
    if (LONE_SURROGATE.test(e[0])) throw new LensError('badFile', `${file}: Unigram vocab[${i}] ${JSON.stringify(e[0])} is not valid Unicode (a lone surrogate)`);
    return [e[0], e[1]];
  });
  const unk = m.unk_id;
  if (unk !== undefined && unk !== null && !(Number.isInteger(unk) && (unk as number) >= 0)) {
    throw new LensError('badFile', `${file}: Unigram unk_id is ${JSON.stringify(unk)}, expected a non-negative integer or null`);
  }
  const bf = m.byte_fallback;
  if (bf !== undefined && typeof bf !== 'boolean') throw new LensError('badFile', `${file}: Unigram byte_fallback is ${JSON.stringify(bf)}, expected true or false`);
  return new UnigramModel({ vocab: entries, unkId: (unk ?? undefined) as number | undefined, byteFallback: bf === true, file });
}
