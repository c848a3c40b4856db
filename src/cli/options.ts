import { LIMITS } from '../core/limits';
import { DEFAULT_MAX_TOKENS } from '../core/pipeline';
import { rangeText, type OptionSpec } from './args';
import { MODELS_NOTES, MODELS_SYNOPSIS } from './models';
import { NEIGHBOURS_NOTES, NEIGHBOURS_SYNOPSIS } from './neighbours';

/**
 * Largest --max-length: the pipeline pads to it, so it sizes the (T × E) matrix and the output.
 * The pipeline refuses more than DEFAULT_MAX_TOKENS ids, so a larger value could never work.
 */
export const MAX_LENGTH_LIMIT = DEFAULT_MAX_TOKENS;
/** Largest --timeout, seconds (a day). */
export const TIMEOUT_LIMIT_SECONDS = 86_400;

const TIMEOUT: OptionSpec = { name: 'timeout', kind: 'seconds', min: 0.1, max: TIMEOUT_LIMIT_SECONDS };
const MAX_LENGTH: OptionSpec = { name: 'max-length', kind: 'int', min: 1, max: MAX_LENGTH_LIMIT };
// The same ranges as the settings embeddingLens.randomEncoder.* (package.json) and the core's checks.
const HIDDEN_SIZE: OptionSpec = { name: 'hidden-size', kind: 'int', min: 1, max: 4096 };
const LAYERS: OptionSpec = { name: 'layers', kind: 'int', min: 1, max: 16 };
// The PRNG takes its seed mod 2^32: a larger one would silently give another seed's weights.
const SEED: OptionSpec = { name: 'seed', kind: 'int', min: 0, max: 2 ** 32 - 1 };

export const TOKENIZE_OPTIONS: readonly OptionSpec[] = [
  { name: 'file', kind: 'string' },
  // Given twice: two tokenizations of the text, aligned (compare.ts).
  { name: 'model', kind: 'string', repeat: 2 },
  { name: 'tokenizer', kind: 'string', repeat: 2 },
  { name: 'no-special-tokens', kind: 'flag' },
  { name: 'format', kind: 'string', values: ['json', 'table'] },
  { name: 'explain', kind: 'string' },
  TIMEOUT,
];

export const INSPECT_OPTIONS: readonly OptionSpec[] = [
  { name: 'file', kind: 'string' },
  { name: 'model', kind: 'string' },
  { name: 'tokenizer', kind: 'string' },
  MAX_LENGTH,
  { name: 'padding-side', kind: 'string', values: ['right', 'left'] },
  { name: 'truncation-side', kind: 'string', values: ['right', 'left'] },
  { name: 'skip-padding', kind: 'flag' },
  { name: 'no-special-tokens', kind: 'flag' },
  { name: 'cell', kind: 'string', values: ['rnn', 'gru', 'lstm'] },
  { name: 'nonlinearity', kind: 'string', values: ['tanh', 'relu'] },
  HIDDEN_SIZE,
  LAYERS,
  { name: 'bidirectional', kind: 'flag' },
  SEED,
  { name: 'format', kind: 'string', values: ['json', 'table'] },
  TIMEOUT,
];

/** The deadline's spec, also used to read EMBEDDING_LENS_TIMEOUT. */
export const TIMEOUT_SPEC = TIMEOUT;

const TOKENIZERS = 'gpt2|r50k_base|p50k_base|cl100k_base|o200k_base';

const TEXT_NOTE = `TEXT is one argument (quote it; a TEXT starting with "-" goes after --), else --file PATH
(a regular file), else stdin; both UTF-8, where invalid bytes are refused, not replaced.
At most ${LIMITS.textChars} characters (UTF-16 units); a larger file is refused before it is read.`;

const TIMEOUT_NOTE = `--timeout: the deadline for the whole command, ${rangeText(TIMEOUT)} (default
${LIMITS.requestSeconds}, or the environment variable EMBEDDING_LENS_TIMEOUT).`;

const INSPECT_SYNOPSIS = `usage: embedding-lens inspect [TEXT] [--file PATH]            (else stdin)
    [--model DIR|FILE|REF|builtin:NAME] [--tokenizer PATH|${TOKENIZERS}]
    [--max-length N] [--padding-side right|left] [--truncation-side right|left]
    [--skip-padding] [--no-special-tokens]
    [--cell rnn|gru|lstm] [--nonlinearity tanh|relu] [--hidden-size N] [--layers N]
    [--bidirectional] [--seed N]                       (only for a random encoder)
    [--format json|table] [--timeout SECONDS]`;

const INSPECT_NOTES = `Models: builtin:seed (the explainer's example; the default), builtin:glove-100d (GloVe 6B 100d,
top 50k), a model folder (tokenizer.json|vocab.json|vocab.txt + model.safetensors [+ config.json]),
a .safetensors/.npy matrix (tokenizer beside it or --tokenizer), a .gguf file (llama.cpp, Ollama,
LM Studio: the tokenizer from its metadata, token_embd.weight dequantized as ggml does), a
word-vector file (GloVe/word2vec text, word2vec .bin, vectors.tsv + metadata.tsv), or REF, a model
another tool downloaded: hf:ORG/NAME[/FILE.gguf], ollama:NAME[:TAG], lmstudio:PUBLISHER/REPO/FILE
(see embedding-lens models). BERT/RoBERTa/DistilBERT/GPT-2 folders also print "input_layer": the
word, + position, + type and LayerNorm stages as the model computes them.
--max-length: ${rangeText(MAX_LENGTH)} (pad or truncate to it; default: the model's).
--hidden-size: ${rangeText(HIDDEN_SIZE)}; --layers: ${rangeText(LAYERS)};
--seed: ${rangeText(SEED)}.`;

const TOKENIZE_SYNOPSIS = `       embedding-lens tokenize [TEXT] [--file PATH]           (else stdin)
    [--tokenizer PATH|${TOKENIZERS} | --model M]
    [--no-special-tokens] [--format json|table] [--explain START:END] [--timeout SECONDS]
       embedding-lens tokenize --tokenizer A --tokenizer B [TEXT]   (or --model A --model B)
    [--file PATH] [--no-special-tokens] [--format json|table] [--timeout SECONDS]`;

const TOKENIZE_NOTES = `Without --tokenizer or --model: the tokenizer of builtin:seed. --model takes what inspect's does.
--explain prints the steps that made the tokens of text[START:END] (UTF-16 offsets):
the normalizer's output, the pre-token splits, then the model's own steps (BPE merges with
their ranks, WordPiece attempts, Unigram's best path with piece scores, byte fallback).
Two --tokenizer (which also take builtin:NAME) or two --model: both tokenizations, aligned by
span. A group is a stretch of the text where both sides have a token boundary at each end; it
is marked * (json: "same": false) when the sides cut it differently. Tokens holding parts of
one character share its span and stay in one group; zero-width specials ([CLS], <s>) form a
group of their own. json: { "text", "sides": [{ "tokenizer", "spec", "count", "ids", "tokens" }, ...],
"groups": [{ "start", "end", "a": [token indices], "b": [...], "same" }], "differ" }.`;

const COMMON_NOTES = `--format: json (the default) or table.
${TIMEOUT_NOTE}
${TEXT_NOTE}`;

/** `embedding-lens inspect --help`. */
export const INSPECT_USAGE = `${INSPECT_SYNOPSIS}

${INSPECT_NOTES}
${COMMON_NOTES}`;

/** `embedding-lens tokenize --help`. */
export const TOKENIZE_USAGE = `${TOKENIZE_SYNOPSIS.replace(/^ {7}/, 'usage: ')}

${TOKENIZE_NOTES}
${COMMON_NOTES}`;

/** `embedding-lens --help`: every command. */
export const USAGE = `${INSPECT_SYNOPSIS}

${INSPECT_NOTES}

${TOKENIZE_SYNOPSIS}

${TOKENIZE_NOTES}

${NEIGHBOURS_SYNOPSIS}

${NEIGHBOURS_NOTES}

${MODELS_SYNOPSIS}

${MODELS_NOTES}

       embedding-lens help [inspect|tokenize|neighbours|models]  (or COMMAND --help)
       embedding-lens --version

${COMMON_NOTES}`;
