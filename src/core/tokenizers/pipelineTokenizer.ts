import { throwIfCancelled } from '../errors';
import type { TokenizerModel } from './models/model';
import { NormalizedString } from './normalizedString';
import type { Normalizer } from './normalizers';
import type { PostProcessor } from './postProcessors';
import type { PreTokenizer } from './preTokenizers';
import type { ModelStep, Replay } from './replay';
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

/** A run of the input: plain text for the pipeline, or one added token. */
interface Segment {
  readonly start: number;
  readonly end: number;
  readonly added?: AddedToken;
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
      if (segment.added) out.push(addedToken(segment));
      else for (const piece of this.pieces(text, segment)) this.tokenizePiece(piece, out);
    }
    return this.parts.postProcessor?.adjust ? this.parts.postProcessor.adjust(out, text) : out;
  }

  numSpecialTokens(): number {
    return this.parts.postProcessor?.added ?? 0;
  }

  addSpecialTokens(tokens: readonly Token[], text: string): Token[] {
    return this.parts.postProcessor ? this.parts.postProcessor.apply(tokens, text) : [...tokens];
  }

  idToToken(id: number): string | undefined {
    return this.parts.model.idToToken(id) ?? this.added.find(t => t.id === id)?.content;
  }

  tokenToId(token: string): number | undefined {
    return this.parts.model.tokenToId(token) ?? this.added.find(t => t.content === token)?.id;
  }

  explain(text: string, start: number, end: number): Replay {
    const overlaps = (s: number, e: number): boolean => (s < end && e > start) || (s === e && s >= start && s <= end) || (start === end && s <= start && start < e);
    const addedTokens: Token[] = [];
    const segments: Replay['segments'][number][] = [];
    const preTokens: Replay['preTokens'][number][] = [];
    const pieces: Replay['pieces'][number][] = [];
    for (const segment of this.splitOnAddedTokens(text)) {
      if (!overlaps(segment.start, segment.end)) continue;
      if (segment.added) {
        addedTokens.push(addedToken(segment));
        continue;
      }
      const normalized = this.normalize(text, segment);
      segments.push({ original: text.slice(segment.start, segment.end), start: segment.start, end: segment.end, normalized: normalized.normalized });
      for (const piece of this.preTokenize(normalized)) {
        const selected = overlaps(piece.originalStart, piece.originalEnd);
        preTokens.push({ text: piece.normalized, start: piece.originalStart, end: piece.originalEnd, selected });
        if (!selected) continue;
        const tokens: Token[] = [];
        this.tokenizePiece(piece, tokens);
        const steps: ModelStep[] = this.parts.model.explain?.(piece.normalized) ?? [{ kind: 'note', text: `${this.parts.model.type} gives no replay` }];
        pieces.push({ text: piece.normalized, start: piece.originalStart, end: piece.originalEnd, steps, tokens: this.parts.postProcessor?.adjust ? this.parts.postProcessor.adjust(tokens, text) : tokens });
      }
    }
    return { start, end, text: text.slice(start, end), addedTokens, segments, preTokens, pieces };
  }

  private normalize(text: string, segment: Segment): NormalizedString {
    const s = NormalizedString.fromOriginal(text.slice(segment.start, segment.end), segment.start);
    return this.parts.normalizer ? this.parts.normalizer(s) : s;
  }

  private preTokenize(s: NormalizedString): NormalizedString[] {
    // HF drops empty splits.
    return (this.parts.preTokenizer ? this.parts.preTokenizer(s) : [s]).filter(p => p.length > 0);
  }

  private pieces(text: string, segment: Segment): NormalizedString[] {
    return this.preTokenize(this.normalize(text, segment));
  }

  private tokenizePiece(piece: NormalizedString, out: Token[]): void {
    for (const t of this.parts.model.tokenize(piece.normalized)) {
      const [start, end] = piece.originalRange(t.start, t.end);
      out.push({ id: t.id, text: t.text, start, end, special: false });
    }
  }

  /** The text cut into runs of plain text and exact matches of added tokens (leftmost, longest). */
  private *splitOnAddedTokens(text: string): Generator<Segment> {
    if (this.added.length === 0) {
      if (text.length > 0) yield { start: 0, end: text.length };
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

function addedToken(segment: Segment): Token {
  const t = segment.added!;
  return { id: t.id, text: t.content, start: segment.start, end: segment.end, special: t.special };
}
