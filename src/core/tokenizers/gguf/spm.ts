/**
 * llama.cpp's SentencePiece tokenizer (`llm_tokenizer_spm_session` in llama-vocab.cpp) for GGUF
 * files with `tokenizer.ggml.model` = `llama`, keeping UTF-16 spans into the original text.
 *
 * The text is split into characters; the adjacent pair whose concatenation is a token with the
 * highest score is merged first (ties: the leftmost), until no pair forms a token. A final
 * symbol that is a token is emitted; any other (a character not in the vocabulary) is emitted as
 * its UTF-8 bytes, `<0xNN>` tokens. Spaces are written `▁` (U+2581) first; a `▁` that llama.cpp
 * prepends (add_space_prefix) takes the span of the fragment's first character.
 */
import { LensError } from '../../errors';
import type { Token } from '../types';

interface Sym {
  text: string;
  start: number;
  end: number;
  prev: number;
  next: number;
}

interface Bigram {
  left: number;
  right: number;
  score: number;
  size: number;
}

/** A max-heap on score, then the smaller left index (llama.cpp's llm_bigram_spm comparator). */
class BigramQueue {
  private readonly items: Bigram[] = [];
  get size(): number {
    return this.items.length;
  }
  private static before(a: Bigram, b: Bigram): boolean {
    return a.score > b.score || (a.score === b.score && a.left < b.left);
  }
  push(b: Bigram): void {
    const h = this.items;
    h.push(b);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!BigramQueue.before(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }
  pop(): Bigram {
    const h = this.items;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && BigramQueue.before(h[l]!, h[m]!)) m = l;
        if (r < h.length && BigramQueue.before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

/** What the SentencePiece session needs from the vocabulary. */
export interface SpmVocab {
  readonly tokens: readonly string[];
  readonly scores: ArrayLike<number>;
  id(text: string): number | undefined;
  /** The token of one byte: `<0xNN>`, else the byte as a one-character token (llama.cpp's byte_to_token). */
  byteToken(byte: number): number | undefined;
  readonly file: string;
}

const encoder = new TextEncoder();

/**
 * Tokenizes one fragment (no special tokens in it). `start` is the fragment's offset in the
 * original text; `prefixSpace` prepends llama.cpp's space.
 */
export function spmTokenize(vocab: SpmVocab, fragment: string, start: number, prefixSpace: boolean, out: Token[]): void {
  const syms: Sym[] = [];
  // The prepended space has no source character; it takes the first character's span, as
  // Hugging Face's Prepend normalizer aligns it (so a lone "▁" token still points at the text).
  if (prefixSpace && fragment.length > 0) syms.push({ text: '▁', start, end: start + String.fromCodePoint(fragment.codePointAt(0)!).length, prev: -1, next: -1 });
  let pos = 0;
  for (const ch of fragment) {
    syms.push({ text: ch === ' ' ? '▁' : ch, start: start + pos, end: start + pos + ch.length, prev: -1, next: -1 });
    pos += ch.length;
  }
  if (syms.length === 0) return;
  syms.forEach((s, i) => {
    s.prev = i - 1;
    s.next = i + 1 < syms.length ? i + 1 : -1;
  });
  const queue = new BigramQueue();
  const tryAdd = (left: number, right: number): void => {
    if (left === -1 || right === -1) return;
    const text = syms[left]!.text + syms[right]!.text;
    const id = vocab.id(text);
    if (id === undefined) return;
    queue.push({ left, right, score: vocab.scores[id] ?? 0, size: text.length });
  };
  for (let i = 1; i < syms.length; i++) tryAdd(i - 1, i);
  while (queue.size > 0) {
    const b = queue.pop();
    const l = syms[b.left]!;
    const r = syms[b.right]!;
    // Skip a pair one of whose symbols has merged since.
    if (l.text.length === 0 || r.text.length === 0 || l.text.length + r.text.length !== b.size || l.next !== b.right) continue;
    l.text += r.text;
    l.end = r.end;
    r.text = '';
    l.next = r.next;
    if (r.next >= 0) syms[r.next]!.prev = b.left;
    tryAdd(l.prev, b.left);
    tryAdd(b.left, l.next);
  }
  // A merged symbol is always a token (pairs merge only into tokens), so llama.cpp's rev_merge
  // resegmentation never applies: a symbol is a token, or a character emitted as bytes.
  for (let i = 0; i !== -1; i = syms[i]!.next) {
    const s = syms[i]!;
    const id = vocab.id(s.text);
    if (id !== undefined) {
      out.push({ id, text: vocab.tokens[id]!, start: s.start, end: s.end, special: false });
      continue;
    }
    for (const byte of encoder.encode(s.text)) {
      const bid = vocab.byteToken(byte);
      if (bid === undefined) {
        throw new LensError('unknownToken', `${vocab.file}: the vocabulary has no token for ${JSON.stringify(s.text)} and no byte token <0x${byte.toString(16).toUpperCase().padStart(2, '0')}>`);
      }
      out.push({ id: bid, text: vocab.tokens[bid]!, start: s.start, end: s.end, special: false });
    }
  }
}
