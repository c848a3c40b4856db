/**
 * The native encoder: the loaded weights as an in-memory ONNX graph (one RNN / GRU / LSTM node
 * per layer, both directions in one node when bidirectional) run by onnxruntime-node, then the
 * per-step values the panel shows (gates, LSTM c_t) recomputed from the states with two batched
 * GEMMs per layer-direction (X·W_ihᵀ + b_ih and H_prev·W_hhᵀ + b_hh over all steps, also run by
 * onnxruntime) and elementwise work. Node-only: the worker and the CLI inject it through the
 * pipeline's `encoder` option; the core never imports this folder.
 *
 * Exactness: ONNX runs the same float32 recurrence as PyTorch. Pads skipped with packed
 * semantics are handled by running only the real steps [start, end) — for a batch of one that is
 * what pack_padded_sequence does, for left and right padding alike. What ONNX cannot express
 * exactly goes to the TypeScript reference with the reason stated (see `nativeUnsupported`).
 */
import { isLensError, throwIfCancelled } from '../core/errors';
import { noteActivity } from '../core/activity';
import type { Matrix } from '../core/matrix';
import {
  GATE_COUNT,
  rnnLayerInputSize,
  typescriptEncoderBecause,
  validateRnnSpec,
  validateWeights,
  type EncoderEngine,
  type EncoderRun,
  type RnnEncoder,
  type RnnResult,
  type RnnRunOptions,
  type RnnTrace,
  type RnnWeights,
} from '../core/rnn';
import { encodeModel, type GraphSpec, type Initializer, type Node } from './onnxProto';
import { loadOnnxRuntime, type OrtModule } from './ort';

/** The parts of onnxruntime-node we use (typed here so a load failure is a value, not a crash). */
export type { OrtModule };
type Session = import('onnxruntime-node').InferenceSession;

/** Largest ONNX model we build in memory: protobuf messages are limited to 2 GiB. */
export const MAX_NATIVE_MODEL_BYTES = 2 ** 31 - 2 ** 24;

/** Threads for the native encoder: the machine's cores, as many as onnxruntime can use well. */
export const DEFAULT_NATIVE_THREADS = 2;

export interface NativeEncoderOptions {
  /** intraOpNumThreads (default 2). */
  threads?: number;
  /** Loads onnxruntime-node (default: require it); a throw makes every run fall back with the message. */
  load?: () => OrtModule;
  /** Told once per engine choice that differs from the last (e.g. "encoder: native (…)"). */
  log?: (line: string) => void;
}

/** Why these weights/options cannot run natively, or null when they can. */
export function nativeUnsupported(weights: RnnWeights): string | null {
  const { spec } = weights;
  // ONNX RNN's Relu activation is max(0, x); torch.relu keeps NaN where max(0, NaN) gives 0 or
  // NaN depending on the kernel. Rather than rely on that, relu stays on the reference.
  if (spec.cell === 'rnn' && spec.nonlinearity === 'relu') return 'relu nonlinearity: ONNX RNN Relu not verified bit-for-bit, the reference runs it';
  let bytes = 0;
  for (const layer of weights.layers) for (const w of layer) bytes += 4 * (w.wIh.length + w.wHh.length + 2 * (w.bIh?.length ?? w.wHh.length / spec.hiddenSize));
  if (bytes > MAX_NATIVE_MODEL_BYTES) return `weights of ${bytes} bytes exceed the 2 GiB ONNX protobuf limit`;
  return null;
}

/** ONNX's gate order, as PyTorch gate-block indices: GRU z,r,h from r,z,n; LSTM i,o,f,c from i,f,g,o. */
const ONNX_GATE_ORDER = { rnn: [0], gru: [1, 0, 2], lstm: [0, 3, 1, 2] } as const;
const OP_TYPE = { rnn: 'RNN', gru: 'GRU', lstm: 'LSTM' } as const;

/** Copies the G row blocks of a (G·H, cols) matrix into `out` at `offset`, in ONNX gate order. */
function reorderGates(src: Float32Array, cell: keyof typeof ONNX_GATE_ORDER, blockLen: number, out: Float32Array, offset: number): void {
  ONNX_GATE_ORDER[cell].forEach((from, to) => out.set(src.subarray(from * blockLen, (from + 1) * blockLen), offset + to * blockLen));
}

/** The recurrence graph: input x (T, 1, In0), outputs y{l} (T, dirs, 1, H) for every layer. */
export function recurrenceGraph(weights: RnnWeights): GraphSpec {
  const { spec } = weights;
  const H = spec.hiddenSize;
  const G = GATE_COUNT[spec.cell];
  const GH = G * H;
  const dirs = spec.bidirectional ? 2 : 1;
  const nodes: Node[] = [];
  const initializers: Initializer[] = [];
  const outputs = [];
  let input = 'x';
  for (let l = 0; l < spec.numLayers; l++) {
    const In = rnnLayerInputSize(spec, l);
    const W = new Float32Array(dirs * GH * In); // [dirs, G·H, In]
    const R = new Float32Array(dirs * GH * H); // [dirs, G·H, H]
    const B = spec.bias ? new Float32Array(dirs * 2 * GH) : null; // [dirs, 2·G·H] = [Wb; Rb]
    weights.layers[l]!.forEach((w, d) => {
      reorderGates(w.wIh, spec.cell, H * In, W, d * GH * In);
      reorderGates(w.wHh, spec.cell, H * H, R, d * GH * H);
      if (B) {
        reorderGates(w.bIh!, spec.cell, H, B, d * 2 * GH);
        reorderGates(w.bHh!, spec.cell, H, B, d * 2 * GH + GH);
      }
    });
    initializers.push({ name: `W${l}`, dims: [dirs, GH, In], data: W }, { name: `R${l}`, dims: [dirs, GH, H], data: R });
    if (B) initializers.push({ name: `B${l}`, dims: [dirs, 2 * GH], data: B });
    const attributes: Record<string, number | string | string[]> = { hidden_size: H, direction: dirs === 2 ? 'bidirectional' : 'forward' };
    if (spec.cell === 'gru') attributes.linear_before_reset = 1; // PyTorch's GRU: r ⊙ (W_hn h + b_hn)
    if (spec.cell === 'rnn') attributes.activations = dirs === 2 ? ['Tanh', 'Tanh'] : ['Tanh'];
    const y = `y${l}`;
    // LSTM also gives its final cell state Y_c (dirs, 1, H): c_n without recomputing every c_t.
    const lstm = spec.cell === 'lstm';
    nodes.push({ opType: OP_TYPE[spec.cell], inputs: [input, `W${l}`, `R${l}`, B ? `B${l}` : ''], outputs: lstm ? [y, '', `c${l}`] : [y], attributes });
    outputs.push({ name: y, dims: ['T', dirs, 1, H] });
    if (lstm) outputs.push({ name: `c${l}`, dims: [dirs, 1, H] });
    if (l + 1 < spec.numLayers) {
      // (T, dirs, 1, H) → (T, 1, dirs, H) → (T, 1, dirs·H): forward then reverse, as PyTorch concatenates.
      nodes.push({ opType: 'Transpose', inputs: [y], outputs: [`${y}t`], attributes: { perm: [0, 2, 1, 3] } });
      initializers.push({ name: `shape${l}`, dims: [3], data: { int64: [0, 1, dirs * H] } });
      nodes.push({ opType: 'Reshape', inputs: [`${y}t`, `shape${l}`], outputs: [`x${l + 1}`] });
      input = `x${l + 1}`;
    }
  }
  return { name: 'encoder', nodes, initializers, inputs: [{ name: 'x', dims: ['T', 1, spec.inputSize] }], outputs };
}

/** The gate graph of one layer-direction: p = x·W_ihᵀ + b_ih and q = h·W_hhᵀ + b_hh over all steps (PyTorch gate order). */
export function gateGraph(weights: RnnWeights, layer: number, direction: number): GraphSpec {
  const { spec } = weights;
  const w = weights.layers[layer]![direction]!;
  const H = spec.hiddenSize;
  const GH = GATE_COUNT[spec.cell] * H;
  const In = rnnLayerInputSize(spec, layer);
  const initializers: Initializer[] = [
    { name: 'wih', dims: [GH, In], data: w.wIh },
    { name: 'whh', dims: [GH, H], data: w.wHh },
  ];
  if (w.bIh && w.bHh) initializers.push({ name: 'bih', dims: [GH], data: w.bIh }, { name: 'bhh', dims: [GH], data: w.bHh });
  const bias = (name: string): string[] => (w.bIh ? [name] : []);
  return {
    name: `gates_l${layer}_d${direction}`,
    nodes: [
      { opType: 'Gemm', inputs: ['x', 'wih', ...bias('bih')], outputs: ['p'], attributes: { transB: 1 } },
      { opType: 'Gemm', inputs: ['h', 'whh', ...bias('bhh')], outputs: ['q'], attributes: { transB: 1 } },
    ],
    initializers,
    inputs: [{ name: 'x', dims: ['N', In] }, { name: 'h', dims: ['N', H] }],
    outputs: [{ name: 'p', dims: ['N', GH] }, { name: 'q', dims: ['N', GH] }],
  };
}

interface Sessions {
  recurrence: Promise<Session>;
  /** [layer·dirs + direction], made on first use. */
  gates: (Promise<Session> | undefined)[];
}

function loadOrThrow(): OrtModule {
  const loaded = loadOnnxRuntime();
  if ('error' in loaded) throw new Error(loaded.error);
  return loaded.ort;
}

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

/**
 * Makes the native encoder. Sessions are cached per weights object (a WeakMap: dropped with the
 * model); onnxruntime-node is loaded on first use. Anything it cannot run goes to `runRnn`.
 */
export function createNativeEncoder(options: NativeEncoderOptions = {}): RnnEncoder & { engineFor(weights: RnnWeights): EncoderEngine } {
  const threads = options.threads ?? DEFAULT_NATIVE_THREADS;
  const native: EncoderEngine = { kind: 'native', description: `native (onnxruntime, ${threads} thread${threads === 1 ? '' : 's'})` };
  let ort: OrtModule | undefined;
  let loadError: string | undefined;
  const sessions = new WeakMap<RnnWeights, Sessions>();
  let lastLogged = '';

  const runtime = (): OrtModule | undefined => {
    if (ort || loadError) return ort;
    try {
      ort = (options.load ?? loadOrThrow)();
    } catch (e) {
      loadError = `onnxruntime-node could not load: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`;
    }
    return ort;
  };

  const engineFor = (weights: RnnWeights): EncoderEngine => {
    const why = nativeUnsupported(weights) ?? (runtime() ? null : loadError!);
    return why ? { kind: 'typescript', description: `TypeScript (${why})` } : native;
  };

  const log = (engine: EncoderEngine): void => {
    if (options.log && engine.description !== lastLogged) options.log(`encoder: ${engine.description}`);
    lastLogged = engine.description;
  };

  const sessionOptions = (): import('onnxruntime-node').InferenceSession.SessionOptions => ({
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });

  const sessionsFor = (weights: RnnWeights): Sessions => {
    let s = sessions.get(weights);
    if (!s) {
      const bytes = encodeModel(recurrenceGraph(weights));
      s = { recurrence: ort!.InferenceSession.create(bytes, sessionOptions()), gates: [] };
      s.recurrence.catch(() => sessions.delete(weights));
      sessions.set(weights, s);
    }
    return s;
  };

  const gateSession = (weights: RnnWeights, s: Sessions, l: number, d: number): Promise<Session> => {
    const i = l * (weights.spec.bidirectional ? 2 : 1) + d;
    return (s.gates[i] ??= ort!.InferenceSession.create(encodeModel(gateGraph(weights, l, d)), sessionOptions()));
  };

  const encoder = async (weights: RnnWeights, x: Matrix, opts: RnnRunOptions): Promise<EncoderRun> => {
    validateRnnSpec(weights.spec, 'weights.spec');
    validateWeights(weights);
    const engine = engineFor(weights);
    const T = x.rows;
    const start = opts.realRange?.start ?? 0;
    const end = opts.realRange?.end ?? T;
    // Bad shapes and ranges get the reference's messages; an empty run has nothing to speed up.
    const valid = x.cols === weights.spec.inputSize && x.data.length === x.rows * x.cols && Number.isInteger(start) && Number.isInteger(end) && start >= 0 && start < end && end <= T;
    if (engine.kind !== 'native' || !valid) {
      if (engine.kind !== 'native') log(engine);
      return typescriptEncoderBecause(engine.kind === 'native' ? 'empty or invalid input' : engine.description.slice('TypeScript ('.length, -1))(weights, x, opts);
    }
    let result: RnnResult;
    try {
      result = await runNative(ort!, weights, x, start, end, opts, sessionsFor(weights), (l, d) => gateSession(weights, sessionsFor(weights), l, d));
    } catch (e) {
      if (isLensError(e)) throw e; // cancelled
      // onnxruntime refused the graph or failed to run it: the reference still can.
      const why = `onnxruntime failed: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`;
      sessions.delete(weights);
      log({ kind: 'typescript', description: `TypeScript (${why})` });
      return typescriptEncoderBecause(why)(weights, x, opts);
    }
    log(engine);
    return { ...result, engine };
  };
  return Object.assign(encoder, { engineFor });
}

async function runNative(
  ort: OrtModule,
  weights: RnnWeights,
  x: Matrix,
  start: number,
  end: number,
  opts: RnnRunOptions,
  s: Sessions,
  gateSession: (l: number, d: number) => Promise<Session>,
): Promise<RnnResult> {
  const { spec } = weights;
  const cancel = opts.cancel;
  const T = x.rows;
  const N = end - start; // the steps that run
  const H = spec.hiddenSize;
  const G = GATE_COUNT[spec.cell];
  const GH = G * H;
  const L = spec.numLayers;
  const dirs = spec.bidirectional ? 2 : 1;
  const keepGates = (opts.keepGates ?? true) && spec.cell !== 'rnn';
  // LSTM c_t per step needs the gates; without gates and per-step c, c_n comes from ONNX's Y_c.
  const keepC = spec.cell === 'lstm' && (keepGates || (opts.keepCellStates ?? true));
  throwIfCancelled(cancel);
  noteActivity(`running the native encoder (onnxruntime) over ${N} steps`);
  const session = await s.recurrence;
  const xs = x.data.subarray(start * spec.inputSize, end * spec.inputSize); // [N x In] = (N, 1, In)
  const out = await session.run({ x: new ort.Tensor('float32', xs, [N, 1, spec.inputSize]) });
  throwIfCancelled(cancel);

  const hN = new Float32Array(L * dirs * H);
  const cN = spec.cell === 'lstm' ? new Float32Array(L * dirs * H) : null;
  const traces: RnnTrace[] = [];
  let layerIn: Float32Array = xs; // [N x In_l], the real steps only
  let output: Float32Array = new Float32Array(0);
  for (let l = 0; l < L; l++) {
    const y = out[`y${l}`]!.data as Float32Array; // [N x dirs x 1 x H]: row-major, so (N, dirs·H) as it is
    output = y;
    for (let d = 0; d < dirs; d++) {
      const h = new Float32Array(T * H);
      for (let t = 0; t < N; t++) h.set(y.subarray((t * dirs + d) * H, (t * dirs + d + 1) * H), (start + t) * H);
      const order = new Int32Array(N);
      for (let i = 0; i < N; i++) order[i] = d === 0 ? start + i : end - 1 - i;
      const trace: RnnTrace = {
        layer: l,
        direction: d as 0 | 1,
        order,
        h: { rows: T, cols: H, data: h },
        c: keepC ? { rows: T, cols: H, data: new Float32Array(T * H) } : null,
        gates: keepGates ? { rows: T, cols: GH, data: new Float32Array(T * GH) } : null,
      };
      if (keepGates || keepC) {
        throwIfCancelled(cancel);
        noteActivity(`recomputing the gates of layer ${l}${d ? ' (reverse)' : ''} over ${N} steps`);
        await recomputeGates(ort, await gateSession(l, d), spec.cell, H, layerIn, rnnLayerInputSize(spec, l), h, start, end, d, trace);
      }
      const last = d === 0 ? end - 1 : start;
      hN.set(h.subarray(last * H, (last + 1) * H), (l * dirs + d) * H);
      if (cN && trace.c) cN.set(trace.c.data.subarray(last * H, (last + 1) * H), (l * dirs + d) * H);
      else if (cN) cN.set((out[`c${l}`]!.data as Float32Array).subarray(d * H, (d + 1) * H), (l * dirs + d) * H);
      traces.push(trace);
    }
    layerIn = y;
  }
  // The last layer's output over all T steps, zero at skipped steps.
  const full = new Float32Array(T * H * dirs);
  full.set(output, start * H * dirs);
  for (const k of Object.keys(out)) out[k]!.dispose?.();
  return { output: { rows: T, cols: H * dirs, data: full }, hN: { rows: L * dirs, cols: H, data: hN }, cN: cN && { rows: L * dirs, cols: H, data: cN }, traces };
}

/**
 * Gates (and LSTM c_t) of one layer-direction from its inputs and states: two GEMMs over all
 * steps, then elementwise in PyTorch's order and float32 rounding (as runRnn stores them).
 */
async function recomputeGates(
  ort: OrtModule,
  session: Session,
  cell: 'rnn' | 'gru' | 'lstm',
  H: number,
  xs: Float32Array /* [N x In] */,
  In: number,
  h: Float32Array /* [T x H] */,
  start: number,
  end: number,
  d: number,
  trace: RnnTrace,
): Promise<void> {
  const N = end - start;
  const GH = (cell === 'lstm' ? 4 : 3) * H;
  // hPrev[i] is the state before step start+i ran: the row of the step that ran just before it.
  const hPrev = new Float32Array(N * H);
  for (let i = 0; i < N; i++) {
    const t = start + i;
    const prev = d === 0 ? t - 1 : t + 1;
    if (prev >= start && prev < end) hPrev.set(h.subarray(prev * H, (prev + 1) * H), i * H);
  }
  const r = await session.run({ x: new ort.Tensor('float32', xs, [N, In]), h: new ort.Tensor('float32', hPrev, [N, H]) });
  const P = r.p!.data as Float32Array; // [N x G·H]
  const Q = r.q!.data as Float32Array; // [N x G·H]
  const gs = trace.gates?.data; // [T x G·H]
  if (cell === 'gru') {
    for (let i = 0; i < N; i++) {
      const p = i * GH;
      const o = (start + i) * GH;
      for (let j = 0; j < H; j++) {
        const rg = Math.fround(sigmoid(P[p + j]! + Q[p + j]!));
        const z = Math.fround(sigmoid(P[p + H + j]! + Q[p + H + j]!));
        const n = Math.fround(Math.tanh(P[p + 2 * H + j]! + rg * Q[p + 2 * H + j]!));
        if (gs) {
          gs[o + j] = rg;
          gs[o + H + j] = z;
          gs[o + 2 * H + j] = n;
        }
      }
    }
  } else if (cell === 'lstm') {
    const c = trace.c!.data;
    for (let s = 0; s < N; s++) {
      // c_t needs c_{t-1}: visit the steps in the order they ran.
      const i = d === 0 ? s : N - 1 - s;
      const t = start + i;
      const prevT = s === 0 ? -1 : d === 0 ? t - 1 : t + 1;
      const p = i * GH;
      const o = t * GH;
      for (let j = 0; j < H; j++) {
        const ig = Math.fround(sigmoid(P[p + j]! + Q[p + j]!));
        const f = Math.fround(sigmoid(P[p + H + j]! + Q[p + H + j]!));
        const g = Math.fround(Math.tanh(P[p + 2 * H + j]! + Q[p + 2 * H + j]!));
        const og = Math.fround(sigmoid(P[p + 3 * H + j]! + Q[p + 3 * H + j]!));
        c[t * H + j] = Math.fround(f * (prevT < 0 ? 0 : c[prevT * H + j]!) + ig * g);
        if (gs) {
          gs[o + j] = ig;
          gs[o + H + j] = f;
          gs[o + 2 * H + j] = g;
          gs[o + 3 * H + j] = og;
        }
      }
    }
  }
  r.p!.dispose?.();
  r.q!.dispose?.();
}
