import { LensError, throwIfCancelled, type CancellationFlag } from './errors';
import { createRng } from './prng';
import type { Matrix } from './matrix';

/** A 2-D principal-component projection. */
export interface Projection {
  /** (n, 2) row-major: each row's coordinates on the first two components. */
  readonly points: Float32Array;
  /** Share of the total variance each component explains. */
  readonly explained: [number, number];
  /** The two unit components, (2, cols). */
  readonly components: Float32Array;
}

/**
 * PCA of `m`'s rows to two dimensions by power iteration on the covariance (never formed:
 * X^T (X v) each step), with deflation for the second component. Deterministic (seeded start).
 * `[n x d]` input; O(iterations · n · d).
 */
export function pca2(m: Matrix, options: { iterations?: number; cancel?: CancellationFlag } = {}): Projection {
  const { rows: n, cols: d, data } = m;
  if (n < 1 || d < 1) throw new LensError('shape', `pca2: matrix is (${n}, ${d}), expected at least one row and one column`);
  const iterations = options.iterations ?? 200;
  const mean = new Float64Array(d);
  for (let r = 0; r < n; r++) for (let c = 0; c < d; c++) mean[c] = mean[c]! + data[r * d + c]!;
  for (let c = 0; c < d; c++) mean[c] = mean[c]! / n;
  let total = 0; // total variance (trace of the covariance)
  for (let r = 0; r < n; r++) for (let c = 0; c < d; c++) total += (data[r * d + c]! - mean[c]!) ** 2;
  const components = new Float32Array(2 * d);
  const eig: number[] = [];
  const rng = createRng(12345);
  const xv = new Float64Array(n);
  for (let k = 0; k < 2; k++) {
    let v = new Float64Array(d).map(() => rng.uniform(-1, 1));
    let lambda = 0;
    for (let it = 0; it < iterations; it++) {
      if ((it & 15) === 0) throwIfCancelled(options.cancel);
      // Deflate: keep v orthogonal to earlier components.
      for (let j = 0; j < k; j++) {
        let dot = 0;
        for (let c = 0; c < d; c++) dot += v[c]! * components[j * d + c]!;
        for (let c = 0; c < d; c++) v[c] = v[c]! - dot * components[j * d + c]!;
      }
      normalize(v);
      // xv = (X - mean) v   [n]
      for (let r = 0; r < n; r++) {
        let s = 0;
        for (let c = 0; c < d; c++) s += (data[r * d + c]! - mean[c]!) * v[c]!;
        xv[r] = s;
      }
      // w = (X - mean)^T xv   [d]
      const w = new Float64Array(d);
      for (let r = 0; r < n; r++) {
        const s = xv[r]!;
        if (s === 0) continue;
        for (let c = 0; c < d; c++) w[c] = w[c]! + (data[r * d + c]! - mean[c]!) * s;
      }
      for (let j = 0; j < k; j++) {
        let dot = 0;
        for (let c = 0; c < d; c++) dot += w[c]! * components[j * d + c]!;
        for (let c = 0; c < d; c++) w[c] = w[c]! - dot * components[j * d + c]!;
      }
      const norm = Math.hypot(...w);
      const converged = Math.abs(norm - lambda) <= 1e-9 * Math.max(1, norm);
      lambda = norm;
      if (norm === 0) break;
      v = w;
      if (converged) break;
    }
    normalize(v);
    // Fix the sign so the output is stable: largest |component| is positive.
    let big = 0;
    for (let c = 0; c < d; c++) if (Math.abs(v[c]!) > Math.abs(v[big]!)) big = c;
    if (v[big]! < 0) for (let c = 0; c < d; c++) v[c] = -v[c]!;
    for (let c = 0; c < d; c++) components[k * d + c] = v[c]!;
    eig.push(lambda);
  }
  const points = new Float32Array(n * 2);
  for (let r = 0; r < n; r++) {
    for (let k = 0; k < 2; k++) {
      let s = 0;
      for (let c = 0; c < d; c++) s += (data[r * d + c]! - mean[c]!) * components[k * d + c]!;
      points[r * 2 + k] = s;
    }
  }
  const share = (l: number): number => (total > 0 ? l / total : 0);
  return { points, explained: [share(eig[0] ?? 0), share(eig[1] ?? 0)], components };
}

function normalize(v: Float64Array): void {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  const n = Math.sqrt(s);
  if (n > 0) for (let i = 0; i < v.length; i++) v[i] = v[i]! / n;
}
