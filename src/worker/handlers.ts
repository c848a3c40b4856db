// The worker's request handlers: pure functions of the core plus a model cache. The transport
// (worker_threads) is in main.ts, so these run in unit tests without a thread.
import { noteActivity } from '../core/activity';
import { assertNever, isLensError, LensError, throwIfCancelled, type CancellationFlag } from '../core/errors';
import { discoverModels, type Discovery } from '../core/discovery';
import type { ByteRange, FileAccess, FileStat } from '../core/fileAccess';
import type { Matrix } from '../core/matrix';
import { loadModel, loadTokenizerSpec, type LoadContext } from '../core/model/loadModel';
import type { Model, PartLabel } from '../core/model/model';
import { NeighbourIndex, typescriptScan, type NeighbourScan } from '../core/neighbourIndex';
import { onnxScan } from '../native/scan';
import { pca2 } from '../core/pca';
import { inspectText, type InspectResult } from '../core/pipeline';
import { createRng } from '../core/prng';
import { randomRnnWeights, rnnWeightTensors, type RnnEncoder, type RnnResult } from '../core/rnn';
import { exportFiles } from './exportFiles';
import { packParts } from '../shared/resultPacking';
import type { Token, Tokenizer } from '../core/tokenizers/types';
import type {
  DebugFault,
  EncodeReply,
  FindTokenReply,
  MatrixWire,
  ModelRef,
  ModelSummary,
  PartLabelWire,
  ProjectReply,
  RnnRunWire,
  TokensWire,
  VectorsReply,
  VocabEntry,
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
  /** The files the model was read through: what they were when read, and reads that check it. */
  readonly watched: WatchedFiles;
  /** The whole-vocabulary neighbour index, built on the first neighbour query; disposed with the model. */
  index?: Promise<NeighbourIndex> | undefined;
}

/** Disposes a dropped model's neighbour index (once built) so its table and native session go. */
function disposeIndex(c: CachedModel): void {
  const index = c.index;
  c.index = undefined;
  void index?.then(i => i.dispose(), () => undefined);
}

/**
 * The scan neighbour indexes use: onnxruntime's when it loads here, else TypeScript's, named
 * with the reason (it shows in the activity notes a timeout message quotes).
 */
function defaultScan(): NeighbourScan {
  const native = onnxScan();
  if (typeof native === 'function') return native;
  return async (unit, rows, cols) => ({ ...(await typescriptScan(unit, rows, cols)), name: `TypeScript (onnxruntime-node did not load: ${native.error})` });
}

/** Longest a `busy` debug fault spins when nobody cancels it (ms). */
const BUSY_FAULT_MS = 120_000;

export interface HandlerOptions {
  /** Answer `debugFault` requests (only the extension in test mode sets it). */
  readonly testHooks?: boolean;
  /** The encoder implementation (main.ts injects the native one); default: the TypeScript reference. */
  readonly encoder?: RnnEncoder;
  /** The neighbour scan (default: onnxruntime's when it loads, else TypeScript's). */
  readonly neighbourScan?: NeighbourScan;
}

/**
 * Owns the loaded models and answers requests. A model is cached with the size and mtime of
 * every file it read (stat'ed again at each request: a replaced file reloads the model, a
 * deleted one fails the load with its name), and its lazy row reads check them again.
 */
export class WorkerHandlers {
  private readonly models = new Map<string, Promise<CachedModel>>();
  private readonly tokenizers = new Map<string, Promise<{ tokenizer: Tokenizer; watched: WatchedFiles }>>();
  /** Per model key: a file of the last good load that is gone, named in load errors until a load works again. */
  private readonly deleted = new Map<string, string>();

  constructor(
    private readonly ctx: LoadContext,
    private readonly options: HandlerOptions = {},
  ) {}

  /**
   * Answers one request. Errors are LensErrors (or bugs) for the transport to report. A file
   * that changed while it was being read (a lazy row read under a header read earlier) drops
   * the models that read it, and the request runs once more on the reloaded model.
   */
  async handle<K extends WorkerRequest['type']>(request: Extract<WorkerRequest, { type: K }>, cancel?: CancellationFlag): Promise<Handled<WorkerReplies[K]>> {
    try {
      return await this.handleOnce(request, cancel);
    } catch (e) {
      if (!(e instanceof FileChangedError)) throw e;
      this.forget(e.path);
      return await this.handleOnce(request, cancel);
    }
  }

  private async handleOnce<K extends WorkerRequest['type']>(request: Extract<WorkerRequest, { type: K }>, cancel?: CancellationFlag): Promise<Handled<WorkerReplies[K]>> {
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
        const content = tokenizer.encode(r.text, { cancel });
        const tokens = tokensWire(r.addSpecialTokens ? tokenizer.addSpecialTokens(content, r.text) : content);
        return { result: { tokens, tokenizer: tokenizer.description } as WorkerReplies[K], transfer: [tokens.ids, tokens.starts, tokens.ends, tokens.special] };
      }
      case 'count': {
        // The model's stated maximum is for the status bar's "n / max"; with a tokenizer of its
        // own the count does not need the model, so a model that fails to load only leaves it out.
        const model = r.ref.tokenizer ? await this.model(r.ref).then(c => c.model, () => undefined) : (await this.model(r.ref)).model;
        const tokenizer = r.ref.tokenizer ? await this.tokenizer(r.ref.tokenizer) : model!.tokenizer;
        const count = tokenizer.encode(r.text, { cancel }).length;
        return { result: { count, tokenizer: tokenizer.description, maxLength: model?.config.maxLength ?? null, specialTokens: tokenizer.numSpecialTokens() } as WorkerReplies[K], transfer: [] };
      }
      case 'vectors':
        return (await this.vectors(r.ref, r.ids, r.k, cancel)) as Handled<WorkerReplies[K]>;
      case 'findToken':
        return { result: findToken((await this.model(r.ref)).model.tokenizer, r.query, r.limit, cancel) as WorkerReplies[K], transfer: [] };
      case 'explain': {
        const { model } = await this.model(r.ref);
        if (!model.tokenizer.explain) throw new LensError('unsupported', `${model.tokenizer.description} cannot replay its steps`);
        return { result: model.tokenizer.explain(r.text, r.start, r.end) as WorkerReplies[K], transfer: [] };
      }
      case 'project':
        return (await this.project(r.ref, r.matrix, r.vocabSample, cancel)) as Handled<WorkerReplies[K]>;
      case 'discover':
        return { result: (await this.discover(r.folders, r.hidden, cancel)) as WorkerReplies[K], transfer: [] };
      case 'export': {
        const e = r.result.encoder;
        // A random encoder is re-made from its spec and seed so the export carries its weights.
        const weights = e.real || e.seed === null ? null : { tensors: rnnWeightTensors(randomRnnWeights({ cell: e.cell, nonlinearity: e.nonlinearity, inputSize: e.inputSize, hiddenSize: e.hiddenSize, numLayers: e.numLayers, bidirectional: e.bidirectional, bias: true }, e.seed), 'encoder.') };
        const files = exportFiles(r.result, r.format, weights).map(f => ({ suffix: f.suffix, bytes: exact(f.bytes) }));
        return { result: { files } as unknown as WorkerReplies[K], transfer: files.map(f => f.bytes) };
      }
      case 'debugFault':
        if (!this.options.testHooks) throw new LensError('option', 'debugFault requests are answered only while the extension runs its tests');
        await debugFault(r.fault, r.ms, cancel);
        return { result: null as WorkerReplies[K], transfer: [] };
      default:
        return assertNever(r, 'request');
    }
  }

  /**
   * Discovery over the worker's environment (LoadContext.discovery) plus the caller's folders and
   * hidden locations. Reads folders and headers, never weights. Each file access checks `cancel`,
   * so a closed picker stops the walk (discovery turns those failures into problems; the request
   * itself then ends as cancelled).
   */
  private async discover(folders: readonly string[], hidden: readonly string[], cancel?: CancellationFlag): Promise<Discovery> {
    const env = this.ctx.discovery;
    if (!env) throw new LensError('option', 'model discovery is not available here: the worker was started without an environment to read');
    noteActivity(`looking for models (Hugging Face cache, Ollama, LM Studio${folders.length ? `, ${folders.length} added folder${folders.length > 1 ? 's' : ''}` : ''})`);
    const files = cancel ? cancellable(this.ctx.files, cancel) : this.ctx.files;
    const found = await discoverModels(files, { ...env, folders: [...(env.folders ?? []), ...folders], hidden: [...(env.hidden ?? []), ...hidden] });
    throwIfCancelled(cancel);
    return found;
  }

  /** A tokenizer on its own (by name or path), cached like models. */
  private async tokenizer(spec: string): Promise<Tokenizer> {
    const cached = this.tokenizers.get(spec);
    if (cached) {
      try {
        const c = await cached;
        if (await c.watched.unchanged()) return c.tokenizer;
      } catch {
        // A failed load is not cached: try again below.
      }
      this.tokenizers.delete(spec);
    }
    const watched = new WatchedFiles(this.ctx.files);
    const loading = loadTokenizerSpec({ ...this.ctx, files: watched.files }, spec).then(tokenizer => ({ tokenizer, watched }));
    this.tokenizers.set(spec, loading);
    loading.catch(() => this.tokenizers.delete(spec));
    return (await loading).tokenizer;
  }

  /** A model from the cache, reloaded when one of the files it read changed on disk. */
  private async model(ref: ModelRef): Promise<CachedModel> {
    const key = `${ref.model}\u0000${ref.tokenizer ?? ''}`;
    const cached = this.models.get(key);
    if (cached) {
      try {
        const c = await cached;
        const { changed, gone } = await c.watched.compare();
        if (!changed) return c;
        if (gone !== undefined) this.deleted.set(key, gone);
        disposeIndex(c);
      } catch {
        // A failed load is not cached: try again below.
      }
      this.models.delete(key);
    }
    const watched = new WatchedFiles(this.ctx.files);
    const ctx = { ...this.ctx, files: watched.files };
    const loading = loadModel(ctx, ref.model, ref.tokenizer ? { tokenizer: ref.tokenizer } : {}).then(
      model => {
        this.deleted.delete(key);
        return { model, watched };
      },
      (e: unknown) => {
        // A file of the model the user was looking at was deleted: say so first, then why the folder no longer loads.
        const gone = this.deleted.get(key);
        if (gone !== undefined && isLensError(e)) throw new LensError(e.reason, `${gone} was deleted after the model was loaded: ${e.message}`);
        throw e;
      },
    );
    this.models.set(key, loading);
    loading.catch(() => this.models.delete(key));
    return loading;
  }

  /** Drops every cached model and tokenizer that read `path`. */
  private forget(path: string): void {
    for (const [key, entry] of [...this.models]) {
      void entry.then(
        c => {
          if (c.watched.has(path) && this.models.get(key) === entry) {
            this.models.delete(key);
            disposeIndex(c);
          }
        },
        () => undefined,
      );
    }
    for (const [key, entry] of [...this.tokenizers]) {
      void entry.then(
        c => c.watched.has(path) && this.tokenizers.get(key) === entry && this.tokenizers.delete(key),
        () => undefined,
      );
    }
  }

  private async encode(ref: ModelRef, text: string, req: Extract<WorkerRequest, { type: 'encode' }>, cancel?: CancellationFlag): Promise<Handled<EncodeReply>> {
    const t0 = Date.now();
    const { model } = await this.model(ref);
    const tModel = Date.now();
    const o = req.options;
    const options = {
      maxLength: o.maxLength ?? (o.modelMaxLength === false ? null : undefined),
      maxLengthName: 'embeddingLens.maxLength',
      paddingSide: o.paddingSide,
      truncationSide: o.truncationSide,
      skipPadding: o.skipPadding ?? false,
      addSpecialTokens: o.addSpecialTokens,
      // Settings, not flags, chose these: errors name them so.
      random: { ...o.random, names: { hiddenSize: 'embeddingLens.randomEncoder.hiddenSize', numLayers: 'embeddingLens.randomEncoder.layers', seed: 'embeddingLens.randomEncoder.seed' } },
      keepGates: req.keepGates,
      cancel,
      encoder: this.options.encoder,
    };
    const result = await inspectText(model, text, options);
    const tInspect = Date.now();
    // The other pad treatment, for the side-by-side step-through, when there are pads at all.
    const hasPads = result.tokens.length < result.inputIds.length;
    const other = hasPads ? await inspectText(model, text, { ...options, skipPadding: !options.skipPadding, inputLayer: false }) : null;
    const tOther = Date.now();
    const transfer: ArrayBuffer[] = [];
    const reply = encodeReply(model, result, other, transfer);
    const tReply = Date.now();
    // The panel's packed parts (new buffers: the rows and their index), here rather than on the
    // extension host's event loop.
    const packed = req.forPanel ? packParts({ ...reply, elapsedMs: 0 }) : undefined;
    if (packed?.embeddings) transfer.push(packed.embeddings.rows, packed.embeddings.rowOf);
    const tEnd = Date.now();
    const phases = `model ${tModel - t0}, inspect ${tInspect - tModel}${other ? `, other padding ${tOther - tInspect}` : ''}, reply ${tReply - tOther}${req.forPanel ? `, packing ${tEnd - tReply}` : ''} ms`;
    return { result: { ...reply, elapsedMs: tEnd - t0, phases, ...(packed ? { packed } : {}) }, transfer };
  }

  /**
   * The model's neighbour index, built once (streamed from the file in blocks) and kept with the
   * model. The build is shared by concurrent queries, so one query's cancellation does not stop
   * it (the query itself stops when it resumes); a build that fails is not kept.
   */
  private async neighbourIndex(c: CachedModel, cancel?: CancellationFlag): Promise<NeighbourIndex> {
    if (!c.index) {
      const scan = this.options.neighbourScan ?? (this.scan ??= defaultScan());
      const building = NeighbourIndex.build(c.model.embedding, { scan });
      c.index = building;
      building.catch(() => {
        if (c.index === building) c.index = undefined;
      });
    }
    const index = await c.index;
    throwIfCancelled(cancel);
    return index;
  }

  /** The default scan, found once per worker. */
  private scan?: NeighbourScan;

  private async vectors(ref: ModelRef, ids: readonly number[], k: number, cancel?: CancellationFlag): Promise<Handled<VectorsReply>> {
    const c = await this.model(ref);
    const { model } = c;
    const dim = model.embedding.info.shape[1]!;
    const rows = await model.embedding.readRows(ids);
    const index = k > 0 ? await this.neighbourIndex(c, cancel) : undefined;
    const neighbours: { id: number; text: string; cosine: number }[][] = [];
    for (let i = 0; i < ids.length; i++) {
      if (!index) {
        neighbours.push([]);
        continue;
      }
      noteActivity(`nearest ${k} of ${index.rows} rows to id ${ids[i]} (${index.scanName})`);
      const found = await index.nearest(rows.subarray(i * dim, (i + 1) * dim), k, new Set([ids[i]!]), cancel);
      neighbours.push(found.map(n => ({ id: n.id, cosine: n.cosine, text: model.tokenizer.idToToken(n.id) ?? `[${n.id}]` })));
    }
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

/** A lazy read found a file different (size or mtime) from when the model first read it. */
class FileChangedError extends LensError {
  constructor(
    readonly path: string,
    was: string,
    now: string,
  ) {
    super('badFile', `${path} changed on disk while the model was loaded (${was}, now ${now}); its rows are not read under the old header: inspect again to reload it`);
  }
}

/** What a path was when first read: `size N, mtime T`, `a folder`, or `absent`. */
function stampOf(s: FileStat | undefined): string {
  if (!s) return 'absent';
  if (s.isDirectory) return 'a folder';
  return `size ${s.size}, mtime ${new Date(s.mtimeMs).toISOString()}`;
}

/**
 * A FileAccess that remembers what each path was (size and mtime) the first time the model
 * touched it, and refuses a later read of a file that is no longer the same: rows must never
 * come from a new file under an old header. Folders are recorded by kind only (adding a file
 * beside the model does not reload it).
 */
export class WatchedFiles {
  private readonly stamps = new Map<string, string>();
  readonly files: FileAccess;

  constructor(private readonly base: FileAccess) {
    // A spread keeps whatever else the base offers (join, basename, …) as it is.
    this.files = {
      ...base,
      stat: async (path: string) => {
        const s = await base.stat(path);
        if (!this.stamps.has(path)) this.stamps.set(path, stampOf(s));
        return s;
      },
      readAll: async (path: string) => {
        await this.check(path);
        return base.readAll(path);
      },
      readRanges: async (path: string, ranges: readonly ByteRange[], into?: readonly Uint8Array[]) => {
        await this.check(path);
        const out = await base.readRanges(path, ranges, into);
        // Again after the read: a file replaced during it must not pass either.
        await this.check(path);
        return out;
      },
    };
  }

  /** Whether `path` was read through this. */
  has(path: string): boolean {
    return this.stamps.has(path);
  }

  /** Whether every path read is still what it was (stat'ed now). */
  async unchanged(): Promise<boolean> {
    return !(await this.compare()).changed;
  }

  /** Stats every path read once: whether any changed, and the first file (not folder) that is gone. */
  async compare(): Promise<{ readonly changed: boolean; readonly gone?: string }> {
    let changed = false;
    for (const [path, was] of this.stamps) {
      let now: string;
      try {
        now = stampOf(await this.base.stat(path));
      } catch {
        // Unreadable now (permissions, a loop): a change, not a deletion.
        changed = true;
        continue;
      }
      if (now === was) continue;
      changed = true;
      if (now === 'absent' && was !== 'a folder') return { changed, gone: path };
    }
    return { changed };
  }

  private async check(path: string): Promise<void> {
    const now = stampOf(await this.base.stat(path));
    const was = this.stamps.get(path);
    if (was === undefined) this.stamps.set(path, now);
    else if (was !== now) throw new FileChangedError(path, was, now);
  }
}

/** The test hooks' faults (only with `testHooks`; `exit` is the transport's, see main.ts). */
/** `files` with every access refused once `cancel` is set. */
function cancellable(files: FileAccess, cancel: CancellationFlag): FileAccess {
  const check = <T>(f: () => Promise<T>): Promise<T> => {
    throwIfCancelled(cancel);
    return f();
  };
  return {
    stat: p => check(() => files.stat(p)),
    readRanges: (p, ranges, into) => check(() => files.readRanges(p, ranges, into)),
    readAll: (p, max) => check(() => files.readAll(p, max)),
    list: d => check(() => files.list(d)),
    ...(files.realpath ? { realpath: (p: string) => check(() => files.realpath!(p)) } : {}),
    join: (...parts) => files.join(...parts),
    basename: p => files.basename(p),
    dirname: p => files.dirname(p),
  };
}

async function debugFault(fault: DebugFault, ms: number | undefined, cancel: CancellationFlag | undefined): Promise<void> {
  switch (fault) {
    case 'throw':
      throw new Error('debugFault: a handler threw a plain Error');
    case 'hang':
      noteActivity('debugFault hang: a busy loop that never checks cancellation');
      for (;;) {
        // Spins until the watchdog terminates the thread.
      }
    case 'busy': {
      noteActivity('debugFault busy: a loop that stops when cancelled');
      const t0 = Date.now();
      const limit = Math.min(ms ?? BUSY_FAULT_MS, BUSY_FAULT_MS);
      while (Date.now() - t0 < limit) throwIfCancelled(cancel);
      return;
    }
    case 'wait':
      noteActivity('debugFault wait: an async wait that ignores cancellation');
      await new Promise(resolve => setTimeout(resolve, Math.min(ms ?? BUSY_FAULT_MS, BUSY_FAULT_MS)));
      return;
    case 'oom': {
      noteActivity('debugFault oom: allocating until the heap limit');
      // Plain JS arrays live on the V8 heap (ArrayBuffers would not count against its limit).
      const keep: number[][] = [];
      for (;;) keep.push(new Array<number>(1 << 20).fill(keep.length));
    }
    case 'exit':
      throw new LensError('option', 'debugFault exit ends the worker thread; it is handled by the thread\'s entry (worker/main.ts)');
    default:
      assertNever(fault, 'debug fault');
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
    origin: model.origin
      ? {
          format: model.origin.format,
          path: model.origin.path,
          architecture: model.origin.architecture ?? null,
          quant: model.origin.quant ?? null,
          title: model.origin.title ?? null,
          contextLength: model.origin.contextLength ?? null,
          reference: model.origin.reference ?? null,
        }
      : null,
    inputLayer: model.inputLayer
      ? { family: model.inputLayer.family, modelType: model.inputLayer.modelType, stages: [...model.inputLayer.stageNames], maxPositions: model.inputLayer.maxPositions, eps: model.inputLayer.eps ?? null }
      : null,
  };
}

/** 1 per row whose vector is random (Model.isRandomRow), or null when no row is. */
function randomRowsWire(model: Model, inputIds: Int32Array, transfer: ArrayBuffer[]): ArrayBuffer | null {
  const isRandom = model.isRandomRow;
  if (!isRandom) return null;
  const flags = new Uint8Array(inputIds.length);
  let any = false;
  inputIds.forEach((id, t) => {
    if (isRandom(id)) flags[t] = 1, (any = true);
  });
  if (!any) return null;
  transfer.push(flags.buffer);
  return flags.buffer;
}

function inputLayerWire(r: InspectResult, transfer: ArrayBuffer[]): EncodeReply['inputLayer'] {
  const il = r.inputLayer;
  if (!il) return null;
  if ('skipped' in il) return { skipped: il.skipped };
  const positionIds = exact(il.positionIds.slice());
  transfer.push(positionIds);
  return {
    positionIds,
    stages: il.stages.map(st => ({ name: st.name, added: [...st.added], label: labelWire(st.label), matrix: matrixWire({ rows: st.rows, cols: st.cols, data: st.data }, transfer) })),
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
    inputLayer: inputLayerWire(r, transfer),
    randomRows: randomRowsWire(model, r.inputIds, transfer),
    rnn: rnnWire(r.rnn, r.options.skipPadding, transfer),
    rnnOther: other ? rnnWire(other.rnn, other.options.skipPadding, transfer) : null,
    engine: { ...r.engine },
  };
}

/** Marks a vocabulary puts on a word's first piece (byte-level BPE, SentencePiece) or a continuation (WordPiece). */
const WORD_MARK = /^(\u0120|\u2581|##)/;

/**
 * Vocabulary entries for a word typed in the Neighbours tab: the entry spelled exactly so (if
 * any), how the tokenizer splits it (as typed, and after a space), and the entries that start
 * with it (their word-start mark aside), shortest first. Scans the whole vocabulary (≈ 10 ms per
 * 100k entries).
 */
export function findToken(tokenizer: Tokenizer, query: string, limit: number, cancel?: CancellationFlag): FindTokenReply {
  const entry = (id: number): VocabEntry => ({ id, text: tokenizer.idToToken(id) ?? `[${id}]` });
  const exactId = tokenizer.tokenToId(query);
  const pieces = (text: string): VocabEntry[] => (text.length ? tokenizer.encode(text, { cancel }).map(t => ({ id: t.id, text: t.text })) : []);
  const prefixed: VocabEntry[] = [];
  let total = 0;
  for (let id = 0; id < tokenizer.vocabSize; id++) {
    if ((id & 0xffff) === 0) throwIfCancelled(cancel);
    const text = tokenizer.idToToken(id);
    if (text === undefined || !(text.startsWith(query) || text.replace(WORD_MARK, '').startsWith(query))) continue;
    total++;
    prefixed.push({ id, text });
  }
  // Shortest spellings first (the word itself, then its shortest extensions); ids break ties.
  prefixed.sort((a, b) => a.text.replace(WORD_MARK, '').length - b.text.replace(WORD_MARK, '').length || a.id - b.id);
  const tokens = pieces(query);
  // One token that is the word itself, normalised (not [UNK], not a fragment).
  const only = tokens.length === 1 ? tokens[0]! : undefined;
  const reads = exactId === undefined && only && only.text.replace(WORD_MARK, '').toLowerCase() === query.trim().toLowerCase() ? only : null;
  return {
    query,
    exact: exactId === undefined ? null : entry(exactId),
    reads,
    tokens,
    spaced: pieces(` ${query}`),
    prefixed: prefixed.slice(0, limit),
    prefixedTotal: total,
    vocabSize: tokenizer.vocabSize,
  };
}
