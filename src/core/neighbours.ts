import { throwIfCancelled, type CancellationFlag } from './errors';

/** Row-normalised copy of a (rows, cols) table, for cosine similarity by dot products. */
export interface UnitTable {
  readonly rows: number;
  readonly cols: number;
  /** Each row divided by its norm (zero rows stay zero). */
  readonly unit: Float32Array;
  readonly norms: Float32Array;
}

/** Normalises every row of `data` (rows, cols). `[V x E]`. */
export function unitTable(data: Float32Array, rows: number, cols: number): UnitTable {
  const unit = new Float32Array(rows * cols);
  const norms = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    const o = r * cols;
    for (let c = 0; c < cols; c++) s += data[o + c]! * data[o + c]!;
    const n = Math.sqrt(s);
    norms[r] = n;
    if (n > 0) for (let c = 0; c < cols; c++) unit[o + c] = data[o + c]! / n;
  }
  return { rows, cols, unit, norms };
}

/**
 * The k rows with the highest cosine similarity to `query` (length cols), best first, skipping
 * `exclude` ids and zero rows. `[V x E]` scan, a small insertion-sorted top-k.
 */
export function nearestByCosine(table: UnitTable, query: ArrayLike<number>, k: number, exclude: ReadonlySet<number> = new Set(), cancel?: CancellationFlag): { id: number; cosine: number }[] {
  const { rows, cols, unit, norms } = table;
  let qn = 0;
  for (let c = 0; c < cols; c++) qn += query[c]! * query[c]!;
  qn = Math.sqrt(qn);
  if (qn === 0 || k <= 0) return [];
  const top: { id: number; cosine: number }[] = [];
  for (let r = 0; r < rows; r++) {
    if ((r & 0xffff) === 0) throwIfCancelled(cancel);
    if (norms[r] === 0 || exclude.has(r)) continue;
    let s = 0;
    const o = r * cols;
    for (let c = 0; c < cols; c++) s += unit[o + c]! * query[c]!;
    const cos = s / qn;
    if (top.length < k || cos > top[top.length - 1]!.cosine) {
      let i = top.length < k ? top.length : k - 1;
      if (top.length < k) top.push({ id: r, cosine: cos });
      while (i > 0 && top[i - 1]!.cosine < cos) {
        top[i] = top[i - 1]!;
        i--;
      }
      top[i] = { id: r, cosine: cos };
    }
  }
  return top;
}
