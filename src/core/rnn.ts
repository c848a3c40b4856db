/**
 * PyTorch's recurrent encoders (torch.nn.RNN, GRU, LSTM) for one sequence, from a zero state.
 *
 * Weight layout and gate order are PyTorch's, written down once here: `weight_ih_l{k}` is
 * (G·H, In) and `weight_hh_l{k}` is (G·H, H), row-major, with the G gate blocks stacked in the
 * order of GATE_NAMES (GRU r, z, n; LSTM i, f, g, o; an Elman RNN has one block). Layer k > 0
 * reads layer k-1's output, forward and reverse concatenated (In = H·dirs).
 *
 * Numbers: every dot product accumulates in JS doubles; every value PyTorch keeps as float32
 * (input projections, activated gates, c_t, h_t) is stored as float32, so the recurrence sees
 * the same float32 state PyTorch's does.
 */
import { LensError, throwIfCancelled, type CancellationFlag } from './errors';
import { createRng } from './prng';
import type { Matrix } from './matrix';

export type CellType = 'rnn' | 'gru' | 'lstm';
export type Nonlinearity = 'tanh' | 'relu';

/** Gate names per cell, in PyTorch's row order of weight_ih/weight_hh. */
export const GATE_NAMES: Readonly<Record<CellType, readonly string[]>> = {
  rnn: [],
  gru: ['r', 'z', 'n'],
  lstm: ['i', 'f', 'g', 'o'],
};

/** Row blocks G per cell: weight_ih/weight_hh have G·H rows. */
export const GATE_COUNT: Readonly<Record<CellType, number>> = { rnn: 1, gru: 3, lstm: 4 };

/** Every cell type, for validating input. */
export const CELL_TYPES: readonly CellType[] = ['rnn', 'gru', 'lstm'];
/** Every Elman nonlinearity, for validating input. */
export const NONLINEARITIES: readonly Nonlinearity[] = ['tanh', 'relu'];

/** The hyper-parameters of torch.nn.RNN/GRU/LSTM that change the computation. */
export interface RnnSpec {
  cell: CellType;
  /** Elman RNN only ('tanh' for GRU/LSTM, which have no such option). */
  nonlinearity: Nonlinearity;
  inputSize: number;
  hiddenSize: number;
  numLayers: number;
  bidirectional: boolean;
  bias: boolean;
}

/** One layer-direction's parameters, row-major float32, PyTorch's layout. */
export interface RnnDirectionWeights {
  wIh: Float32Array /* (G·H, In_l) */;
  wHh: Float32Array /* (G·H, H) */;
  bIh: Float32Array | null /* (G·H,) */;
  bHh: Float32Array | null /* (G·H,) */;
}

/** A whole encoder: `layers[layer][direction]`, direction 0 forward, 1 reverse. */
export interface RnnWeights {
  spec: RnnSpec;
  layers: RnnDirectionWeights[][];
}

/** How to run the encoder over one sequence. */
export interface RnnRunOptions {
  /** Skip pads (pack_padded_sequence semantics): only steps in [start, end) run; outputs elsewhere are 0; h_n is the state at the last real step of each direction; the reverse direction starts at end-1. Without it, every step runs ("run through" pads). */
  realRange?: { start: number; end: number };
  /** Keep per-step activated gates (for the step-through view). Default true. */
  keepGates?: boolean;
  /** Keep LSTM per-step c_t in the traces. Default true; false lets an engine leave `trace.c` null (c_n is always returned). runRnn keeps them anyway. */
  keepCellStates?: boolean;
  cancel?: CancellationFlag;
}

/** What one layer-direction computed, step by step. */
export interface RnnTrace {
  layer: number;
  direction: 0 | 1;
  /** Time steps in the order they ran (descending for the reverse direction). */
  order: Int32Array;
  /** (T, H): h_t after step t; 0 rows for skipped steps. */
  h: Matrix;
  /** LSTM cell state c_t (T, H); null for RNN/GRU, and may be null when the run asked `keepCellStates: false`. */
  c: Matrix | null;
  /** (T, G·H) activated gates in PyTorch order (GRU r,z,n; LSTM i,f,g,o); null for an Elman RNN (its one "gate" is h_t) or when keepGates is false. */
  gates: Matrix | null;
}

/** The encoder's outputs, shaped as PyTorch returns them for a batch of one (batch axis dropped). */
export interface RnnResult {
  /** (T, H·dirs): the last layer's h_t, forward then reverse. */
  output: Matrix;
  /** (L·dirs, H): final states, layer-major, direction-minor. */
  hN: Matrix;
  /** (L·dirs, H) LSTM final cell states; null for RNN/GRU. */
  cN: Matrix | null;
  /** Index layer·dirs + direction. */
  traces: RnnTrace[];
}

/** Which implementation ran an encoder, for the log, the panel's header and the CLI's JSON. */
export interface EncoderEngine {
  readonly kind: 'native' | 'typescript';
  /** E.g. "native (onnxruntime, 2 threads)" or "TypeScript (relu nonlinearity)". */
  readonly description: string;
}

/** An encoder run and the engine that ran it. */
export interface EncoderRun extends RnnResult {
  readonly engine: EncoderEngine;
}

/**
 * The encoder seam: the pipeline calls one of these. `runRnn` (wrapped by `typescriptEncoder`)
 * is the reference; node-only callers (the worker, the CLI) inject a native one that must give
 * the same RnnResult (src/native; the core never imports it).
 */
export type RnnEncoder = (weights: RnnWeights, x: Matrix, options: RnnRunOptions) => Promise<EncoderRun>;

/** The TypeScript reference as an RnnEncoder; `why` says why it ran instead of a native one. */
export function typescriptEncoderBecause(why?: string): RnnEncoder {
  const engine: EncoderEngine = { kind: 'typescript', description: why ? `TypeScript (${why})` : 'TypeScript' };
  return async (weights, x, options) => ({ ...runRnn(weights, x, options), engine });
}

/** The default encoder: the TypeScript reference. */
export const typescriptEncoder: RnnEncoder = typescriptEncoderBecause();

/** PyTorch's tensor name of one parameter: `${prefix}weight_ih_l0`, `${prefix}bias_hh_l1_reverse`, … */
export function rnnTensorName(prefix: string, kind: RnnParamKind, layer: number, direction: number): string {
  return `${prefix}${kind}_l${layer}${direction === 1 ? '_reverse' : ''}`;
}

/** The four per-layer-direction parameters, in PyTorch's order. */
export type RnnParamKind = 'weight_ih' | 'weight_hh' | 'bias_ih' | 'bias_hh';

/** Input width of `layer`: the embedding width for layer 0, else the previous layer's H·dirs. */
export function rnnLayerInputSize(spec: RnnSpec, layer: number): number {
  return layer === 0 ? spec.inputSize : spec.hiddenSize * (spec.bidirectional ? 2 : 1);
}

/** Throws an `option` LensError when a spec field is not valid (`what` names the argument). */
export function validateRnnSpec(spec: RnnSpec, what = 'spec'): void {
  if (!CELL_TYPES.includes(spec.cell)) throw new LensError('option', `${what}.cell is ${JSON.stringify(spec.cell)}, expected "rnn", "gru" or "lstm"`);
  if (!NONLINEARITIES.includes(spec.nonlinearity)) {
    throw new LensError('option', `${what}.nonlinearity is ${JSON.stringify(spec.nonlinearity)}, expected "tanh" or "relu"`);
  }
  if (spec.cell !== 'rnn' && spec.nonlinearity !== 'tanh') {
    throw new LensError('option', `${what}.nonlinearity is "${spec.nonlinearity}" with cell "${spec.cell}": only an Elman RNN (cell "rnn") has a nonlinearity option`);
  }
  for (const key of ['inputSize', 'hiddenSize', 'numLayers'] as const) {
    const v = spec[key];
    if (!Number.isInteger(v) || v < 1) throw new LensError('option', `${what}.${key} is ${v}, expected a positive integer`);
  }
  for (const key of ['bidirectional', 'bias'] as const) {
    if (typeof spec[key] !== 'boolean') throw new LensError('option', `${what}.${key} is ${JSON.stringify(spec[key])}, expected true or false`);
  }
}

/** Checks every array of `weights` against its spec; a `shape` LensError names the parameter and the expected shape. */
export function validateWeights(weights: RnnWeights): void {
  const { spec } = weights;
  const dirs = spec.bidirectional ? 2 : 1;
  const gh = GATE_COUNT[spec.cell] * spec.hiddenSize;
  const H = spec.hiddenSize;
  if (!Array.isArray(weights.layers) || weights.layers.length !== spec.numLayers) {
    throw new LensError('shape', `weights.layers has ${weights.layers?.length} layers, expected spec.numLayers = ${spec.numLayers}`);
  }
  weights.layers.forEach((layer, l) => {
    if (!Array.isArray(layer) || layer.length !== dirs) {
      throw new LensError('shape', `weights.layers[${l}] has ${layer?.length} directions, expected ${dirs} (bidirectional: ${spec.bidirectional})`);
    }
    const inL = rnnLayerInputSize(spec, l);
    layer.forEach((w, d) => {
      const at = (kind: RnnParamKind, field: string): string => `weights.layers[${l}][${d}].${field} (${rnnTensorName('', kind, l, d)})`;
      const check = (a: Float32Array | null, kind: RnnParamKind, field: string, shape: number[]): void => {
        const n = shape.reduce((p, s) => p * s, 1);
        if (!(a instanceof Float32Array) || a.length !== n) {
          const got = a instanceof Float32Array ? `has ${a.length} values` : `is ${a === null ? 'null' : typeof a}`;
          throw new LensError('shape', `${at(kind, field)} ${got}, expected a Float32Array of shape (${shape.join(', ')}${shape.length === 1 ? ',' : ''}) = ${n} values (${spec.cell}, H = ${H}, layer input ${inL})`);
        }
      };
      check(w.wIh, 'weight_ih', 'wIh', [gh, inL]);
      check(w.wHh, 'weight_hh', 'wHh', [gh, H]);
      if (spec.bias) {
        check(w.bIh, 'bias_ih', 'bIh', [gh]);
        check(w.bHh, 'bias_hh', 'bHh', [gh]);
      } else if (w.bIh !== null || w.bHh !== null) {
        throw new LensError('shape', `${at(w.bIh !== null ? 'bias_ih' : 'bias_hh', w.bIh !== null ? 'bIh' : 'bHh')} is set, but spec.bias is false (expected null)`);
      }
    });
  });
}

/**
 * Runs the encoder over `x` (T, inputSize) from a zero state, as PyTorch does for a batch of one
 * (batch_first, batch axis dropped). Output (T, H·dirs), h_n/c_n (L·dirs, H), a trace per
 * layer-direction.
 */
export function runRnn(weights: RnnWeights, x: Matrix, options: RnnRunOptions = {}): RnnResult {
  const { spec } = weights;
  validateRnnSpec(spec, 'weights.spec');
  validateWeights(weights);
  if (x.cols !== spec.inputSize || x.data.length !== x.rows * x.cols) {
    throw new LensError('shape', `x is (${x.rows}, ${x.cols}) with ${x.data.length} values, expected (T, inputSize) = (T, ${spec.inputSize}) row-major`);
  }
  const T = x.rows;
  let start = 0;
  let end = T;
  if (options.realRange) {
    ({ start, end } = options.realRange);
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || start > end || end > T) {
      throw new LensError('option', `realRange is [${start}, ${end}), expected integers with 0 <= start <= end <= T = ${T}`);
    }
  }
  const keepGates = (options.keepGates ?? true) && spec.cell !== 'rnn';
  const cancel = options.cancel;
  const H = spec.hiddenSize;
  const G = GATE_COUNT[spec.cell];
  const GH = G * H;
  const L = spec.numLayers;
  const dirs = spec.bidirectional ? 2 : 1;

  // Scratch reused by every layer-direction: no allocation inside the time loop.
  const proj = new Float32Array(T * GH); // [T x G·H] W_ih x_t + b_ih
  const hh = new Float64Array(GH); // [G·H] W_hh h_{t-1} + b_hh
  const zeroState = new Float32Array(H);

  const hN = new Float32Array(L * dirs * H);
  const cN = spec.cell === 'lstm' ? new Float32Array(L * dirs * H) : null;
  const traces: RnnTrace[] = [];
  let input: Matrix = x;
  for (let l = 0; l < L; l++) {
    throwIfCancelled(cancel);
    const out = new Float32Array(T * H * dirs); // [T x H·dirs]
    for (let d = 0; d < dirs; d++) {
      const w = weights.layers[l]![d]!;
      inputProjection(input, w.wIh, w.bIh, GH, start, end, proj, cancel);
      const trace: RnnTrace = {
        layer: l,
        direction: d as 0 | 1,
        order: new Int32Array(end - start),
        h: { rows: T, cols: H, data: new Float32Array(T * H) },
        c: spec.cell === 'lstm' ? { rows: T, cols: H, data: new Float32Array(T * H) } : null,
        gates: keepGates ? { rows: T, cols: GH, data: new Float32Array(T * GH) } : null,
      };
      recurrence(spec, w, proj, hh, zeroState, trace, start, end, cancel);
      const hs = trace.h.data;
      for (let t = start; t < end; t++) out.set(hs.subarray(t * H, (t + 1) * H), t * H * dirs + d * H); // [T x H] → columns d·H… of [T x H·dirs]
      if (end > start) {
        const last = d === 0 ? end - 1 : start; // where this direction stopped
        hN.set(hs.subarray(last * H, (last + 1) * H), (l * dirs + d) * H);
        if (cN) cN.set(trace.c!.data.subarray(last * H, (last + 1) * H), (l * dirs + d) * H);
      }
      traces.push(trace);
    }
    input = { rows: T, cols: H * dirs, data: out };
  }
  return {
    output: input,
    hN: { rows: L * dirs, cols: H, data: hN },
    cN: cN && { rows: L * dirs, cols: H, data: cN },
    traces,
  };
}

/**
 * proj[t, j] = b_ih[j] + Σ_k x[t, k] · W_ih[j, k] for t in [start, end): one GEMM over all steps,
 * so the recurrence only does the W_hh half. W_ih is row-major (G·H, In), so both operands of
 * each dot product are contiguous; the loop takes W in L2-sized row blocks and a 4-step × 2-row
 * register tile, reusing each loaded x and w value several times.
 */
function inputProjection(
  x: Matrix,
  W: Float32Array,
  b: Float32Array | null,
  GH: number,
  start: number,
  end: number,
  proj: Float32Array,
  cancel: CancellationFlag | undefined,
): void {
  const In = x.cols;
  const X = x.data; // [T x In]
  const P = proj; // [T x G·H]
  const rowBlock = Math.max(2, Math.floor(32768 / Math.max(In, 1)) & ~1); // ~128 KiB of W rows per block
  for (let j0 = 0; j0 < GH; j0 += rowBlock) {
    throwIfCancelled(cancel);
    const j1 = Math.min(j0 + rowBlock, GH);
    let t = start;
    for (; t + 4 <= end; t += 4) {
      const x0 = t * In;
      const x1 = x0 + In;
      const x2 = x1 + In;
      const x3 = x2 + In;
      let j = j0;
      for (; j + 2 <= j1; j += 2) {
        const w0 = j * In;
        const w1 = w0 + In;
        let a00 = 0, a01 = 0, a10 = 0, a11 = 0, a20 = 0, a21 = 0, a30 = 0, a31 = 0;
        for (let k = 0; k < In; k++) { // [4 x In] · [In x 2]
          const wa = W[w0 + k]!;
          const wb = W[w1 + k]!;
          const xa = X[x0 + k]!;
          const xb = X[x1 + k]!;
          const xc = X[x2 + k]!;
          const xd = X[x3 + k]!;
          a00 += xa * wa; a01 += xa * wb;
          a10 += xb * wa; a11 += xb * wb;
          a20 += xc * wa; a21 += xc * wb;
          a30 += xd * wa; a31 += xd * wb;
        }
        const ba = b ? b[j]! : 0;
        const bb = b ? b[j + 1]! : 0;
        const p = t * GH + j;
        P[p] = a00 + ba; P[p + 1] = a01 + bb;
        P[p + GH] = a10 + ba; P[p + GH + 1] = a11 + bb;
        P[p + 2 * GH] = a20 + ba; P[p + 2 * GH + 1] = a21 + bb;
        P[p + 3 * GH] = a30 + ba; P[p + 3 * GH + 1] = a31 + bb;
      }
      for (; j < j1; j++) {
        const w0 = j * In;
        let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        for (let k = 0; k < In; k++) { // [4 x In] · [In]
          const wa = W[w0 + k]!;
          a0 += X[x0 + k]! * wa; a1 += X[x1 + k]! * wa; a2 += X[x2 + k]! * wa; a3 += X[x3 + k]! * wa;
        }
        const bj = b ? b[j]! : 0;
        P[t * GH + j] = a0 + bj; P[(t + 1) * GH + j] = a1 + bj; P[(t + 2) * GH + j] = a2 + bj; P[(t + 3) * GH + j] = a3 + bj;
      }
    }
    for (; t < end; t++) {
      const x0 = t * In;
      for (let j = j0; j < j1; j++) {
        const w0 = j * In;
        let a = 0;
        for (let k = 0; k < In; k++) a += X[x0 + k]! * W[w0 + k]!; // [In] · [In]
        P[t * GH + j] = a + (b ? b[j]! : 0);
      }
    }
  }
}

/** hh = W_hh h + b_hh: a (G·H, H) row-major matrix times a vector, 4 rows per pass over h. */
function hiddenProjection(W: Float32Array, b: Float32Array | null, h: Float32Array, hOffset: number, H: number, GH: number, hh: Float64Array): void {
  let j = 0;
  for (; j + 4 <= GH; j += 4) {
    const w0 = j * H;
    const w1 = w0 + H;
    const w2 = w1 + H;
    const w3 = w2 + H;
    let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    for (let k = 0; k < H; k++) { // [4 x H] · [H]
      const hk = h[hOffset + k]!;
      a0 += W[w0 + k]! * hk;
      a1 += W[w1 + k]! * hk;
      a2 += W[w2 + k]! * hk;
      a3 += W[w3 + k]! * hk;
    }
    hh[j] = a0; hh[j + 1] = a1; hh[j + 2] = a2; hh[j + 3] = a3;
  }
  for (; j < GH; j++) {
    const w0 = j * H;
    let a = 0;
    for (let k = 0; k < H; k++) a += W[w0 + k]! * h[hOffset + k]!;
    hh[j] = a;
  }
  if (b) for (let i = 0; i < GH; i++) hh[i] = hh[i]! + b[i]!;
}

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

/** Runs one layer-direction's steps over the precomputed input projections, filling `trace`. */
function recurrence(
  spec: RnnSpec,
  w: RnnDirectionWeights,
  proj: Float32Array,
  hh: Float64Array,
  zeroState: Float32Array,
  trace: RnnTrace,
  start: number,
  end: number,
  cancel: CancellationFlag | undefined,
): void {
  const H = spec.hiddenSize;
  const GH = GATE_COUNT[spec.cell] * H;
  const hs = trace.h.data; // [T x H]
  const cs = trace.c?.data; // [T x H]
  const gs = trace.gates?.data; // [T x G·H]
  const reverse = trace.direction === 1;
  const relu = spec.nonlinearity === 'relu';
  for (let s = 0; s < end - start; s++) {
    throwIfCancelled(cancel);
    const t = reverse ? end - 1 - s : start + s;
    trace.order[s] = t;
    // The previous state is the row of the step that ran just before (none for the first step).
    const prevT = s === 0 ? -1 : reverse ? t + 1 : t - 1;
    const hPrev = prevT < 0 ? zeroState : hs;
    const hOff = prevT < 0 ? 0 : prevT * H;
    hiddenProjection(w.wHh, w.bHh, hPrev, hOff, H, GH, hh);
    const p = t * GH; // row t of [T x G·H]
    const o = t * H; // row t of [T x H]
    switch (spec.cell) {
      case 'rnn':
        for (let j = 0; j < H; j++) {
          const v = proj[p + j]! + hh[j]!;
          hs[o + j] = relu ? (v < 0 ? 0 : v) : Math.tanh(v); // relu keeps NaN, as torch.relu does
        }
        break;
      case 'gru':
        for (let j = 0; j < H; j++) {
          const r = Math.fround(sigmoid(proj[p + j]! + hh[j]!));
          const z = Math.fround(sigmoid(proj[p + H + j]! + hh[H + j]!));
          const n = Math.fround(Math.tanh(proj[p + 2 * H + j]! + r * hh[2 * H + j]!));
          hs[o + j] = (1 - z) * n + z * hPrev[hOff + j]!;
          if (gs) {
            gs[p + j] = r;
            gs[p + H + j] = z;
            gs[p + 2 * H + j] = n;
          }
        }
        break;
      case 'lstm': {
        const c = cs!;
        const cOff = prevT < 0 ? -1 : prevT * H;
        for (let j = 0; j < H; j++) {
          const i = Math.fround(sigmoid(proj[p + j]! + hh[j]!));
          const f = Math.fround(sigmoid(proj[p + H + j]! + hh[H + j]!));
          const g = Math.fround(Math.tanh(proj[p + 2 * H + j]! + hh[2 * H + j]!));
          const og = Math.fround(sigmoid(proj[p + 3 * H + j]! + hh[3 * H + j]!));
          const cPrev = cOff < 0 ? 0 : c[cOff + j]!;
          const cNew = Math.fround(f * cPrev + i * g);
          c[o + j] = cNew;
          hs[o + j] = og * Math.tanh(cNew);
          if (gs) {
            gs[p + j] = i;
            gs[p + H + j] = f;
            gs[p + 2 * H + j] = g;
            gs[p + 3 * H + j] = og;
          }
        }
        break;
      }
    }
  }
}

/** PyTorch's default init: every weight and bias ~ U(-1/sqrt(H), 1/sqrt(H)), drawn from createRng(seed) in PyTorch's parameter order (weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, then the _reverse ones, then l1 …). */
export function randomRnnWeights(spec: RnnSpec, seed: number): RnnWeights {
  validateRnnSpec(spec);
  const rng = createRng(seed);
  const bound = 1 / Math.sqrt(spec.hiddenSize);
  const gh = GATE_COUNT[spec.cell] * spec.hiddenSize;
  const fill = (n: number): Float32Array => {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = rng.uniform(-bound, bound);
    return a;
  };
  const layers: RnnDirectionWeights[][] = [];
  for (let l = 0; l < spec.numLayers; l++) {
    const layer: RnnDirectionWeights[] = [];
    for (let d = 0; d < (spec.bidirectional ? 2 : 1); d++) {
      // Object literal fields evaluate in order: ih, hh, b_ih, b_hh, PyTorch's order.
      layer.push({
        wIh: fill(gh * rnnLayerInputSize(spec, l)),
        wHh: fill(gh * spec.hiddenSize),
        bIh: spec.bias ? fill(gh) : null,
        bHh: spec.bias ? fill(gh) : null,
      });
    }
    layers.push(layer);
  }
  return { spec: { ...spec }, layers };
}

/** Weights as PyTorch-named float32 tensors (for export and for writing test files): rnn.weight_ih_l0, … with a given prefix. */
export function rnnWeightTensors(weights: RnnWeights, prefix: string): { name: string; shape: number[]; data: Float32Array }[] {
  const { spec } = weights;
  validateWeights(weights);
  const gh = GATE_COUNT[spec.cell] * spec.hiddenSize;
  const out: { name: string; shape: number[]; data: Float32Array }[] = [];
  weights.layers.forEach((layer, l) =>
    layer.forEach((w, d) => {
      out.push({ name: rnnTensorName(prefix, 'weight_ih', l, d), shape: [gh, rnnLayerInputSize(spec, l)], data: w.wIh });
      out.push({ name: rnnTensorName(prefix, 'weight_hh', l, d), shape: [gh, spec.hiddenSize], data: w.wHh });
      if (w.bIh) out.push({ name: rnnTensorName(prefix, 'bias_ih', l, d), shape: [gh], data: w.bIh });
      if (w.bHh) out.push({ name: rnnTensorName(prefix, 'bias_hh', l, d), shape: [gh], data: w.bHh });
    }),
  );
  return out;
}
