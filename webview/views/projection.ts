// PCA to 2-D of the sequence's embeddings or of one layer-direction's hidden states (computed in
// the worker), optionally with a seeded sample of the vocabulary for context. One canvas draw per
// frame and a spatial grid for hit testing, so 10,000+ sample points stay smooth.
import type { PanelState } from '../../src/shared/panelProtocol';
import type { ProjectReply } from '../../src/shared/workerProtocol';
import { clear, h, renderStatus } from '../dom';
import { isSuperseded, RequestLane } from '../requests';
import { rowLabel, visibleWhitespace, type Result } from '../result';
import type { Selection } from '../selection';
import { cssColor, readPalette, rgbCss, type Palette, type Rgb } from '../theme';
import { saveState, vscode } from '../vscodeApi';

/** Vocabulary sample sizes offered (embeddings only). */
export const SAMPLE_SIZES = [0, 500, 2000, 10000] as const;

/** What is projected, and how it is looked at: UI state kept with saveState. */
interface ProjectionChoice {
  readonly what: 'embeddings' | 'hidden';
  readonly layer: number;
  readonly direction: number;
  readonly sample: number;
}

/** UI state this view keeps beside PanelState's own fields. */
interface ProjectionState {
  readonly projection?: ProjectionChoice & { readonly view?: PlotView };
}

/** Zoom (1 = fit) and pan (CSS pixels) over the fitted view. */
interface PlotView {
  readonly zoom: number;
  readonly panX: number;
  readonly panY: number;
}

/** Sequence rows with the same coordinates (all pads; a word used twice) drawn as one point. */
interface Group {
  readonly row: number;
  readonly rows: number[];
  readonly tokens: number[];
  readonly pad: boolean;
  label: string;
  width: number;
}

/** A projection ready to draw. */
interface PlotData {
  readonly pts: Float32Array;
  /** Sequence rows come first in `pts`; the sample after them. */
  readonly T: number;
  readonly n: number;
  readonly groups: Group[];
  readonly groupOfRow: Int32Array;
  readonly sample: ProjectReply['sample'];
  readonly explained: readonly [number, number];
  /** Rows in the order the encoder ran them (hidden states only): drawn as a path. */
  readonly path: Int32Array | null;
  readonly minX: number;
  readonly maxX: number;
  readonly minY: number;
  readonly maxY: number;
  readonly grid: HitGrid;
}

/** Items in a uniform grid over data space: group g is item g, sample point k is groups + k. */
interface HitGrid {
  readonly cols: number;
  readonly rows: number;
  readonly cellW: number;
  readonly cellH: number;
  readonly start: Int32Array;
  readonly items: Int32Array;
}

type Hit = { readonly kind: 'group'; readonly g: number } | { readonly kind: 'sample'; readonly k: number } | null;
type Select = HTMLElement & { value: string; disabled: boolean };

const MARGIN = { left: 52, right: 14, top: 12, bottom: 40 };
const SEQ_RADIUS = 4.5;
const HIT_SEQ = 10;
const HIT_SAMPLE = 6;
const MIN_ZOOM = 0.2;
const MAX_ZOOM = 2000;

/** The projection tab. */
export class ProjectionView {
  readonly element = h('section', { class: 'projection-view', 'aria-label': 'Projection' });
  private readonly whatSelect: Select;
  private readonly layerSelect: Select;
  private readonly dirSelect: Select;
  private readonly sampleSelect: Select;
  private readonly layerLabel: HTMLElement;
  private readonly dirLabel: HTMLElement;
  private readonly sampleLabel: HTMLElement;
  private readonly heading = h('h3', { class: 'pj-heading' });
  private readonly note = h('p', { class: 'pj-note dim' });
  private readonly status = h('div', { class: 'pj-status', role: 'status', 'aria-live': 'polite' });
  private readonly canvas = h('canvas', { class: 'pj-canvas', tabindex: 0, role: 'img', 'aria-label': 'PCA projection', 'aria-roledescription': 'scatter plot' });
  private readonly ctx: CanvasRenderingContext2D;
  private readonly readout = h('div', { class: 'pj-readout', 'aria-live': 'polite' });
  private readonly legend = h('ul', { class: 'pj-legend', 'aria-label': 'Legend' });
  private readonly lane = new RequestLane<'project'>();
  private readonly cache = new Map<string, PlotData>();
  private result: Result | undefined;
  private choice: ProjectionChoice;
  private data: PlotData | undefined;
  private palette: Palette = readPalette();
  private colors = extraColors();
  private view: PlotView = { zoom: 1, panX: 0, panY: 0 };
  private restoredView: PlotView | undefined;
  private hover: Hit = null;
  private drag: { x: number; y: number; panX: number; panY: number; moved: boolean } | undefined;
  private frame = 0;
  private stale = true;
  private timer = 0;
  /** Milliseconds the last full draw took (for the perf check). */
  lastDrawMs = 0;

  constructor(private readonly selection: Selection) {
    this.ctx = this.canvas.getContext('2d')!;
    const saved = (vscode.getState() as (PanelState & ProjectionState) | undefined)?.projection;
    this.choice = {
      what: saved?.what === 'hidden' ? 'hidden' : 'embeddings',
      layer: saved?.layer ?? 0,
      direction: saved?.direction ?? 0,
      sample: SAMPLE_SIZES.includes(saved?.sample as 0) ? saved!.sample : 0,
    };
    this.restoredView = saved?.view;
    const opt = (value: string, label: string, selected: boolean): HTMLElement => h('vscode-option', { value, selected }, label);
    this.whatSelect = h('vscode-single-select', { id: 'pj-what', 'aria-label': 'Rows to project' },
      opt('embeddings', 'embeddings (T, E)', this.choice.what === 'embeddings'),
      opt('hidden', 'hidden states (T, H)', this.choice.what === 'hidden')) as Select;
    this.layerSelect = h('vscode-single-select', { id: 'pj-layer', 'aria-label': 'Layer' }) as Select;
    this.dirSelect = h('vscode-single-select', { id: 'pj-direction', 'aria-label': 'Direction' }) as Select;
    this.sampleSelect = h('vscode-single-select', { id: 'pj-sample', 'aria-label': 'Vocabulary sample', title: 'Add a random sample of the vocabulary\u2019s rows (embeddings only)' },
      ...SAMPLE_SIZES.map(n => opt(String(n), n ? `${n.toLocaleString('en-US')} rows` : 'none', n === this.choice.sample))) as Select;
    this.layerLabel = h('label', { class: 'opt' }, h('span', {}, 'layer'), this.layerSelect);
    this.dirLabel = h('label', { class: 'opt' }, h('span', {}, 'direction'), this.dirSelect);
    this.sampleLabel = h('label', { class: 'opt' }, h('span', {}, 'vocabulary sample'), this.sampleSelect);
    const reset = h('vscode-button', { id: 'pj-reset', secondary: true, icon: 'screen-normal', title: 'Reset zoom and pan (0)' }, 'Reset view');
    reset.addEventListener('click', () => this.resetView());
    for (const s of [this.whatSelect, this.layerSelect, this.dirSelect, this.sampleSelect]) s.addEventListener('change', () => this.onChoice());
    this.element.append(
      h('div', { class: 'pj-bar', role: 'toolbar', 'aria-label': 'Projection options' }, h('label', { class: 'opt' }, h('span', {}, 'project'), this.whatSelect), this.layerLabel, this.dirLabel, this.sampleLabel, reset),
      this.heading,
      this.note,
      this.status,
      h('div', { class: 'pj-plot' }, this.canvas),
      this.readout,
      this.legend,
    );
    this.canvas.setAttribute('aria-description', 'Arrow keys pan, plus and minus zoom, 0 resets, [ and ] select the previous and next token, Enter shows the selected token in the editor.');
    this.canvas.addEventListener('pointermove', e => this.onPointerMove(e));
    this.canvas.addEventListener('pointerleave', () => this.setHover(null));
    this.canvas.addEventListener('pointerdown', e => {
      if (e.button !== 0) return;
      this.canvas.setPointerCapture(e.pointerId);
      this.drag = { x: e.clientX, y: e.clientY, panX: this.view.panX, panY: this.view.panY, moved: false };
    });
    this.canvas.addEventListener('pointerup', e => this.onPointerUp(e));
    this.canvas.addEventListener('pointercancel', () => (this.drag = undefined));
    this.canvas.addEventListener('wheel', e => this.onWheel(e), { passive: false });
    this.canvas.addEventListener('keydown', e => this.onKey(e));
    selection.onChange(() => this.requestDraw());
    new ResizeObserver(() => {
      if (this.stale && this.visible()) this.refresh();
      this.requestDraw();
    }).observe(this.element);
  }

  show(r: Result): void {
    this.result = r;
    this.cache.clear();
    this.data = undefined;
    this.hover = null;
    this.fillEncoderChoices(r);
    this.stale = true;
    this.renderHeading();
    this.renderLegend();
    clearTimeout(this.timer);
    this.timer = window.setTimeout(() => this.visible() && this.refresh(), 0);
    this.requestDraw();
  }

  repaint(): void {
    this.palette = readPalette();
    this.colors = extraColors();
    this.measureLabels();
    this.requestDraw();
  }

  private visible(): boolean {
    return this.element.isConnected && this.element.getClientRects().length > 0;
  }

  private fillEncoderChoices(r: Result): void {
    const e = r.reply.encoder;
    const layers = Math.max(1, e.numLayers);
    const dirs = e.bidirectional ? 2 : 1;
    const c = this.choice;
    this.choice = { ...c, layer: Math.min(c.layer, layers - 1), direction: Math.min(c.direction, dirs - 1) };
    clear(this.layerSelect);
    for (let l = 0; l < layers; l++) this.layerSelect.append(h('vscode-option', { value: String(l), selected: l === this.choice.layer }, `layer ${l}`));
    clear(this.dirSelect);
    const names = dirs === 2 ? ['forward', 'reverse'] : ['forward'];
    names.forEach((n, d) => this.dirSelect.append(h('vscode-option', { value: String(d), selected: d === this.choice.direction }, n)));
    this.layerSelect.value = String(this.choice.layer);
    this.dirSelect.value = String(this.choice.direction);
    this.syncControls();
  }

  private syncControls(): void {
    const r = this.result;
    const hidden = this.choice.what === 'hidden';
    this.layerLabel.hidden = !hidden || !r || r.reply.encoder.numLayers < 2;
    this.dirLabel.hidden = !hidden || !r || !r.reply.encoder.bidirectional;
    this.sampleSelect.disabled = hidden;
    this.sampleLabel.title = hidden ? 'The vocabulary lives in embedding space: a sample is offered for the embeddings only' : '';
  }

  private onChoice(): void {
    const what = this.whatSelect.value === 'hidden' ? 'hidden' : 'embeddings';
    const sample = Number(this.sampleSelect.value);
    this.choice = {
      what,
      layer: Number(this.layerSelect.value) || 0,
      direction: Number(this.dirSelect.value) || 0,
      sample: SAMPLE_SIZES.includes(sample as 0) ? sample : 0,
    };
    this.syncControls();
    this.view = { zoom: 1, panX: 0, panY: 0 };
    this.save();
    this.refresh();
  }

  private save(): void {
    const patch: Partial<PanelState> & ProjectionState = { projection: { ...this.choice, view: this.view } };
    saveState(patch);
  }

  private key(): string {
    const c = this.choice;
    return c.what === 'hidden' ? `hidden ${c.layer} ${c.direction}` : `embeddings ${c.sample}`;
  }

  private refresh(): void {
    const r = this.result;
    if (!r) return;
    this.stale = false;
    this.renderHeading();
    const key = this.key();
    const cached = this.cache.get(key);
    if (cached) {
      this.setData(cached);
      return;
    }
    const c = this.choice;
    const requestedFor = r;
    this.setStatus('busy', c.what === 'embeddings' && c.sample ? `Computing PCA of ${r.T} + ${c.sample.toLocaleString('en-US')} rows\u2026` : `Computing PCA of ${r.T} rows\u2026`);
    this.lane.send({ type: 'project', what: c.what, layer: c.layer, direction: c.direction, vocabSample: c.what === 'embeddings' ? c.sample : 0 }).then(
      m => {
        if (this.result !== requestedFor) return;
        const d = this.prepare(requestedFor, m.projection, m.what);
        if (this.cache.size >= 8) this.cache.delete(this.cache.keys().next().value!);
        this.cache.set(key, d);
        this.setStatus('', '');
        this.setData(d);
      },
      (e: unknown) => {
        if (isSuperseded(e)) return;
        this.data = undefined;
        this.setStatus('error', e instanceof Error ? e.message : String(e), true);
        this.renderHeading();
        this.requestDraw();
      },
    );
  }

  private setData(d: PlotData): void {
    this.data = d;
    this.hover = null;
    this.readout.textContent = '';
    if (this.restoredView) {
      this.view = this.restoredView;
      this.restoredView = undefined;
    }
    this.setStatus('', '');
    this.renderHeading();
    this.renderLegend();
    this.requestDraw();
  }

  /** Groups the sequence's rows, builds the hit grid and the bounds. */
  private prepare(r: Result, p: ProjectReply, what: 'embeddings' | 'hidden'): PlotData {
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
      const trace = r.run.traces[this.choice.layer * (e.bidirectional ? 2 : 1) + this.choice.direction];
      path = trace ? trace.order.filter(t => t < T) : null;
    }
    const d: PlotData = { pts, T, n, groups, groupOfRow, sample: p.sample, explained: p.explained, path, minX, maxX, minY, maxY, grid: buildGrid(pts, T, groups, minX, maxX, minY, maxY) };
    this.measureLabelsOf(d);
    return d;
  }

  private measureLabels(): void {
    if (this.data) this.measureLabelsOf(this.data);
  }

  private measureLabelsOf(d: PlotData): void {
    const ctx = this.ctx;
    ctx.font = this.labelFont();
    for (const g of d.groups) g.width = ctx.measureText(g.label).width;
  }

  private labelFont(): string {
    return `${Math.max(10, Math.min(13, this.palette.fontSize))}px ${this.palette.fontFamily}`;
  }

  // ---------------------------------------------------------------- text around the plot

  private renderHeading(): void {
    const r = this.result;
    clear(this.heading);
    clear(this.note);
    if (!r) return;
    const c = this.choice;
    const e = r.reply.encoder;
    const d = this.data;
    if (c.what === 'embeddings') {
      this.heading.append(`PCA of the embeddings (${r.T}, ${r.embeddings.cols}) \u2192 (${r.T}, 2)`);
    } else {
      const dir = e.bidirectional ? (c.direction ? ' reverse' : ' forward') : '';
      this.heading.append(`PCA of the hidden states h\u209c, layer ${c.layer}${dir} (${r.T}, ${e.hiddenSize}) \u2192 (${r.T}, 2)`,
        h('span', { class: `badge ${e.real ? 'real' : 'random'}` }, e.real ? 'real encoder' : `random encoder (seed ${e.seed})`));
    }
    const lines: (string | Node)[] = [];
    if (d?.sample) {
      const s = d.sample;
      lines.push(h('strong', {}, `Random sample of ${s.ids.length.toLocaleString('en-US')} of ${s.of.toLocaleString('en-US')} rows, seed ${s.seed}`),
        ` of the embedding table, added for context. The components are fitted on the ${r.T} sequence rows and the sample together.`);
    } else if (d && c.what === 'embeddings' && c.sample) {
      lines.push('No vocabulary sample: the model\u2019s table does not match these rows. ');
    }
    if (!d?.sample) lines.push(`The components are fitted on these ${r.T} rows only${r.T - r.n > 0 ? ` (the ${r.T - r.n} pad rows included)` : ''}.`);
    if (d && d.n < 3) lines.push(' With fewer than 3 rows the second component carries nothing.');
    this.note.append(...lines);
    this.canvas.setAttribute('aria-label', d
      ? `PCA scatter plot: ${d.groups.length} points for the ${r.T} rows${d.sample ? ` and ${d.sample.ids.length} sample points` : ''}; PC1 explains ${pct(d.explained[0])}, PC2 ${pct(d.explained[1])} of the variance`
      : 'PCA scatter plot (not computed yet)');
  }

  private renderLegend(): void {
    clear(this.legend);
    const d = this.data;
    const r = this.result;
    if (!d || !r) return;
    const item = (cls: string, text: string): HTMLElement => h('li', {}, h('span', { class: `pj-swatch ${cls}`, 'aria-hidden': 'true' }), text);
    this.legend.append(item('seq', `token of the text (${r.n})`), item('selected', 'selected token'));
    const pads = d.groups.filter(g => g.pad);
    if (pads.length) {
      const count = pads.reduce((s, g) => s + g.rows.length, 0);
      this.legend.append(item('pad', pads.length === 1 && count > 1 ? `pad rows (${count} share one point)` : `pad rows (${count})`));
    }
    if (d.sample) this.legend.append(item('sample', `vocabulary sample (${d.sample.ids.length.toLocaleString('en-US')} random rows; labels on hover)`));
    if (d.path) this.legend.append(item('path', 'the order the encoder read them'));
    this.legend.append(h('li', { class: 'dim' }, 'Wheel zooms, drag pans, 0 resets; [ ] step through tokens.'));
  }

  private setStatus(kind: '' | 'busy' | 'error', text: string, retry = false): void {
    renderStatus(this.status, 'pj-status', kind, text, retry ? () => this.refresh() : undefined);
  }

  // ---------------------------------------------------------------- geometry

  /** The fitted scale (CSS px per data unit, equal on both axes: PCA distances stay true). */
  private frameOf(d: PlotData, w: number, hgt: number): { s: number; cx: number; cy: number; ox: number; oy: number } {
    const pw = Math.max(10, w - MARGIN.left - MARGIN.right);
    const ph = Math.max(10, hgt - MARGIN.top - MARGIN.bottom);
    const dx = d.maxX - d.minX || 1;
    const dy = d.maxY - d.minY || 1;
    const s0 = Math.min(pw / dx, ph / dy) * 0.92;
    return {
      s: s0 * this.view.zoom,
      cx: (d.minX + d.maxX) / 2,
      cy: (d.minY + d.maxY) / 2,
      ox: MARGIN.left + pw / 2 + this.view.panX,
      oy: MARGIN.top + ph / 2 + this.view.panY,
    };
  }

  private size(): { w: number; h: number } {
    return { w: Math.max(200, this.canvas.clientWidth), h: Math.max(200, this.canvas.clientHeight) };
  }

  // ---------------------------------------------------------------- drawing

  private requestDraw(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  /** Draws the whole plot (one pass: grid, sample, path, points, labels). */
  draw(): void {
    const t0 = performance.now();
    const dpr = window.devicePixelRatio || 1;
    const { w, h: hgt } = this.size();
    if (this.canvas.width !== Math.round(w * dpr) || this.canvas.height !== Math.round(hgt * dpr)) {
      this.canvas.width = Math.round(w * dpr);
      this.canvas.height = Math.round(hgt * dpr);
    }
    const ctx = this.ctx;
    const p = this.palette;
    const c = this.colors;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = rgbCss(p.background);
    ctx.fillRect(0, 0, w, hgt);
    const d = this.data;
    if (!d) return;
    const f = this.frameOf(d, w, hgt);
    const sx = (x: number): number => f.ox + (x - f.cx) * f.s;
    const sy = (y: number): number => f.oy - (y - f.cy) * f.s;
    const left = MARGIN.left;
    const top = MARGIN.top;
    const right = w - MARGIN.right;
    const bottom = hgt - MARGIN.bottom;
    this.drawAxes(ctx, d, f, left, top, right, bottom, w, hgt);
    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top, right - left, bottom - top);
    ctx.clip();
    // The sample: small faint squares written straight into a bitmap layer (one drawImage), kept
    // while only the hover or the selection changes.
    if (d.n > d.T) this.drawSample(ctx, d, f, left, top, right, bottom, dpr);
    // The encoder's reading order.
    if (d.path && d.path.length > 1) {
      ctx.beginPath();
      d.path.forEach((t, k) => (k ? ctx.lineTo(sx(d.pts[2 * t]!), sy(d.pts[2 * t + 1]!)) : ctx.moveTo(sx(d.pts[2 * t]!), sy(d.pts[2 * t + 1]!))));
      // Thousands of segments pile up: fainter the longer the path, so points stay readable.
      const alpha = Math.max(0.06, Math.min(1, Math.sqrt(64 / d.path.length))) * (p.highContrast ? 0.7 : 0.3);
      ctx.strokeStyle = rgbCss(p.foreground, alpha);
      ctx.lineWidth = 1;
      ctx.stroke();
      this.drawArrowheads(ctx, d, sx, sy);
    }
    // Sequence points: tokens as filled dots, pads as hollow squares.
    const sel = this.selectedGroup();
    const hov = this.hover?.kind === 'group' ? this.hover.g : -1;
    ctx.beginPath();
    for (const g of d.groups) {
      if (g.pad) continue;
      const x = sx(d.pts[2 * g.row]!);
      const y = sy(d.pts[2 * g.row + 1]!);
      ctx.moveTo(x + SEQ_RADIUS, y);
      ctx.arc(x, y, SEQ_RADIUS, 0, Math.PI * 2);
    }
    ctx.fillStyle = rgbCss(c.seq);
    ctx.fill();
    if (p.highContrast) {
      ctx.strokeStyle = rgbCss(p.foreground);
      ctx.lineWidth = 1;
      ctx.stroke();
    }
    ctx.beginPath();
    for (const g of d.groups) {
      if (!g.pad) continue;
      const x = sx(d.pts[2 * g.row]!);
      const y = sy(d.pts[2 * g.row + 1]!);
      ctx.rect(x - 4.5, y - 4.5, 9, 9);
    }
    // The theme's pad colour is a disabled grey: in high contrast it would vanish, so use the foreground.
    const padColor = p.highContrast ? p.foreground : p.pad;
    ctx.strokeStyle = rgbCss(padColor);
    ctx.lineWidth = 1.5;
    if (p.highContrast) ctx.setLineDash([3, 2]);
    ctx.stroke();
    ctx.setLineDash([]);
    // Labels: greedy, skipping ones that would overlap; selected and hovered always on top.
    ctx.font = this.labelFont();
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'left';
    const occupied = new Occupancy(w, hgt);
    const lh = Math.max(10, Math.min(13, p.fontSize)) + 2;
    const gap = SEQ_RADIUS + 3;
    ctx.strokeStyle = rgbCss(p.background, 0.85);
    ctx.lineWidth = 3;
    ctx.lineJoin = 'round';
    // The dots themselves are taken first, so no label hides a point.
    for (const g of d.groups) occupied.take(sx(d.pts[2 * g.row]!) - SEQ_RADIUS, sy(d.pts[2 * g.row + 1]!) - SEQ_RADIUS, 2 * SEQ_RADIUS, 2 * SEQ_RADIUS);
    // Claim the selected and hovered spots first so other labels make way.
    for (const g of [sel, hov]) if (g >= 0) occupied.take(sx(d.pts[2 * d.groups[g]!.row]!) + gap, sy(d.pts[2 * d.groups[g]!.row + 1]!) - lh / 2, d.groups[g]!.width + 8, lh);
    for (let gi = 0; gi < d.groups.length; gi++) {
      if (gi === sel || gi === hov) continue;
      const g = d.groups[gi]!;
      const px = sx(d.pts[2 * g.row]!);
      const py = sy(d.pts[2 * g.row + 1]!);
      if (px < left - g.width - gap || px > right + gap || py < top - lh || py > bottom + lh) continue;
      // Right, left, above, below, then the diagonals: the first free spot inside the plot wins.
      const wl = g.width;
      const spots: [number, number][] = [
        [px + gap, py], [px - gap - wl, py], [px - wl / 2, py - lh], [px - wl / 2, py + lh],
        [px + gap, py - lh], [px + gap, py + lh], [px - gap - wl, py - lh], [px - gap - wl, py + lh],
      ];
      const at = spots.find(([x, y]) => x >= left && x + wl <= right && y - lh / 2 >= top && y + lh / 2 <= bottom && occupied.free(x, y - lh / 2, wl, lh));
      if (!at) continue;
      occupied.take(at[0], at[1] - lh / 2, g.width, lh);
      // A halo in the background colour keeps labels readable over the sample's dots.
      ctx.strokeText(g.label, at[0], at[1]);
      ctx.fillStyle = rgbCss(g.pad ? padColor : p.foreground);
      ctx.fillText(g.label, at[0], at[1]);
    }
    ctx.restore();
    // Selected and hovered: rings and boxed labels (drawn unclipped so they stay readable at edges).
    const ring = (g: number, color: Rgb, width: number): void => {
      const grp = d.groups[g]!;
      const x = sx(d.pts[2 * grp.row]!);
      const y = sy(d.pts[2 * grp.row + 1]!);
      if (x < left - 8 || x > right + 8 || y < top - 8 || y > bottom + 8) return;
      ctx.beginPath();
      ctx.arc(x, y, SEQ_RADIUS + 3, 0, Math.PI * 2);
      ctx.strokeStyle = rgbCss(color);
      ctx.lineWidth = width;
      ctx.stroke();
      this.boxLabel(ctx, grp.label, x + SEQ_RADIUS + 5, y, w, grp.pad ? padColor : p.foreground);
    };
    if (sel >= 0) {
      const grp = d.groups[sel]!;
      ctx.beginPath();
      ctx.arc(sx(d.pts[2 * grp.row]!), sy(d.pts[2 * grp.row + 1]!), SEQ_RADIUS + 1, 0, Math.PI * 2);
      ctx.fillStyle = rgbCss(c.selected);
      ctx.fill();
      ring(sel, p.focus, 2);
    }
    if (hov >= 0 && hov !== sel) ring(hov, p.foreground, 1.5);
    if (this.hover?.kind === 'sample') {
      const i = d.T + this.hover.k;
      const x = sx(d.pts[2 * i]!);
      const y = sy(d.pts[2 * i + 1]!);
      ctx.beginPath();
      ctx.arc(x, y, 3.5, 0, Math.PI * 2);
      ctx.strokeStyle = rgbCss(p.foreground);
      ctx.lineWidth = 1.5;
      ctx.stroke();
      const s = d.sample!;
      this.boxLabel(ctx, `${visibleWhitespace(s.texts[this.hover.k] ?? '')}  id ${s.ids[this.hover.k]}`, x + 6, y, w, p.foreground);
    }
    this.lastDrawMs = performance.now() - t0;
    // Exposed for the webview tests' timing report (never asserted on).
    this.canvas.dataset.drawMs = this.lastDrawMs.toFixed(2);
  }

  private sampleLayer: { canvas: HTMLCanvasElement; img: ImageData | null; key: string } | undefined;

  private drawSample(ctx: CanvasRenderingContext2D, d: PlotData, f: { s: number; cx: number; cy: number; ox: number; oy: number }, left: number, top: number, right: number, bottom: number, dpr: number): void {
    const W = this.canvas.width;
    const H = this.canvas.height;
    const p = this.palette;
    const c = this.colors;
    const key = `${this.dataStamp(d)} ${W} ${H} ${f.s} ${f.ox} ${f.oy} ${c.sample.join()} ${p.highContrast}`;
    const layer = (this.sampleLayer ??= { canvas: document.createElement('canvas'), img: null, key: '' });
    if (layer.key !== key) {
      layer.key = key;
      if (layer.canvas.width !== W || layer.canvas.height !== H) {
        layer.canvas.width = W;
        layer.canvas.height = H;
        layer.img = null;
      }
      const lctx = layer.canvas.getContext('2d')!;
      const img = (layer.img ??= lctx.createImageData(W, H));
      const px = new Uint32Array(img.data.buffer);
      px.fill(0);
      const alpha = Math.round((p.highContrast ? 0.8 : 0.5) * 255);
      const color = ((alpha << 24) | (c.sample[2] << 16) | (c.sample[1] << 8) | c.sample[0]) >>> 0;
      const size = Math.max(1, Math.round((p.highContrast ? 2.5 : 2) * dpr));
      const x0 = Math.ceil(left * dpr);
      const x1 = Math.floor(right * dpr) - size;
      const y0 = Math.ceil(top * dpr);
      const y1 = Math.floor(bottom * dpr) - size;
      // [n - T] points, size² pixels each.
      for (let i = d.T; i < d.n; i++) {
        const X = Math.round((f.ox + (d.pts[2 * i]! - f.cx) * f.s) * dpr - size / 2);
        const Y = Math.round((f.oy - (d.pts[2 * i + 1]! - f.cy) * f.s) * dpr - size / 2);
        if (X < x0 || X > x1 || Y < y0 || Y > y1) continue;
        for (let yy = 0; yy < size; yy++) px.fill(color, (Y + yy) * W + X, (Y + yy) * W + X + size);
      }
      lctx.putImageData(img, 0, 0);
    }
    ctx.save();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(layer.canvas, 0, 0);
    ctx.restore();
  }

  private readonly stamps = new WeakMap<PlotData, number>();
  private nextStamp = 1;
  /** A number per projection, for cache keys. */
  private dataStamp(d: PlotData): number {
    let s = this.stamps.get(d);
    if (s === undefined) this.stamps.set(d, (s = this.nextStamp++));
    return s;
  }

  private drawArrowheads(ctx: CanvasRenderingContext2D, d: PlotData, sx: (x: number) => number, sy: (y: number) => number): void {
    const path = d.path!;
    // Small heads at the middle of each segment say which way the encoder went; skipped when many.
    if (path.length > 200) return;
    ctx.beginPath();
    for (let k = 1; k < path.length; k++) {
      const a = path[k - 1]!;
      const b = path[k]!;
      const x0 = sx(d.pts[2 * a]!);
      const y0 = sy(d.pts[2 * a + 1]!);
      const x1 = sx(d.pts[2 * b]!);
      const y1 = sy(d.pts[2 * b + 1]!);
      const len = Math.hypot(x1 - x0, y1 - y0);
      if (len < 18) continue;
      const ux = (x1 - x0) / len;
      const uy = (y1 - y0) / len;
      const mx = (x0 + x1) / 2;
      const my = (y0 + y1) / 2;
      ctx.moveTo(mx + ux * 4, my + uy * 4);
      ctx.lineTo(mx - ux * 3 - uy * 3.5, my - uy * 3 + ux * 3.5);
      ctx.lineTo(mx - ux * 3 + uy * 3.5, my - uy * 3 - ux * 3.5);
      ctx.closePath();
    }
    ctx.fillStyle = rgbCss(this.palette.foreground, this.palette.highContrast ? 0.8 : 0.45);
    ctx.fill();
  }

  private boxLabel(ctx: CanvasRenderingContext2D, text: string, x: number, y: number, w: number, color: Rgb): void {
    ctx.font = this.labelFont();
    const tw = ctx.measureText(text).width;
    const lh = Math.max(10, Math.min(13, this.palette.fontSize)) + 6;
    if (x + tw + 8 > w) x = Math.max(2, x - tw - 2 * (SEQ_RADIUS + 5) - 8);
    ctx.fillStyle = rgbCss(this.colors.hoverBg);
    ctx.fillRect(x, y - lh / 2, tw + 8, lh);
    ctx.strokeStyle = rgbCss(this.colors.hoverBorder);
    ctx.lineWidth = 1;
    ctx.strokeRect(x + 0.5, y - lh / 2 + 0.5, tw + 7, lh - 1);
    ctx.fillStyle = rgbCss(color);
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'left';
    ctx.fillText(text, x + 4, y);
  }

  private drawAxes(ctx: CanvasRenderingContext2D, d: PlotData, f: { s: number; cx: number; cy: number; ox: number; oy: number }, left: number, top: number, right: number, bottom: number, w: number, hgt: number): void {
    const p = this.palette;
    const toX = (sx: number): number => f.cx + (sx - f.ox) / f.s;
    const toY = (sy: number): number => f.cy - (sy - f.oy) / f.s;
    const x0 = toX(left);
    const x1 = toX(right);
    const y0 = toY(bottom);
    const y1 = toY(top);
    const stepX = niceStep((x1 - x0) / Math.max(2, (right - left) / 90));
    const stepY = niceStep((y1 - y0) / Math.max(2, (bottom - top) / 60));
    ctx.font = `${Math.max(10, Math.min(12, p.fontSize - 1))}px ${p.fontFamily}`;
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let v = Math.ceil(x0 / stepX) * stepX; v <= x1; v += stepX) {
      const x = Math.round(f.ox + (v - f.cx) * f.s) + 0.5;
      ctx.moveTo(x, top);
      ctx.lineTo(x, bottom);
    }
    for (let v = Math.ceil(y0 / stepY) * stepY; v <= y1; v += stepY) {
      const y = Math.round(f.oy - (v - f.cy) * f.s) + 0.5;
      ctx.moveTo(left, y);
      ctx.lineTo(right, y);
    }
    ctx.strokeStyle = rgbCss(p.grid, p.highContrast ? 0.35 : 0.45);
    ctx.stroke();
    // The origin (the mean of the fitted rows) a little stronger.
    ctx.beginPath();
    const ox = Math.round(f.ox - f.cx * f.s) + 0.5;
    const oy = Math.round(f.oy + f.cy * f.s) + 0.5;
    if (ox >= left && ox <= right) {
      ctx.moveTo(ox, top);
      ctx.lineTo(ox, bottom);
    }
    if (oy >= top && oy <= bottom) {
      ctx.moveTo(left, oy);
      ctx.lineTo(right, oy);
    }
    ctx.strokeStyle = rgbCss(p.grid, p.highContrast ? 0.8 : 0.9);
    ctx.stroke();
    ctx.strokeStyle = rgbCss(p.grid);
    ctx.strokeRect(left + 0.5, top + 0.5, right - left - 1, bottom - top - 1);
    ctx.fillStyle = rgbCss(p.foreground, 0.75);
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    for (let v = Math.ceil(x0 / stepX) * stepX; v <= x1; v += stepX) ctx.fillText(tick(v, stepX), f.ox + (v - f.cx) * f.s, bottom + 3);
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (let v = Math.ceil(y0 / stepY) * stepY; v <= y1; v += stepY) ctx.fillText(tick(v, stepY), left - 4, f.oy - (v - f.cy) * f.s);
    ctx.fillStyle = rgbCss(p.foreground);
    ctx.textAlign = 'center';
    ctx.textBaseline = 'bottom';
    ctx.fillText(`PC1 (${pct(d.explained[0])} of variance)`, (left + right) / 2, hgt - 2);
    ctx.save();
    ctx.translate(12, (top + bottom) / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textBaseline = 'middle';
    ctx.fillText(`PC2 (${pct(d.explained[1])} of variance)`, 0, 0);
    ctx.restore();
    void w;
  }

  private selectedGroup(): number {
    const d = this.data;
    const r = this.result;
    const i = this.selection.selected;
    if (!d || !r || i < 0 || i >= r.n) return -1;
    const row = r.positions[i]!;
    return row < d.T ? d.groupOfRow[row]! : -1;
  }

  // ---------------------------------------------------------------- interaction

  private hitTest(clientX: number, clientY: number): Hit {
    const d = this.data;
    if (!d) return null;
    const rect = this.canvas.getBoundingClientRect();
    const px = clientX - rect.left;
    const py = clientY - rect.top;
    const { w, h: hgt } = this.size();
    if (px < MARGIN.left || px > w - MARGIN.right || py < MARGIN.top || py > hgt - MARGIN.bottom) return null;
    const f = this.frameOf(d, w, hgt);
    const x = f.cx + (px - f.ox) / f.s;
    const y = f.cy - (py - f.oy) / f.s;
    const rad = HIT_SEQ / f.s;
    const g = d.grid;
    const c0 = Math.max(0, Math.floor((x - rad - d.minX) / g.cellW));
    const c1 = Math.min(g.cols - 1, Math.floor((x + rad - d.minX) / g.cellW));
    const r0 = Math.max(0, Math.floor((y - rad - d.minY) / g.cellH));
    const r1 = Math.min(g.rows - 1, Math.floor((y + rad - d.minY) / g.cellH));
    let bestSeq = -1;
    let bestSeqD = HIT_SEQ * HIT_SEQ;
    let bestSample = -1;
    let bestSampleD = HIT_SAMPLE * HIT_SAMPLE;
    const groups = d.groups.length;
    for (let gr = r0; gr <= r1; gr++) {
      for (let gc = c0; gc <= c1; gc++) {
        const cell = gr * g.cols + gc;
        for (let k = g.start[cell]!; k < g.start[cell + 1]!; k++) {
          const item = g.items[k]!;
          const row = item < groups ? d.groups[item]!.row : d.T + (item - groups);
          const ddx = (d.pts[2 * row]! - x) * f.s;
          const ddy = (d.pts[2 * row + 1]! - y) * f.s;
          const dist = ddx * ddx + ddy * ddy;
          if (item < groups) {
            if (dist <= bestSeqD) {
              bestSeqD = dist;
              bestSeq = item;
            }
          } else if (dist <= bestSampleD) {
            bestSampleD = dist;
            bestSample = item - groups;
          }
        }
      }
    }
    if (bestSeq >= 0) return { kind: 'group', g: bestSeq };
    if (bestSample >= 0) return { kind: 'sample', k: bestSample };
    return null;
  }

  private onPointerMove(e: PointerEvent): void {
    if (this.drag) {
      const dx = e.clientX - this.drag.x;
      const dy = e.clientY - this.drag.y;
      if (!this.drag.moved && Math.hypot(dx, dy) < 3) return;
      this.drag.moved = true;
      this.canvas.classList.add('dragging');
      this.view = { ...this.view, panX: this.drag.panX + dx, panY: this.drag.panY + dy };
      this.requestDraw();
      return;
    }
    this.setHover(this.hitTest(e.clientX, e.clientY));
  }

  private onPointerUp(e: PointerEvent): void {
    const drag = this.drag;
    this.drag = undefined;
    this.canvas.classList.remove('dragging');
    if (drag?.moved) {
      this.save();
      return;
    }
    const hit = this.hitTest(e.clientX, e.clientY);
    if (hit?.kind === 'group') {
      const g = this.data!.groups[hit.g]!;
      if (g.tokens.length) this.selection.select(g.tokens[0]!, true);
    }
  }

  private setHover(hit: Hit): void {
    const same = hit === this.hover || (hit && this.hover && hit.kind === this.hover.kind && (hit.kind === 'group' ? hit.g === (this.hover as { g: number }).g : hit.k === (this.hover as { k: number }).k));
    if (same) return;
    this.hover = hit;
    const d = this.data;
    const r = this.result;
    let token = -1;
    let text = '';
    if (d && r && hit?.kind === 'group') {
      const g = d.groups[hit.g]!;
      token = g.tokens[0] ?? -1;
      const rows = g.rows.length > 1 ? `rows ${g.rows.join(', ')}` : `row ${g.row}`;
      text = g.pad
        ? `${g.label}: ${rows} (pad, mask 0) at (${pos(d, g.row)})`
        : `${g.label}: ${rows}, token ${g.tokens.join(', ')}, id ${r.ids[g.tokens[0]!]} at (${pos(d, g.row)}) \u2014 click to select`;
    } else if (d && hit?.kind === 'sample') {
      const s = d.sample!;
      text = `sample row: ${visibleWhitespace(s.texts[hit.k] ?? '')} (id ${s.ids[hit.k]}) at (${pos(d, d.T + hit.k)})`;
    }
    this.readout.textContent = text;
    this.canvas.style.cursor = hit?.kind === 'group' && token >= 0 ? 'pointer' : '';
    this.selection.hover(token);
    this.requestDraw();
  }

  private onWheel(e: WheelEvent): void {
    const d = this.data;
    if (!d) return;
    e.preventDefault();
    const rect = this.canvas.getBoundingClientRect();
    this.zoomAt(e.clientX - rect.left, e.clientY - rect.top, Math.exp(-e.deltaY * (e.deltaMode === 1 ? 0.05 : 0.0015)));
  }

  /** Zooms by `factor` keeping the data under (px, py) in place. */
  private zoomAt(px: number, py: number, factor: number): void {
    const d = this.data;
    if (!d) return;
    const { w, h: hgt } = this.size();
    const f = this.frameOf(d, w, hgt);
    const zoom = Math.max(MIN_ZOOM, Math.min(MAX_ZOOM, this.view.zoom * factor));
    const k = zoom / this.view.zoom;
    // screen = base + pan + (data - c)·s: keeping (px, py) fixed scales its offset from base + pan.
    const bx = f.ox - this.view.panX;
    const by = f.oy - this.view.panY;
    this.view = { zoom, panX: px - bx - (px - f.ox) * k, panY: py - by - (py - f.oy) * k };
    this.requestDraw();
    this.saveSoon();
  }

  private saveTimer = 0;
  private saveSoon(): void {
    clearTimeout(this.saveTimer);
    this.saveTimer = window.setTimeout(() => this.save(), 300);
  }

  private resetView(): void {
    this.view = { zoom: 1, panX: 0, panY: 0 };
    this.save();
    this.requestDraw();
  }

  private onKey(e: KeyboardEvent): void {
    const { w, h: hgt } = this.size();
    const step = e.shiftKey ? 200 : 40;
    const r = this.result;
    switch (e.key) {
      case '+':
      case '=':
        this.zoomAt(w / 2, hgt / 2, 1.25);
        break;
      case '-':
        this.zoomAt(w / 2, hgt / 2, 0.8);
        break;
      case '0':
        this.resetView();
        break;
      case 'ArrowLeft':
        this.view = { ...this.view, panX: this.view.panX + step };
        break;
      case 'ArrowRight':
        this.view = { ...this.view, panX: this.view.panX - step };
        break;
      case 'ArrowUp':
        this.view = { ...this.view, panY: this.view.panY + step };
        break;
      case 'ArrowDown':
        this.view = { ...this.view, panY: this.view.panY - step };
        break;
      case '[':
      case ']': {
        if (!r || r.n === 0) return;
        const cur = this.selection.selected;
        const next = e.key === ']' ? (cur < 0 ? 0 : Math.min(r.n - 1, cur + 1)) : cur < 0 ? r.n - 1 : Math.max(0, cur - 1);
        this.selection.select(next);
        const d = this.data;
        const row = r.positions[next]!;
        if (d && row < d.T) this.readout.textContent = `selected ${d.groups[d.groupOfRow[row]!]!.label} (token ${next}, id ${r.ids[next]}) at (${pos(d, row)})`;
        break;
      }
      case 'Enter':
        if (this.selection.selected >= 0) this.selection.select(this.selection.selected, true);
        break;
      default:
        return;
    }
    e.preventDefault();
    if (e.key.startsWith('Arrow')) this.saveSoon();
    this.requestDraw();
  }
}

/** Extra theme colours this plot uses beyond the shared palette. */
function extraColors(): { seq: Rgb; selected: Rgb; sample: Rgb; hoverBg: Rgb; hoverBorder: Rgb } {
  const s = getComputedStyle(document.body);
  const v = (name: string): string => s.getPropertyValue(name);
  return {
    seq: cssColor(v('--vscode-charts-blue'), [55, 148, 255]),
    selected: cssColor(v('--vscode-charts-orange'), [209, 134, 22]),
    sample: cssColor(v('--vscode-descriptionForeground'), [150, 150, 150]),
    hoverBg: cssColor(v('--vscode-editorHoverWidget-background') || v('--vscode-editorWidget-background'), [37, 37, 38]),
    hoverBorder: cssColor(v('--vscode-editorHoverWidget-border') || v('--vscode-widget-border'), [69, 69, 69]),
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

/** Which label boxes are taken, on a coarse pixel grid (cheap for thousands of labels). */
class Occupancy {
  private static readonly CELL = 2;
  private readonly cols: number;
  private readonly rows: number;
  private readonly bits: Uint8Array;

  constructor(w: number, h: number) {
    this.cols = Math.ceil(w / Occupancy.CELL) + 1;
    this.rows = Math.ceil(h / Occupancy.CELL) + 1;
    this.bits = new Uint8Array(this.cols * this.rows);
  }

  private range(x: number, y: number, w: number, h: number): [number, number, number, number] {
    const C = Occupancy.CELL;
    return [Math.max(0, Math.floor(x / C)), Math.min(this.cols - 1, Math.floor((x + w) / C)), Math.max(0, Math.floor(y / C)), Math.min(this.rows - 1, Math.floor((y + h) / C))];
  }

  free(x: number, y: number, w: number, h: number): boolean {
    const [c0, c1, r0, r1] = this.range(x, y, w, h);
    for (let r = r0; r <= r1; r++) for (let c = c0; c <= c1; c++) if (this.bits[r * this.cols + c]) return false;
    return true;
  }

  take(x: number, y: number, w: number, h: number): void {
    const [c0, c1, r0, r1] = this.range(x, y, w, h);
    for (let r = r0; r <= r1; r++) this.bits.fill(1, r * this.cols + c0, r * this.cols + c1 + 1);
  }
}

/** A 1-2-5 step near `raw`. */
function niceStep(raw: number): number {
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const e = 10 ** Math.floor(Math.log10(raw));
  const m = raw / e;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * e;
}

function tick(v: number, step: number): string {
  const digits = Math.max(0, -Math.floor(Math.log10(step)));
  const s = Math.abs(v) < step / 2 ? '0' : v.toFixed(Math.min(6, digits));
  return s.replace('-', '\u2212');
}

function pct(x: number): string {
  // One row (or identical rows) has no variance to share out.
  return Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : '\u2014';
}

function pos(d: PlotData, row: number): string {
  return `${Number(d.pts[2 * row]!.toPrecision(4))}, ${Number(d.pts[2 * row + 1]!.toPrecision(4))}`;
}
