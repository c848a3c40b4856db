import type { Token } from './types';

/**
 * One step a tokenizer model took on one pre-token piece — what the panel's replay shows to
 * answer "why did my text split like that, and which ids did it get?".
 */
export type ModelStep =
  /** WordLevel: the whole piece looked up (id null: not in the vocabulary → `result` is the unknown token). */
  | { readonly kind: 'lookup'; readonly piece: string; readonly id: number | null; readonly result: string }
  /** BPE: the initial symbols of the piece (characters, or byte-level characters). */
  | { readonly kind: 'symbols'; readonly parts: readonly string[] }
  /** BPE: the pair with the lowest rank merged; `parts` is the piece after this merge. */
  | { readonly kind: 'merge'; readonly rank: number; readonly left: string; readonly right: string; readonly merged: string; readonly parts: readonly string[] }
  /** BPE with ignore_merges: the whole piece is in the vocabulary, no merges needed. */
  | { readonly kind: 'wholeWord'; readonly piece: string; readonly id: number }
  /** WordPiece: a longest-match attempt starting at `start` (found or not). */
  | { readonly kind: 'wordpiece'; readonly start: number; readonly candidate: string; readonly found: boolean; readonly id?: number }
  /** Unigram: the best segmentation found (Viterbi), each piece with its log-probability score. */
  | { readonly kind: 'unigram'; readonly pieces: readonly { readonly piece: string; readonly id: number; readonly score: number }[]; readonly score: number }
  /** Byte fallback: a symbol not in the vocabulary written as its UTF-8 bytes. */
  | { readonly kind: 'byteFallback'; readonly symbol: string; readonly bytes: readonly string[] }
  /** The piece (or a symbol of it) became the unknown token. */
  | { readonly kind: 'unknown'; readonly piece: string; readonly token: string; readonly reason: string }
  /** Anything else worth saying (e.g. "piece longer than max_input_chars_per_word"). */
  | { readonly kind: 'note'; readonly text: string };

/** A pre-token piece: its normalized text and the original span it came from. */
export interface ReplayPiece {
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

/** The steps that made the tokens of a span of the input. */
export interface Replay {
  /** The span asked about, in UTF-16 offsets of the input, and its text. */
  readonly start: number;
  readonly end: number;
  readonly text: string;
  /** Added tokens ([CLS] typed in the text, <|endoftext|>) matched before normalization. */
  readonly addedTokens: readonly Token[];
  /** The segment(s) the span falls in: original text and the normalizer's output. */
  readonly segments: readonly { readonly original: string; readonly start: number; readonly end: number; readonly normalized: string }[];
  /** Every pre-token of those segments, with `selected` for those overlapping the span. */
  readonly preTokens: readonly (ReplayPiece & { readonly selected: boolean })[];
  /** For each selected pre-token: the model's steps and the tokens that resulted. */
  readonly pieces: readonly (ReplayPiece & { readonly steps: readonly ModelStep[]; readonly tokens: readonly Token[] })[];
  /** What the post-processor did (special tokens added, offsets trimmed). */
  readonly postProcessor?: string;
}
