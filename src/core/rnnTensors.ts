/**
 * Finding a PyTorch RNN/GRU/LSTM among a checkpoint's tensors: PyTorch's names
 * (`<prefix>weight_ih_l{k}[_reverse]`, …) and shapes say everything except the Elman
 * nonlinearity, so hints (config.json, command-line flags) are only checked against the files.
 */
import { LensError } from './errors';
import {
  CELL_TYPES,
  GATE_COUNT,
  NONLINEARITIES,
  rnnLayerInputSize,
  rnnTensorName,
  type CellType,
  type Nonlinearity,
  type RnnDirectionWeights,
  type RnnParamKind,
  type RnnSpec,
  type RnnWeights,
} from './rnn';
import { FLOAT_DTYPES, isFloatDType, shapeString, type TensorSource, type TensorStore } from './tensors';

/** What a config file or the command line says about the encoder; every stated field must match the files. */
export interface RnnHints {
  cell?: CellType;
  nonlinearity?: Nonlinearity;
  hiddenSize?: number;
  numLayers?: number;
  bidirectional?: boolean;
  /**
   * Where the hints come from, for messages: a file ("config.json") whose keys are named, or the
   * command line ("--cell", "the command line"), whose flags are named. A source that is not a
   * `.json` file is read as flags, so a value is never blamed on a key nobody wrote (nor the reverse).
   */
  source: string;
}

/** `weight_hr` is LSTM's proj_size projection, which we recognise only to refuse it. */
const PARAM_RE = /^(.*)(weight_ih|weight_hh|bias_ih|bias_hh|weight_hr)_l(\d+)(_reverse)?$/;

interface ParsedName {
  prefix: string;
  kind: RnnParamKind | 'weight_hr';
  layer: number;
  direction: 0 | 1;
}

function parseName(name: string): ParsedName | undefined {
  const m = PARAM_RE.exec(name);
  if (!m) return undefined;
  const prefix = m[1]!;
  // PyTorch joins module names with '.', so anything else ("my_weight_ih_l0") is not an RNN parameter.
  if (prefix !== '' && !prefix.endsWith('.')) return undefined;
  return { prefix, kind: m[2] as ParsedName['kind'], layer: Number(m[3]), direction: m[4] ? 1 : 0 };
}

/** The last path segment, as messages show files. */
function fileName(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] || path;
}

const prefixLabel = (prefix: string): string => (prefix === '' ? 'with no prefix' : `under "${prefix}"`);

/** Finds tensors named <prefix>weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k} (and _reverse) under ONE prefix ('' allowed, e.g. 'rnn.', 'encoder.lstm.'); undefined when there are none. Two different prefixes → LensError('config') listing both and asking for config.json "encoder_prefix". A `preferred` prefix (config.json "encoder_prefix") must match, else LensError('config'). */
export function findRnnPrefix(store: TensorStore, preferred?: string): string | undefined {
  const byPrefix = new Map<string, string[]>();
  for (const name of store.names()) {
    const parsed = parseName(name);
    if (!parsed) continue;
    const list = byPrefix.get(parsed.prefix);
    if (list) list.push(name);
    else byPrefix.set(parsed.prefix, [name]);
  }
  const describe = (): string =>
    [...byPrefix].map(([p, names]) => `"${p}" (${names.slice(0, 2).join(', ')}${names.length > 2 ? ', …' : ''})`).join(' and ');
  const file = fileName(store.origin);
  if (preferred !== undefined) {
    if (byPrefix.has(preferred)) return preferred;
    throw new LensError(
      'config',
      `"encoder_prefix" is "${preferred}", but ${file} has no RNN tensors under it (expected "${preferred}weight_ih_l0" …); ` +
        (byPrefix.size ? `it has RNN tensors under ${describe()}` : 'it has no RNN tensors at all'),
    );
  }
  if (byPrefix.size === 0) return undefined;
  if (byPrefix.size === 1) return [...byPrefix.keys()][0]!;
  throw new LensError(
    'config',
    `${file} holds RNN tensors under ${byPrefix.size} prefixes: ${describe()}; set "encoder_prefix" in config.json to the one to use`,
  );
}

/** Field → config.json key and command-line flag, for messages. */
const HINT_NAMES = {
  cell: { key: 'cell', flag: '--cell' },
  nonlinearity: { key: 'nonlinearity', flag: '--nonlinearity' },
  hiddenSize: { key: 'hidden_size', flag: '--hidden-size' },
  numLayers: { key: 'num_layers', flag: '--layers' },
  bidirectional: { key: 'bidirectional', flag: '--bidirectional' },
} as const;

type HintField = keyof typeof HINT_NAMES;

/** `config.json says "cell": "gru"` or `--cell gru was given`. */
function said(hint: RnnHints, field: HintField): string {
  const value = hint[field];
  if (!/\.json$/i.test(hint.source)) {
    const { flag } = HINT_NAMES[field];
    return `${value === true ? flag : `${flag} ${String(value)}`} was given`;
  }
  return `${hint.source} says "${HINT_NAMES[field].key}": ${JSON.stringify(value)}`;
}

const CELL_WORDS: Readonly<Record<CellType, string>> = { rnn: 'an Elman RNN (cell "rnn")', gru: 'a GRU', lstm: 'an LSTM' };
const ROW_WORDS: Readonly<Record<number, string>> = { 1: 'H rows', 3: '3·H rows', 4: '4·H rows' };

/** Throws a `config` LensError when a hint states something invalid in itself. */
function checkHintValues(hint: RnnHints): void {
  const bad = (field: HintField, expected: string): never => {
    throw new LensError('config', `${said(hint, field)}: expected ${expected}`);
  };
  if (hint.cell !== undefined && !CELL_TYPES.includes(hint.cell)) bad('cell', '"rnn", "gru" or "lstm"');
  if (hint.nonlinearity !== undefined && !NONLINEARITIES.includes(hint.nonlinearity)) bad('nonlinearity', '"tanh" or "relu"');
  for (const f of ['hiddenSize', 'numLayers'] as const) {
    const v = hint[f];
    if (v !== undefined && (!Number.isInteger(v) || v < 1)) bad(f, 'a positive integer');
  }
  if (hint.bidirectional !== undefined && typeof hint.bidirectional !== 'boolean') bad('bidirectional', 'true or false');
}

/** Reads and validates the encoder: cell and H from shapes (weight_hh is (G·H, H); G = 1, 3, 4 → rnn, gru, lstm), layers = number of l{k}, bidirectional from _reverse, bias from the presence of bias tensors. Every hint must agree with the files, else LensError('config', message naming BOTH sides, e.g. `config.json says "cell": "gru", but rnn.weight_hh_l0 in model.safetensors is (32, 8): 4·H rows, an LSTM`). inputSize must equal weight_ih_l0's columns, else LensError('shape') naming the tensor, its shape and the embedding width. Missing pieces (weight_hh_l1 absent while l2 exists, a _reverse missing for one layer, bias_ih without bias_hh) → LensError('shape') naming the tensor. nonlinearity comes only from hints (default 'tanh'); a nonlinearity hint with a GRU/LSTM is an error, and so are two hints that disagree on it. `dtypes` is parallel to `tensors` (PyTorch's parameter order); `files` lists each file once. */
export async function loadRnnWeights(
  store: TensorStore,
  inputSize: number,
  hints: readonly RnnHints[],
  prefix?: string,
): Promise<{ weights: RnnWeights; prefix: string; tensors: string[]; dtypes: string[]; files: string[] } | undefined> {
  const p = findRnnPrefix(store, prefix);
  if (p === undefined) return undefined;
  const origin = fileName(store.origin);

  // 1. What is there, by name alone.
  const present = new Map<string, TensorSource>();
  let maxLayer = -1;
  let maxLayerName = '';
  let firstReverse: string | undefined;
  let firstBias: string | undefined;
  for (const name of store.names()) {
    const parsed = parseName(name);
    if (!parsed || parsed.prefix !== p) continue;
    if (parsed.kind === 'weight_hr') {
      throw new LensError('unsupported', `${origin}: tensor "${name}" is an LSTM projection (proj_size > 0), which Embedding Lens does not run; expected an encoder without proj_size`);
    }
    const source = store.get(name);
    if (!source) continue;
    present.set(name, source);
    if (parsed.layer > maxLayer) {
      maxLayer = parsed.layer;
      maxLayerName = name;
    }
    if (parsed.direction === 1) firstReverse ??= name;
    if (parsed.kind.startsWith('bias')) firstBias ??= name;
  }
  const numLayers = maxLayer + 1;
  const bidirectional = firstReverse !== undefined;
  const bias = firstBias !== undefined;
  const dirs = bidirectional ? 2 : 1;

  const kinds: RnnParamKind[] = bias ? ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh'] : ['weight_ih', 'weight_hh'];
  const where = (t: TensorSource): string => `"${t.info.name}" in ${fileName(t.info.file)} is ${shapeString(t.info.shape)}`;
  const required: { name: string; kind: RnnParamKind; layer: number; direction: number; source: TensorSource }[] = [];
  for (let l = 0; l < numLayers; l++) {
    for (let d = 0; d < dirs; d++) {
      for (const kind of kinds) {
        const name = rnnTensorName(p, kind, l, d);
        const source = present.get(name);
        if (!source) {
          const because =
            kind.startsWith('bias') && present.has(rnnTensorName(p, kind === 'bias_ih' ? 'bias_hh' : 'bias_ih', l, d))
              ? `"${rnnTensorName(p, kind === 'bias_ih' ? 'bias_hh' : 'bias_ih', l, d)}" is there (PyTorch saves both biases or neither)`
              : kind.startsWith('bias')
                ? `the encoder has biases ("${firstBias}"), and PyTorch saves them for every layer and direction`
                : d === 1
                  ? `the encoder is bidirectional ("${firstReverse}"), and every layer has a _reverse direction`
                  : `the encoder has ${numLayers} layer${numLayers === 1 ? '' : 's'} ("${maxLayerName}"), and every layer has weight_ih and weight_hh`;
          throw new LensError('shape', `${origin}: tensor "${name}" is missing, but ${because}`);
        }
        required.push({ name, kind, layer: l, direction: d, source });
      }
    }
  }

  // 2. Cell and hidden size from weight_hh_l0: (G·H, H).
  const hh0 = present.get(rnnTensorName(p, 'weight_hh', 0, 0))!;
  const hh0Shape = hh0.info.shape;
  const H = hh0Shape.length === 2 ? hh0Shape[1]! : 0;
  const G = H > 0 && hh0Shape[0]! % H === 0 ? hh0Shape[0]! / H : 0;
  const cell = (Object.keys(GATE_COUNT) as CellType[]).find(c => GATE_COUNT[c] === G);
  if (!cell) {
    throw new LensError(
      'shape',
      `${where(hh0)}, expected (G·H, H) with G·H = H, 3·H or 4·H rows (Elman RNN, GRU, LSTM)` +
        (hh0Shape.length === 2 && H > 0 ? `; ${hh0Shape[0]} rows is none of ${H}, ${3 * H}, ${4 * H}` : ''),
    );
  }
  const GH = G * H;

  // 3. Hints against the files, before the finer shape checks: a wrong config explains more.
  let nonlinearity: Nonlinearity | undefined;
  let nonlinearityHint: RnnHints | undefined;
  for (const hint of hints) {
    checkHintValues(hint);
    const cellFact = `${where(hh0)}: ${ROW_WORDS[G]}, ${CELL_WORDS[cell]}`;
    if (hint.cell !== undefined && hint.cell !== cell) throw new LensError('config', `${said(hint, 'cell')}, but ${cellFact}`);
    if (hint.hiddenSize !== undefined && hint.hiddenSize !== H) {
      throw new LensError('config', `${said(hint, 'hiddenSize')}, but ${where(hh0)}: H = ${H}`);
    }
    if (hint.numLayers !== undefined && hint.numLayers !== numLayers) {
      throw new LensError(
        'config',
        `${said(hint, 'numLayers')}, but ${origin} has ${numLayers} layer${numLayers === 1 ? '' : 's'} ${prefixLabel(p)} (${rnnTensorName(p, 'weight_ih', 0, 0)}${numLayers > 1 ? ` … ${rnnTensorName(p, 'weight_ih', numLayers - 1, 0)}` : ''})`,
      );
    }
    if (hint.bidirectional !== undefined && hint.bidirectional !== bidirectional) {
      throw new LensError(
        'config',
        `${said(hint, 'bidirectional')}, but ${origin} ` +
          (bidirectional ? `has "${firstReverse}": the encoder is bidirectional` : `has no "${rnnTensorName(p, 'weight_ih', 0, 1)}": the encoder is unidirectional`),
      );
    }
    if (hint.nonlinearity !== undefined) {
      if (cell !== 'rnn') {
        throw new LensError('config', `${said(hint, 'nonlinearity')}, but ${cellFact}, which has no nonlinearity option (only cell "rnn" has tanh/relu)`);
      }
      if (nonlinearityHint && nonlinearity !== hint.nonlinearity) {
        throw new LensError('config', `${said(nonlinearityHint, 'nonlinearity')}, but ${said(hint, 'nonlinearity')}; state one nonlinearity`);
      }
      nonlinearity = hint.nonlinearity;
      nonlinearityHint = hint;
    }
  }

  // 4. Every tensor's shape and dtype.
  const spec: RnnSpec = { cell, nonlinearity: nonlinearity ?? 'tanh', inputSize, hiddenSize: H, numLayers, bidirectional, bias };
  for (const { kind, layer, source } of required) {
    const shape = source.info.shape;
    const inL = rnnLayerInputSize(spec, layer);
    const cellRows = `${ROW_WORDS[G]} for ${CELL_WORDS[cell]} with H = ${H}`;
    if (kind === 'bias_ih' || kind === 'bias_hh') {
      if (shape.length !== 1 || shape[0] !== GH) throw new LensError('shape', `${where(source)}, expected (${GH},): ${cellRows}`);
    } else if (shape.length !== 2 || shape[0] !== GH) {
      const cols = kind === 'weight_hh' ? H : inL;
      throw new LensError('shape', `${where(source)}, expected ${shapeString([GH, cols])}: ${cellRows}`);
    } else if (kind === 'weight_hh' && shape[1] !== H) {
      throw new LensError('shape', `${where(source)}, expected ${shapeString([GH, H])} like "${hh0.info.name}" (H = ${H})`);
    } else if (kind === 'weight_ih' && shape[1] !== inL) {
      throw new LensError(
        'shape',
        layer === 0
          ? `${where(source)}: its ${shape[1]} columns must equal the embedding width ${inputSize} (the encoder reads the embedding rows); expected ${shapeString([GH, inputSize])}`
          : `${where(source)}: its ${shape[1]} columns must equal layer ${layer - 1}'s output width H·dirs = ${inL}; expected ${shapeString([GH, inL])}`,
      );
    }
    if (!isFloatDType(source.info.dtype)) {
      throw new LensError('dtype', `"${source.info.name}" in ${fileName(source.info.file)} is ${source.info.dtype}, expected a float tensor (${FLOAT_DTYPES.join(', ')})`);
    }
  }

  // 5. Read (all at once: a file store serves each with one ranged read).
  const data = await Promise.all(required.map(r => r.source.readAll()));
  const layers: RnnDirectionWeights[][] = [];
  required.forEach((r, i) => {
    const layer = (layers[r.layer] ??= []);
    const w = (layer[r.direction] ??= { wIh: new Float32Array(0), wHh: new Float32Array(0), bIh: null, bHh: null });
    const values = data[i]!;
    if (r.kind === 'weight_ih') w.wIh = values;
    else if (r.kind === 'weight_hh') w.wHh = values;
    else if (r.kind === 'bias_ih') w.bIh = values;
    else w.bHh = values;
  });
  return {
    weights: { spec, layers },
    prefix: p,
    tensors: required.map(r => r.name),
    dtypes: required.map(r => r.source.info.dtype),
    files: [...new Set(required.map(r => r.source.info.file))],
  };
}
