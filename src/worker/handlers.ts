// The worker's request handlers: pure functions of the core plus a model cache. The transport
// (worker_threads) is in main.ts, so these run in unit tests without a thread.
import { assertNever, LensError, type CancellationFlag } from '../core/errors';
import type { Matrix } from '../core/matrix';
import { loadModel, loadTokenizerSpec, type LoadContext } from '../core/model/loadModel';
import type { Model, PartLabel } from '../core/model/model';
import { nearestByCosine, unitTable, type UnitTable } from '../core/neighbours';
import { pca2 } from '../core/pca';
import { inspectText, type InspectResult } from '../core/pipeline';
import { createRng } from '../core/prng';
import { randomRnnWeights, rnnWeightTensors, type RnnResult } from '../core/rnn';
import { exportFiles } from './exportFiles';
import type { Token, Tokenizer } from '../core/tokenizers/types';
import type {
  EncodeReply,
  MatrixWire,
  ModelRef,
  ModelSummary,
  PartLabelWire,
  ProjectReply,
  RnnRunWire,
  TokensWire,
  VectorsReply,
  WorkerReplies,
  WorkerRequest,
} from '../shared/workerProtocol';

/** Seed of the vocabulary sample a projection may add (stated wherever the sample is shown). */
const VOCAB_SAMPLE_SEED = 7;

/** A handler's answer: the result and the buffers to transfer with it. */
export interface Handled<T> {
  readonly result: T;
  readonly transfer: ArrayBuffer[];
}

interface CachedModel {
  readonly model: Model;
  /** mtime of each of the model's files when it was loaded. */
  readonly stamps: readonly (number | undefined)[];
  table?: Promise<UnitTable>;
}

/** Owns the loaded models (cached by path + mtime) and answers requests. */
export class WorkerHandlers {
  private readonly models = new Map<string, Promise<CachedModel>>();
  private readonly tokenizers = new Map<string, Promise<Tokenizer>>();

  constructor(private readonly ctx: LoadContext) {}

  /** Answers one request. Errors are LensErrors (or bugs) for the transport to report. */
  async handle<K extends WorkerRequest['type']>(request: Extract<WorkerRequest, { type: K }>, cancel?: CancellationFlag): Promise<Handled<WorkerReplies[K]>> {
    const r = request as WorkerRequest;
    switch (r.type) {
      case 'loadModel':
        return { result: summarize((await this.model(r.ref)).model) as WorkerReplies[K], transfer: [] };
      case 'encode':
        return (await this.encode(r.ref, r.text, r, cancel)) as Handled<WorkerReplies[K]>;
      case 'tokenize': {
        // Counting and boundaries need only the tokenizer: a tokenizer chosen on its own works
        // even when its ids do not fit the model's table.
        const tokenizer = r.ref.tokenizer ? await this.tokenizer(r.ref.tokenizer) : (await this.model(r.ref)).model.tokenizer;
        const tokens = tokensWire(tokenizer.encode(r.text, { cancel }));
        return { result: { tokens, tokenizer: tokenizer.description } as WorkerReplies[K], transfer: [tokens.ids, tokens.starts, tokens.ends, tokens.special] };
      }
      case 'vectors':
        return (await this.vectors(r.ref, r.ids, r.k, cancel)) as Handled<WorkerReplies[K]>;
      case 'explain': {
        const { model } = await this.model(r.ref);
        if (!model.tokenizer.explain) throw new LensError('unsupported', `${model.tokenizer.description} cannot replay its steps`);
        return { result: model.tokenizer.explain(r.text, r.start, r.end) as WorkerReplies[K], transfer: [] };
      }
      case 'project':
        return (await this.project(r.ref, r.matrix, r.vocabSample, cancel)) as Handled<WorkerReplies[K]>;
      case 'export': {
        const e = r.result.encoder;
        // A random encoder is re-made from its spec and seed so the export carries its weights.
        const weights = e.real || e.seed === null ? null : { tensors: rnnWeightTensors(randomRnnWeights({ cell: e.cell, nonlinearity: e.nonlinearity, inputSize: e.inputSize, hiddenSize: e.hiddenSize, numLayers: e.numLayers, bidirectional: e.bidirectional, bias: true }, e.seed), 'encoder.') };
        const files = exportFiles(r.result, r.format, weights).map(f => ({ suffix: f.suffix, bytes: exact(f.bytes) }));
        return { result: { files } as unknown as WorkerReplies[K], transfer: files.map(f => f.bytes) };
      }
      default:
        return assertNever(r, 'request');
    }
  }

  /** A tokenizer on its own (by name or path), cached like models. */
  private tokenizer(spec: string): Promise<Tokenizer> {
    let t = this.tokenizers.get(spec);
    if (!t) {
      t = loadTokenizerSpec(this.ctx, spec);
      this.tokenizers.set(spec, t);
      t.catch(() => this.tokenizers.delete(spec));
    }
    return t;
  }

  /** A model from the cache, reloaded when one of its files changed on disk. */
  private async model(ref: ModelRef): Promise<CachedModel> {
    const key = `${ref.model}\u0000${ref.tokenizer ?? ''}`;
    const cached = this.models.get(key);
    if (cached) {
      try {
        const c = await cached;
        const now = await Promise.all(c.model.files.map(f => this.ctx.files.stat(f).then(s => s?.mtimeMs)));
        if (now.every((t, i) => t === c.stamps[i])) return c;
      } catch {
        // A failed load is not cached: try again below.
      }
      this.models.delete(key);
    }
    const loading = (async (): Promise<CachedModel> => {
      const model = await loadModel(this.ctx, ref.model, ref.tokenizer ? { tokenizer: ref.tokenizer } : {});
      const stamps = await Promise.all(model.files.map(f => this.ctx.files.stat(f).then(s => s?.mtimeMs)));
      return { model, stamps };
    })();
    this.models.set(key, loading);
    loading.catch(() => this.models.delete(key));
    return loading;
  }

  private async encode(ref: ModelRef, text: string, req: Extract<WorkerRequest, { type: 'encode' }>, cancel?: CancellationFlag): Promise<Handled<EncodeReply>> {
    const t0 = Date.now();
    const { model } = await this.model(ref);
    const o = req.options;
    const options = {
      maxLength: o.maxLength ?? undefined,
      paddingSide: o.paddingSide,
      truncationSide: o.truncationSide,
      skipPadding: o.skipPadding ?? false,
      addSpecialTokens: o.addSpecialTokens,
      random: o.random,
      keepGates: req.keepGates,
      cancel,
    };
    const result = await inspectText(model, text, options);
    // The other pad treatment, for the side-by-side step-through, when there are pads at all.
    const hasPads = result.tokens.length < result.inputIds.length;
    const other = hasPads ? await inspectText(model, text, { ...options, skipPadding: !options.skipPadding }) : null;
    const transfer: ArrayBuffer[] = [];
    const reply = encodeReply(model, result, other, transfer);
    return { result: { ...reply, elapsedMs: Date.now() - t0 }, transfer };
  }

  private async unitTable(c: CachedModel, cancel?: CancellationFlag): Promise<UnitTable> {
    if (!c.table) {
      const [rows, cols] = c.model.embedding.info.shape as [number, number];
      c.table = c.model.embedding.readAll().then(data => unitTable(data, rows, cols));
      c.table.catch(() => (c.table = undefined));
    }
    void cancel;
    return c.table;
  }

  private async vectors(ref: ModelRef, ids: readonly number[], k: number, cancel?: CancellationFlag): Promise<Handled<VectorsReply>> {
    const c = await this.model(ref);
    const { model } = c;
    const dim = model.embedding.info.shape[1]!;
    const rows = await model.embedding.readRows(ids);
    const table = k > 0 ? await this.unitTable(c, cancel) : undefined;
    const neighbours = ids.map((id, i) => {
      if (!table) return [];
      const query = rows.subarray(i * dim, (i + 1) * dim);
      return nearestByCosine(table, query, k, new Set([id]), cancel).map(n => ({ id: n.id, cosine: n.cosine, text: model.tokenizer.idToToken(n.id) ?? `[${n.id}]` }));
    });
    const norms = ids.map((_, i) => {
      let s = 0;
      for (let c2 = 0; c2 < dim; c2++) s += rows[i * dim + c2]! ** 2;
      return Math.sqrt(s);
    });
    const buffer = exact(rows);
    return { result: { dim, rows: buffer, norms, neighbours, random: ids.map(id => model.isRandomRow?.(id) ?? false) }, transfer: [buffer] };
  }

  private async project(ref: ModelRef, m: MatrixWire, vocabSample: number, cancel?: CancellationFlag): Promise<Handled<ProjectReply>> {
    const c = await this.model(ref);
    let data = new Float32Array(m.data);
    let rows = m.rows;
    let sample: ProjectReply['sample'] = null;
    if (vocabSample > 0 && c.model.embedding.info.shape[1] === m.cols) {
      // A seeded sample of the vocabulary, stated as a sample wherever it is shown.
      const V = c.model.embedding.info.shape[0]!;
      const n = Math.min(vocabSample, V);
      const rng = createRng(VOCAB_SAMPLE_SEED);
      const picked = new Set<number>();
      while (picked.size < n) picked.add(Math.floor(rng.next() * V));
      const ids = [...picked].sort((a, b) => a - b);
      const extra = await c.model.embedding.readRows(ids);
      const all = new Float32Array(data.length + extra.length);
      all.set(data);
      all.set(extra, data.length);
      data = all;
      rows += ids.length;
      sample = { ids, texts: ids.map(id => c.model.tokenizer.idToToken(id) ?? `[${id}]`), of: V, seed: VOCAB_SAMPLE_SEED };
    }
    const p = pca2({ rows, cols: m.cols, data }, { cancel });
    const points = exact(p.points);
    return { result: { points, explained: p.explained, sample }, transfer: [points] };
  }
}

/** An exact-size ArrayBuffer holding the view's bytes (copies only when the view is partial). */
function exact(view: Float32Array | Int32Array | Uint8Array): ArrayBuffer {
  // (Uint8Array views of a larger buffer — e.g. file bytes — are copied to an exact-size buffer.)
  if (view.byteOffset === 0 && view.byteLength === view.buffer.byteLength && view.buffer instanceof ArrayBuffer) return view.buffer;
  return view.slice().buffer as ArrayBuffer;
}

function matrixWire(m: Matrix, transfer: ArrayBuffer[]): MatrixWire {
  // Copy: the same matrix may be referenced twice (h_n rows are views into traces).
  const data = m.data.slice().buffer as ArrayBuffer;
  transfer.push(data);
  return { rows: m.rows, cols: m.cols, data };
}

function tokensWire(tokens: readonly Token[]): TokensWire {
  const n = tokens.length;
  const ids = new Int32Array(n);
  const starts = new Int32Array(n);
  const ends = new Int32Array(n);
  const special = new Uint8Array(n);
  tokens.forEach((t, i) => {
    ids[i] = t.id;
    starts[i] = t.start;
    ends[i] = t.end;
    special[i] = t.special ? 1 : 0;
  });
  return { count: n, ids: ids.buffer, starts: starts.buffer, ends: ends.buffer, special: special.buffer, texts: tokens.map(t => t.text) };
}

function rnnWire(rnn: RnnResult, skipPadding: boolean, transfer: ArrayBuffer[]): RnnRunWire {
  return {
    skipPadding,
    output: matrixWire(rnn.output, transfer),
    hN: matrixWire(rnn.hN, transfer),
    cN: rnn.cN ? matrixWire(rnn.cN, transfer) : null,
    traces: rnn.traces.map(t => {
      const order = exact(t.order.slice());
      transfer.push(order);
      return {
        layer: t.layer,
        direction: t.direction,
        order,
        h: matrixWire(t.h, transfer),
        c: t.c ? matrixWire(t.c, transfer) : null,
        gates: t.gates ? matrixWire(t.gates, transfer) : null,
      };
    }),
  };
}

function labelWire(l: PartLabel): PartLabelWire {
  return { real: l.real, source: l.source, tensor: l.tensor, dtype: l.dtype, shape: l.shape ? [...l.shape] : undefined, note: l.note };
}

/** What a model is, for the host and the panel. */
export function summarize(model: Model): ModelSummary {
  const [rows, dim] = model.embedding.info.shape as [number, number];
  const enc = model.encoder;
  return {
    id: model.id,
    name: model.name,
    tokenizer: { description: model.tokenizer.description, source: model.tokenizer.source, vocabSize: model.tokenizer.vocabSize },
    embedding: { ...labelWire(model.embeddingLabel), rows, dim },
    encoder: enc
      ? {
          ...labelWire(enc.label),
          cell: enc.weights.spec.cell,
          nonlinearity: enc.weights.spec.nonlinearity,
          inputSize: enc.weights.spec.inputSize,
          hiddenSize: enc.weights.spec.hiddenSize,
          numLayers: enc.weights.spec.numLayers,
          bidirectional: enc.weights.spec.bidirectional,
        }
      : null,
    pad: model.pad ? { ...model.pad } : null,
    defaults: { maxLength: model.config.maxLength ?? null, paddingSide: model.config.paddingSide ?? null },
  };
}

function encodeReply(model: Model, r: InspectResult, other: InspectResult | null, transfer: ArrayBuffer[]): Omit<EncodeReply, 'elapsedMs'> {
  const tokens = tokensWire(r.tokens);
  const positions = exact(r.tokenPositions.slice());
  const inputIds = exact(r.inputIds.slice());
  const attentionMask = exact(r.attentionMask.slice());
  transfer.push(tokens.ids, tokens.starts, tokens.ends, tokens.special, positions, inputIds, attentionMask);
  const spec = r.encoder.spec;
  return {
    model: summarize(model),
    text: r.text,
    tokens,
    positions,
    truncated: r.truncated,
    inputIds,
    attentionMask,
    embeddings: matrixWire(r.embeddings, transfer),
    encoder: {
      cell: spec.cell,
      nonlinearity: spec.nonlinearity,
      inputSize: spec.inputSize,
      hiddenSize: spec.hiddenSize,
      numLayers: spec.numLayers,
      bidirectional: spec.bidirectional,
      bias: spec.bias,
      real: r.encoder.real,
      label: labelWire(r.encoder.label),
      seed: r.encoder.seed ?? null,
    },
    options: { ...r.options },
    rnn: rnnWire(r.rnn, r.options.skipPadding, transfer),
    rnnOther: other ? rnnWire(other.rnn, other.options.skipPadding, transfer) : null,
  };
}
