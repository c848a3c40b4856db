import type { ModelStep } from '../replay';

/** One token of a pre-token piece, in the piece's normalized coordinates. */
export interface PieceToken {
  readonly id: number;
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

/** The model step of a tokenizer.json pipeline: a pre-token piece → tokens. */
export interface TokenizerModel {
  readonly type: string;
  tokenize(piece: string): PieceToken[];
  idToToken(id: number): string | undefined;
  tokenToId(token: string): number | undefined;
  /** Largest id + 1. */
  readonly vocabSize: number;
  /** The model's own steps for one piece (merges, longest-match attempts, best path), for the replay. */
  explain?(piece: string): ModelStep[];
}

