// Hidden-state traces: one line per hidden unit over time, drawn by uPlot. The x axis is the time
// step (tokens where they fit), pad steps are shaded, a drag picks a step range (for the
// threshold selection), and the chart's cursor and the shared token selection follow each other.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { readPalette, rgbCss, type Palette } from '../theme';
import type { Mat } from '../result';
import { shortNumber } from './heatmap';

/** The chart draws at most this many lines: more would be unreadable, and slow at T = 2048. */
export const MAX_SERIES = 32;

/** How many units the default selection shows. */
export const DEFAULT_UNITS = 8;

/** The theme's chart colours, in the order lines take them. */
const CHART_COLORS = ['blue', 'orange', 'green', 'purple', 'red', 'yellow'] as const;
const FALLBACK: Record<(typeof CHART_COLORS)[number], string> = { blue: '#3794ff', orange: '#d18616', green: '#89d185', purple: '#b180d7', red: '#f14c4c', yellow: '#cca700' };

/** Dash patterns, one per cycle through the colours (6 colours × 6 dashes ≥ MAX_SERIES). */
const DASHES: readonly (readonly number[])[] = [[], [6, 3], [2, 3], [10, 3, 2, 3], [12, 5], [5, 2, 1, 2, 1, 2]];

/** How the k-th line is drawn: a theme chart colour (CSS variable) and a dash pattern. */
export interface SeriesStyle {
  readonly colorVar: string;
  readonly fallback: string;
  readonly dash: readonly number[];
}

/** The style of the k-th shown line: colours cycle, and each cycle gets another dash. */
export function seriesStyle(k: number): SeriesStyle {
  const name = CHART_COLORS[k % CHART_COLORS.length]!;
  return { colorVar: `--vscode-charts-${name}`, fallback: FALLBACK[name], dash: DASHES[Math.floor(k / CHART_COLORS.length) % DASHES.length]! };
}

/** Which comparison the threshold selection makes (LSTMVis: "on" units over a range). */
export type ThresholdMode = 'ge' | 'abs' | 'le';

/** Keeps the rows that `use` accepts: the statistics below ignore pad steps. */
export type RowFilter = (row: number) => boolean;

/** The `k` columns of `m` (T, C) with the largest variance over the accepted rows, largest first. */
export function topVarianceUnits(m: Mat, k: number, use: RowFilter = () => true): number[] {
  const { rows, cols, data } = m;
  const sum = new Float64Array(cols);
  const sq = new Float64Array(cols);
  let n = 0;
  // [T x C] one pass: sums and sums of squares per column.
  for (let t = 0; t < rows; t++) {
    if (!use(t)) continue;
    n++;
    const o = t * cols;
    for (let c = 0; c < cols; c++) {
      const v = data[o + c]!;
      sum[c] = sum[c]! + v;
      sq[c] = sq[c]! + v * v;
    }
  }
  if (n === 0) return Array.from({ length: Math.min(k, cols) }, (_, i) => i);
  const variance = Array.from({ length: cols }, (_, c) => sq[c]! / n - (sum[c]! / n) ** 2);
  return Array.from({ length: cols }, (_, c) => c)
    .sort((a, b) => variance[b]! - variance[a]! || a - b)
    .slice(0, k);
}

/**
 * Columns of `m` (T, C) whose value passes the threshold at every step start…end (inclusive):
 * `ge` value ≥ θ, `abs` |value| ≥ θ, `le` value ≤ −θ. Sorted by how far the range's mean is
 * past the threshold, strongest first.
 */
export function thresholdUnits(m: Mat, start: number, end: number, theta: number, mode: ThresholdMode): number[] {
  const { rows, cols, data } = m;
  const a = Math.max(0, Math.min(start, end));
  const b = Math.min(rows - 1, Math.max(start, end));
  if (b < a || !Number.isFinite(theta)) return [];
  const out: { c: number; score: number }[] = [];
  for (let c = 0; c < cols; c++) {
    let ok = true;
    let s = 0;
    for (let t = a; t <= b && ok; t++) {
      const v = data[t * cols + c]!;
      const x = mode === 'ge' ? v : mode === 'le' ? -v : Math.abs(v);
      ok = x >= theta;
      s += x;
    }
    if (ok) out.push({ c, score: s / (b - a + 1) });
  }
  return out.sort((p, q) => q.score - p.score || p.c - q.c).map(p => p.c);
}

/** Parses "3, 7, 12-20" into unit indices below `count` (in the order given, no repeats). */
export function parseUnits(text: string, count: number): { units: number[]; error?: string } {
  const units: number[] = [];
  const seen = new Set<number>();
  for (const part of text.split(/[\s,;]+/).filter(Boolean)) {
    const m = /^(\d+)(?:\s*[-\u2013:]\s*(\d+))?$/.exec(part);
    if (!m) return { units, error: `"${part}" is not a unit number or a range like 12-20` };
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (Math.max(a, b) >= count) return { units, error: `unit ${Math.max(a, b)} does not exist: units are 0\u2013${count - 1}` };
    for (let u = Math.min(a, b); u <= Math.max(a, b); u++) {
      if (!seen.has(u)) units.push(u);
      seen.add(u);
    }
  }
  return { units };
}

/** Formats units compactly, runs as ranges: [3, 7, 8, 9] → "3, 7–9". */
export function formatUnits(units: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < units.length; ) {
    let j = i;
    while (j + 1 < units.length && units[j + 1] === units[j]! + 1) j++;
    parts.push(j - i >= 2 ? `${units[i]}\u2013${units[j]}` : units.slice(i, j + 1).join(', '));
    i = j + 1;
  }
  return parts.join(', ');
}

/** One line of the chart. */
export interface TraceLine {
  readonly label: string;
  /** One value per step; null where the step did not run (skipped pads). */
  readonly values: readonly (number | null)[];
  readonly style: SeriesStyle;
}

/** What the chart needs from its owner. */
export interface TracesChartOptions {
  rowLabel(row: number): string;
  isPadRow(row: number): boolean;
  /** The label of the pad bands ("pad", "pad (skipped)"). */
  padLabel(): string;
  /** The pointer (or the keyboard cursor) is on a step; -1 when it left the chart. */
  onHoverRow(row: number): void;
  /** A step was clicked (or Enter pressed on it). */
  onClickRow(row: number): void;
  /** A step range was dragged (or extended with Shift+arrows), inclusive. */
  onRange(start: number, end: number): void;
}

const HEIGHT = 280;
/** Space a step needs on the x axis to show its token under the step number. */
const TOKEN_LABEL_SPACE = 52;
/** Least room (CSS px) between two labelled steps when not every step fits a label: 6 characters. */
const THINNED_LABEL_SPACE = 46;
/** Width of one character of the axis font, roughly (CSS px). */
const CHAR_PX = 6.5;

/** The uPlot line chart of the selected units over time. */
export class TracesChart {
  readonly element: HTMLElement;
  private readonly host: HTMLElement;
  private readonly readout: HTMLElement;
  private plot: uPlot | undefined;
  private lines: readonly TraceLine[] = [];
  private T = 0;
  private yRange: [number, number] | null = null;
  private yLabel = '';
  private range: [number, number] | null = null;
  private zoom: [number, number] | null = null;
  private selectedRow = -1;
  private externalHoverRow = -1;
  private cursorRow = -1;
  private keyRow = -1;
  private keyAnchor = -1;
  private palette: Palette = readPalette();
  private builtKey = '';
  private readonly selectedMarker: HTMLElement;
  private readonly hoverMarker: HTMLElement;
  /** Milliseconds the last build of the plot took (for the perf check). */
  lastBuildMs = 0;

  constructor(private readonly options: TracesChartOptions) {
    this.host = document.createElement('div');
    this.host.className = 'traces-plot';
    this.readout = document.createElement('div');
    this.readout.className = 'traces-readout';
    this.readout.setAttribute('aria-live', 'polite');
    this.element = document.createElement('div');
    this.element.className = 'traces-chart';
    this.element.tabIndex = 0;
    this.element.setAttribute('role', 'application');
    this.element.setAttribute('aria-roledescription', 'line chart');
    this.element.append(this.host, this.readout);
    this.selectedMarker = marker('traces-marker selected');
    this.hoverMarker = marker('traces-marker hovered');
    this.element.addEventListener('keydown', e => this.onKey(e));
    new ResizeObserver(() => {
      const w = this.width();
      if (!w) return;
      if (!this.plot && this.lines.length) this.build();
      else if (this.plot && Math.abs(this.plot.width - w) > 1) this.plot.setSize({ width: w, height: HEIGHT });
    }).observe(this.element);
  }

  /** Shows `lines` over T steps (the zoom resets; the range and markers stay). */
  setData(T: number, lines: readonly TraceLine[], yLabel: string, yRange: [number, number] | null): void {
    this.T = T;
    this.lines = lines;
    this.yLabel = yLabel;
    this.yRange = yRange;
    this.zoom = null;
    this.element.setAttribute('aria-label', `${yLabel} of ${lines.length} unit${lines.length === 1 ? '' : 's'} over ${T} steps. Arrow keys move along the steps, Shift+arrows choose a step range, Enter selects the token.`);
    // Same axes and line styles (e.g. another layer): new data into the same plot, which spares
    // the canvas a re-creation (costly to composite at 2048 steps).
    const plot = this.plot;
    if (plot && this.builtKey === this.shapeKey()) {
      const t0 = performance.now();
      plot.setData([this.xs(), ...lines.map(l => l.values as (number | null)[])]);
      this.placeRange();
      this.placeMarkers();
      this.updateReadout(this.cursorRow);
      this.lastBuildMs = performance.now() - t0;
      return;
    }
    this.build();
  }

  /** What a plot's options depend on besides the palette: equal keys can share a plot. */
  private shapeKey(): string {
    return `${this.T}|${this.yLabel}|${this.yRange ? 'fixed' : 'auto'}|${this.lines.length}`;
  }

  private xs(): number[] {
    return Array.from({ length: this.T }, (_, t) => t);
  }

  /** Shows the step range used by the threshold selection (null hides it). */
  setRange(range: [number, number] | null): void {
    this.range = range;
    this.placeRange();
  }

  /** The selected token's row (solid line) and a row hovered elsewhere in the panel (dashed). */
  setMarkers(selectedRow: number, hoverRow: number): void {
    this.selectedRow = selectedRow;
    this.externalHoverRow = hoverRow;
    this.placeMarkers();
  }

  /** Emphasises one line (k-th shown) or none (null). */
  focusLine(k: number | null): void {
    if (!this.plot) return;
    this.plot.setSeries(k === null ? null : k + 1, { focus: true });
  }

  /** The theme changed: rebuild with the new palette. */
  repaint(): void {
    this.palette = readPalette();
    if (this.plot) this.build();
  }

  /** The step under the cursor (-1 if none). */
  get hoveredRow(): number {
    return this.cursorRow;
  }

  /** The uPlot instance (tests read its state). */
  get uplot(): uPlot | undefined {
    return this.plot;
  }

  private width(): number {
    return Math.floor(this.element.clientWidth);
  }

  private build(): void {
    const width = this.width();
    this.plot?.destroy();
    this.plot = undefined;
    this.builtKey = '';
    if (!width || !this.lines.length) {
      this.readout.textContent = this.lines.length ? '' : 'No units to plot.';
      return;
    }
    const t0 = performance.now();
    const p = this.palette;
    const css = getComputedStyle(document.body);
    const color = (s: SeriesStyle): string => css.getPropertyValue(s.colorVar).trim() || s.fallback;
    const fg = css.getPropertyValue('--vscode-charts-foreground').trim() || rgbCss(p.foreground);
    const gridColor = css.getPropertyValue('--vscode-charts-lines').trim() || rgbCss(p.grid, 0.5);
    const font = `11px ${p.fontFamily}`;
    const xs = this.xs();
    const many = this.lines.length > 12;
    const points = this.T <= 64;
    const data: uPlot.AlignedData = [xs, ...this.lines.map(l => l.values as (number | null)[])];
    const opts: uPlot.Options = {
      width,
      height: HEIGHT,
      pxAlign: 0,
      legend: { show: false },
      focus: { alpha: 0.25 },
      cursor: {
        // uPlot's own line follows the pointer between steps; ours (placeMarkers) sits on the step.
        x: false,
        y: false,
        drag: { x: true, y: false, setScale: false, dist: 4 },
        // No focus-by-proximity: it redraws every line on each move (≈ 150 ms a frame at T = 2048);
        // hovering a unit's chip focuses its line instead.
        focus: { prox: -1 },
        points: { size: 6, width: 1.5 },
      },
      scales: {
        x: { time: false, range: () => this.zoom ?? [-0.5, Math.max(0.5, this.T - 0.5)] },
        y: { range: this.yRange ? () => this.yRange! : (_u, min, max) => paddedRange(min, max) },
      },
      axes: [
        {
          stroke: fg,
          font,
          grid: { stroke: gridColor, width: 1 },
          ticks: { stroke: gridColor, width: 1, size: 4 },
          size: 40,
          gap: 3,
          incrs: [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000],
          space: (_u, _i, min, max, dim) => (dim / Math.max(1, max - min) >= TOKEN_LABEL_SPACE ? TOKEN_LABEL_SPACE : THINNED_LABEL_SPACE),
          splits: (_u, _i, min, max, incr) => {
            const out: number[] = [];
            for (let t = Math.ceil(Math.max(0, min) / incr) * incr; t <= Math.min(max, this.T - 1); t += incr) out.push(t);
            return out;
          },
          // LSTMVis-style: every labelled step shows its token under its number, clipped to the
          // room between two labels (uPlot thins the labelled steps to `space`).
          values: (u, splits, _i, _space, incr) => {
            const x = u.scales.x;
            const perStep = u.bbox.width / (window.devicePixelRatio || 1) / Math.max(1, (x?.max ?? 1) - (x?.min ?? 0));
            const chars = Math.floor((perStep * incr - 6) / CHAR_PX);
            const labels = splits.map(t => (chars >= 2 ? `${t}\n${clip(this.options.rowLabel(t), chars)}` : String(t)));
            // What the axis shows, for tests and the curious (the canvas holds it as pixels only).
            this.host.dataset.xLabels = JSON.stringify(labels);
            return labels;
          },
        },
        {
          stroke: fg,
          font,
          label: this.yLabel,
          labelFont: font,
          labelSize: 18,
          labelGap: 0,
          grid: { stroke: gridColor, width: 1 },
          ticks: { stroke: gridColor, width: 1, size: 4 },
          size: 52,
          values: (_u, splits) => splits.map(v => shortNumber(v)),
        },
      ],
      series: [
        { label: 'step' },
        ...this.lines.map(l => ({
          label: l.label,
          stroke: color(l.style),
          width: many ? 1 : 1.5,
          dash: [...l.style.dash],
          spanGaps: false,
          points: { show: points, size: 4, fill: color(l.style) },
        })),
      ],
      hooks: {
        drawClear: [u => this.drawPads(u)],
        setCursor: [u => this.onCursor(u)],
        setSelect: [u => this.onSelect(u)],
        setScale: [(_u, key) => key === 'x' && (this.placeRange(), this.placeMarkers())],
        setSize: [() => (this.placeRange(), this.placeMarkers())],
      },
    };
    const plot = new uPlot(opts, data, this.host);
    this.plot = plot;
    this.builtKey = this.shapeKey();
    plot.over.append(this.hoverMarker, this.selectedMarker);
    plot.over.addEventListener('click', () => {
      const row = this.cursorRow;
      this.placeRange(); // a click (no drag) clears uPlot's selection box: put the range back
      if (row >= 0) queueMicrotask(() => this.options.onClickRow(row));
    });
    plot.over.addEventListener('dblclick', () => {
      this.zoom = null;
      plot.setScale('x', { min: -0.5, max: this.T - 0.5 });
      this.placeRange();
    });
    plot.over.addEventListener('wheel', e => this.onWheel(e), { passive: false });
    this.placeRange();
    this.placeMarkers();
    this.readout.textContent = '';
    // A rebuild under the keyboard cursor (a Shift+arrow range changed the lines) keeps it.
    if (this.keyRow >= 0 && this.keyRow < this.T && document.activeElement === this.element) plot.setCursor({ left: plot.valToPos(this.keyRow, 'x'), top: plotSize(plot).height / 2 });
    this.lastBuildMs = performance.now() - t0;
  }

  /** Pad steps as hatched bands under the lines (hatched like the heatmap's pad rows). */
  private drawPads(u: uPlot): void {
    const ctx = u.ctx;
    const { left, top, width, height } = u.bbox;
    const dpr = window.devicePixelRatio || 1;
    const p = this.palette;
    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top, width, height);
    ctx.clip();
    for (let a = 0; a < this.T; a++) {
      if (!this.options.isPadRow(a)) continue;
      let b = a;
      while (b + 1 < this.T && this.options.isPadRow(b + 1)) b++;
      const x0 = u.valToPos(a - 0.5, 'x', true);
      const x1 = u.valToPos(b + 0.5, 'x', true);
      if (x1 >= left && x0 <= left + width) {
        ctx.fillStyle = rgbCss(p.pad, p.highContrast ? 0.22 : 0.14);
        ctx.fillRect(x0, top, x1 - x0, height);
        ctx.save();
        ctx.beginPath();
        ctx.rect(x0, top, x1 - x0, height);
        ctx.clip();
        ctx.strokeStyle = rgbCss(p.pad, 0.35);
        ctx.lineWidth = dpr;
        ctx.beginPath();
        const gap = 10 * dpr;
        for (let k = x0 - height; k < x1; k += gap) {
          ctx.moveTo(k, top + height);
          ctx.lineTo(k + height, top);
        }
        ctx.stroke();
        ctx.restore();
        if (x1 - x0 > 90 * dpr) {
          ctx.fillStyle = rgbCss(p.pad);
          ctx.font = `${11 * dpr}px ${p.fontFamily}`;
          ctx.textBaseline = 'top';
          ctx.fillText(this.options.padLabel(), Math.max(left, x0) + 4 * dpr, top + 4 * dpr);
        }
      }
      a = b;
    }
    ctx.restore();
  }

  private onCursor(u: uPlot): void {
    const idx = u.cursor.idx;
    const row = idx !== null && idx !== undefined && (u.cursor.left ?? -1) >= 0 ? idx : -1;
    if (row === this.cursorRow) return;
    this.cursorRow = row;
    this.placeMarkers();
    this.updateReadout(row);
    this.options.onHoverRow(row);
  }

  private updateReadout(row: number): void {
    if (row < 0) {
      this.readout.textContent = '';
      return;
    }
    const vals = this.lines.map(l => `${l.label} ${l.values[row] === null ? '\u2014' : shortNumber(l.values[row]!)}`);
    this.readout.textContent = `step ${row} \u00b7 ${this.options.rowLabel(row)}${this.options.isPadRow(row) ? ' (pad)' : ''}: ${vals.slice(0, 8).join(', ')}${vals.length > 8 ? ', \u2026' : ''}`;
  }

  private onSelect(u: uPlot): void {
    const { left, width } = u.select;
    if (width < 3) return;
    // The steps whose centre lies inside the box (a box snapped to a range gives that range back).
    const lo = u.posToVal(left, 'x');
    const hi = u.posToVal(left + width, 'x');
    let a = Math.ceil(lo - 1e-6);
    let b = Math.floor(hi + 1e-6);
    if (b < a) a = b = Math.round((lo + hi) / 2);
    a = clampRow(a, this.T);
    b = clampRow(b, this.T);
    if (this.range && this.range[0] === a && this.range[1] === b) return this.placeRange();
    this.range = [a, b];
    this.placeRange();
    // The owner may rebuild the plot: not from inside uPlot's own mouseup handler.
    queueMicrotask(() => this.options.onRange(a, b));
  }

  /** Puts uPlot's selection box over the range (uPlot keeps it as a DOM box: no redraw). */
  private placeRange(): void {
    const u = this.plot;
    if (!u) return;
    if (!this.range) {
      u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
      return;
    }
    const { width, height } = plotSize(u);
    const x0 = Math.max(0, u.valToPos(this.range[0] - 0.5, 'x'));
    const x1 = Math.min(width, u.valToPos(this.range[1] + 0.5, 'x'));
    u.setSelect({ left: x0, top: 0, width: Math.max(0, x1 - x0), height }, false);
  }

  private placeMarkers(): void {
    const u = this.plot;
    // Called on every hover: no layout reads (uPlot's cached bbox), no needless attribute writes.
    const place = (el: HTMLElement, row: number): void => {
      const x = u && row >= 0 && row < this.T ? u.valToPos(row, 'x') : -1;
      const hide = !u || x < 0 || x > plotSize(u).width;
      if (el.hidden !== hide) el.hidden = hide;
      if (!hide) el.style.transform = `translateX(${x}px)`;
    };
    place(this.selectedMarker, this.selectedRow);
    // The step under the chart's cursor, else a token hovered elsewhere in the panel.
    const hover = this.cursorRow >= 0 ? this.cursorRow : this.externalHoverRow;
    place(this.hoverMarker, hover === this.selectedRow ? -1 : hover);
  }

  private onWheel(e: WheelEvent): void {
    const u = this.plot;
    if (!u || this.T < 4) return;
    e.preventDefault();
    const [min, max] = this.zoom ?? [-0.5, this.T - 0.5];
    const at = u.posToVal(e.offsetX, 'x');
    const factor = Math.exp(e.deltaY * 0.0015);
    const span = Math.max(4, Math.min(this.T, (max - min) * factor));
    let lo = at - ((at - min) / (max - min)) * span;
    lo = Math.max(-0.5, Math.min(lo, this.T - 0.5 - span));
    this.setZoom(span >= this.T ? null : [lo, lo + span]);
  }

  private setZoom(z: [number, number] | null): void {
    const u = this.plot;
    this.zoom = z;
    if (!u) return;
    const [min, max] = z ?? [-0.5, this.T - 0.5];
    u.setScale('x', { min, max });
  }

  private onKey(e: KeyboardEvent): void {
    if (!this.plot || !this.T) return;
    const from = this.keyRow >= 0 ? this.keyRow : this.selectedRow >= 0 ? this.selectedRow : 0;
    const stepBy = e.ctrlKey || e.metaKey ? 10 : 1;
    let row = -1;
    switch (e.key) {
      case 'ArrowLeft':
        row = from - stepBy;
        break;
      case 'ArrowRight':
        row = from + stepBy;
        break;
      case 'Home':
        row = 0;
        break;
      case 'End':
        row = this.T - 1;
        break;
      case 'Enter':
      case ' ':
        e.preventDefault();
        this.options.onClickRow(from);
        return;
      case '+':
      case '=':
      case '-': {
        e.preventDefault();
        const [min, max] = this.zoom ?? [-0.5, this.T - 0.5];
        const span = Math.max(4, Math.min(this.T, (max - min) * (e.key === '-' ? 1.25 : 0.8)));
        const lo = Math.max(-0.5, Math.min(from - span / 2, this.T - 0.5 - span));
        this.setZoom(span >= this.T ? null : [lo, lo + span]);
        return;
      }
      case '0':
        e.preventDefault();
        this.setZoom(null);
        return;
      case 'Escape':
        this.keyRow = -1;
        this.plot.setCursor({ left: -10, top: -10 });
        return;
      default:
        return;
    }
    e.preventDefault();
    row = clampRow(row, this.T);
    this.keyRow = row;
    // Keep the keyboard cursor in view when zoomed.
    if (this.zoom && (row < this.zoom[0] || row > this.zoom[1])) {
      const span = this.zoom[1] - this.zoom[0];
      const lo = Math.max(-0.5, Math.min(row - span / 2, this.T - 0.5 - span));
      this.setZoom([lo, lo + span]);
    }
    const u = this.plot;
    u.setCursor({ left: u.valToPos(row, 'x'), top: plotSize(u).height / 2 });
    if (e.shiftKey) {
      if (this.keyAnchor < 0) this.keyAnchor = from;
      const range: [number, number] = [Math.min(this.keyAnchor, row), Math.max(this.keyAnchor, row)];
      this.range = range;
      this.placeRange();
      this.options.onRange(range[0], range[1]);
    } else this.keyAnchor = -1;
  }
}

/** The plotting area in CSS pixels, from uPlot's cached bbox (reading the DOM would force a layout). */
function plotSize(u: uPlot): { width: number; height: number } {
  const dpr = window.devicePixelRatio || 1;
  return { width: u.bbox.width / dpr, height: u.bbox.height / dpr };
}

function marker(cls: string): HTMLElement {
  const el = document.createElement('div');
  el.className = cls;
  el.hidden = true;
  el.setAttribute('aria-hidden', 'true');
  return el;
}

function clampRow(r: number, T: number): number {
  return Math.max(0, Math.min(T - 1, r));
}

function clip(s: string, chars: number): string {
  return s.length <= chars ? s : `${s.slice(0, chars - 1)}\u2026`;
}

/** A y range with a little air, symmetric-friendly, never empty. */
function paddedRange(min: number | null, max: number | null): [number, number] {
  if (min === null || max === null || !Number.isFinite(min) || !Number.isFinite(max)) return [-1, 1];
  if (min === max) return [min - 1, max + 1];
  const pad = (max - min) * 0.06;
  return [min - pad, max + pad];
}
