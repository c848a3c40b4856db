import { noteActivity } from './activity';
import { LensError, throwIfCancelled, type CancellationFlag } from './errors';
import { LIMITS } from './limits';
import { matrix, type Matrix } from './matrix';
import type { InputStage } from './model/inputLayer';
import type { Model, PartLabel } from './model/model';
import type { Side } from './model/modelConfig';
import { GATE_COUNT, randomRnnWeights, rnnLayerInputSize, typescriptEncoder, type CellType, type EncoderEngine, type RnnEncoder, type Nonlinearity, type RnnResult, type RnnSpec, type RnnWeights } from './rnn';
import type { Token } from './tokenizers/types';

/** The random encoder used when a model has none. */
export interface RandomEncoderOptions {
  readonly cell?: CellType;
  readonly nonlinearity?: Nonlinearity;
  readonly hiddenSize?: number;
  readonly numLayers?: number;
  readonly bidirectional?: boolean;
  readonly seed?: number;
  /**
   * How the caller's user named these values, for messages (default: the CLI's flags
   * `--hidden-size`, `--layers`, `--seed`); e.g. a setting's id in the extension.
   */
  readonly names?: { readonly hiddenSize?: string; readonly numLayers?: string; readonly seed?: string };
}

/** Largest hidden size of a random encoder. */
export const MAX_RANDOM_HIDDEN_SIZE = 4096;
/** Most layers of a random encoder. */
export const MAX_RANDOM_LAYERS = 16;
/** Most weights a random encoder may hold (all layers, directions, biases): 2^25 float32 = 128 MiB. */
export const MAX_RANDOM_ENCODER_WEIGHTS = 2 ** 25;

/** Everything the pipeline lets a caller choose (docs/ARCHITECTURE.md, "Pipeline semantics"). */
export interface InspectOptions {
  /** Pad/truncate to this many ids; undefined → the model's max_length, else no padding; null → no padding, whatever the model says. */
  readonly maxLength?: number | null | undefined;
  /** How the caller's user named `maxLength`, for messages (default: the CLI's `--max-length`). */
  readonly maxLengthName?: string | undefined;
  readonly paddingSide?: Side | undefined;
  readonly truncationSide?: Side | undefined;
  /** Skip pads in the encoder (pack_padded_sequence semantics) instead of running through them. */
  readonly skipPadding?: boolean | undefined;
  /** Add the post-processor's special tokens ([CLS] … [SEP]). Default true. */
  readonly addSpecialTokens?: boolean | undefined;
  readonly random?: RandomEncoderOptions | undefined;
  /** Keep per-step gates (and LSTM per-step c_t) for the step-through view. Default true. */
  readonly keepGates?: boolean | undefined;
  /** Refuse inputs with more ids than this (memory guard). Default 65,536. */
  readonly maxTokens?: number | undefined;
  readonly cancel?: CancellationFlag | undefined;
  /** Compute the transformer input layer's stages when the model has one (default true). */
  readonly inputLayer?: boolean | undefined;
  /** The encoder implementation (default: the TypeScript reference `runRnn`); the worker and the CLI pass the native one. */
  readonly encoder?: RnnEncoder | undefined;
}

/** The options actually used, after defaults (reported with every result). */
export interface ResolvedOptions {
  readonly maxLength: number | null;
  readonly paddingSide: Side;
  readonly truncationSide: Side;
  readonly skipPadding: boolean;
  readonly addSpecialTokens: boolean;
  readonly padTokenId: number | null;
}

/** The encoder that ran, and whether its weights are the model's or random. */
export interface EncoderInfo {
  readonly spec: RnnSpec;
  readonly real: boolean;
  readonly label: PartLabel;
  /** The seed, when random. */
  readonly seed?: number;
}

/** What the pipeline computed for one text. */
export interface InspectResult {
  readonly text: string;
  /** Real tokens after truncation, with special tokens, in order (no pads). */
  readonly tokens: readonly Token[];
  /** How many content tokens truncation removed. */
  readonly truncated: number;
  /** `(T,)` ids after padding. */
  readonly inputIds: Int32Array;
  /** `(T,)` 1 for real tokens, 0 for pads. */
  readonly attentionMask: Uint8Array;
  /** Position of each real token in `inputIds`. */
  readonly tokenPositions: Int32Array;
  /** `(T, E)` rows of the embedding table. */
  readonly embeddings: Matrix;
  /**
   * The transformer's input layer over `inputIds` (pads included, as the model sees them):
   * "word", "+ position", ["+ type",] ["LayerNorm"], each `(T, E)`. `skipped` says why there are
   * no stages for a model that has an input layer (the input is longer than its position table).
   * Absent for models without one. The encoder still reads `embeddings` (the word rows).
   */
  readonly inputLayer?: { readonly stages: readonly InputStage[]; readonly positionIds: Int32Array } | { readonly skipped: string } | undefined;
  readonly encoder: EncoderInfo;
  readonly rnn: RnnResult;
  /** Which implementation ran the encoder. */
  readonly engine: EncoderEngine;
  readonly options: ResolvedOptions;
}

/** Defaults for the random encoder (hidden size: the model config's, else this). */
export const RANDOM_ENCODER_DEFAULTS = { cell: 'rnn' as CellType, nonlinearity: 'tanh' as Nonlinearity, hiddenSize: 32, numLayers: 1, bidirectional: false, seed: 0 };
export const DEFAULT_MAX_TOKENS = 65_536;

/** Runs text → tokens → padded ids → embeddings → encoder. */
export async function inspectText(model: Model, text: string, options: InspectOptions = {}): Promise<InspectResult> {
  if (text.length > LIMITS.textChars) {
    throw new LensError('option', `the text has ${text.length} characters, more than the limit of ${LIMITS.textChars} (the text limit); select or pass less text`);
  }
  const resolved = resolveOptions(model, options);
  const cancel = options.cancel;
  const tok = model.tokenizer;
  let content = tok.encode(text, { cancel });
  throwIfCancelled(cancel);
  const specials = resolved.addSpecialTokens ? tok.numSpecialTokens() : 0;
  let truncated = 0;
  // Where max length came from, for messages: the caller's flag or config.json's key.
  const fromConfig = options.maxLength === undefined && model.config.maxLength !== undefined;
  const maxLengthName = fromConfig ? `${model.config.file ?? `${model.name}'s config`}: "max_length"` : options.maxLengthName ?? '--max-length';
  if (resolved.maxLength !== null) {
    if (resolved.maxLength < specials) {
      throw new LensError(fromConfig ? 'config' : 'option', `${maxLengthName}: ${resolved.maxLength} leaves no room for the ${specials} special tokens this tokenizer adds; expected at least ${specials}, or turn special tokens off`);
    }
    const room = resolved.maxLength - specials;
    if (content.length > room) {
      truncated = content.length - room;
      content = resolved.truncationSide === 'right' ? content.slice(0, room) : content.slice(content.length - room);
    }
  }
  const tokens = resolved.addSpecialTokens ? tok.addSpecialTokens(content, text) : content;
  const T = resolved.maxLength ?? tokens.length;
  const maxTokens = options.maxTokens ?? DEFAULT_MAX_TOKENS;
  if (T > maxTokens) {
    if (resolved.maxLength !== null && tokens.length <= maxTokens) {
      throw new LensError(fromConfig ? 'config' : 'option', `${maxLengthName}: padding to ${T} tokens is more than the limit of ${maxTokens}; expected a max length of at most ${maxTokens}`);
    }
    throw new LensError('option', `the input has ${T} tokens, more than the limit of ${maxTokens}; select less text or lower max length`);
  }
  const nPad = T - tokens.length;
  if (nPad > 0 && resolved.padTokenId === null) {
    throw new LensError('config', `padding to ${T} needs a pad token, but ${model.name} declares none; set "pad_token_id" in config.json or add [PAD] to the vocabulary`);
  }
  const first = resolved.paddingSide === 'right' ? 0 : nPad;
  const inputIds = new Int32Array(T).fill(resolved.padTokenId ?? 0);
  const attentionMask = new Uint8Array(T);
  const tokenPositions = new Int32Array(tokens.length);
  const [rows, dim] = model.embedding.info.shape as [number, number];
  // Ids are u32; an Int32Array would wrap one past 2^31 onto another row. Each must have its row.
  for (const t of tokens) {
    if (!(t.id >= 0 && t.id < rows)) {
      throw new LensError('vocabMismatch', `${tok.source}: token ${JSON.stringify(t.text)} has id ${t.id}, but embedding "${model.embedding.info.name}" in ${model.embedding.info.file} has ${rows} rows; expected an id below ${rows}`);
    }
  }
  if (nPad > 0 && !(resolved.padTokenId! >= 0 && resolved.padTokenId! < rows)) {
    throw new LensError('vocabMismatch', `the pad token id ${resolved.padTokenId} has no row in embedding "${model.embedding.info.name}" in ${model.embedding.info.file} (${rows} rows); expected an id below ${rows}`);
  }
  tokens.forEach((t, i) => {
    inputIds[first + i] = t.id;
    attentionMask[first + i] = 1;
    tokenPositions[i] = first + i;
  });

  // Later steps note themselves so a watchdog never blames a slow read or encoder on the
  // tokenizer step noted last.
  noteActivity(`reading ${T} embedding rows from ${model.embedding.info.file}`);
  const embeddings = matrix(T, dim, await model.embedding.readRows(inputIds));
  throwIfCancelled(cancel);

  let inputLayer: InspectResult['inputLayer'];
  const layer = options.inputLayer === false ? undefined : model.inputLayer;
  if (!layer && options.inputLayer !== false && model.inputLayerProblem) inputLayer = { skipped: model.inputLayerProblem };
  if (layer) {
    if (layer.position && T > layer.maxPositions) {
      inputLayer = { skipped: `${T} tokens are more than the ${layer.maxPositions} rows of ${layer.position.info.name}; the input layer is shown for inputs that fit its position table` };
    } else {
      noteActivity(`computing the input layer over ${T} positions`);
      try {
        inputLayer = { stages: await layer.compute(inputIds), positionIds: layer.positionIds(inputIds) };
      } catch (e) {
        // A position beyond the table (RoBERTa counts from padding_idx + 1): the word rows still stand.
        if (!(e instanceof LensError)) throw e;
        inputLayer = { skipped: e.message };
      }
      throwIfCancelled(cancel);
    }
  }

  const encoder = resolveEncoder(model, dim, options.random);
  noteActivity(`running the encoder over ${T} steps`);
  const realRange = resolved.skipPadding ? { start: first, end: first + tokens.length } : undefined;
  const { engine, ...rnn } = await (options.encoder ?? typescriptEncoder)(encoder.weights, embeddings, { realRange, keepGates: options.keepGates ?? true, keepCellStates: options.keepGates ?? true, cancel });
  return {
    text,
    tokens,
    truncated,
    inputIds,
    attentionMask,
    tokenPositions,
    embeddings,
    ...(inputLayer ? { inputLayer } : {}),
    encoder: encoder.info,
    rnn,
    engine,
    options: resolved,
  };
}

function resolveOptions(model: Model, o: InspectOptions): ResolvedOptions {
  const maxLength = o.maxLength === null ? null : o.maxLength ?? model.config.maxLength ?? null;
  if (maxLength !== null && (!Number.isInteger(maxLength) || maxLength < 1)) {
    throw new LensError('option', `--max-length: ${maxLength} is not valid, expected a whole number ≥ 1`);
  }
  return {
    maxLength,
    paddingSide: o.paddingSide ?? model.config.paddingSide ?? 'right',
    truncationSide: o.truncationSide ?? model.config.truncationSide ?? 'right',
    skipPadding: o.skipPadding ?? false,
    addSpecialTokens: o.addSpecialTokens ?? true,
    padTokenId: model.pad?.id ?? null,
  };
}

const randomCache = new Map<string, RnnWeights>();

function resolveEncoder(model: Model, dim: number, random: RandomEncoderOptions = {}): { weights: RnnWeights; info: EncoderInfo } {
  if (model.encoder) {
    return { weights: model.encoder.weights, info: { spec: model.encoder.weights.spec, real: true, label: model.encoder.label } };
  }
  const d = RANDOM_ENCODER_DEFAULTS;
  const cfg = model.config;
  const spec: RnnSpec = {
    cell: random.cell ?? cfg.cell ?? d.cell,
    nonlinearity: random.nonlinearity ?? cfg.nonlinearity ?? d.nonlinearity,
    inputSize: dim,
    hiddenSize: random.hiddenSize ?? cfg.hiddenSize ?? d.hiddenSize,
    numLayers: random.numLayers ?? cfg.numLayers ?? d.numLayers,
    bidirectional: random.bidirectional ?? cfg.bidirectional ?? d.bidirectional,
    bias: true,
  };
  const seed = random.seed ?? d.seed;
  // Each value is blamed on where it came from: the caller's option (a CLI flag) or config.json's key.
  const configFile = cfg.file ?? `${model.name}'s config`;
  const origin = (field: 'hiddenSize' | 'numLayers', flag: string, key: string): { reason: 'option' | 'config'; where: string } =>
    random[field] !== undefined ? { reason: 'option', where: random.names?.[field] ?? flag } : cfg[field] !== undefined ? { reason: 'config', where: `${configFile}: "${key}"` } : { reason: 'option', where: 'the default' };
  const hiddenFrom = origin('hiddenSize', '--hidden-size', 'hidden_size');
  const layersFrom = origin('numLayers', '--layers', 'num_layers');
  const forRandom = hiddenFrom.reason === 'config' ? ' for the random encoder (the model has none)' : '';
  if (!Number.isInteger(spec.hiddenSize) || spec.hiddenSize < 1 || spec.hiddenSize > MAX_RANDOM_HIDDEN_SIZE) {
    throw new LensError(hiddenFrom.reason, `${hiddenFrom.where}: ${spec.hiddenSize} is not valid, expected a whole number from 1 to ${MAX_RANDOM_HIDDEN_SIZE}${forRandom}`);
  }
  if (!Number.isInteger(spec.numLayers) || spec.numLayers < 1 || spec.numLayers > MAX_RANDOM_LAYERS) {
    throw new LensError(layersFrom.reason, `${layersFrom.where}: ${spec.numLayers} is not valid, expected a whole number from 1 to ${MAX_RANDOM_LAYERS}${layersFrom.reason === 'config' ? ' for the random encoder (the model has none)' : ''}`);
  }
  if (!Number.isInteger(seed)) throw new LensError('option', `${random.names?.seed ?? '--seed'}: ${seed} is not valid, expected a whole number`);
  const weightCount = randomWeightCount(spec);
  if (weightCount > MAX_RANDOM_ENCODER_WEIGHTS) {
    const blame = hiddenFrom.reason === layersFrom.reason ? hiddenFrom.reason : 'config';
    throw new LensError(
      blame,
      `a random ${spec.cell} encoder with hidden size ${spec.hiddenSize} (${hiddenFrom.where}), ${spec.numLayers} layers (${layersFrom.where})${spec.bidirectional ? ', bidirectional' : ''} over ${dim}-wide embeddings would hold ${weightCount} weights, more than the limit of ${MAX_RANDOM_ENCODER_WEIGHTS}; expected a smaller hidden size or fewer layers`,
    );
  }
  const key = JSON.stringify([spec, seed]);
  let weights = randomCache.get(key);
  if (!weights) {
    weights = randomRnnWeights(spec, seed);
    if (randomCache.size > 16) randomCache.clear();
    randomCache.set(key, weights);
  }
  const bound = `U(-1/\u221a${spec.hiddenSize}, 1/\u221a${spec.hiddenSize})`;
  return {
    weights,
    info: {
      spec,
      real: false,
      seed,
      label: { real: false, source: `random (seed ${seed})`, note: `the model has no encoder: PyTorch's default init ${bound}, seeded PRNG xoshiro128**` },
    },
  };
}

/** How many numbers the weights of `spec` hold (every layer and direction, with biases). */
export function randomWeightCount(spec: RnnSpec): number {
  const gh = GATE_COUNT[spec.cell] * spec.hiddenSize;
  let n = 0;
  for (let l = 0; l < spec.numLayers; l++) n += gh * (rnnLayerInputSize(spec, l) + spec.hiddenSize + (spec.bias ? 2 : 0));
  return n * (spec.bidirectional ? 2 : 1);
}
