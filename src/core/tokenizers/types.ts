import type { CancellationFlag } from '../errors';
import type { Replay } from './replay';

/**
 * One token of the input. `start`/`end` are UTF-16 code-unit offsets into the original text
 * (VS Code's convention): the source characters are `text.slice(start, end)`. A special token
 * added by the post-processor has an empty span (start === end) at the place it was added. A
 * token that holds part of a character (byte-level BPE, byte fallback) gets that character's span.
 */
export interface Token {
  readonly id: number;
  /** The token as its vocabulary spells it: `Ġthe`, `##ing`, `▁the`, `<0xE2>`, `[CLS]`. */
  readonly text: string;
  readonly start: number;
  readonly end: number;
  /** Added by the post-processor or an added special token ([CLS], <s>, <|endoftext|>). */
  readonly special: boolean;
}

export interface EncodeOptions {
  readonly cancel?: CancellationFlag;
}

/**
 * A tokenizer as the pipeline needs it. Encoding is split like Hugging Face's: `encode` gives
 * the content tokens, `addSpecialTokens` applies the post-processor (after truncation, so that
 * truncation can leave room for `numSpecialTokens()`).
 */
export interface Tokenizer {
  /** What it is, for labels: "tokenizer.json (WordLevel)", "vocab.txt (word level)", "cl100k_base". */
  readonly description: string;
  /** The file it came from, or a built-in name. */
  readonly source: string;
  /** Number of ids (largest id + 1). */
  readonly vocabSize: number;
  /** The content tokens of `text`, without the post-processor's special tokens. */
  encode(text: string, options?: EncodeOptions): Token[];
  /** How many tokens `addSpecialTokens` adds to a single sequence. */
  numSpecialTokens(): number;
  /** The post-processor's special tokens: `[CLS] … [SEP]` for BERT; identity when it adds none. `text` is the input. */
  addSpecialTokens(tokens: readonly Token[], text: string): Token[];
  /** The vocabulary's spelling of an id (undefined outside the vocabulary). */
  idToToken(id: number): string | undefined;
  tokenToId(token: string): number | undefined;
  /** The steps that made the tokens overlapping [start, end) of `text` (undefined: no replay for this tokenizer). */
  explain?(text: string, start: number, end: number): Replay;
  /** The pad token the tokenizer declares, if any. */
  readonly padToken?: { readonly id: number; readonly text: string };
}
