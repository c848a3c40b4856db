import { throwIfCancelled } from '../errors';
import type { TokenizerModel } from './models';
import { NormalizedString } from './normalizedString';
import type { Normalizer } from './normalizers';
import type { PostProcessor } from './postProcessors';
import type { PreTokenizer } from './preTokenizers';
import type { EncodeOptions, Token, Tokenizer } from './types';

/** A token the tokenizer matches in the raw text before normalization (tokenizer.json `added_tokens`). */
export interface AddedToken {
  readonly id: number;
  readonly content: string;
  readonly special: boolean;
}

/** The parts of a Hugging Face pipeline: normalizer → pre-tokenizer → model → post-processor. */
export interface PipelineParts {
  readonly description: string;
  readonly source: string;
  readonly normalizer?: Normalizer | undefined;
  readonly preTokenizer?: PreTokenizer | undefined;
  readonly model: TokenizerModel;
  readonly postProcessor?: PostProcessor | undefined;
  readonly addedTokens?: readonly AddedToken[];
  readonly padToken?: { readonly id: number; readonly text: string } | undefined;
}

/** A tokenizer that runs Hugging Face's pipeline and keeps offsets into the original text. */
export class PipelineTokenizer implements Tokenizer {
  readonly description: string;
  readonly source: string;
  readonly padToken: { readonly id: number; readonly text: string } | undefined;
  private readonly added: readonly AddedToken[];

  constructor(private readonly parts: PipelineParts) {
    this.description = parts.description;
    this.source = parts.source;
    this.padToken = parts.padToken;
    // Longest first, so "[PAD]x" never matches a shorter added token that is its prefix.
    this.added = [...(parts.addedTokens ?? [])].filter(t => t.content.length > 0).sort((a, b) => b.content.length - a.content.length);
  }

  get vocabSize(): number {
    let n = this.parts.model.vocabSize;
    for (const t of this.added) n = Math.max(n, t.id + 1);
    return n;
  }

  encode(text: string, options?: EncodeOptions): Token[] {
    const out: Token[] = [];
    for (const segment of this.splitOnAddedTokens(text)) {
      throwIfCancelled(options?.cancel);
      if (segment.added) {
        const t = segment.added;
        out.push({ id: t.id, text: t.content, start: segment.start, end: segment.end, special: t.special });
        continue;
      }
      let s = NormalizedString.fromOriginal(text.slice(segment.start, segment.end), segment.start);
      if (this.parts.normalizer) s = this.parts.normalizer(s);
      const pieces = this.parts.preTokenizer ? this.parts.preTokenizer(s) : [s];
      for (const piece of pieces) {
        if (piece.length === 0) continue; // HF drops empty splits
        for (const t of this.parts.model.tokenize(piece.normalized)) {
          const [start, end] = piece.originalRange(t.start, t.end);
          out.push({ id: t.id, text: t.text, start, end, special: false });
        }
      }
    }
    return out;
  }

  numSpecialTokens(): number {
    return this.parts.postProcessor?.added ?? 0;
  }

  addSpecialTokens(tokens: readonly Token[], textLength: number): Token[] {
    return this.parts.postProcessor ? this.parts.postProcessor.apply(tokens, textLength) : [...tokens];
  }

  idToToken(id: number): string | undefined {
    return this.parts.model.idToToken(id) ?? this.added.find(t => t.id === id)?.content;
  }

  tokenToId(token: string): number | undefined {
    return this.parts.model.tokenToId(token) ?? this.added.find(t => t.content === token)?.id;
  }

  /** The text cut into runs of plain text and exact matches of added tokens (leftmost, longest). */
  private *splitOnAddedTokens(text: string): Generator<{ start: number; end: number; added?: AddedToken }> {
    if (this.added.length === 0) {
      yield { start: 0, end: text.length };
      return;
    }
    let from = 0;
    let plainStart = 0;
    while (from < text.length) {
      let best: { at: number; token: AddedToken } | undefined;
      for (const t of this.added) {
        const at = text.indexOf(t.content, from);
        if (at >= 0 && (!best || at < best.at)) best = { at, token: t };
      }
      if (!best) break;
      if (best.at > plainStart) yield { start: plainStart, end: best.at };
      const end = best.at + best.token.content.length;
      yield { start: best.at, end, added: best.token };
      from = plainStart = end;
    }
    if (plainStart < text.length) yield { start: plainStart, end: text.length };
  }
}
