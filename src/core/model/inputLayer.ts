/**
 * The transformer's input layer (issue 11 item 3): the embeddings a BERT / RoBERTa / DistilBERT /
 * GPT-2-style Hugging Face model feeds its first block, computed as the model computes them, as
 * stages the panel can show next to the bare word rows.
 *
 *   word        W_word[ids]                                   (every family)
 *   + position  word + W_pos[position_ids]                    (absolute positions)
 *   + type      word + W_type[type_ids] + W_pos[position_ids] (BERT, RoBERTa: type ids 0 unless given)
 *   LayerNorm   LayerNorm(last sum; eps)                      (BERT, RoBERTa, DistilBERT; not GPT-2)
 *
 * Rules (transformers v4.x source, as the torch fixture script scripts/fixtures/input_layer.py
 * rebuilds them):
 * - BERT (BertEmbeddings): position ids 0..T-1 whatever the padding; `inputs_embeds +
 *   token_type_embeddings`, then `+= position_embeddings`, then LayerNorm with config
 *   `layer_norm_eps` (BertConfig default 1e-12). `position_embedding_type` other than "absolute"
 *   adds no position rows at the input (relative positions live in attention).
 * - RoBERTa, XLM-RoBERTa, CamemBERT (RobertaEmbeddings): as BERT, but position ids come from
 *   `create_position_ids_from_input_ids`: pads (id == config `pad_token_id`, default 1) get
 *   `padding_idx`, real tokens count up from `padding_idx + 1`, skipping pads (left or right).
 * - DistilBERT (Embeddings): word + position (0..T-1), LayerNorm with eps 1e-12 (a constant in
 *   the model; its config has no eps key). No token types.
 * - GPT-2 (GPT2Model): wte + wpe with position ids 0..T-1; no LayerNorm at the input.
 * Sums are rounded to float32 after each addition in the model's own order (so "+ type" equals
 * PyTorch's sum bit for bit); LayerNorm is computed in double and rounded once.
 *
 * API
 *   detectInputLayer(store, config, configFile?) → InputLayer | undefined
 *       `config` is config.json's parsed object (or undefined). Undefined when the model is not one
 *       of these families (no model_type we know and no telling tensor names): show word rows only.
 *       Throws a LensError naming the tensor / config key when it is one but something is missing
 *       or contradicts the tensors.
 *   loadInputLayer(files, dir) → Promise<InputLayer | undefined>
 *       The same for a model folder: reads dir/config.json and model.safetensors (or its index).
 *   layer.positionIds(ids) → Int32Array        the position ids the model uses for this sequence
 *   layer.compute(ids, { tokenTypeIds? }) → Promise<InputStage[]>
 *       One (T, E) float32 matrix per stage, in order, each with the tensor names it came from.
 *       Errors: an id beyond the word table, T beyond `max_position_embeddings` / `n_positions`,
 *       a type id beyond `type_vocab_size`.
 *
 * Not wired into the pipeline yet (src/core/pipeline.ts shows the word rows only).
 */
import { checkPicked } from '../containment';
import { LensError } from '../errors';
import { readText, type FileAccess } from '../fileAccess';
import { openSafetensors, openShardedSafetensors } from '../formats/safetensors';
import { parseJsonFile } from '../safeJson';
import { shapeString, type TensorSource, type TensorStore } from '../tensors';
import type { PartLabel } from './model';

/** How a family builds its input: which rules of the module comment apply. */
export type InputLayerFamily = 'bert' | 'roberta' | 'distilbert' | 'gpt2';

export type InputStageName = 'word' | '+ position' | '+ type' | 'LayerNorm';

/** One stage of the input layer for one sequence. */
export interface InputStage {
  readonly name: InputStageName;
  /** `(rows, cols)` = `(T, E)`, row-major. */
  readonly data: Float32Array;
  readonly rows: number;
  readonly cols: number;
  /** The tensors this stage adds (e.g. `bert.embeddings.position_embeddings.weight`). */
  readonly added: readonly string[];
  /** Every tensor the stage's numbers came from, this one's and earlier stages'. */
  readonly tensors: readonly string[];
  /** For the "real: file, tensor" label next to the numbers. */
  readonly label: PartLabel;
}

export interface ComputeOptions {
  /** Segment ids (BERT pairs); zeros when absent, as HF's `token_type_ids` buffer. */
  readonly tokenTypeIds?: ArrayLike<number>;
}

export interface InputLayer {
  readonly family: InputLayerFamily;
  /** config.json's `model_type` as written, or the family when inferred from tensor names. */
  readonly modelType: string;
  /** The tensor-name prefix (`bert.`, `roberta.`, `transformer.`, `` …). */
  readonly prefix: string;
  /** Embedding width E. */
  readonly dim: number;
  /** Rows of the position table: position ids must be below this. */
  readonly maxPositions: number;
  /** LayerNorm epsilon, undefined when the family has no input LayerNorm. */
  readonly eps?: number;
  /** RoBERTa's padding_idx (the pad id whose position is padding_idx). */
  readonly paddingIdx?: number;
  readonly word: TensorSource;
  readonly position?: TensorSource;
  readonly tokenType?: TensorSource;
  readonly layerNorm?: { readonly weight: TensorSource; readonly bias: TensorSource };
  /** The stage names compute() returns, in order. */
  readonly stageNames: readonly InputStageName[];
  positionIds(ids: ArrayLike<number>): Int32Array;
  compute(ids: ArrayLike<number>, options?: ComputeOptions): Promise<InputStage[]>;
}

type Json = Record<string, unknown>;

/** A Map, not an object: config.json is the user's file, and "__proto__" must not be a model type. */
const MODEL_TYPES: ReadonlyMap<string, InputLayerFamily> = new Map([
  ['bert', 'bert'],
  ['roberta', 'roberta'],
  ['xlm-roberta', 'roberta'],
  ['camembert', 'roberta'],
  ['distilbert', 'distilbert'],
  ['gpt2', 'gpt2'],
]);

/** Hugging Face's checkpoint prefixes per family, preferred first ('' = the bare base model). */
const PREFIXES: Readonly<Record<InputLayerFamily, readonly string[]>> = {
  bert: ['bert.', ''],
  roberta: ['roberta.', ''],
  distilbert: ['distilbert.', ''],
  gpt2: ['transformer.', ''],
};

const WORD_SUFFIX = 'embeddings.word_embeddings.weight';

/** Config defaults of transformers' config classes, used when config.json leaves a key out. */
const DEFAULT_EPS = 1e-12; // BertConfig / RobertaConfig layer_norm_eps; DistilBERT's constant
const DEFAULT_ROBERTA_PAD = 1; // RobertaConfig pad_token_id

/**
 * The input layer of a BERT/RoBERTa/DistilBERT/GPT-2-style model, or undefined for other models.
 * `config` is config.json's parsed value (undefined when there is none); `configFile` names it in
 * messages.
 */
export function detectInputLayer(store: TensorStore, config: unknown, configFile = 'config.json'): InputLayer | undefined {
  const cfg: Json = typeof config === 'object' && config !== null && !Array.isArray(config) ? (config as Json) : {};
  const cfgName = config === undefined ? 'config.json (absent)' : configFile;
  const found = findFamily(store, cfg, cfgName);
  if (!found) return undefined;
  const { family, modelType, prefix } = found;
  const get = (name: string): TensorSource | undefined => store.get(name);
  const need = (name: string, why: string): TensorSource => {
    const t = get(name);
    if (!t) throw new LensError('badFile', `${store.origin}: no tensor ${JSON.stringify(name)}, expected it for ${why} (${modelType}; ${tensorList(store)})`);
    return t;
  };

  const wordName = family === 'gpt2' ? `${prefix}wte.weight` : `${prefix}${WORD_SUFFIX}`;
  const word = matrix(need(wordName, 'the word embeddings'));
  const dim = word.info.shape[1]!;
  const dimKey = family === 'gpt2' ? 'n_embd' : family === 'distilbert' ? 'dim' : 'hidden_size';
  const dimConfig = intKey(cfg, dimKey, cfgName, 1);
  if (dimConfig !== undefined && dimConfig !== dim) {
    throw new LensError('config', `${cfgName}: "${dimKey}" is ${dimConfig}, but ${JSON.stringify(wordName)} in ${word.info.file} has shape ${shapeString(word.info.shape)}; expected (vocab_size, ${dimConfig})`);
  }
  const vocabConfig = intKey(cfg, 'vocab_size', cfgName, 1);
  if (vocabConfig !== undefined && vocabConfig !== word.info.shape[0]) {
    throw new LensError('config', `${cfgName}: "vocab_size" is ${vocabConfig}, but ${JSON.stringify(wordName)} in ${word.info.file} has ${word.info.shape[0]} rows; expected them to agree`);
  }

  // Positions: absolute unless BERT/RoBERTa say otherwise.
  let absolute = true;
  if (family === 'bert' || family === 'roberta') {
    const pet = cfg.position_embedding_type;
    if (pet !== undefined && pet !== null) {
      if (typeof pet !== 'string') throw new LensError('config', `${cfgName}: "position_embedding_type" is ${JSON.stringify(pet)}, expected "absolute", "relative_key" or "relative_key_query"`);
      absolute = pet === 'absolute';
    }
  }
  const posName = family === 'gpt2' ? `${prefix}wpe.weight` : `${prefix}embeddings.position_embeddings.weight`;
  const posKey = family === 'gpt2' ? 'n_positions' : 'max_position_embeddings';
  let position: TensorSource | undefined;
  let maxPositions = 0;
  if (absolute) {
    position = matrix(need(posName, 'the absolute position embeddings'));
    sameWidth(position, dim, wordName);
    maxPositions = position.info.shape[0]!;
    const stated = intKey(cfg, posKey, cfgName, 1);
    if (stated !== undefined && stated !== maxPositions) {
      throw new LensError('config', `${cfgName}: "${posKey}" is ${stated}, but ${JSON.stringify(posName)} in ${position.info.file} has ${maxPositions} rows; expected them to agree`);
    }
  }

  let tokenType: TensorSource | undefined;
  if (family === 'bert' || family === 'roberta') {
    const typeName = `${prefix}embeddings.token_type_embeddings.weight`;
    const stated = intKey(cfg, 'type_vocab_size', cfgName, 0);
    // type_vocab_size 0 means no token-type table; otherwise HF always builds one.
    if (stated !== 0) {
      tokenType = matrix(need(typeName, 'the token type embeddings'));
      sameWidth(tokenType, dim, wordName);
      if (stated !== undefined && stated !== tokenType.info.shape[0]) {
        throw new LensError('config', `${cfgName}: "type_vocab_size" is ${stated}, but ${JSON.stringify(typeName)} in ${tokenType.info.file} has ${tokenType.info.shape[0]} rows; expected them to agree`);
      }
    }
  }

  let layerNorm: InputLayer['layerNorm'];
  let eps: number | undefined;
  if (family !== 'gpt2') {
    const base = `${prefix}embeddings.LayerNorm.`;
    // Old TensorFlow-converted checkpoints name the affine parameters gamma/beta.
    const weight = get(`${base}weight`) ?? get(`${base}gamma`) ?? need(`${base}weight`, 'the input LayerNorm');
    const bias = get(`${base}bias`) ?? get(`${base}beta`) ?? need(`${base}bias`, 'the input LayerNorm');
    for (const t of [weight, bias]) {
      if (t.info.shape.length !== 1 || t.info.shape[0] !== dim) {
        throw new LensError('shape', `${t.info.file}: tensor ${JSON.stringify(t.info.name)} has shape ${shapeString(t.info.shape)}, expected (${dim}) like the embedding width of ${JSON.stringify(wordName)}`);
      }
    }
    layerNorm = { weight, bias };
    if (family === 'distilbert') eps = DEFAULT_EPS;
    else {
      const v = cfg.layer_norm_eps;
      if (v === undefined || v === null) eps = DEFAULT_EPS;
      else if (typeof v === 'number' && Number.isFinite(v) && v >= 0) eps = v;
      else throw new LensError('config', `${cfgName}: "layer_norm_eps" is ${JSON.stringify(v)}, expected a number ≥ 0`);
    }
  }

  let paddingIdx: number | undefined;
  if (family === 'roberta' && position) {
    paddingIdx = intKey(cfg, 'pad_token_id', cfgName, 0) ?? DEFAULT_ROBERTA_PAD;
    if (paddingIdx >= maxPositions) {
      throw new LensError('config', `${cfgName}: "pad_token_id" is ${paddingIdx}, but RoBERTa uses it as a position id and ${JSON.stringify(posName)} has only ${maxPositions} rows`);
    }
  }

  const stageNames: InputStageName[] = ['word'];
  if (position) stageNames.push('+ position');
  if (tokenType) stageNames.push('+ type');
  if (layerNorm) stageNames.push('LayerNorm');

  const positionIds = (ids: ArrayLike<number>): Int32Array => {
    const T = ids.length;
    const out = new Int32Array(T);
    if (paddingIdx !== undefined) {
      // create_position_ids_from_input_ids: cumsum of the non-pad mask, times the mask, + padding_idx.
      let count = 0;
      for (let i = 0; i < T; i++) {
        if (ids[i] === paddingIdx) out[i] = paddingIdx;
        else out[i] = ++count + paddingIdx;
      }
    } else {
      for (let i = 0; i < T; i++) out[i] = i;
    }
    return out;
  };

  const layer: InputLayer = {
    family,
    modelType,
    prefix,
    dim,
    maxPositions,
    ...(eps !== undefined ? { eps } : {}),
    ...(paddingIdx !== undefined ? { paddingIdx } : {}),
    word,
    ...(position ? { position } : {}),
    ...(tokenType ? { tokenType } : {}),
    ...(layerNorm ? { layerNorm } : {}),
    stageNames,
    positionIds,
    async compute(ids, options = {}) {
      const T = ids.length;
      const E = dim;
      const vocab = word.info.shape[0]!;
      for (let i = 0; i < T; i++) {
        const id = ids[i]!;
        if (!Number.isInteger(id) || id < 0 || id >= vocab) {
          throw new LensError('vocabMismatch', `token ${i} has id ${id}, but ${JSON.stringify(word.info.name)} in ${word.info.file} has ${vocab} rows; expected ids 0…${vocab - 1}`);
        }
      }
      const stages: InputStage[] = [];
      const used: string[] = [];
      const stage = (name: InputStageName, data: Float32Array, added: TensorSource[], note?: string): void => {
        const names = added.map(t => t.info.name);
        used.push(...names);
        const files = [...new Set(added.map(t => t.info.file))];
        const dtypes = [...new Set(added.map(t => t.info.dtype))];
        stages.push({
          name,
          data,
          rows: T,
          cols: E,
          added: names,
          tensors: [...used],
          label: { real: true, source: files.join(', '), tensor: names.join(' + '), dtype: dtypes.join('/'), shape: [T, E], ...(note ? { note } : {}) },
        });
      };

      const w = await word.readRows(ids);
      stage('word', w, [word]);

      let pos: Float32Array | undefined;
      let pids: Int32Array | undefined;
      if (position) {
        pids = positionIds(ids);
        let top = -1;
        for (let i = 0; i < T; i++) if (pids[i]! > top) top = pids[i]!;
        if (top >= maxPositions) {
          const limit = maxPositions - (paddingIdx !== undefined ? paddingIdx + 1 : 0);
          throw new LensError(
            'shape',
            `${T} tokens need position id ${top}, but ${JSON.stringify(position.info.name)} has ${maxPositions} rows (${cfgName} "${posKey}"); expected at most ${limit} ${paddingIdx !== undefined ? 'non-pad ' : ''}tokens (lower the max length)`,
          );
        }
        pos = await position.readRows(pids);
        const sum = new Float32Array(T * E);
        for (let k = 0; k < sum.length; k++) sum[k] = w[k]! + pos[k]!;
        const note = paddingIdx !== undefined ? `position ids ${paddingIdx + 1}… skipping pads (pad_token_id ${paddingIdx} → ${paddingIdx})` : 'position ids 0…T-1';
        stage('+ position', sum, [position], note);
      }

      let last = stages[stages.length - 1]!.data;
      if (tokenType) {
        const typeRows = tokenType.info.shape[0]!;
        const tids = new Int32Array(T);
        if (options.tokenTypeIds) {
          if (options.tokenTypeIds.length !== T) {
            throw new LensError('option', `token type ids: ${options.tokenTypeIds.length} given for ${T} tokens; expected one per token`);
          }
          for (let i = 0; i < T; i++) {
            const t = options.tokenTypeIds[i]!;
            if (!Number.isInteger(t) || t < 0 || t >= typeRows) {
              throw new LensError('option', `token type id ${t} at token ${i}, but ${JSON.stringify(tokenType.info.name)} has ${typeRows} rows (${cfgName} "type_vocab_size"); expected 0…${typeRows - 1}`);
            }
            tids[i] = t;
          }
        }
        const ty = await tokenType.readRows(tids);
        // HF's order: (inputs_embeds + token_type_embeddings) + position_embeddings.
        const sum = new Float32Array(T * E);
        for (let k = 0; k < sum.length; k++) sum[k] = w[k]! + ty[k]!;
        if (pos) for (let k = 0; k < sum.length; k++) sum[k] = sum[k]! + pos[k]!;
        stage('+ type', sum, [tokenType], options.tokenTypeIds ? 'token type ids as given' : 'token type ids 0');
        last = sum;
      } else if (options.tokenTypeIds) {
        throw new LensError('option', `token type ids: ${modelType} has no token type embeddings at its input`);
      }

      if (layerNorm && eps !== undefined) {
        const g = await layerNorm.weight.readAll();
        const b = await layerNorm.bias.readAll();
        const out = new Float32Array(T * E);
        for (let i = 0; i < T; i++) {
          const o = i * E;
          let mean = 0;
          for (let j = 0; j < E; j++) mean += last[o + j]!;
          mean /= E;
          let v = 0;
          for (let j = 0; j < E; j++) {
            const d = last[o + j]! - mean;
            v += d * d;
          }
          const inv = 1 / Math.sqrt(v / E + eps);
          for (let j = 0; j < E; j++) out[o + j] = (last[o + j]! - mean) * inv * g[j]! + b[j]!;
        }
        stage('LayerNorm', out, [layerNorm.weight, layerNorm.bias], `eps ${eps}${family === 'distilbert' ? ' (DistilBERT\'s constant)' : cfg.layer_norm_eps === undefined ? ' (default)' : ` (${cfgName} "layer_norm_eps")`}`);
      }
      return stages;
    },
  };
  return layer;
}

/**
 * The input layer of a model folder: its config.json (optional) and model.safetensors or
 * model.safetensors.index.json. Undefined when the folder has neither tensors nor a family we know.
 */
export async function loadInputLayer(files: FileAccess, dir: string): Promise<InputLayer | undefined> {
  const names = await files.list(dir);
  let config: unknown;
  const configFile = files.join(dir, 'config.json');
  if (names.includes('config.json')) {
    await checkPicked(files, dir, configFile, 'a config.json file');
    config = parseJsonFile(await readText(files, configFile), configFile);
  }
  let store: TensorStore;
  if (names.includes('model.safetensors.index.json')) {
    const p = files.join(dir, 'model.safetensors.index.json');
    await checkPicked(files, dir, p, 'a shard index');
    store = await openShardedSafetensors(files, p);
  } else if (names.includes('model.safetensors')) {
    const p = files.join(dir, 'model.safetensors');
    await checkPicked(files, dir, p, 'a .safetensors file');
    store = await openSafetensors(files, p);
  } else {
    return undefined;
  }
  return detectInputLayer(store, config, configFile);
}

/** The family, from config.json's model_type first, else from telling tensor names. */
function findFamily(store: TensorStore, cfg: Json, cfgName: string): { family: InputLayerFamily; modelType: string; prefix: string } | undefined {
  const names = store.names();
  const mt = cfg.model_type;
  if (mt !== undefined && mt !== null && typeof mt !== 'string') throw new LensError('config', `${cfgName}: "model_type" is ${JSON.stringify(mt)}, expected a string`);
  if (typeof mt === 'string') {
    const family = MODEL_TYPES.get(mt.toLowerCase());
    if (!family) return undefined; // another architecture: its input is the word rows (or not ours to compute)
    const prefix = PREFIXES[family].find(p => store.get(family === 'gpt2' ? `${p}wte.weight` : `${p}${WORD_SUFFIX}`));
    if (prefix === undefined) {
      const expected = PREFIXES[family].map(p => (family === 'gpt2' ? `${p}wte.weight` : `${p}${WORD_SUFFIX}`));
      throw new LensError('badFile', `${store.origin}: ${cfgName} says "model_type": ${JSON.stringify(mt)}, but there is no tensor ${expected.map(e => JSON.stringify(e)).join(' or ')} (${tensorList(store)})`);
    }
    return { family, modelType: mt, prefix };
  }
  // No model_type: only names that leave no doubt about the position rule.
  for (const family of ['bert', 'roberta', 'distilbert'] as const) {
    if (store.get(`${family}.${WORD_SUFFIX}`)) return { family, modelType: family, prefix: `${family}.` };
  }
  for (const prefix of PREFIXES.gpt2) if (store.get(`${prefix}wte.weight`) && store.get(`${prefix}wpe.weight`)) return { family: 'gpt2', modelType: 'gpt2', prefix };
  const bare = names.find(n => n.endsWith(WORD_SUFFIX));
  if (bare) {
    // BERT counts positions from 0, RoBERTa from pad_token_id + 1: the names alone cannot say which.
    throw new LensError('config', `${cfgName}: no "model_type", and ${JSON.stringify(bare)} could be BERT, RoBERTa or DistilBERT, which count positions differently; expected "model_type": "bert", "roberta" or "distilbert"`);
  }
  return undefined;
}

function intKey(cfg: Json, key: string, cfgName: string, min: number): number | undefined {
  const v = cfg[key];
  if (v === undefined || v === null) return undefined;
  if (!Number.isInteger(v) || (v as number) < min) throw new LensError('config', `${cfgName}: "${key}" is ${JSON.stringify(v)}, expected an integer ≥ ${min}`);
  return v as number;
}

function matrix(t: TensorSource): TensorSource {
  if (t.info.shape.length !== 2 || t.info.shape[0] === 0 || t.info.shape[1] === 0) {
    throw new LensError('shape', `${t.info.file}: tensor ${JSON.stringify(t.info.name)} has shape ${shapeString(t.info.shape)}, expected (rows, embedding_dim) with at least one row`);
  }
  return t;
}

function sameWidth(t: TensorSource, dim: number, wordName: string): void {
  if (t.info.shape[1] !== dim) {
    throw new LensError('shape', `${t.info.file}: tensor ${JSON.stringify(t.info.name)} has shape ${shapeString(t.info.shape)}, expected (${t.info.shape[0]}, ${dim}) like ${JSON.stringify(wordName)}`);
  }
}

function tensorList(store: TensorStore): string {
  const names = store.names();
  if (names.length === 0) return 'the file has no tensors';
  return `the file has ${names.slice(0, 6).join(', ')}${names.length > 6 ? `, … (${names.length} in all)` : ''}`;
}
