import { noteActivity } from './activity';
import { LensError, throwIfCancelled, type CancellationFlag } from './errors';
import { readRowBlock, shapeString, type TensorSource } from './tensors';

// Whole-vocabulary cosine neighbours at LLM scale. The table is streamed from the file in blocks
// straight into one Float32Array (each block read into its own place and widened there: no
// full-size decode, no second copy, no buffer per block), and each row's float64 norm is kept
// beside it; a query is one matrix–vector product over the table (native when injected,
// TypeScript otherwise), each score divided by its row's norm, then the candidates within the
// product's error bound of the k-th score are re-ranked exactly in float64 from the table's own
// rows, so the ids equal those of a float64 brute force. Rows are not rescaled to unit length
// (a pass over the whole table saved) unless their norm is so large or small that float32
// products could overflow or lose precision.

/** One neighbour: the row's id and its cosine with the query (float64, exact re-rank). */
export interface Neighbour {
  readonly id: number;
  readonly cosine: number;
}

/** A matrix–vector product over a fixed `[rows x cols]` table: `scores[r] = table[r] · query`. */
export interface ScanEngine {
  /** What computes it, for logs and benchmarks ("onnxruntime MatMul, 2 threads", "TypeScript"). */
  readonly name: string;
  /** `[rows]` = `[rows x cols] · [cols]`. */
  scan(query: Float32Array, cancel?: CancellationFlag): Promise<Float32Array>;
  dispose(): void;
}

/**
 * Makes the scan for a table (the worker and the CLI inject onnxruntime's; the core has the
 * TypeScript one). The engine may keep `table` (it is never changed after the build).
 */
export type NeighbourScan = (table: Float32Array, rows: number, cols: number) => Promise<ScanEngine>;

export interface NeighbourIndexOptions {
  readonly scan?: NeighbourScan | undefined;
  readonly cancel?: CancellationFlag | undefined;
  /** Rows read and measured per block (default: about 8 MB of float32 per block). */
  readonly blockRows?: number | undefined;
}

/** Bytes of float32 per build block by default: few enough file reads, and a block's norms are taken while it is still in the last-level cache. */
const BLOCK_BYTES = 8 << 20;
/** Bytes of float32 per block of a streaming scan (two such buffers: one read while the other is scored). */
const STREAM_BLOCK_BYTES = 4 << 20;
/** Rows read per exact re-rank batch (bounds its memory when many rows tie). */
const RERANK_BATCH = 4096;
/** float32's unit roundoff. */
const U32 = 2 ** -24;
/**
 * Rows whose float64 norm lies outside [NORM_MIN, NORM_MAX] are scaled to unit length at the
 * build: in a raw row that large a float32 product sum could overflow, in one that small the
 * products would fall into float32's subnormals and lose the relative precision the bound needs.
 */
const NORM_MIN = 2 ** -60;
const NORM_MAX = 2 ** 60;

/** The TypeScript scan: row by row, four float64 accumulators. */
export const typescriptScan: NeighbourScan = async (table, rows, cols) => ({
  name: 'TypeScript',
  async scan(query, cancel) {
    const out = new Float32Array(rows);
    const c4 = cols - (cols % 4);
    for (let r = 0; r < rows; r++) {
      if ((r & 0x3ff) === 0) throwIfCancelled(cancel);
      const o = r * cols;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      let c = 0;
      for (; c < c4; c += 4) {
        s0 += table[o + c]! * query[c]!;
        s1 += table[o + c + 1]! * query[c + 1]!;
        s2 += table[o + c + 2]! * query[c + 2]!;
        s3 += table[o + c + 3]! * query[c + 3]!;
      }
      for (; c < cols; c++) s0 += table[o + c]! * query[c]!;
      out[r] = s0 + s1 + s2 + s3;
    }
    return out;
  },
  dispose() {},
});

/**
 * The most a scan score (a row's product with the unit query over the row's float64 norm) can
 * differ from the true cosine: the query's elements are rounded to float32 once (≤ u relative),
 * a row's too when it was scaled at the build (≤ u; a row kept as read is exact), and any
 * float32 summation order of `cols` products errs by at most γ_cols·Σ|row_c·q_c| ≤
 * γ_cols·‖row‖·‖q‖ (Higham, Thm 3.1, then Cauchy–Schwarz), γ_cols = cols·u / (1 − cols·u),
 * which the division by ‖row‖ turns into γ_cols (the TypeScript scan's float64 sum, rounded to
 * float32 once, errs by less). A small slack covers float64's own rounding.
 */
export function scanErrorBound(cols: number): number {
  const gamma = (cols * U32) / (1 - cols * U32);
  return 1.01 * (2.0001 * U32 + gamma * (1 + 3 * U32)) + 1e-12;
}

/** The exact cosine in float64 of rows `a` and `b` (norms given, > 0). */
function dot64(a: Float32Array, ao: number, b: ArrayLike<number>, cols: number): number {
  let s = 0;
  for (let c = 0; c < cols; c++) s += a[ao + c]! * b[c]!;
  return s;
}

/** `p` with a no-op rejection handler attached: a prefetch abandoned by an error or a cancel must not be an unhandled rejection (whoever awaits it still sees the error). */
function quiet(p: Promise<void>): Promise<void> {
  p.catch(() => undefined);
  return p;
}

/** Better of two neighbours: the higher cosine, then the lower id. */
function better(a: Neighbour, b: Neighbour): boolean {
  return a.cosine > b.cosine || (a.cosine === b.cosine && a.id < b.id);
}

/** Inserts `n` into `best` (at most k, best first) when it ranks among the top k. */
function insertTopK(best: Neighbour[], n: Neighbour, k: number): void {
  if (best.length === k && !better(n, best[k - 1]!)) return;
  let at = best.length < k ? best.length : k - 1;
  if (best.length < k) best.push(n);
  while (at > 0 && better(n, best[at - 1]!)) {
    best[at] = best[at - 1]!;
    at--;
  }
  best[at] = n;
}

/** One normalised copy of a `(rows, cols)` table and a scan over it. */
export class NeighbourIndex {
  private disposed = false;

  private constructor(
    private readonly source: TensorSource,
    readonly rows: number,
    readonly cols: number,
    /** `[rows]`: each row's float64 norm (0 for rows never returned: zero or non-finite). */
    private readonly norms: Float64Array,
    /** `[rows]`: what a row's scan score is divided by: its norm, or 1 for a row scaled at the build. */
    private readonly divisors: Float64Array,
    private readonly engine: ScanEngine,
  ) {}

  /** What scans the table (for logs and benchmarks). */
  get scanName(): string {
    return this.engine.name;
  }

  /**
   * Reads `source` (a 2-D float tensor) block by block into one float32 table, taking each
   * row's float64 norm (rows too large or small for float32 products are scaled to unit length
   * in place), then makes its scan (`options.scan`, else TypeScript's).
   */
  static async build(source: TensorSource, options: NeighbourIndexOptions = {}): Promise<NeighbourIndex> {
    const { info } = source;
    if (info.shape.length !== 2) throw new LensError('shape', `${info.file}: tensor ${JSON.stringify(info.name)} has shape ${shapeString(info.shape)}, expected (rows, cols) for neighbours`);
    const [rows, cols] = info.shape as [number, number];
    // [rows x cols]: the rows as read; zero and non-finite rows are zero.
    const table = new Float32Array(rows * cols);
    const norms = new Float64Array(rows);
    const divisors = new Float64Array(rows);
    const blockRows = Math.max(1, Math.floor(options.blockRows ?? BLOCK_BYTES / (4 * Math.max(1, cols))));
    const c4 = cols - (cols % 4);
    // The next block's read runs (in node's I/O threads, which also take the first touch of its
    // pages) while this one is measured.
    const read = (first: number): Promise<void> => quiet(first < rows ? readRowBlock(source, first, Math.min(blockRows, rows - first), table, first * cols) : Promise.resolve());
    let pending = read(0);
    for (let first = 0; first < rows; first += blockRows) {
      await pending;
      throwIfCancelled(options.cancel);
      pending = read(first + blockRows);
      const count = Math.min(blockRows, rows - first);
      if ((first / blockRows) % 64 === 0) noteActivity(`reading rows ${first}… of ${rows} of ${JSON.stringify(info.name)} in ${info.file}`);
      // [count x cols]
      for (let r = first; r < first + count; r++) {
        const o = r * cols;
        let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        let c = 0;
        for (; c < c4; c += 4) {
          const a = table[o + c]!, b = table[o + c + 1]!, d = table[o + c + 2]!, e = table[o + c + 3]!;
          s0 += a * a;
          s1 += b * b;
          s2 += d * d;
          s3 += e * e;
        }
        for (; c < cols; c++) s0 += table[o + c]! * table[o + c]!;
        const n = Math.sqrt(s0 + s1 + s2 + s3);
        if (!(n > 0) || !Number.isFinite(n)) {
          table.fill(0, o, o + cols);
        } else if (n >= NORM_MIN && n <= NORM_MAX) {
          norms[r] = n;
          divisors[r] = n;
        } else {
          norms[r] = n;
          divisors[r] = 1;
          const inv = 1 / n;
          for (let j = o; j < o + cols; j++) table[j] = table[j]! * inv;
        }
      }
    }
    throwIfCancelled(options.cancel);
    noteActivity(`preparing the neighbour scan over ${rows} × ${cols}`);
    const engine = await (options.scan ?? typescriptScan)(table, rows, cols);
    // The engine keeps the only reference to `table`: it goes with the engine.
    return new NeighbourIndex(source, rows, cols, norms, divisors, engine);
  }

  /**
   * The `k` rows with the highest cosine to `query` (length cols), best first, ties to the lower
   * id, skipping `exclude` and rows that are zero (or not finite). Identical to a float64 brute
   * force over the table as `source.readRows` gives it.
   */
  async nearest(query: Float32Array, k: number, exclude: ReadonlySet<number> = new Set(), cancel?: CancellationFlag): Promise<Neighbour[]> {
    if (this.disposed) throw new Error('NeighbourIndex used after dispose()');
    const { rows, cols, norms, divisors } = this;
    if (query.length !== cols) throw new LensError('shape', `neighbours: the query has ${query.length} values, the table's rows have ${cols}`);
    let qs = 0;
    for (let c = 0; c < cols; c++) qs += query[c]! * query[c]!;
    const qn = Math.sqrt(qs);
    if (!(qn > 0) || !Number.isFinite(qn) || k <= 0) return [];
    const q = new Float32Array(cols);
    for (let c = 0; c < cols; c++) q[c] = query[c]! / qn;
    const products = await this.engine.scan(q, cancel);
    throwIfCancelled(cancel);
    // [rows]: each row's estimated cosine; rows never returned are -Infinity.
    const scores = new Float64Array(rows);
    for (let r = 0; r < rows; r++) scores[r] = norms[r]! > 0 ? products[r]! / divisors[r]! : -Infinity;
    const ok = (r: number): boolean => norms[r]! > 0 && !exclude.has(r);
    // The k-th best score: a min-heap of the k best so far. [rows]
    const heap = new Float64Array(k);
    let size = 0;
    for (let r = 0; r < rows; r++) {
      const s = scores[r]!;
      if (size === k && !(s > heap[0]!)) continue;
      if (!ok(r)) continue;
      if (size < k) {
        let i = size++;
        while (i > 0 && heap[(i - 1) >> 1]! > s) {
          heap[i] = heap[(i - 1) >> 1]!;
          i = (i - 1) >> 1;
        }
        heap[i] = s;
      } else {
        let i = 0;
        for (;;) {
          const l = 2 * i + 1;
          if (l >= k) break;
          const m = l + 1 < k && heap[l + 1]! < heap[l]! ? l + 1 : l;
          if (!(heap[m]! < s)) break;
          heap[i] = heap[m]!;
          i = m;
        }
        heap[i] = s;
      }
    }
    if (size === 0) return [];
    // Every true top-k row scores at least (k-th score − 2ε): re-rank those exactly.
    const floor = size < k ? -Infinity : heap[0]! - 2 * scanErrorBound(cols);
    const candidates: number[] = [];
    for (let r = 0; r < rows; r++) if (scores[r]! >= floor && ok(r)) candidates.push(r);
    const best: Neighbour[] = [];
    for (let i = 0; i < candidates.length; i += RERANK_BATCH) {
      throwIfCancelled(cancel);
      const ids = candidates.slice(i, i + RERANK_BATCH);
      const values = await this.source.readRows(ids);
      for (let j = 0; j < ids.length; j++) {
        const id = ids[j]!;
        const n: Neighbour = { id, cosine: dot64(values, j * cols, query, cols) / (norms[id]! * qn) };
        insertTopK(best, n, k);
      }
    }
    return best;
  }

  /**
   * The `k` nearest rows to `query` in one streaming pass over `source`, without an index: each
   * block of rows is decoded into one small buffer and scored in float64 (dot product and norm
   * together), so the answer is exact with no re-rank, and memory is one block. For a single
   * query (the CLI) this beats building the index; for many (hovers), build the index.
   */
  static async streamNearest(source: TensorSource, query: Float32Array, k: number, exclude: ReadonlySet<number> = new Set(), options: { cancel?: CancellationFlag | undefined; blockRows?: number | undefined } = {}): Promise<Neighbour[]> {
    const { info } = source;
    if (info.shape.length !== 2) throw new LensError('shape', `${info.file}: tensor ${JSON.stringify(info.name)} has shape ${shapeString(info.shape)}, expected (rows, cols) for neighbours`);
    const [rows, cols] = info.shape as [number, number];
    if (query.length !== cols) throw new LensError('shape', `neighbours: the query has ${query.length} values, the table's rows have ${cols}`);
    let qs = 0;
    for (let c = 0; c < cols; c++) qs += query[c]! * query[c]!;
    const qn = Math.sqrt(qs);
    if (!(qn > 0) || !Number.isFinite(qn) || k <= 0) return [];
    const blockRows = Math.max(1, Math.floor(options.blockRows ?? STREAM_BLOCK_BYTES / (4 * Math.max(1, cols))));
    // Two block buffers: the next block is read while this one is scored.
    const buffers = [new Float32Array(Math.min(blockRows, rows) * cols), new Float32Array(Math.min(blockRows, rows) * cols)] as const;
    const read = (first: number): Promise<void> => quiet(first < rows ? readRowBlock(source, first, Math.min(blockRows, rows - first), buffers[(first / blockRows) & 1]!, 0) : Promise.resolve());
    const best: Neighbour[] = [];
    const c4 = cols - (cols % 4);
    let pending = read(0);
    for (let first = 0; first < rows; first += blockRows) {
      await pending;
      throwIfCancelled(options.cancel);
      pending = read(first + blockRows);
      const block = buffers[(first / blockRows) & 1]!;
      const count = Math.min(blockRows, rows - first);
      if ((first / blockRows) % 64 === 0) noteActivity(`scanning rows ${first}… of ${rows} of ${JSON.stringify(info.name)} in ${info.file}`);
      // [count x cols] · [cols], and each row's norm, in one pass
      for (let i = 0; i < count; i++) {
        const id = first + i;
        const o = i * cols;
        let d0 = 0, d1 = 0, n0 = 0, n1 = 0;
        let c = 0;
        for (; c < c4; c += 4) {
          const a = block[o + c]!, b = block[o + c + 1]!, e = block[o + c + 2]!, f = block[o + c + 3]!;
          d0 += a * query[c]! + e * query[c + 2]!;
          d1 += b * query[c + 1]! + f * query[c + 3]!;
          n0 += a * a + e * e;
          n1 += b * b + f * f;
        }
        for (; c < cols; c++) {
          const a = block[o + c]!;
          d0 += a * query[c]!;
          n0 += a * a;
        }
        const norm = Math.sqrt(n0 + n1);
        if (!(norm > 0) || !Number.isFinite(norm) || exclude.has(id)) continue;
        const n: Neighbour = { id, cosine: (d0 + d1) / (norm * qn) };
        insertTopK(best, n, k);
      }
    }
    return best;
  }

  /** The `k` nearest rows to row `id` (itself excluded), as `nearest` does. */
  async nearestToId(id: number, k: number, cancel?: CancellationFlag): Promise<Neighbour[]> {
    if (!Number.isInteger(id) || id < 0 || id >= this.rows) {
      throw new LensError('vocabMismatch', `${this.source.info.file}: id ${id} is outside tensor ${JSON.stringify(this.source.info.name)} with ${this.rows} rows`);
    }
    return this.nearest(await this.source.readRows([id]), k, new Set([id]), cancel);
  }

  /** Frees the scan (native sessions); the table goes with the last reference. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.engine.dispose();
  }
}
