import { noteActivity } from '../activity';
import { throwIfCancelled, type CancellationFlag } from '../errors';
import { AddedVocabulary, type AddedToken } from './addedTokens';
import type { PieceToken, TokenizerModel } from './models/model';
import { NormalizedString } from './normalizedString';
import type { Normalizer } from './normalizers';
import type { PostProcessor } from './postProcessors';
import type { PreTokenizer } from './preTokenizers';
import type { ModelStep, Replay } from './replay';
import type { EncodeOptions, Token, Tokenizer } from './types';

export type { AddedToken };

/** The parts of a Hugging Face pipeline: added tokens → normalizer → pre-tokenizer → model → post-processor. */
export interface PipelineParts {
  readonly description: string;
  readonly source: string;
  readonly normalizer?: Normalizer | undefined;
  readonly preTokenizer?: PreTokenizer | undefined;
  readonly model: TokenizerModel;
  readonly postProcessor?: PostProcessor | undefined;
  /** Added tokens with their final ids (addedTokensFromJson gives a tokenizer.json's the library's ids). */
  readonly addedTokens?: readonly AddedToken[];
  readonly padToken?: { readonly id: number; readonly text: string } | undefined;
}

/** What the replay records while the pipeline runs (indices point into the token list). */
interface Trace {
  readonly added: number[];
  readonly segments: { original: NormalizedString; normalized: NormalizedString }[];
  /** Pre-tokens: the piece, the index of its segment, and the range of its tokens in the output. */
  readonly pieces: { piece: NormalizedString; segment: number; from: number; to: number }[];
}

/**
 * A tokenizer that runs Hugging Face's pipeline and keeps offsets into the original text. The
 * order is the library's: added tokens that are not `normalized` are cut out of the raw text;
 * each remaining run is normalized on its own, then `normalized` added tokens are cut out of it;
 * the pre-tokenizer splits what remains, the model tokenizes each piece; the post-processor's
 * offset trimming applies always, its special tokens only when asked for.
 */
export class PipelineTokenizer implements Tokenizer {
  readonly description: string;
  readonly source: string;
  readonly padToken: { readonly id: number; readonly text: string } | undefined;
  private readonly added: AddedVocabulary;

  /** The model's tokenize, bound once for the pre-tokenizers' direct route. */
  private readonly tokenizeWord: (piece: string) => readonly PieceToken[];
  /** Steps noted for the watchdog (activity.ts), made once: so that a step after a file's regex is not blamed on it. */
  private readonly modelActivity: string;
  private readonly addedActivity: string;

  constructor(private readonly parts: PipelineParts) {
    this.tokenizeWord = piece => parts.model.tokenize(piece);
    this.description = parts.description;
    this.source = parts.source;
    this.padToken = parts.padToken;
    this.added = new AddedVocabulary(parts.addedTokens ?? [], parts.normalizer, parts.source);
    this.modelActivity = `${parts.source}: model ${parts.model.type}`;
    this.addedActivity = `${parts.source}: added_tokens`;
  }

  get vocabSize(): number {
    return Math.max(this.parts.model.vocabSize, this.added.idLimit);
  }

  encode(text: string, options?: EncodeOptions): Token[] {
    const out: Token[] = [];
    this.run(text, out, undefined, options?.cancel);
    return this.parts.postProcessor?.adjust ? this.parts.postProcessor.adjust(out, text) : out;
  }

  numSpecialTokens(): number {
    return this.parts.postProcessor?.added ?? 0;
  }

  addSpecialTokens(tokens: readonly Token[], text: string): Token[] {
    return this.parts.postProcessor ? this.parts.postProcessor.apply(tokens, text) : [...tokens];
  }

  /** As the library: the added vocabulary first, then the model's. */
  idToToken(id: number): string | undefined {
    return this.added.token(id)?.content ?? this.parts.model.idToToken(id);
  }

  tokenToId(token: string): number | undefined {
    return this.added.id(token) ?? this.parts.model.tokenToId(token);
  }

  explain(text: string, start: number, end: number): Replay {
    const overlaps = (s: number, e: number): boolean => (s < end && e > start) || (s === e && s >= start && s <= end) || (start === end && s <= start && start < e);
    const trace: Trace = { added: [], segments: [], pieces: [] };
    let tokens: Token[] = [];
    this.run(text, tokens, trace);
    const pp = this.parts.postProcessor;
    if (pp?.adjust) tokens = pp.adjust(tokens, text);
    const segments: Replay['segments'][number][] = [];
    const preTokens: Replay['preTokens'][number][] = [];
    const pieces: Replay['pieces'][number][] = [];
    const shown = new Set<number>();
    trace.segments.forEach((seg, k) => {
      if (!overlaps(seg.original.originalStart, seg.original.originalEnd)) return;
      shown.add(k);
      segments.push({ original: seg.original.normalized, start: seg.original.originalStart, end: seg.original.originalEnd, normalized: seg.normalized.normalized });
    });
    for (const p of trace.pieces) {
      if (!shown.has(p.segment)) continue;
      const selected = overlaps(p.piece.originalStart, p.piece.originalEnd);
      preTokens.push({ text: p.piece.normalized, start: p.piece.originalStart, end: p.piece.originalEnd, selected });
      if (!selected) continue;
      noteActivity(this.modelActivity);
      const steps: ModelStep[] = this.parts.model.explain?.(p.piece.normalized) ?? [{ kind: 'note', text: `${this.parts.model.type} gives no replay` }];
      pieces.push({ text: p.piece.normalized, start: p.piece.originalStart, end: p.piece.originalEnd, steps, tokens: tokens.slice(p.from, p.to) });
    }
    const addedTokens = trace.added.map(i => tokens[i]!).filter(t => overlaps(t.start, t.end));
    const replay: Replay = { start, end, text: text.slice(start, end), addedTokens, segments, preTokens, pieces };
    const what = pp && (pp.added > 0 || pp.adjust) ? (pp.description ?? (pp.added > 0 ? `adds ${pp.added} special tokens` : 'trims whitespace off token spans (trim_offsets)')) : undefined;
    return what === undefined ? replay : { ...replay, postProcessor: what };
  }

  /** The pipeline up to the model: content tokens into `out` (the trace records how, for the replay). */
  private run(text: string, out: Token[], trace?: Trace, cancel?: CancellationFlag): void {
    if (text.length === 0) return;
    const whole = NormalizedString.fromOriginal(text);
    const raw = this.added.raw;
    if (!raw) {
      this.segment(whole, out, trace, cancel);
      return;
    }
    noteActivity(this.addedActivity);
    for (const split of raw.split(text)) {
      throwIfCancelled(cancel);
      const piece = whole.slice(split.start, split.end);
      if (split.id !== null) this.addedToken(split.id, piece, out, trace);
      else this.segment(piece, out, trace, cancel);
    }
  }

  /** A run of the raw text between added tokens: normalized, then cut at `normalized` added tokens. */
  private segment(original: NormalizedString, out: Token[], trace: Trace | undefined, cancel: CancellationFlag | undefined): void {
    const normalized = this.parts.normalizer ? this.parts.normalizer(original) : original;
    if (normalized.length === 0) return; // the library drops empty splits
    const index = trace ? trace.segments.push({ original, normalized }) - 1 : -1;
    const matcher = this.added.normalized;
    if (!matcher) {
      this.pieces(normalized, out, trace, index, cancel);
      return;
    }
    noteActivity(this.addedActivity);
    for (const split of matcher.split(normalized.normalized)) {
      const piece = normalized.slice(split.start, split.end);
      if (split.id !== null) this.addedToken(split.id, piece, out, trace);
      else this.pieces(piece, out, trace, index, cancel);
    }
  }

  /** Pre-tokenizes a normalized run and tokenizes each piece with the model. */
  private pieces(s: NormalizedString, out: Token[], trace: Trace | undefined, segment: number, cancel: CancellationFlag | undefined): void {
    const pre = this.parts.preTokenizer;
    const model = this.parts.model;
    if (pre?.direct && !trace && s.isIdentity) {
      // Text no normalizer touched (GPT-2, RoBERTa): the pre-tokenizer's allocation-free route.
      throwIfCancelled(cancel);
      noteActivity(this.modelActivity);
      pre.direct(s.normalized, s.originalStart, this.tokenizeWord, out);
      return;
    }
    const pieces = pre ? pre(s) : [s];
    noteActivity(this.modelActivity);
    for (let k = 0; k < pieces.length; k++) {
      const piece = pieces[k]!;
      if (piece.length === 0) continue; // the library drops empty splits
      if ((k & 1023) === 1023) throwIfCancelled(cancel);
      const from = out.length;
      for (const t of model.tokenize(piece.normalized)) {
        if (t.end > t.start) out.push({ id: t.id, text: t.text, start: piece.startOf(t.start), end: piece.endOf(t.end - 1), special: false });
        else {
          const [start, end] = piece.originalRange(t.start, t.end);
          out.push({ id: t.id, text: t.text, start, end, special: false });
        }
      }
      trace?.pieces.push({ piece, segment, from, to: out.length });
    }
  }

  /** An added token: its text is the matched text (with any whitespace lstrip/rstrip took), as the library reports it. */
  private addedToken(id: number, piece: NormalizedString, out: Token[], trace: Trace | undefined): void {
    if (piece.length === 0) return;
    trace?.added.push(out.length);
    out.push({ id, text: piece.normalized, start: piece.originalStart, end: piece.originalEnd, special: this.added.token(id)?.special ?? false });
  }
}
