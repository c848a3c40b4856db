// A matrix as a heatmap on canvas: one pixel per cell in offscreen bitmaps, drawn scaled with
// smoothing off, so zoom and pan only re-blit. The bitmaps are bands of BAND_ROWS rows painted
// when first on screen (a 40,000-row matrix paints only the bands it shows, and no canvas is
// taller than a browser allows), the least recently drawn dropped past MAX_BANDS.
import { f32 } from '../format';
import { divergingLut, lutIndex, readPalette, rgbCss, type Palette } from '../theme';
import type { Mat } from '../result';

/** Rows per offscreen band. */
export const BAND_ROWS = 1024;
/** Bands kept painted. */
const MAX_BANDS = 8;

/** Callbacks and labels the heatmap needs from its owner. */
export interface HeatmapOptions {
  /** Accessible name, e.g. "Padded embedding matrix (8, 5)". */
  readonly label: string;
  rowLabel(row: number): string;
  colLabel?(col: number): string;
  isPadRow?(row: number): boolean;
  onHover?(cell: { row: number; col: number; value: number } | null): void;
  onClickRow?(row: number): void;
  /** Said after a cell's value in the readout (e.g. "dequantized from Q4_K"), or nothing. */
  cellNote?(): string | undefined;
}

/** Zoom and pan, in cells: the top-left visible cell and cell size in CSS pixels. */
export interface HeatmapView {
  readonly scale: number;
  /** Cell width / cell height (default 1): tall or wide matrices fill the panel. */
  readonly aspect?: number;
  readonly x: number;
  readonly y: number;
}

const LABEL_WIDTH = 120;
const HEADER_HEIGHT = 18;
const MIN_CELL = 0.25;
const MAX_CELL = 64;

/** The canvas heatmap with legend, pointer readout, zoom (wheel/keys) and pan (drag/keys). */
export class Heatmap {
  readonly element: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  private readonly legend: HTMLCanvasElement;
  private readonly readout: HTMLElement;
  private readonly legendText: HTMLElement;
  /** Painted bands by index (Map order = least recently drawn first). */
  private bands = new Map<number, HTMLCanvasElement>();
  /** Cells painted into bands since setData/setPalette (tests check it stays near what is shown). */
  paintedCells = 0;
  private mat: Mat | undefined;
  private limit = 1;
  private palette: Palette = readPalette();
  private view: HeatmapView = { scale: 16, x: 0, y: 0 };
  private hoverRow = -1;
  private hoverCol = -1;
  private markRow = -1;
  private externalRow = -1;
  private frame = 0;
  private drag: { x: number; y: number; vx: number; vy: number } | undefined;
  /** Until the user zooms or pans, the view follows the panel's size (fit on resize). */
  private userView = false;
  private lastWidth = 0;
  /** Milliseconds the last full paint of the bitmap took (for the perf check and the log). */
  lastPaintMs = 0;
  onViewChange?: (v: HeatmapView) => void;

  constructor(private readonly options: HeatmapOptions) {
    this.element = document.createElement('div');
    this.element.className = 'heatmap';
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'heatmap-canvas';
    this.canvas.tabIndex = 0;
    this.canvas.setAttribute('role', 'img');
    this.canvas.setAttribute('aria-label', options.label);
    this.ctx = this.canvas.getContext('2d')!;
    const bar = document.createElement('div');
    bar.className = 'heatmap-bar';
    this.legend = document.createElement('canvas');
    this.legend.className = 'heatmap-legend';
    this.legend.setAttribute('aria-hidden', 'true');
    this.readout = document.createElement('span');
    this.readout.className = 'heatmap-readout';
    this.readout.setAttribute('aria-live', 'polite');
    this.legendText = document.createElement('span');
    this.legendText.className = 'heatmap-legend-text';
    bar.append(this.legend, this.legendText, this.readout);
    this.element.append(this.canvas, bar);
    this.canvas.addEventListener('pointermove', e => this.onPointer(e));
    this.canvas.addEventListener('pointerleave', () => this.setHover(-1, -1));
    this.canvas.addEventListener('pointerdown', e => {
      this.canvas.setPointerCapture(e.pointerId);
      this.drag = { x: e.clientX, y: e.clientY, vx: this.view.x, vy: this.view.y };
    });
    this.canvas.addEventListener('pointerup', e => {
      const moved = this.drag && Math.hypot(e.clientX - this.drag.x, e.clientY - this.drag.y) > 3;
      this.drag = undefined;
      if (!moved && this.hoverRow >= 0) this.options.onClickRow?.(this.hoverRow);
    });
    this.canvas.addEventListener('wheel', e => this.onWheel(e), { passive: false });
    this.canvas.addEventListener('keydown', e => this.onKey(e));
    new ResizeObserver(() => {
      // A matrix set while its tab was hidden was fitted to no width: fit again once visible.
      const w = this.element.clientWidth;
      if (!this.userView && w !== this.lastWidth && w > 0) this.fit();
      this.lastWidth = w;
      this.requestDraw();
    }).observe(this.element);
  }

  /**
   * Shows `mat` on a symmetric colour scale ±limit (default: the largest |value|). With
   * `keepView`, a zoom or pan the user chose stays (another matrix of the same shape).
   */
  setData(mat: Mat, limit?: number, keepView = false): void {
    this.mat = mat;
    let max = 0;
    for (let i = 0; i < mat.data.length; i++) {
      const a = Math.abs(mat.data[i]!);
      if (a > max && Number.isFinite(a)) max = a;
    }
    this.limit = limit ?? (max || 1);
    this.canvas.setAttribute('aria-label', `${this.options.label}: ${mat.rows} rows, ${mat.cols} columns, values from ${(-this.limit).toPrecision(3)} to ${this.limit.toPrecision(3)}`);
    this.paintBitmap();
    if (keepView && this.userView) {
      this.clampView();
      this.requestDraw();
      return;
    }
    this.userView = false;
    this.fit();
  }

  /** Re-reads the theme and repaints. */
  setPalette(p: Palette): void {
    this.palette = p;
    this.paintBitmap();
    this.requestDraw();
  }

  /** Outlines a row hovered in another view (a token chip, a chart) — dashed; -1 clears. */
  highlightRow(row: number): void {
    if (row === this.externalRow) return;
    this.externalRow = row;
    this.requestDraw();
  }

  /** Marks a row (the selected token) across redraws; -1 clears. */
  markRowIndex(row: number): void {
    this.markRow = row;
    this.requestDraw();
  }

  get currentView(): HeatmapView {
    return this.view;
  }

  /** Restores a zoom/pan (from setState). */
  setView(v: HeatmapView): void {
    this.userView = true;
    this.view = { ...v };
    this.clampView();
    this.requestDraw();
  }

  /** Zoom so the whole matrix fits (cells at least MIN_CELL px). */
  fit(): void {
    const m = this.mat;
    if (!m) return;
    const w = Math.max(50, this.element.clientWidth - LABEL_WIDTH - 8);
    const h = Math.max(50, Math.min(window.innerHeight * 0.6, m.rows * 28));
    // Rows and columns fitted separately: a (2048, 64) trace fills the width instead of a strip.
    const sy = Math.max(MIN_CELL, Math.min(MAX_CELL, h / m.rows, w / m.cols * 16));
    const sx = Math.max(MIN_CELL, Math.min(MAX_CELL, w / m.cols, sy * 16));
    this.view = { scale: sy, aspect: sx / sy, x: 0, y: 0 };
    this.requestDraw();
  }

  /** The colour (RGBA bytes) drawn for a cell: tests check known cells through this and the canvas. */
  colorOf(value: number): [number, number, number] {
    const lut = divergingLut(this.palette);
    const c = lut[lutIndex(value, this.limit)]!;
    return [c & 255, (c >> 8) & 255, (c >> 16) & 255];
  }

  /** Forgets the painted bands (new data or palette); they are painted again as drawn. */
  private paintBitmap(): void {
    if (!this.mat) return;
    this.bands.clear();
    this.paintedCells = 0;
    this.drawLegend();
  }

  /** Band b (rows b*BAND_ROWS ..), painted now if it is not kept. */
  private band(b: number): HTMLCanvasElement {
    const kept = this.bands.get(b);
    if (kept) {
      this.bands.delete(b);
      this.bands.set(b, kept);
      return kept;
    }
    const m = this.mat!;
    const t0 = performance.now();
    const r0 = b * BAND_ROWS;
    const rows = Math.min(BAND_ROWS, m.rows - r0);
    const bmp = document.createElement('canvas');
    bmp.width = Math.max(1, m.cols);
    bmp.height = Math.max(1, rows);
    const bctx = bmp.getContext('2d')!;
    const img = bctx.createImageData(bmp.width, bmp.height);
    const px = new Uint32Array(img.data.buffer);
    const lut = divergingLut(this.palette);
    const scale = 255 / (2 * this.limit);
    const d = m.data.subarray(r0 * m.cols, (r0 + rows) * m.cols);
    // [rows x cols] one LUT lookup per cell.
    for (let i = 0; i < d.length; i++) {
      let k = Math.round((d[i]! + this.limit) * scale);
      k = k < 0 ? 0 : k > 255 ? 255 : k;
      px[i] = lut[k]!;
    }
    bctx.putImageData(img, 0, 0);
    this.paintedCells += d.length;
    this.canvas.dataset.paintedCells = String(this.paintedCells);
    this.bands.set(b, bmp);
    while (this.bands.size > MAX_BANDS) this.bands.delete(this.bands.keys().next().value!);
    this.lastPaintMs = performance.now() - t0;
    return bmp;
  }

  private drawLegend(): void {
    const dpr = window.devicePixelRatio || 1;
    const w = 160;
    const h = 10;
    this.legend.width = w * dpr;
    this.legend.height = h * dpr;
    this.legend.style.width = `${w}px`;
    this.legend.style.height = `${h}px`;
    const ctx = this.legend.getContext('2d')!;
    const lut = divergingLut(this.palette);
    for (let x = 0; x < this.legend.width; x++) {
      const c = lut[Math.round((x / (this.legend.width - 1)) * 255)]!;
      ctx.fillStyle = `rgb(${c & 255}, ${(c >> 8) & 255}, ${(c >> 16) & 255})`;
      ctx.fillRect(x, 0, 1, this.legend.height);
    }
    this.legend.title = `colour scale: ${(-this.limit).toPrecision(3)} (blue) … 0 … ${this.limit.toPrecision(3)} (orange)`;
    this.legendText.textContent = `${shortNumber(-this.limit)} \u2026 0 \u2026 ${shortNumber(this.limit)}`;
    this.legend.dataset.min = String(-this.limit);
    this.legend.dataset.max = String(this.limit);
  }

  private requestDraw(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  /** Draws now (tests call it through requestAnimationFrame anyway). */
  draw(): void {
    const m = this.mat;
    if (!m) return;
    const dpr = window.devicePixelRatio || 1;
    const cssW = Math.max(100, this.element.clientWidth);
    const cssH = Math.min(Math.max(80, HEADER_HEIGHT + m.rows * this.view.scale + 4), Math.max(200, window.innerHeight * 0.7));
    const sy = this.view.scale;
    const sx = sy * (this.view.aspect ?? 1);
    if (this.canvas.width !== Math.round(cssW * dpr) || this.canvas.height !== Math.round(cssH * dpr)) {
      this.canvas.width = Math.round(cssW * dpr);
      this.canvas.height = Math.round(cssH * dpr);
      this.canvas.style.width = `${cssW}px`;
      this.canvas.style.height = `${cssH}px`;
    }
    const ctx = this.ctx;
    const p = this.palette;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = rgbCss(p.background);
    ctx.fillRect(0, 0, cssW, cssH);
    const { x, y } = this.view;
    // Where cells are drawn, for tests and tools that read the canvas back (CSS pixels).
    this.canvas.dataset.geometry = JSON.stringify({ left: LABEL_WIDTH, top: HEADER_HEIGHT, cellWidth: sx, cellHeight: sy, firstCol: x, firstRow: y });
    const gridW = cssW - LABEL_WIDTH;
    const gridH = cssH - HEADER_HEIGHT;
    const visCols = Math.min(m.cols - x, Math.ceil(gridW / sx));
    const visRows = Math.min(m.rows - y, Math.ceil(gridH / sy));
    ctx.imageSmoothingEnabled = false;
    ctx.save();
    ctx.beginPath();
    ctx.rect(LABEL_WIDTH, HEADER_HEIGHT, gridW, gridH);
    ctx.clip();
    for (let b = Math.floor(y / BAND_ROWS); visRows > 0 && b * BAND_ROWS < y + visRows; b++) {
      const from = Math.max(y, b * BAND_ROWS);
      const to = Math.min(y + visRows, (b + 1) * BAND_ROWS);
      ctx.drawImage(this.band(b), x, from - b * BAND_ROWS, visCols, to - from, LABEL_WIDTH, HEADER_HEIGHT + (from - y) * sy, visCols * sx, (to - from) * sy);
    }
    // Pad rows: hatched, so they read as padding in every theme.
    ctx.strokeStyle = rgbCss(p.pad, 0.8);
    ctx.lineWidth = 1;
    for (let r = y; r < y + visRows; r++) {
      if (!this.options.isPadRow?.(r)) continue;
      const top = HEADER_HEIGHT + (r - y) * sy;
      ctx.save();
      ctx.beginPath();
      ctx.rect(LABEL_WIDTH, top, visCols * sx, sy);
      ctx.clip();
      for (let k = -sy; k < visCols * sx; k += 8) {
        ctx.moveTo(LABEL_WIDTH + k, top + sy);
        ctx.lineTo(LABEL_WIDTH + k + sy, top);
      }
      ctx.stroke();
      ctx.restore();
    }
    // Numbers in the cells when they fit (the explainer's printout, coloured).
    if (Math.min(sx, sy * 1.5) >= 34 && sy >= 14) {
      ctx.font = `${Math.min(13, Math.min(sx, sy * 1.5) / 3.2)}px ${p.fontFamily}`;
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      for (let r = y; r < y + visRows; r++) {
        for (let c = x; c < x + visCols; c++) {
          const v = m.data[r * m.cols + c]!;
          ctx.fillStyle = rgbCss(p.foreground);
          ctx.fillText(shortNumber(v), LABEL_WIDTH + (c - x + 0.5) * sx, HEADER_HEIGHT + (r - y + 0.5) * sy);
        }
      }
    }
    const outline = (r: number, color: string): void => {
      if (r < y || r >= y + visRows) return;
      ctx.strokeStyle = color;
      ctx.lineWidth = 2;
      ctx.strokeRect(LABEL_WIDTH + 1, HEADER_HEIGHT + (r - y) * sy + 1, visCols * sx - 2, sy - 2);
    };
    outline(this.markRow, rgbCss(p.focus));
    if (this.externalRow >= 0 && this.externalRow !== this.hoverRow) {
      ctx.setLineDash([4, 3]);
      outline(this.externalRow, rgbCss(p.foreground, 0.8));
      ctx.setLineDash([]);
    }
    if (this.hoverRow >= 0) outline(this.hoverRow, rgbCss(p.foreground, 0.6));
    if (this.hoverCol >= x && this.hoverCol < x + visCols) {
      ctx.strokeStyle = rgbCss(p.foreground, 0.35);
      ctx.lineWidth = 1;
      ctx.strokeRect(LABEL_WIDTH + (this.hoverCol - x) * sx + 0.5, HEADER_HEIGHT, sx - 1, visRows * sy);
    }
    ctx.restore();
    // Row labels (tokens) and column indices.
    ctx.fillStyle = rgbCss(p.foreground);
    ctx.font = `${Math.min(12, Math.max(9, sy * 0.8))}px ${p.fontFamily}`;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    if (sy >= 9) {
      for (let r = y; r < y + visRows; r++) {
        const label = `${r}  ${this.options.rowLabel(r)}`;
        ctx.fillStyle = this.options.isPadRow?.(r) ? rgbCss(p.pad) : rgbCss(p.foreground);
        ctx.fillText(truncate(ctx, label, LABEL_WIDTH - 8), LABEL_WIDTH - 6, HEADER_HEIGHT + (r - y + 0.5) * sy);
      }
    } else {
      ctx.textAlign = 'left';
      ctx.fillText(`rows ${y}\u2013${y + visRows - 1} of ${m.rows}`, 4, HEADER_HEIGHT + 8);
    }
    ctx.textAlign = 'center';
    ctx.textBaseline = 'alphabetic';
    ctx.fillStyle = rgbCss(p.foreground, 0.8);
    const every = Math.max(1, Math.ceil(28 / sx));
    for (let c = x; c < x + visCols; c++) {
      if ((c - x) % every === 0) ctx.fillText(String(c), LABEL_WIDTH + (c - x + 0.5) * sx, HEADER_HEIGHT - 5);
    }
  }

  private cellAt(e: PointerEvent | WheelEvent): { row: number; col: number } | null {
    const rect = this.canvas.getBoundingClientRect();
    const cx = e.clientX - rect.left - LABEL_WIDTH;
    const cy = e.clientY - rect.top - HEADER_HEIGHT;
    const m = this.mat;
    if (!m) return null;
    const col = Math.floor(cx / (this.view.scale * (this.view.aspect ?? 1))) + this.view.x;
    const row = Math.floor(cy / this.view.scale) + this.view.y;
    if (cx < 0 && cy >= 0 && row < m.rows) return { row, col: -1 };
    if (cx < 0 || cy < 0 || col >= m.cols || row >= m.rows) return null;
    return { row, col };
  }

  private onPointer(e: PointerEvent): void {
    if (this.drag) {
      const dx = (e.clientX - this.drag.x) / (this.view.scale * (this.view.aspect ?? 1));
      const dy = (e.clientY - this.drag.y) / this.view.scale;
      this.userView = true;
      this.view = { ...this.view, x: Math.round(this.drag.vx - dx), y: Math.round(this.drag.vy - dy) };
      this.clampView();
      this.requestDraw();
      this.onViewChange?.(this.view);
      return;
    }
    const cell = this.cellAt(e);
    this.setHover(cell?.row ?? -1, cell?.col ?? -1);
  }

  private setHover(row: number, col: number): void {
    if (row === this.hoverRow && col === this.hoverCol) return;
    this.hoverRow = row;
    this.hoverCol = col;
    const m = this.mat;
    if (m && row >= 0 && col >= 0) {
      const value = m.data[row * m.cols + col]!;
      const note = this.options.cellNote?.();
      this.readout.textContent = `row ${row} (${this.options.rowLabel(row)})${this.options.isPadRow?.(row) ? ' pad' : ''}, column ${col}${this.options.colLabel ? ` (${this.options.colLabel(col)})` : ''}: ${f32(value)}${note ? ` (${note})` : ''}`;
      this.options.onHover?.({ row, col, value });
    } else {
      this.readout.textContent = '';
      this.options.onHover?.(row >= 0 ? { row, col: -1, value: NaN } : null);
    }
    this.requestDraw();
  }

  private onWheel(e: WheelEvent): void {
    if (!this.mat) return;
    e.preventDefault();
    if (e.ctrlKey || e.metaKey || !e.shiftKey) {
      // Zoom around the pointer.
      const cell = this.cellAt(e) ?? { row: this.view.y, col: this.view.x };
      const factor = Math.exp(-e.deltaY * 0.0015);
      this.zoomAround(cell.row, Math.max(0, cell.col), factor, e);
    } else {
      this.view = { ...this.view, x: this.view.x + Math.round(e.deltaY / (this.view.scale * (this.view.aspect ?? 1))) };
      this.clampView();
      this.requestDraw();
    }
    this.onViewChange?.(this.view);
  }

  private zoomAround(row: number, col: number, factor: number, e?: WheelEvent): void {
    this.userView = true;
    const scale = Math.max(MIN_CELL, Math.min(MAX_CELL, this.view.scale * factor));
    const rect = this.canvas.getBoundingClientRect();
    const px = e ? e.clientX - rect.left - LABEL_WIDTH : 0;
    const py = e ? e.clientY - rect.top - HEADER_HEIGHT : 0;
    const aspect = this.view.aspect ?? 1;
    this.view = { scale, aspect, x: Math.round(col - px / (scale * aspect)), y: Math.round(row - py / scale) };
    this.clampView();
    this.requestDraw();
  }

  private onKey(e: KeyboardEvent): void {
    const step = e.shiftKey ? 10 : 1;
    const v = this.view;
    switch (e.key) {
      case '+':
      case '=':
        this.zoomAround(v.y, v.x, 1.25);
        break;
      case '-':
        this.zoomAround(v.y, v.x, 0.8);
        break;
      case '0':
        this.userView = false;
        this.fit();
        break;
      case 'ArrowLeft':
        this.view = { ...v, x: v.x - step };
        break;
      case 'ArrowRight':
        this.view = { ...v, x: v.x + step };
        break;
      case 'ArrowUp':
        this.view = { ...v, y: v.y - step };
        break;
      case 'ArrowDown':
        this.view = { ...v, y: v.y + step };
        break;
      default:
        return;
    }
    e.preventDefault();
    if (e.key !== '0') this.userView = true;
    this.clampView();
    this.requestDraw();
    this.onViewChange?.(this.view);
  }

  private clampView(): void {
    const m = this.mat;
    if (!m) return;
    const x = Math.max(0, Math.min(this.view.x, Math.max(0, m.cols - 1)));
    const y = Math.max(0, Math.min(this.view.y, Math.max(0, m.rows - 1)));
    this.view = { ...this.view, x, y };
  }
}

/** A compact number for a cell: up to 4 significant digits. */
export function shortNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(1);
  return String(Number(v.toPrecision(4)));
}

function truncate(ctx: CanvasRenderingContext2D, s: string, width: number): string {
  if (ctx.measureText(s).width <= width) return s;
  let lo = 0;
  let hi = s.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ctx.measureText(s.slice(0, mid) + '\u2026').width <= width) lo = mid;
    else hi = mid - 1;
  }
  return s.slice(0, lo) + '\u2026';
}
