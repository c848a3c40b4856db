// The Projection tab: PCA to 2-D of the sequence's embeddings or of one layer-direction's hidden
// states (computed in the worker), optionally with a seeded sample of the vocabulary for context.
// This file holds the tab's state and its worker requests; the rest is by concern:
//   controls.ts  the toolbar (what, layer, direction, sample, reset)
//   data.ts      from the worker's points to a plot (groups, bounds, hit grid; data → screen)
//   draw.ts      the canvas drawing (axes, sample layer, path, points, labels, rings)
//   input.ts     hit tests, hover, click, drag, wheel and keys (owns zoom and pan)
//   text.ts      heading, note and legend
//   types.ts     the shapes and constants they share
// One canvas draw per frame and a spatial grid for hit testing, so 10,000+ sample points stay smooth.
import type { PanelState } from '../../../src/shared/panelProtocol';
import { h, renderStatus } from '../../dom';
import { isSuperseded, RequestLane } from '../../requests';
import type { Result } from '../../result';
import type { Selection } from '../../selection';
import { saveState, vscode } from '../../vscodeApi';
import { ProjectionControls } from './controls';
import { preparePlot } from './data';
import { PlotPainter } from './draw';
import { PlotInput } from './input';
import { renderHeading, renderLegend } from './text';
import { SAMPLE_SIZES, type PlotData, type PlotView, type ProjectionChoice, type ProjectionState } from './types';

export { SAMPLE_SIZES } from './types';

/** The projection tab. */
export class ProjectionView {
  readonly element = h('section', { class: 'projection-view', 'aria-label': 'Projection' });
  private readonly controls: ProjectionControls;
  private readonly heading = h('h3', { class: 'pj-heading' });
  private readonly note = h('p', { class: 'pj-note dim' });
  private readonly status = h('div', { class: 'pj-status', role: 'status', 'aria-live': 'polite' });
  readonly canvas = h('canvas', { class: 'pj-canvas', tabindex: 0, role: 'img', 'aria-label': 'PCA projection', 'aria-roledescription': 'scatter plot' });
  readonly readout = h('div', { class: 'pj-readout', 'aria-live': 'polite' });
  private readonly legend = h('ul', { class: 'pj-legend', 'aria-label': 'Legend' });
  readonly painter: PlotPainter;
  private readonly input: PlotInput;
  private readonly lane = new RequestLane<'project'>();
  private readonly cache = new Map<string, PlotData>();
  private shown: Result | undefined;
  private choice: ProjectionChoice;
  private plot: PlotData | undefined;
  private restoredView: PlotView | undefined;
  private frame = 0;
  private stale = true;
  private timer = 0;

  constructor(readonly selection: Selection) {
    this.painter = new PlotPainter(this.canvas);
    const saved = (vscode.getState() as (PanelState & ProjectionState) | undefined)?.projection;
    this.choice = {
      what: saved?.what === 'hidden' ? 'hidden' : 'embeddings',
      layer: saved?.layer ?? 0,
      direction: saved?.direction ?? 0,
      sample: SAMPLE_SIZES.includes(saved?.sample as 0) ? saved!.sample : 0,
    };
    this.restoredView = saved?.view;
    this.controls = new ProjectionControls(this.choice, () => this.onChoice(), () => this.input.resetView());
    this.input = new PlotInput(this);
    this.element.append(this.controls.element, this.heading, this.note, this.status, h('div', { class: 'pj-plot' }, this.canvas), this.readout, this.legend);
    this.canvas.setAttribute('aria-description', 'Arrow keys pan, plus and minus zoom, 0 resets, [ and ] select the previous and next token, Enter shows the selected token in the editor.');
    selection.onChange(() => this.requestDraw());
    new ResizeObserver(() => {
      if (this.stale && this.visible()) this.refresh();
      this.requestDraw();
    }).observe(this.element);
  }

  /** Milliseconds the last full draw took (for the perf check). */
  get lastDrawMs(): number {
    return this.painter.lastDrawMs;
  }

  /** The plot on show (PlotHost). */
  data(): PlotData | undefined {
    return this.plot;
  }

  /** The result on show (PlotHost). */
  result(): Result | undefined {
    return this.shown;
  }

  show(r: Result): void {
    this.shown = r;
    this.cache.clear();
    this.plot = undefined;
    this.input.hover = null;
    this.choice = this.controls.fillEncoderChoices(r, this.choice);
    this.stale = true;
    this.renderText();
    clearTimeout(this.timer);
    this.timer = window.setTimeout(() => this.visible() && this.refresh(), 0);
    this.requestDraw();
  }

  repaint(): void {
    this.painter.repaint();
    if (this.plot) this.painter.measureLabels(this.plot);
    this.requestDraw();
  }

  /** Draws the whole plot now (one pass: grid, sample, path, points, labels). */
  draw(): void {
    this.painter.draw({ d: this.plot, view: this.input.view, hover: this.input.hover, selected: this.selectedGroup() });
  }

  /** Draws at the next frame (several requests in one frame draw once). */
  requestDraw(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  /** Saves the choice, zoom and pan with the panel's state. */
  save(): void {
    const patch: Partial<PanelState> & ProjectionState = { projection: { ...this.choice, view: this.input.view } };
    saveState(patch);
  }

  private visible(): boolean {
    return this.element.isConnected && this.element.getClientRects().length > 0;
  }

  private onChoice(): void {
    this.choice = this.controls.read();
    this.controls.sync(this.shown, this.choice);
    this.input.view = { zoom: 1, panX: 0, panY: 0 };
    this.save();
    this.refresh();
  }

  private key(): string {
    const c = this.choice;
    return c.what === 'hidden' ? `hidden ${c.layer} ${c.direction}` : `embeddings ${c.sample}`;
  }

  /** Asks the worker for the chosen projection (or takes it from the cache). */
  private refresh(): void {
    const r = this.shown;
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
        if (this.shown !== requestedFor) return;
        const d = preparePlot(requestedFor, m.projection, m.what, this.choice);
        this.painter.measureLabels(d);
        if (this.cache.size >= 8) this.cache.delete(this.cache.keys().next().value!);
        this.cache.set(key, d);
        this.setStatus('', '');
        this.setData(d);
      },
      (e: unknown) => {
        if (isSuperseded(e)) return;
        this.plot = undefined;
        this.setStatus('error', e instanceof Error ? e.message : String(e), true);
        this.renderHeading();
        this.requestDraw();
      },
    );
  }

  private setData(d: PlotData): void {
    this.plot = d;
    this.input.hover = null;
    this.readout.textContent = '';
    if (this.restoredView) {
      this.input.view = this.restoredView;
      this.restoredView = undefined;
    }
    this.setStatus('', '');
    this.renderText();
    this.requestDraw();
  }

  private renderHeading(): void {
    renderHeading({ heading: this.heading, note: this.note, canvas: this.canvas }, this.shown, this.choice, this.plot);
  }

  private renderText(): void {
    this.renderHeading();
    renderLegend(this.legend, this.shown, this.plot);
  }

  private setStatus(kind: '' | 'busy' | 'error', text: string, retry = false): void {
    renderStatus(this.status, 'pj-status', kind, text, retry ? () => this.refresh() : undefined);
  }

  /** The selected token's group, or -1. */
  private selectedGroup(): number {
    const d = this.plot;
    const r = this.shown;
    const i = this.selection.selected;
    if (!d || !r || i < 0 || i >= r.n) return -1;
    const row = r.positions[i]!;
    return row < d.T ? d.groupOfRow[row]! : -1;
  }
}
