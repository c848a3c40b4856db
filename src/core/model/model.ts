import type { RnnWeights } from '../rnn';
import type { TensorSource } from '../tensors';
import type { Tokenizer } from '../tokenizers/types';
import type { InputLayer } from './inputLayer';
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

/**
 * What file format a model came from and what the header needs to say about it: a GGUF file's
 * architecture and the ggml type its token embedding is stored in ("dequantized from Q4_K"),
 * a cache reference (`hf:org/name`, `ollama:name:tag`) it was resolved from.
 */
export interface ModelOrigin {
  readonly format: 'gguf' | 'safetensors' | 'npy' | 'word-vectors' | 'builtin';
  /** The file or folder the weights were read from. */
  readonly path: string;
  /** `general.architecture` (GGUF) or config.json's `model_type`. */
  readonly architecture?: string | undefined;
  /** GGUF: the ggml type of token_embd.weight (`Q4_K`, `F16`, …). */
  readonly quant?: string | undefined;
  /** GGUF: `general.name`. */
  readonly title?: string | undefined;
  /** GGUF: `<arch>.context_length`; Hugging Face: `max_position_embeddings`. Informational only. */
  readonly contextLength?: number | undefined;
  /** The `hf:` / `ollama:` / `lmstudio:` reference the user gave, when the model was found through discovery. */
  readonly reference?: string | undefined;
}

/** A tokenizer given by the caller in place of the model's own. */
export interface TokenizerOverride {
  /** The value given (`gpt2`, `cl100k_base`, a path). */
  readonly given: string;
  /** The model's own tokenizer it replaces, for people: a file, or a GGUF file's metadata. */
  readonly replaces: string;
}

/** "tokenizer overridden: gpt2 replaces DIR/tokenizer.json": the note the JSON and the table print. */
export function overrideNote(o: TokenizerOverride): string {
  return `tokenizer overridden: ${o.given} replaces the model's own (${o.replaces})`;
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
  /** Where the model came from (format, architecture, quantization); absent for older callers' models. */
  readonly origin?: ModelOrigin | undefined;
  /**
   * The transformer's input layer (word + position (+ type) embeddings, LayerNorm) when the
   * model is a BERT / RoBERTa / DistilBERT / GPT-2-style Hugging Face model.
   */
  readonly inputLayer?: InputLayer | undefined;
  /** Why a model that looks like one of those families has no input layer (what is missing or ambiguous). */
  readonly inputLayerProblem?: string | undefined;
  /**
   * Set when a tokenizer the caller named (`--tokenizer`, the tokenizer setting) replaced the
   * model's own: what was given and what it replaced, shown beside the tokenizer everywhere.
   */
  readonly tokenizerOverride?: TokenizerOverride | undefined;
  /** Every file the model was read from (the worker caches by these paths and their mtimes). */
  readonly files: readonly string[];
}
