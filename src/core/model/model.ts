import type { RnnWeights } from '../rnn';
import type { TensorSource } from '../tensors';
import type { Tokenizer } from '../tokenizers/types';
import type { ModelConfig } from './modelConfig';

/** Where a part of the model comes from: shown next to every number ("real: file", "random: seed"). */
export interface PartLabel {
  readonly real: boolean;
  readonly source: string;
  readonly tensor?: string;
  readonly dtype?: string;
  readonly shape?: readonly number[];
  readonly note?: string;
}

/** A loaded model: tokenizer + embedding table + optionally a real encoder. */
export interface Model {
  /** Cache key and identity: `builtin:NAME` or the path it was loaded from. */
  readonly id: string;
  /** Display name. */
  readonly name: string;
  readonly tokenizer: Tokenizer;
  /** The embedding table, `(vocab_size, E)`, read lazily. */
  readonly embedding: TensorSource;
  readonly embeddingLabel: PartLabel;
  /** The model's own encoder; when absent the pipeline uses seeded random weights. */
  readonly encoder?: { readonly weights: RnnWeights; readonly label: PartLabel } | undefined;
  readonly config: ModelConfig;
  /** The pad token and who declared it; undefined when neither config nor tokenizer names one. */
  readonly pad?: { readonly id: number; readonly text: string; readonly source: 'config.json' | 'tokenizer' | 'builtin' } | undefined;
  /** True for rows that are random rather than learnt (the seed model's unlisted words). */
  readonly isRandomRow?: ((id: number) => boolean) | undefined;
  /** Every file the model was read from (the worker caches by these paths and their mtimes). */
  readonly files: readonly string[];
}
