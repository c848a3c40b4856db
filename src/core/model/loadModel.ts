import { checkPicked } from '../containment';
import { LensError } from '../errors';
import { describeKind, kindOf, readRange, readText, type FileAccess } from '../fileAccess';
import { isModelReference, resolveModelReference, type DiscoveryEnv } from '../discovery';
import { ggufTokenEmbedding, metaNumber, metaString, metaStrings, openGguf, type GgufArray, type GgufFile } from '../formats/gguf';
import { openNpy } from '../formats/npy';
import { openSafetensors, openShardedSafetensors } from '../formats/safetensors';
import { looksLikeWordVectors, openWordVectors } from '../formats/wordVectors';
import { PICKLE_NAME, PICKLE_SNIFF_BYTES, pickleError, pickleKind } from '../pickle';
import { parseJsonFile } from '../safeJson';
import { loadRnnWeights, type RnnHints } from '../rnnTensors';
import { shapeString, withExtraRows, type TensorSource, type TensorStore } from '../tensors';
import { findTokenizerFile, loadTokenizerFile, PAD_CANDIDATES, UNK_CANDIDATES, wordListTokenizer } from '../tokenizers/loadTokenizer';
import { tokenizerFromGgufMetadata } from '../tokenizers/gguf/ggufTokenizer';
import { isOpenAiEncodingName, OPENAI_ENCODINGS, openAiAssetsDir, openAiTokenizer } from '../tokenizers/openai';
import type { Tokenizer } from '../tokenizers/types';
import { seedModel, BUILTIN_NAMES, SEED_ROWS, SEED_VOCAB_SIZE } from './builtins';
import { detectInputLayer } from './inputLayer';
import { parseModelConfig, type ModelConfig } from './modelConfig';
import type { Model, PartLabel, TokenizerOverride } from './model';

/** Where to find things that are not in the user's files. */
export interface LoadContext {
  readonly files: FileAccess;
  /** The extension's/CLI's `assets` folder (holds models/glove-100d). */
  readonly assetsDir: string;
  /**
   * Where `hf:`, `ollama:` and `lmstudio:` references are looked up (environment variables and
   * the home folder). Without it a reference is refused with a message saying so.
   */
  readonly discovery?: DiscoveryEnv | undefined;
}

export interface LoadOptions {
  /** A tokenizer file or folder to use instead of the model's own (`--tokenizer`). */
  readonly tokenizer?: string;
  /** Encoder facts stated by the caller (CLI flags); checked against the files like config.json. */
  readonly encoderHints?: RnnHints;
}

/** The usual names of an embedding matrix in PyTorch / Hugging Face checkpoints, in order. */
export const EMBEDDING_NAMES = [
  'embedding.weight', 'embeddings.weight', 'embed_tokens.weight', 'model.embed_tokens.weight', 'wte.weight',
  'transformer.wte.weight', 'word_embeddings.weight', 'embeddings.word_embeddings.weight',
  'bert.embeddings.word_embeddings.weight', 'roberta.embeddings.word_embeddings.weight', 'distilbert.embeddings.word_embeddings.weight',
  'tok_embeddings.weight',
];

/** Hugging Face heads put the word table under a model prefix (`electra.`, `xlm_roberta.`, …): one such tensor is the table. */
const WORD_TABLE_SUFFIX = /(^|\.)(embeddings\.word_embeddings|wte|embed_tokens)\.weight$/;

/**
 * Loads a model from `spec`: `builtin:NAME`, a model folder, a tensor file (.safetensors,
 * sharded index, .npy) with a tokenizer beside it or given, a .gguf file (tokenizer from its
 * metadata), a word-vector file, or a reference to a model discovery finds (`hf:org/name`,
 * `ollama:name:tag`, `lmstudio:publisher/repo/file.gguf`).
 */
export async function loadModel(ctx: LoadContext, spec: string, options: LoadOptions = {}): Promise<Model> {
  if (spec.startsWith('builtin:')) return loadBuiltin(ctx, spec.slice('builtin:'.length), options);
  if (isModelReference(spec)) return loadReference(ctx, spec, options);
  const { files } = ctx;
  const st = await files.stat(spec);
  if (!st) throw new LensError('badFile', `${spec}: no such file or folder (expected a model folder, a .safetensors/.npy/.gguf file, a word-vector file, hf:ORG/NAME, ollama:NAME:TAG, or builtin:${BUILTIN_NAMES.join('|builtin:')})`);
  const kind = kindOf(st);
  if (kind === 'directory') return loadFolder(ctx, spec, options);
  if (kind !== 'file') throw new LensError('badFile', `${spec}: is ${describeKind(kind)}, expected a model folder or a model file`);
  return loadFile(ctx, spec, options);
}

/** `hf:…`, `ollama:…`, `lmstudio:…`: the path discovery resolves it to, loaded under the reference's name. */
async function loadReference(ctx: LoadContext, spec: string, options: LoadOptions): Promise<Model> {
  if (!ctx.discovery) throw new LensError('option', `${spec}: model references are not available here; pass the model's folder or .gguf file`);
  const { path, model: found } = await resolveModelReference(ctx.files, ctx.discovery, spec);
  const model = await loadModel(ctx, path, options);
  return {
    ...model,
    id: spec,
    name: spec.slice(spec.indexOf(':') + 1),
    origin: { ...(model.origin ?? { format: found.format, path }), reference: spec },
  };
}

async function loadBuiltin(ctx: LoadContext, name: string, options: LoadOptions): Promise<Model> {
  switch (name) {
    case 'seed':
      if (options.tokenizer) throw await ownVocabularyError(ctx, options.tokenizer, 'builtin:seed', `its ${SEED_VOCAB_SIZE} rows are keyed by its own words (the explainer's ${SEED_ROWS.length - 1} and [pad] at their ids, every other word hashed onto a random row)`);
      return seedModel();
    case 'glove-100d': {
      const dir = ctx.files.join(ctx.assetsDir, 'models', 'glove-100d');
      if (options.tokenizer) throw await ownVocabularyError(ctx, options.tokenizer, 'builtin:glove-100d', `its rows are GloVe's vectors of its own 50k words, one row per word`);
      const model = await loadFolder(ctx, dir, options);
      return { ...model, id: 'builtin:glove-100d', name: 'GloVe 6B 100d (top 50k words)' };
    }
    default:
      throw new LensError('option', `--model: unknown built-in model "builtin:${name}", expected builtin:${BUILTIN_NAMES.join(' or builtin:')}`);
  }
}

async function readConfig(files: FileAccess, dir: string): Promise<{ config: ModelConfig; file?: string; raw?: unknown }> {
  const file = files.join(dir, 'config.json');
  const st = await files.stat(file);
  if (!st) return { config: {} };
  await checkPicked(files, dir, file, 'a config.json file');
  const text = await readText(files, file);
  const config = parseModelConfig(text, file);
  // The input layer reads keys ModelConfig does not keep (model_type, layer_norm_eps, …).
  const raw = parseJsonFile(text, file);
  // Hugging Face keeps do_lower_case in tokenizer_config.json.
  const tc = files.join(dir, 'tokenizer_config.json');
  if (config.doLowerCase === undefined && (await files.stat(tc))) {
    await checkPicked(files, dir, tc, 'a tokenizer_config.json file');
    try {
      const lower = (parseJsonFile(await readText(files, tc), tc) as { do_lower_case?: unknown } | null)?.do_lower_case;
      if (typeof lower === 'boolean') return { config: { ...config, doLowerCase: lower }, file, raw };
    } catch {
      // tokenizer_config.json is optional and advisory here; tokenizer.json is what we run.
    }
  }
  return { config, file, raw };
}

/** The tensor files of a folder, in order of preference. */
async function openFolderStore(files: FileAccess, dir: string): Promise<TensorStore | undefined> {
  const names = await files.list(dir);
  // Each file picked here must be a regular file inside the folder (not a link out of it).
  const pick = async (name: string, what: string): Promise<string> => {
    const path = files.join(dir, name);
    await checkPicked(files, dir, path, what);
    return path;
  };
  if (names.includes('model.safetensors.index.json')) return openShardedSafetensors(files, await pick('model.safetensors.index.json', 'a shard index'));
  if (names.includes('model.safetensors')) return openSafetensors(files, await pick('model.safetensors', 'a .safetensors file'));
  const st = names.filter(n => n.endsWith('.safetensors'));
  if (st.length === 1) return openSafetensors(files, await pick(st[0]!, 'a .safetensors file'));
  if (st.length > 1) throw new LensError('badFile', `${dir}: several .safetensors files (${st.join(', ')}) and no model.safetensors.index.json; expected model.safetensors or an index`);
  const npy = names.filter(n => n.endsWith('.npy'));
  if (npy.length === 1) return openNpy(files, await pick(npy[0]!, 'a .npy file'));
  if (npy.length > 1) throw new LensError('badFile', `${dir}: several .npy files (${npy.join(', ')}); pass the embedding matrix's file itself with --model`);
  return undefined;
}

const WORD_VECTOR_FILES = /\.(txt|vec|bin|tsv)$/i;
/** Text files a model folder holds that are never word vectors. */
const NOT_WORD_VECTORS = /^(vocab\.txt|merges\.txt|metadata\.tsv|pytorch_model.*\.bin|training_args\.bin|optimizer\.bin)$/i;

/**
 * The word-vector file of a folder without tensor files: vectors.tsv, or a .txt/.vec/.bin
 * whose first line looks like word vectors (so a workspace root's notes are never read as
 * vectors). Undefined when there is none.
 */
async function findWordVectorFile(files: FileAccess, dir: string, names: readonly string[]): Promise<string | undefined> {
  const candidates = [...names.filter(n => /^vectors\.tsv$/i.test(n)), ...names.filter(n => WORD_VECTOR_FILES.test(n) && !NOT_WORD_VECTORS.test(n) && !/^vectors\.tsv$/i.test(n))];
  for (const name of candidates) {
    const path = files.join(dir, name);
    const st = await files.stat(path);
    if (!st || kindOf(st) !== 'file') continue;
    await checkPicked(files, dir, path, 'a word-vector file');
    const head = await readRange(files, path, 0, PICKLE_SNIFF_BYTES);
    if (/^vectors\.tsv$/i.test(name) || looksLikeWordVectors(head)) return path;
  }
  return undefined;
}

async function loadFolder(ctx: LoadContext, dir: string, options: LoadOptions): Promise<Model> {
  const { files } = ctx;
  const { config, file: configFile, raw } = await readConfig(files, dir);
  const store = await openFolderStore(files, dir);
  if (!store) {
    const names = await files.list(dir);
    // A folder holding one GGUF model (LM Studio's publisher/repo folders): that file.
    const ggufs = names.filter(n => /\.gguf$/i.test(n));
    if (ggufs.length === 1) {
      const path = files.join(dir, ggufs[0]!);
      await checkPicked(files, dir, path, 'a .gguf file');
      return loadGguf(ctx, path, options);
    }
    if (ggufs.length > 1) throw new LensError('badFile', `${dir}: several .gguf files (${ggufs.slice(0, 4).join(', ')}${ggufs.length > 4 ? ', …' : ''}); pass one of them with --model`);
    const vectors = await findWordVectorFile(files, dir, names);
    if (vectors) return loadWordVectors(ctx, vectors, options);
    // PyTorch weights only (pytorch_model.bin, *.pt, …): say why they are not read.
    for (const name of names) {
      const path = files.join(dir, name);
      if (PICKLE_NAME.test(name) || /\.bin$/i.test(name)) {
        const st = await files.stat(path);
        if (!st || kindOf(st) !== 'file') continue;
        if (PICKLE_NAME.test(name) || pickleKind(await readRange(files, path, 0, PICKLE_SNIFF_BYTES))) throw pickleError(path);
      }
    }
    // The folder's own files are not named: none of them is at fault (a workspace root is a
    // common mistake here), and naming one reads as if it were a broken model file.
    throw new LensError(
      'badFile',
      `${dir}: no model found in this folder (${names.length === 0 ? 'it is empty' : `${names.length} entr${names.length === 1 ? 'y' : 'ies'}, none a model`}); expected model.safetensors, model.safetensors.index.json, a .npy file or a word-vector file (GloVe/word2vec text, .bin, vectors.tsv)`,
    );
  }
  const own = await findTokenizerFile(files, dir);
  if (own && !options.tokenizer) await checkPicked(files, dir, own, 'a tokenizer file');
  const tokenizerPath = options.tokenizer ?? own;
  if (!tokenizerPath) throw new LensError('badFile', `${dir}: no tokenizer found, expected tokenizer.json, vocab.json or vocab.txt (or pass --tokenizer)`);
  const override = options.tokenizer && own ? { given: options.tokenizer, replaces: own } : undefined;
  return assemble(ctx, { id: dir, name: files.basename(dir), store, config, configFile, rawConfig: raw, tokenizerPath, override, options });
}

async function loadFile(ctx: LoadContext, path: string, options: LoadOptions): Promise<Model> {
  const { files } = ctx;
  const name = files.basename(path);
  const dir = files.dirname(path);
  if (/^(tokenizer\.json|vocab\.json|vocab\.txt)$/.test(name)) {
    throw new LensError('option', `--model: ${path} is a tokenizer, not a model; pass the model folder or embedding file with --model (and this file with --tokenizer)`);
  }
  let store: TensorStore;
  if (/\.gguf$/i.test(name)) return loadGguf(ctx, path, options);
  if (name.endsWith('.safetensors.index.json')) store = await openShardedSafetensors(files, path);
  else if (name.endsWith('.safetensors')) store = await openSafetensors(files, path);
  else if (name.endsWith('.npy')) store = await openNpy(files, path);
  // An Ollama blob has no extension: a GGUF by its magic, else a word-vector file.
  else if (await isGgufFile(files, path)) return loadGguf(ctx, path, options);
  else return loadWordVectors(ctx, path, options);
  const { config, file: configFile, raw } = await readConfig(files, dir);
  const own = await findTokenizerFile(files, dir);
  if (own && !options.tokenizer) await checkPicked(files, dir, own, 'a tokenizer file');
  const tokenizerPath = options.tokenizer ?? own;
  if (!tokenizerPath) throw new LensError('option', `--tokenizer: ${path} is a bare matrix; give its tokenizer with --tokenizer (tokenizer.json, vocab.json or vocab.txt), none was found beside it`);
  const override = options.tokenizer && own ? { given: options.tokenizer, replaces: own } : undefined;
  return assemble(ctx, { id: path, name, store, config, configFile, rawConfig: raw, tokenizerPath, override, options });
}

/** True when the file starts with the GGUF magic (Ollama's blobs have no extension). */
async function isGgufFile(files: FileAccess, path: string): Promise<boolean> {
  const st = await files.stat(path);
  if (!st || st.size < 4) return false;
  const head = await readRange(files, path, 0, 4);
  return head[0] === 0x47 && head[1] === 0x47 && head[2] === 0x55 && head[3] === 0x46;
}

/** The metadata as plain values, for the tokenizer: arrays become their items, scalars their value. */
function plainMetadata(file: GgufFile): { get(key: string): unknown } {
  return {
    get(key) {
      const v = file.metadata.get(key);
      if (!v) return undefined;
      return v.type === 'ARRAY' ? (v.value as GgufArray).items : v.value;
    },
  };
}

/**
 * A GGUF file (llama.cpp, Ollama, LM Studio): the tokenizer from its metadata, the rows of
 * `token_embd.weight` dequantized as ggml does, and the random encoder on top (GGUF models are
 * transformers: there is no RNN to read).
 */
async function loadGguf(ctx: LoadContext, path: string, options: LoadOptions): Promise<Model> {
  const { files } = ctx;
  const file = await openGguf(files, path);
  const emb = ggufTokenEmbedding(file);
  const tokenizer = options.tokenizer ? await loadTokenizerSpec(ctx, options.tokenizer) : tokenizerFromGgufMetadata(plainMetadata(file), path);
  const embedding = emb.tensor;
  const override = options.tokenizer ? { given: options.tokenizer, replaces: ggufTokenizerText(file, path) } : undefined;
  checkVocabFits(tokenizer, embedding, '', override);
  const arch = metaString(file, 'general.architecture');
  const contextLength = arch ? safeNumber(() => metaNumber(file, `${arch}.context_length`)) : undefined;
  const title = safeNumber(() => metaString(file, 'general.name'));
  const widened = emb.typeName === 'F16' || emb.typeName === 'BF16';
  const pad = tokenizer.padToken ? { ...tokenizer.padToken, source: 'tokenizer' as const } : undefined;
  return {
    id: path,
    name: title ? `${title} (${files.basename(path)})` : files.basename(path),
    tokenizer,
    embedding,
    embeddingLabel: {
      real: true,
      source: path,
      tensor: 'token_embd.weight',
      dtype: emb.typeName,
      shape: [emb.vocabSize, emb.embeddingLength],
      ...(emb.typeName !== 'F32' ? { note: widened ? `widened from ${emb.typeName} to float32` : `dequantized from ${emb.typeName} as ggml does` } : {}),
    },
    config: {},
    pad,
    origin: { format: 'gguf', path, architecture: arch, quant: emb.typeName, title, contextLength },
    ...(override ? { tokenizerOverride: override } : {}),
    files: [...new Set([path, ...(options.tokenizer ? [tokenizer.source] : [])])],
  };
}

/** "x.gguf's GGUF metadata: llama, 32000 tokens": the tokenizer an override replaces, read without building it. */
function ggufTokenizerText(file: GgufFile, path: string): string {
  const kind = safeNumber(() => metaString(file, 'tokenizer.ggml.model'));
  const count = safeNumber(() => metaStrings(file, 'tokenizer.ggml.tokens')?.length);
  return `${path}'s GGUF metadata${kind ? `: ${kind}` : ''}${count !== undefined ? `${kind ? ',' : ':'} ${count} tokens` : ''}`;
}

/** An informational metadata value: a wrong type there must not stop the model from loading. */
function safeNumber<T>(read: () => T | undefined): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

interface Parts {
  id: string;
  name: string;
  store: TensorStore;
  config: ModelConfig;
  configFile: string | undefined;
  /** config.json as parsed JSON, for the input layer's keys. */
  rawConfig?: unknown;
  tokenizerPath: string;
  /** Set when `tokenizerPath` is the caller's and the model has a tokenizer of its own. */
  override: TokenizerOverride | undefined;
  options: LoadOptions;
}

/** Tokenizers chosen by name (`--tokenizer gpt2`, `cl100k_base`, …). */
export const NAMED_TOKENIZERS = ['gpt2', ...OPENAI_ENCODINGS] as const;

/**
 * A tokenizer from a `--tokenizer` value: a name (gpt2: the GPT-2 tokenizer.json shipped in
 * assets; r50k_base, p50k_base, cl100k_base, o200k_base: OpenAI's encodings), or a
 * tokenizer.json / vocab.json / vocab.txt file or a folder holding one.
 */
export async function loadTokenizerSpec(ctx: LoadContext, spec: string, config: ModelConfig = {}): Promise<Tokenizer> {
  const { files } = ctx;
  if (spec === 'gpt2') return loadTokenizerFile(files, files.join(ctx.assetsDir, 'tokenizers', 'gpt2', 'tokenizer.json'));
  if (isOpenAiEncodingName(spec)) return openAiTokenizer(spec, files, openAiAssetsDir(files, ctx.assetsDir));
  const st = await files.stat(spec);
  if (!st) {
    const named = /^[a-z0-9_]+$/i.test(spec) ? ` (named tokenizers: ${NAMED_TOKENIZERS.join(', ')})` : '';
    throw new LensError('badFile', `${spec}: no such tokenizer file or folder${named}`);
  }
  let file = spec;
  const kind = kindOf(st);
  if (kind === 'directory') {
    const found = await findTokenizerFile(files, spec);
    if (!found) throw new LensError('badFile', `${spec}: no tokenizer found, expected tokenizer.json, vocab.json or vocab.txt`);
    await checkPicked(files, spec, found, 'a tokenizer file');
    file = found;
  } else if (kind !== 'file') {
    throw new LensError('badFile', `${spec}: is ${describeKind(kind)}, expected a tokenizer file or folder`);
  }
  return loadTokenizerFile(files, file, config.doLowerCase === undefined ? {} : { lowercase: config.doLowerCase });
}

function pickEmbedding(store: TensorStore, config: ModelConfig, configFile: string | undefined): TensorSource {
  if (config.embeddingTensor) {
    const t = store.get(config.embeddingTensor);
    if (!t) throw new LensError('config', `${configFile}: "embedding_tensor" is ${JSON.stringify(config.embeddingTensor)}, but ${store.origin} has no such tensor (it has ${listNames(store)})`);
    return checkMatrix(t);
  }
  for (const n of EMBEDDING_NAMES) {
    const t = store.get(n);
    if (t) return checkMatrix(t);
  }
  const suffixed = store.names().filter(n => WORD_TABLE_SUFFIX.test(n));
  if (suffixed.length === 1) return checkMatrix(store.get(suffixed[0]!)!);
  // A file with a single matrix (a bare .npy or a one-tensor safetensors) needs no name.
  const matrices = store.names().filter(n => store.get(n)!.info.shape.length === 2 && !/weight_(ih|hh)_l\d/.test(n));
  if (matrices.length === 1) return checkMatrix(store.get(matrices[0]!)!);
  throw new LensError('badFile', `${store.origin}: no embedding matrix found; expected a tensor named ${EMBEDDING_NAMES.slice(0, 3).join(', ')}, … or config.json "embedding_tensor" (the file has ${listNames(store)})`);
}

function checkMatrix(t: TensorSource): TensorSource {
  if (t.info.shape.length !== 2) throw new LensError('shape', `${t.info.file}: embedding tensor ${JSON.stringify(t.info.name)} has shape ${shapeString(t.info.shape)}, expected (vocab_size, embedding_dim)`);
  if (t.info.shape[0] === 0 || t.info.shape[1] === 0) {
    throw new LensError('shape', `${t.info.file}: embedding tensor ${JSON.stringify(t.info.name)} has shape ${shapeString(t.info.shape)}, expected (vocab_size, embedding_dim) with at least one row and one column`);
  }
  return t;
}

function listNames(store: TensorStore): string {
  const names = store.names();
  if (names.length === 0) return 'no tensors';
  return names.slice(0, 8).join(', ') + (names.length > 8 ? `, … (${names.length} in all)` : '');
}

async function assemble(ctx: LoadContext, p: Parts): Promise<Model> {
  const { files } = ctx;
  const tokenizer = await loadTokenizerSpec(ctx, p.tokenizerPath, p.config);
  const embedding = pickEmbedding(p.store, p.config, p.configFile);
  const [rows, dim] = embedding.info.shape as [number, number];
  checkVocabFits(tokenizer, embedding, p.config.embeddingTensor && p.configFile ? ` (chosen by ${p.configFile} "embedding_tensor")` : '', p.override);
  const hints: RnnHints[] = [];
  if (p.configFile) {
    const { cell, nonlinearity, hiddenSize, numLayers, bidirectional } = p.config;
    hints.push(stripUndefined({ cell, nonlinearity, hiddenSize, numLayers, bidirectional, source: files.basename(p.configFile) }));
  }
  if (p.options.encoderHints) hints.push(p.options.encoderHints);
  const encoder = await loadRnnWeights(p.store, dim, hints, p.config.encoderPrefix);
  const pad = resolvePad(tokenizer, p.config, p.configFile, rows);
  // The input layer is shown beside the word rows: a model whose layer cannot be read (an
  // ambiguous family, a missing position table) still loads, and says why it has no stages.
  let inputLayer: ReturnType<typeof detectInputLayer>;
  let inputLayerProblem: string | undefined;
  try {
    inputLayer = detectInputLayer(p.store, p.rawConfig, p.configFile);
  } catch (e) {
    if (!(e instanceof LensError)) throw e;
    inputLayerProblem = e.message;
  }
  // The input layer's word table must be the table the rows are read from.
  const layer = inputLayer && inputLayer.word.info.name === embedding.info.name && inputLayer.word.info.file === embedding.info.file ? inputLayer : undefined;
  const modelType = typeof (p.rawConfig as { model_type?: unknown } | undefined)?.model_type === 'string' ? ((p.rawConfig as { model_type: string }).model_type) : undefined;
  return {
    id: p.id,
    name: p.name,
    tokenizer,
    embedding,
    embeddingLabel: { real: true, source: embedding.info.file, tensor: embedding.info.name, dtype: embedding.info.dtype, shape: [rows, dim] },
    encoder: encoder && {
      weights: encoder.weights,
      label: { real: true, source: [...new Set(encoder.files)].join(', '), tensor: `${encoder.prefix}*`, dtype: [...new Set(encoder.dtypes)].join('/') },
    },
    config: p.config,
    pad,
    origin: { format: embedding.info.file.endsWith('.npy') ? 'npy' : 'safetensors', path: p.id, architecture: modelType ?? layer?.modelType, contextLength: layer?.maxPositions },
    ...(layer ? { inputLayer: layer } : {}),
    ...(inputLayerProblem ? { inputLayerProblem } : {}),
    ...(p.override ? { tokenizerOverride: p.override } : {}),
    files: [...new Set([p.tokenizerPath, embedding.info.file, ...(encoder?.files ?? []), ...(layer ? [layer.position, layer.tokenType, layer.layerNorm?.weight, layer.layerNorm?.bias].filter(t => t !== undefined).map(t => t!.info.file) : []), ...(p.configFile ? [p.configFile] : [])])],
  };
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/**
 * Every id the tokenizer can produce must be a row of the table. With an override the message
 * says which tokenizer was given and which it replaced, so the user sees the pairing at fault.
 */
function checkVocabFits(tokenizer: Tokenizer, embedding: TensorSource, chosenBy: string, override?: TokenizerOverride): void {
  const rows = embedding.info.shape[0]!;
  if (tokenizer.vocabSize > rows) {
    const why = override ? `--tokenizer ${override.given} replaces the model's own, ${override.replaces}; give a tokenizer whose ids fit the table, or none` : 'is this the tokenizer of another model?';
    throw new LensError(
      'vocabMismatch',
      `${tokenizer.source} has ids up to ${tokenizer.vocabSize - 1}, but embedding ${JSON.stringify(embedding.info.name)}${chosenBy} in ${embedding.info.file} has only ${rows} rows; expected a table with at least ${tokenizer.vocabSize} rows (${why})`,
    );
  }
}

/**
 * The one-line refusal of a tokenizer for a model whose rows are keyed by its own vocabulary
 * (builtin:seed, GloVe, word-vector files): another tokenizer's ids would pick unrelated rows.
 * The given tokenizer is loaded first, so a bad value gets its own error and the message can
 * name its size; the message says what to run instead.
 */
async function ownVocabularyError(ctx: LoadContext, given: string, model: string, rows: string): Promise<LensError> {
  const tokenizer = await loadTokenizerSpec(ctx, given);
  const n = tokenizer.vocabSize;
  return new LensError(
    'option',
    `--tokenizer ${given}: ${model} cannot take another tokenizer: ${rows}, so ${given}'s ${n} ids would pick unrelated rows; for ${given}'s tokens alone run \`embedding-lens tokenize --tokenizer ${given}\`, to embed them give a model whose table has at least ${n} rows with it (\`inspect --model DIR|FILE.safetensors|FILE.gguf --tokenizer ${given}\`)`,
  );
}

function resolvePad(tokenizer: Tokenizer, config: ModelConfig, configFile: string | undefined, rows: number): Model['pad'] {
  if (config.padTokenId !== undefined) {
    if (config.padTokenId >= rows) throw new LensError('config', `${configFile}: "pad_token_id" is ${config.padTokenId}, but the embedding table has ${rows} rows`);
    const tp = tokenizer.padToken;
    if (tp && tp.id !== config.padTokenId) {
      throw new LensError('config', `${configFile} says "pad_token_id": ${config.padTokenId}, but ${tokenizer.source} declares pad token ${JSON.stringify(tp.text)} with id ${tp.id}`);
    }
    return { id: config.padTokenId, text: tokenizer.idToToken(config.padTokenId) ?? `[${config.padTokenId}]`, source: 'config.json' };
  }
  if (tokenizer.padToken) return { ...tokenizer.padToken, source: 'tokenizer' };
  return undefined;
}

async function loadWordVectors(ctx: LoadContext, path: string, options: LoadOptions): Promise<Model> {
  const { files } = ctx;
  if (options.tokenizer) throw await ownVocabularyError(ctx, options.tokenizer, path, 'its rows are a word-vector file\'s, one per word of its own vocabulary');
  const wv = await openWordVectors(files, path);
  const [rows, dim] = wv.vectors.info.shape as [number, number];
  // Word-vector files rarely have an unknown or pad word; like torchtext, give both a zero row.
  const has = (cands: string[]): boolean => cands.some(c => wv.index.has(c));
  const extraWords: string[] = [];
  if (!has(UNK_CANDIDATES)) extraWords.push('[UNK]');
  if (!has(PAD_CANDIDATES)) extraWords.push('[PAD]');
  const words = [...wv.words, ...extraWords];
  const embedding = extraWords.length ? withExtraRows(wv.vectors, new Float32Array(extraWords.length * dim), 'vectors') : wv.vectors;
  const tokenizer = wordListTokenizer(words, path, `${wv.format} vocabulary`);
  const pad = tokenizer.padToken ? { ...tokenizer.padToken, source: 'tokenizer' as const } : undefined;
  return {
    id: path,
    name: files.basename(path),
    tokenizer,
    embedding,
    embeddingLabel: {
      real: true,
      source: path,
      tensor: `${wv.format} vectors`,
      dtype: 'F32',
      shape: [rows + extraWords.length, dim],
      ...(extraWords.length ? { note: `${extraWords.join(' and ')} added as zero row${extraWords.length > 1 ? 's' : ''} ${rows}${extraWords.length > 1 ? `–${rows + 1}` : ''}: the file has no such word` } : {}),
    },
    config: {},
    pad,
    files: [path],
  };
}

export type { PartLabel };
