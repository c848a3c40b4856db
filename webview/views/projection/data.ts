// The projection's data preparation: from the worker's PCA points to a plot (rows grouped by
// point, bounds, a spatial grid for hit tests), and the mapping from data space to the screen.
import type { ProjectReply } from '../../../src/shared/workerProtocol';
import { rowLabel, type Result } from '../../result';
import { MARGIN, type Frame, type Group, type HitGrid, type PlotData, type PlotView, type ProjectionChoice } from './types';

/**
 * Groups the sequence's rows (rows at the same point drawn once), finds the bounds and builds
 * the hit grid. Label widths are measured by the painter (PlotPainter.measureLabels).
 */
export function preparePlot(r: Result, p: ProjectReply, what: 'embeddings' | 'hidden', choice: Pick<ProjectionChoice, 'layer' | 'direction'>): PlotData {
  const pts = new Float32Array(p.points);
  const n = pts.length / 2;
  const T = Math.min(r.T, n);
  const groups: Group[] = [];
  const groupOfRow = new Int32Array(T);
  const byPoint = new Map<string, number>();
  for (let t = 0; t < T; t++) {
    const pad = r.tokenAtRow[t]! < 0;
    const k = `${pad ? 'p' : 't'}${pts[2 * t]},${pts[2 * t + 1]}`;
    let g = byPoint.get(k);
    if (g === undefined) {
      g = groups.length;
      byPoint.set(k, g);
      groups.push({ row: t, rows: [], tokens: [], pad, label: '', width: 0 });
    }
    const grp = groups[g]!;
    grp.rows.push(t);
    if (!pad) grp.tokens.push(r.tokenAtRow[t]!);
    groupOfRow[t] = g;
  }
  for (const g of groups) g.label = rowLabel(r, g.row) + (g.rows.length > 1 ? ` \u00d7${g.rows.length}` : '');
  let minX = Infinity;
  let maxX = -Infinity;
  let minY = Infinity;
  let maxY = -Infinity;
  for (let i = 0; i < n; i++) {
    const x = pts[2 * i]!;
    const y = pts[2 * i + 1]!;
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
  }
  if (!(minX <= maxX)) minX = maxX = minY = maxY = 0;
  let path: Int32Array | null = null;
  if (what === 'hidden') {
    const e = r.reply.encoder;
    const trace = r.run.traces[choice.layer * (e.bidirectional ? 2 : 1) + choice.direction];
    path = trace ? trace.order.filter(t => t < T) : null;
  }
  return { pts, T, n, groups, groupOfRow, sample: p.sample, explained: p.explained, path, minX, maxX, minY, maxY, grid: buildGrid(pts, T, groups, minX, maxX, minY, maxY) };
}

/** The fitted scale (CSS px per data unit, equal on both axes: PCA distances stay true). */
export function frameOf(d: PlotData, view: PlotView, w: number, hgt: number): Frame {
  const pw = Math.max(10, w - MARGIN.left - MARGIN.right);
  const ph = Math.max(10, hgt - MARGIN.top - MARGIN.bottom);
  const dx = d.maxX - d.minX || 1;
  const dy = d.maxY - d.minY || 1;
  const s0 = Math.min(pw / dx, ph / dy) * 0.92;
  return {
    s: s0 * view.zoom,
    cx: (d.minX + d.maxX) / 2,
    cy: (d.minY + d.maxY) / 2,
    ox: MARGIN.left + pw / 2 + view.panX,
    oy: MARGIN.top + ph / 2 + view.panY,
  };
}

/** A uniform grid of the group representatives and sample points in data space (CSR layout). */
function buildGrid(pts: Float32Array, T: number, groups: readonly Group[], minX: number, maxX: number, minY: number, maxY: number): HitGrid {
  const n = pts.length / 2;
  const items = groups.length + (n - T);
  const side = Math.max(4, Math.min(256, Math.ceil(Math.sqrt(items / 2))));
  const cellW = (maxX - minX || 1) / side;
  const cellH = (maxY - minY || 1) / side;
  const cellOf = (row: number): number => {
    const c = Math.min(side - 1, Math.max(0, Math.floor((pts[2 * row]! - minX) / cellW)));
    const r = Math.min(side - 1, Math.max(0, Math.floor((pts[2 * row + 1]! - minY) / cellH)));
    return r * side + c;
  };
  const rowOf = (item: number): number => (item < groups.length ? groups[item]!.row : T + item - groups.length);
  const start = new Int32Array(side * side + 1);
  for (let it = 0; it < items; it++) {
    const c = cellOf(rowOf(it)) + 1;
    start[c] = start[c]! + 1;
  }
  for (let c = 0; c < side * side; c++) start[c + 1] = start[c + 1]! + start[c]!;
  const fill = start.slice(0, side * side);
  const out = new Int32Array(items);
  for (let it = 0; it < items; it++) {
    const c = cellOf(rowOf(it));
    out[fill[c]!] = it;
    fill[c] = fill[c]! + 1;
  }
  return { cols: side, rows: side, cellW, cellH, start, items: out };
}

/** A share of variance as a percentage. */
export function pct(x: number): string {
  // One row (or identical rows) has no variance to share out.
  return Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : '\u2014';
}

/** A point's coordinates, 4 significant digits. */
export function pos(d: PlotData, row: number): string {
  return `${Number(d.pts[2 * row]!.toPrecision(4))}, ${Number(d.pts[2 * row + 1]!.toPrecision(4))}`;
}
