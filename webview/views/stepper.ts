// The explainer's "In / Out" as a stepper: for one layer-direction, at each step of the run
// order, h_{t-1} and x_t go in, the gates are shown, h_t (and c_t) come out, with the cell's
// equation and a check that the numbers add up. Pads run through and pads skipped stand side by
// side, aligned by time step, and a chart shows how h drifts across the pad steps.
import type { EncoderSpecWire } from '../../src/shared/workerProtocol';
import { clear, h } from '../dom';
import { f32, short } from '../format';
import { displayToken, type Result, type Run, type Trace } from '../result';
import type { Selection } from '../selection';
import { divergingLut, lutIndex, readPalette, rgbCss, type Palette } from '../theme';
import { saveState, vscode } from '../vscodeApi';

/** Vectors up to this many units print every number; longer ones become a colour strip. */
const MAX_PRINTED = 16;
/** How many leading numbers a strip prints beside it. */
const STRIP_NUMBERS = 12;
/** The check's tolerance: recomputed vs stored float32 values. */
const TOLERANCE = 1e-6;

// Canvas widths come from a ResizeObserver, never from clientWidth while stepping: reading
// layout after each DOM update forced a reflow per strip (5 ms a step at H = 768).
const widths = new WeakMap<Element, number>();
const onResize = new WeakMap<Element, () => void>();
const sizer = new ResizeObserver(entries => {
  for (const e of entries) {
    widths.set(e.target, e.contentRect.width);
    onResize.get(e.target)?.();
  }
});
function observeWidth(el: Element, redraw: () => void): void {
  onResize.set(el, redraw);
  sizer.observe(el);
}

type Cell = EncoderSpecWire['cell'];
type Select = HTMLElement & { value: string };

/** Units of the same space (hidden units, or input features) share the pointer's marker. */
type UnitSpace = 'h' | 'x';

/** One pad treatment as a column of the step-through. */
interface Column {
  readonly run: Run;
  readonly trace: Trace;
  /** Index of time step t in the trace's run order, or -1 when t did not run. */
  readonly stepOf: Int32Array;
  readonly title: string;
  readonly chosen: boolean;
  /** Scratch for x_t of layer ≥ 1 (the previous layer's forward and reverse h_t). */
  readonly x: Float32Array;
  readonly cells: Map<string, VectorCell>;
  readonly checks: HTMLElement;
  readonly head: HTMLElement;
  readonly notRun: HTMLElement;
  readonly body: HTMLElement[];
}

/** A row of the In / gates / Out grid. */
interface RowDef {
  readonly key: string;
  readonly label: (Node | string)[];
  readonly space: UnitSpace;
  /** Colour scale limit of the row (values map to ±limit). */
  readonly limit: () => number;
}

/** The step-through view. */
export class StepperView {
  readonly element = h('section', { class: 'stepper-view', 'aria-label': 'Step-through' });
  private readonly traceSelect: Select;
  private readonly traceLabel: HTMLElement;
  private readonly prev: HTMLElement;
  private readonly next: HTMLElement;
  private readonly slider: HTMLInputElement;
  private readonly position = h('span', { class: 'stepper-position' });
  private readonly live = h('div', { class: 'stepper-live', role: 'status', 'aria-live': 'polite', 'aria-atomic': 'true' });
  private readonly stage = h('div', { class: 'stepper-stage', tabindex: 0, role: 'group', 'aria-roledescription': 'stepper', 'aria-label': 'Step-through. Left and right arrows (or j and k) step, Home and End jump to the ends, Page Up and Page Down move 10 steps.' });
  private readonly header = h('h3', { class: 'stepper-header' });
  /** The explainer's sentence for the chosen run: "In: hidden state […], input […] (White) → Out: hidden state […]". */
  private readonly story = h('p', { class: 'stepper-story' });
  private readonly equation = h('div', { class: 'stepper-equation' });
  private readonly grid = h('div', { class: 'stepper-grid' });
  private readonly drift = h('section', { class: 'stepper-drift', 'aria-label': 'Drift of h across the pad steps' });
  private readonly empty = h('p', { class: 'dim' }, 'Nothing to step through: the text has no tokens.');
  private readonly chart: DriftChart;
  private readonly driftCaption: HTMLElement;
  private readonly finals = h('div', { class: 'stepper-finals' });
  private readonly finalCells: VectorCell[] = [];
  private readonly finalNote = h('div', { class: 'stepper-final-note' });
  private result: Result | undefined;
  private columns: Column[] = [];
  private layer = 0;
  private direction = 0;
  /** Time steps in run order, covering every step (the run-through trace's order). */
  private order: Int32Array = new Int32Array(0);
  /** Step index of each time step in `order`. */
  private indexOf = new Int32Array(0);
  private k = 0;
  private palette: Palette = readPalette();
  private lut = divergingLut(this.palette);
  private readonly allCells = new Set<VectorCell>();
  private hover: { space: UnitSpace; unit: number } | null = null;
  /** True while this view moves the shared selection (so its own change does not jump back). */
  private selecting = false;
  private limits = { h: 1, c: 1, x: 1 };

  constructor(private readonly selection: Selection) {
    this.traceSelect = h('vscode-single-select', { class: 'stepper-trace', 'aria-label': 'Layer and direction' }) as Select;
    this.traceLabel = h('label', { class: 'stepper-trace-label' }, h('span', { class: 'dim' }, 'layer / direction'), this.traceSelect);
    this.prev = h('vscode-button', { secondary: true, icon: 'chevron-left', title: 'Previous step (\u2190 or k)', 'aria-label': 'Previous step' }, 'Prev');
    this.next = h('vscode-button', { secondary: true, 'icon-after': 'chevron-right', title: 'Next step (\u2192 or j)', 'aria-label': 'Next step' }, 'Next');
    this.slider = h('input', { type: 'range', class: 'stepper-slider', min: 0, max: 0, step: 1, value: 0, 'aria-label': 'Step' });
    const nav = h('div', { class: 'stepper-nav', role: 'group', 'aria-label': 'Step navigation' }, this.traceLabel, this.prev, this.slider, this.next, this.position);
    this.chart = new DriftChart(k => this.go(k));
    this.drift.append(
      h('h4', {}, 'How h drifts across the pad steps'),
      this.driftCaption = h('p', { class: 'dim stepper-drift-caption' }, 'Each step in run order: \u2016h', sub('t'), ' (run through pads) \u2212 h (skip pads)\u2016. The skipped run holds its state over the pads: the last real step\u2019s h after the text, the zero initial state before it. The last point is \u2016h', sub('n'), ' \u2212 h', sub('n'), '\u2016.'),
      this.chart.element,
      this.finals,
      this.finalNote,
    );
    this.stage.append(this.header, this.story, this.equation, this.grid);
    this.element.append(nav, this.live, this.empty, this.stage, this.drift);

    this.prev.addEventListener('click', () => this.go(this.k - 1));
    this.next.addEventListener('click', () => this.go(this.k + 1));
    this.slider.addEventListener('input', () => this.go(Number(this.slider.value)));
    this.traceSelect.addEventListener('change', () => {
      const [l, d] = this.traceSelect.value.split(':').map(Number);
      this.setTrace(l ?? 0, d ?? 0);
    });
    this.element.addEventListener('keydown', e => this.onKey(e));
    selection.onChange(() => this.followSelection());
  }

  show(r: Result): void {
    this.result = r;
    const e = r.reply.encoder;
    const dirs = e.bidirectional ? 2 : 1;
    const saved = vscode.getState();
    const layer = clampInt(saved?.stepLayer ?? 0, 0, e.numLayers - 1);
    const direction = clampInt(saved?.stepDirection ?? 0, 0, dirs - 1);
    clear(this.traceSelect);
    for (let l = 0; l < e.numLayers; l++) {
      for (let d = 0; d < dirs; d++) this.traceSelect.append(h('vscode-option', { value: `${l}:${d}`, selected: l === layer && d === direction }, traceName(l, d, e.bidirectional)));
    }
    this.traceLabel.hidden = e.numLayers === 1 && !e.bidirectional;
    this.build(layer, direction);
    this.go(clampInt(saved?.step ?? 0, 0, this.order.length - 1), false);
  }

  repaint(): void {
    this.palette = readPalette();
    this.lut = divergingLut(this.palette);
    for (const c of this.allCells) c.setPalette(this.lut, this.palette);
    this.chart.setPalette(this.palette);
  }

  /** Switches layer/direction, staying on the same time step. */
  private setTrace(layer: number, direction: number): void {
    const t = this.order[this.k] ?? 0;
    this.build(layer, direction);
    saveState({ stepLayer: layer, stepDirection: direction });
    this.go(this.indexOf[t] ?? 0, false);
  }

  /** Builds the grid for a layer-direction: columns, rows, drift series. */
  private build(layer: number, direction: number): void {
    const r = this.result!;
    const e = r.reply.encoder;
    const dirs = e.bidirectional ? 2 : 1;
    const H = e.hiddenSize;
    this.layer = layer;
    this.direction = direction;
    this.traceSelect.value = `${layer}:${direction}`;
    const index = layer * dirs + direction;
    // Run through first (it runs every step), skip second; without pads the two are one.
    const runs = r.other ? [r.run, r.other].sort((a, b) => Number(a.skipPadding) - Number(b.skipPadding)) : [r.run];
    const through = runs[0]!;
    this.order = through.traces[index]!.order;
    this.indexOf = new Int32Array(r.T).fill(-1);
    this.order.forEach((t, s) => (this.indexOf[t] = s));
    this.slider.max = String(Math.max(0, this.order.length - 1));
    this.empty.hidden = this.order.length > 0;
    this.stage.hidden = this.order.length === 0;

    for (const c of this.columns) for (const cell of c.cells.values()) this.allCells.delete(cell);
    this.columns = runs.map(run => {
      const trace = run.traces[index]!;
      const stepOf = new Int32Array(r.T).fill(-1);
      trace.order.forEach((t, s) => (stepOf[t] = s));
      const title = !r.other ? 'no pads: both treatments run the same steps' : run.skipPadding ? 'skip pads (pack_padded_sequence)' : 'run through pads (padded batch)';
      return {
        run, trace, stepOf, title,
        chosen: run === r.run && !!r.other,
        x: new Float32Array(layer === 0 ? r.embeddings.cols : H * dirs),
        cells: new Map<string, VectorCell>(),
        checks: h('div', { class: 'stepper-check' }),
        head: h('div', { class: 'stepper-col-head' }),
        notRun: h('div', { class: 'stepper-not-run' }, h('span', { class: 'codicon codicon-debug-step-over', 'aria-hidden': 'true' }), ' not run (output 0)'),
        body: [],
      };
    });
    this.limits = {
      h: Math.max(1e-30, ...this.columns.map(c => maxAbs(c.trace.h.data))),
      c: Math.max(1e-30, ...this.columns.map(c => (c.trace.c ? maxAbs(c.trace.c.data) : 0))),
      x: layer === 0 ? Math.max(1e-30, maxAbs(r.embeddings.data)) : Math.max(1e-30, ...this.columns.map(c => Math.max(maxAbs(c.run.traces[(layer - 1) * dirs]!.h.data), dirs === 2 ? maxAbs(c.run.traces[(layer - 1) * dirs + 1]!.h.data) : 0))),
    };

    // The equation, once for both columns.
    clear(this.equation);
    this.equation.append(...equationLines(e.cell, e.nonlinearity, layer, direction, e.bidirectional, H, layer === 0 ? e.inputSize : H * dirs));

    // Rows: In (h_{t-1}, c_{t-1}, x_t), the gates, Out (h_t, c_t), the check.
    const rows = rowDefs(e.cell, this.limits);
    clear(this.grid);
    this.grid.style.gridTemplateColumns = `max-content repeat(${this.columns.length}, minmax(0, 1fr))`;
    let line = 1;
    const place = (el: HTMLElement, row: number, col: number, span = 1): HTMLElement => {
      el.style.gridRow = `${row} / span ${span}`;
      el.style.gridColumn = String(col);
      this.grid.append(el);
      return el;
    };
    place(h('div', { class: 'stepper-corner' }), line, 1);
    this.columns.forEach((c, i) => place(c.head, line, i + 2));
    line++;
    const firstBody = line;
    for (const row of rows) {
      if (typeof row === 'string') {
        place(h('div', { class: 'stepper-section', role: 'heading', 'aria-level': 4 }, row), line, 1);
        this.columns.forEach((c, i) => c.body.push(place(h('div', { class: 'stepper-section-rule', 'aria-hidden': 'true' }), line, i + 2)));
        line++;
        continue;
      }
      place(h('div', { class: 'stepper-label' }, ...row.label), line, 1);
      this.columns.forEach((c, i) => {
        const cell = new VectorCell(row.space, this.lut, this.palette, (space, unit) => this.setHover(space, unit), row.label);
        cell.limit = row.limit();
        c.cells.set(row.key, cell);
        this.allCells.add(cell);
        c.body.push(place(cell.element, line, i + 2));
      });
      line++;
    }
    place(h('div', { class: 'stepper-label' }, 'check'), line, 1);
    this.columns.forEach((c, i) => c.body.push(place(c.checks, line, i + 2)));
    line++;
    this.columns.forEach((c, i) => place(c.notRun, firstBody, i + 2, line - firstBody));

    this.buildDrift(index);
  }

  /** The drift series and the final states of both treatments. */
  private buildDrift(index: number): void {
    const r = this.result!;
    const [through, skipped] = this.columns;
    for (const c of this.finalCells) this.allCells.delete(c);
    this.finalCells.length = 0;
    clear(this.finals);
    if (!r.other || !through || !skipped) {
      this.chart.element.hidden = true;
      this.driftCaption.hidden = true;
      this.finalNote.textContent = 'No pads in this result, so both pad treatments run the same steps and end in the same h\u2099. Set a max length longer than the text to add pads.';
      return;
    }
    this.chart.element.hidden = false;
    this.driftCaption.hidden = false;
    const H = through.trace.h.cols;
    const hT = through.trace.h.data;
    const hS = skipped.trace.h.data;
    const series = new Float32Array(this.order.length);
    const pad = new Uint8Array(this.order.length);
    let ref = -1; // row of the skipped run's latest state, -1 = the zero initial state
    for (let s = 0; s < this.order.length; s++) {
      const t = this.order[s]!;
      pad[s] = r.mask[t] === 0 ? 1 : 0;
      if (skipped.stepOf[t]! >= 0) ref = t;
      let sum = 0;
      for (let j = 0; j < H; j++) {
        const d = hT[t * H + j]! - (ref < 0 ? 0 : hS[ref * H + j]!);
        sum += d * d;
      }
      series[s] = Math.sqrt(sum);
    }
    this.chart.setData(series, pad);
    const hnT = through.run.hN.data.subarray(index * H, (index + 1) * H);
    const hnS = skipped.run.hN.data.subarray(index * H, (index + 1) * H);
    const diff = new Float32Array(H);
    let norm = 0;
    for (let j = 0; j < H; j++) {
      diff[j] = hnT[j]! - hnS[j]!;
      norm += diff[j]! * diff[j]!;
    }
    const limit = Math.max(1e-30, maxAbs(hnT), maxAbs(hnS));
    const rows: [string, Float32Array][] = [
      ['h\u2099 run through pads', hnT],
      ['h\u2099 skip pads', hnS],
      ['difference', diff],
    ];
    for (const [label, v] of rows) {
      const cell = new VectorCell('h', this.lut, this.palette, (space, unit) => this.setHover(space, unit), [label]);
      cell.limit = limit;
      cell.set(v, null);
      this.finalCells.push(cell);
      this.allCells.add(cell);
      this.finals.append(h('div', { class: 'stepper-label' }, label), cell.element);
    }
    // Where the pads fall in this direction's run order decides what the difference means.
    const padsLast = r.mask[this.order[this.order.length - 1]!] === 0;
    const padsFirst = r.mask[this.order[0]!] === 0;
    const why = padsLast
      ? 'run through, h\u2099 is the state after the last pad step, not the state at the last real token'
      : padsFirst
        ? 'this direction reads the pads first, so it enters the text from a state that is not zero; the difference is what is left of that at the end'
        : 'the pads do not change this direction';
    this.finalNote.textContent = `\u2016h\u2099 run through \u2212 h\u2099 skipped\u2016 = ${short(Math.sqrt(norm))}: ${why}.`;
  }

  /** Moves to step k (clamped); `select` also moves the shared token selection. */
  private go(k: number, select = true): void {
    const r = this.result;
    if (!r || this.order.length === 0) return;
    this.k = clampInt(k, 0, this.order.length - 1);
    saveState({ step: this.k });
    this.render();
    if (select) {
      const i = r.tokenAtRow[this.order[this.k]!]!;
      if (i !== this.selection.selected) {
        this.selecting = true;
        try {
          this.selection.select(i);
        } finally {
          this.selecting = false;
        }
      }
    }
  }

  /** A token selected elsewhere: jump to its step. */
  private followSelection(): void {
    const r = this.result;
    const i = this.selection.selected;
    if (this.selecting || !r || i < 0 || i >= r.n || this.order.length === 0) return;
    const s = this.indexOf[r.positions[i]!] ?? -1;
    if (s >= 0 && s !== this.k) this.go(s, false);
  }

  private onKey(e: KeyboardEvent): void {
    const target = e.target as HTMLElement;
    if (target === this.traceSelect || target.closest('vscode-single-select')) return;
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const n = this.order.length;
    const to: Record<string, number> = { ArrowLeft: this.k - 1, k: this.k - 1, ArrowRight: this.k + 1, j: this.k + 1, Home: 0, End: n - 1, PageUp: this.k - 10, PageDown: this.k + 10 };
    const k = to[e.key];
    if (k === undefined) return;
    e.preventDefault();
    this.go(k);
  }

  /** Draws the current step into the header, the columns and the chart marker. */
  private render(): void {
    const r = this.result!;
    const e = r.reply.encoder;
    const n = this.order.length;
    const t = this.order[this.k]!;
    const isPad = r.mask[t] === 0;
    const i = r.tokenAtRow[t]!;
    const tokenText = i >= 0 ? displayToken(r, i) : r.reply.model.pad?.text ?? '[pad]';
    const id = r.inputIds[t]!;

    clear(this.header);
    this.header.append(`Step ${this.k + 1} of ${n} \u2014 t = ${t}: `);
    if (isPad) this.header.append(h('span', { class: 'stepper-pad-badge' }, 'pad step (mask 0)'), ' ');
    this.header.append(h('span', { class: 'stepper-token' }, `\u2018${tokenText}\u2019`), ` (id ${id})`);
    if (e.bidirectional || e.numLayers > 1) this.header.append(h('span', { class: 'dim' }, ` \u00b7 ${traceName(this.layer, this.direction, e.bidirectional)}`));
    this.header.classList.toggle('pad', isPad);
    this.position.textContent = `${this.k + 1} / ${n}`;
    this.slider.value = String(this.k);
    this.slider.setAttribute('aria-valuetext', `Step ${this.k + 1} of ${n}, t = ${t}, ${isPad ? 'pad step' : tokenText}`);
    this.prev.toggleAttribute('disabled', this.k === 0);
    this.next.toggleAttribute('disabled', this.k === n - 1);
    this.live.textContent = `Step ${this.k + 1} of ${n}, t = ${t}: ${isPad ? 'pad step, mask 0' : `${tokenText}, id ${id}`}`;

    for (const c of this.columns) this.renderColumn(c, t, isPad, tokenText);
    this.renderStory(t, isPad, tokenText);
    this.chart.setMarker(this.k);
  }

  private renderColumn(c: Column, t: number, isPad: boolean, tokenText: string): void {
    const r = this.result!;
    const e = r.reply.encoder;
    const H = e.hiddenSize;
    const dirs = e.bidirectional ? 2 : 1;
    const s = c.stepOf[t]!;
    const ran = s >= 0;
    clear(c.head);
    c.head.append(h('span', { class: 'stepper-col-title' }, c.title));
    if (c.chosen) c.head.append(h('span', { class: 'badge real' }, 'chosen'));
    c.head.append(h('div', { class: 'dim' }, ran ? `its step ${s + 1} of ${c.trace.order.length}` : 'this step is skipped'));
    c.notRun.hidden = ran;
    for (const el of c.body) el.hidden = !ran;
    if (!ran) return;

    const row = (m: { cols: number; data: Float32Array }, tt: number): Float32Array => m.data.subarray(tt * m.cols, (tt + 1) * m.cols);
    const prevT = s === 0 ? -1 : c.trace.order[s - 1]!;
    const zeros = new Float32Array(H);
    const hPrev = prevT < 0 ? zeros : row(c.trace.h, prevT);
    const prevNote = prevT < 0 ? 'zero initial state' : `h from t = ${prevT}${r.mask[prevT] === 0 ? ' (a pad step)' : ''}`;
    c.cells.get('hPrev')!.set(hPrev, prevNote);
    const cPrev = c.trace.c ? (prevT < 0 ? zeros : row(c.trace.c, prevT)) : null;
    if (cPrev) c.cells.get('cPrev')!.set(cPrev, prevT < 0 ? 'zero initial state' : `c from t = ${prevT}`);

    let x: Float32Array;
    let xNote: string;
    if (this.layer === 0) {
      x = row(r.embeddings, t);
      xNote = isPad ? `embedding row of the pad id ${r.inputIds[t]}` : `embedding row of \u2018${tokenText}\u2019 (id ${r.inputIds[t]})`;
    } else {
      const below = (this.layer - 1) * dirs;
      c.x.set(row(c.run.traces[below]!.h, t), 0);
      if (dirs === 2) c.x.set(row(c.run.traces[below + 1]!.h, t), H);
      x = c.x;
      xNote = dirs === 2 ? `layer ${this.layer - 1} output at t = ${t}: [forward h ; reverse h]` : `layer ${this.layer - 1} output at t = ${t}`;
    }
    c.cells.get('x')!.set(x, xNote);

    const gates = c.trace.gates ? row(c.trace.gates, t) : null;
    const names = e.cell === 'gru' ? ['r', 'z', 'n'] : e.cell === 'lstm' ? ['i', 'f', 'g', 'o'] : [];
    names.forEach((g, gi) => c.cells.get(g)?.set(gates ? gates.subarray(gi * H, (gi + 1) * H) : null, gates ? null : 'not kept for this result'));

    const hT = row(c.trace.h, t);
    c.cells.get('h')!.set(hT, null);
    const cT = c.trace.c ? row(c.trace.c, t) : null;
    if (cT) c.cells.get('c')!.set(cT, null);

    clear(c.checks);
    c.checks.append(...checkLine(e.cell, e.nonlinearity, gates, hPrev, cPrev, hT, cT, H));
  }

  /** The explainer's In / Out sentence for the chosen run (the numbers the grid shows). */
  private renderStory(t: number, isPad: boolean, tokenText: string): void {
    const c = this.columns.find(col => col.run === this.result!.run) ?? this.columns[0]!;
    clear(this.story);
    const s = c.stepOf[t]!;
    if (s < 0) {
      this.story.append(`pad step: ${c.title} does not run it; its output here is 0 and its state stays as it was.`);
      return;
    }
    const vec = (v: Float32Array): string => {
      const head = Array.from(v.subarray(0, STRIP_NUMBERS), x => f32(x)).join(', ');
      return v.length <= STRIP_NUMBERS ? `[${head}]` : `[${head}, …]`;
    };
    const cells = c.cells;
    const parts: (Node | string)[] = [h('span', { class: 'stepper-story-key' }, 'In:'), ' hidden state ', vec(cells.get('hPrev')!.value!)];
    if (cells.get('cPrev')) parts.push(', cell state ', vec(cells.get('cPrev')!.value!));
    parts.push(', input ', vec(cells.get('x')!.value!), ` (${isPad ? 'pad' : tokenText})`, ' → ', h('span', { class: 'stepper-story-key' }, 'Out:'), ' hidden state ', vec(cells.get('h')!.value!));
    if (cells.get('c')) parts.push(', cell state ', vec(cells.get('c')!.value!));
    this.story.append(...parts);
  }

  private setHover(space: UnitSpace, unit: number): void {
    this.hover = unit < 0 ? null : { space, unit };
    for (const c of this.allCells) c.setMarker(this.hover && this.hover.space === c.space ? this.hover.unit : -1);
  }

}

/** "layer 0 forward" etc. */
function traceName(layer: number, direction: number, bidirectional: boolean): string {
  return `layer ${layer}${bidirectional ? (direction ? ' reverse' : ' forward') : ''}`;
}

function clampInt(v: number, lo: number, hi: number): number {
  if (!Number.isFinite(v)) return lo;
  return Math.max(lo, Math.min(hi, Math.trunc(v)));
}

function maxAbs(a: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const v = Math.abs(a[i]!);
    if (v > m && Number.isFinite(v)) m = v;
  }
  return m;
}

function sub(text: string): HTMLElement {
  return h('sub', {}, text);
}

/** Math text with `_{…}` subscripts and `^{…}` superscripts as nodes (text stays text). */
function math(s: string): Node[] {
  const out: Node[] = [];
  const re = /([_^])\{([^}]*)\}/g;
  let last = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    if (m.index > last) out.push(document.createTextNode(s.slice(last, m.index)));
    out.push(h(m[1] === '_' ? 'sub' : 'sup', {}, m[2]!));
    last = m.index + m[0].length;
  }
  if (last < s.length) out.push(document.createTextNode(s.slice(last)));
  return out;
}

/** The cell's equations as PyTorch documents them, and where the weights live. */
function equationLines(cell: Cell, nonlinearity: 'tanh' | 'relu', layer: number, direction: number, bidirectional: boolean, H: number, inputSize: number): HTMLElement[] {
  const suffix = `l${layer}${bidirectional && direction ? '_reverse' : ''}`;
  const prev = bidirectional && direction ? ' (reverse: h_{t\u22121} is the state of step t + 1, which ran just before)' : '';
  const lines: string[] =
    cell === 'gru'
      ? [
          'r_{t} = \u03c3(W_{ir} x_{t} + b_{ir} + W_{hr} h_{t\u22121} + b_{hr})',
          'z_{t} = \u03c3(W_{iz} x_{t} + b_{iz} + W_{hz} h_{t\u22121} + b_{hz})',
          'n_{t} = tanh(W_{in} x_{t} + b_{in} + r_{t} \u2299 (W_{hn} h_{t\u22121} + b_{hn}))',
          'h_{t} = (1 \u2212 z_{t}) \u2299 n_{t} + z_{t} \u2299 h_{t\u22121}',
        ]
      : cell === 'lstm'
        ? [
            'i_{t} = \u03c3(W_{ii} x_{t} + b_{ii} + W_{hi} h_{t\u22121} + b_{hi})',
            'f_{t} = \u03c3(W_{if} x_{t} + b_{if} + W_{hf} h_{t\u22121} + b_{hf})',
            'g_{t} = tanh(W_{ig} x_{t} + b_{ig} + W_{hg} h_{t\u22121} + b_{hg})',
            'o_{t} = \u03c3(W_{io} x_{t} + b_{io} + W_{ho} h_{t\u22121} + b_{ho})',
            'c_{t} = f_{t} \u2299 c_{t\u22121} + i_{t} \u2299 g_{t}',
            'h_{t} = o_{t} \u2299 tanh(c_{t})',
          ]
        : [`h_{t} = ${nonlinearity === 'relu' ? 'ReLU' : 'tanh'}(x_{t} W_{ih}^{T} + b_{ih} + h_{t\u22121} W_{hh}^{T} + b_{hh})`];
  const gates = cell === 'gru' ? 'r, z, n' : cell === 'lstm' ? 'i, f, g, o' : '';
  const where =
    cell === 'rnn'
      ? `W_{ih} = weight_ih_${suffix} (${H}, ${inputSize}), W_{hh} = weight_hh_${suffix} (${H}, ${H}). Only h_{t} is kept: the pre-activation inside ${nonlinearity} is not stored, so this step shows the equation and its result.`
      : `W_{i\u00b7} are the ${gates} row blocks of weight_ih_${suffix} (${cell === 'gru' ? 3 : 4}\u00b7${H}, ${inputSize}), W_{h\u00b7} those of weight_hh_${suffix} (${cell === 'gru' ? 3 : 4}\u00b7${H}, ${H}); \u03c3 is the logistic sigmoid, \u2299 the element-wise product.`;
  return [
    h('div', { class: 'stepper-eq-title' }, cell === 'gru' ? 'GRU cell (torch.nn.GRU)' : cell === 'lstm' ? 'LSTM cell (torch.nn.LSTM)' : `Elman RNN cell (torch.nn.RNN, nonlinearity='${nonlinearity}')`),
    ...lines.map(l => h('div', { class: 'stepper-eq-line' }, ...math(l))),
    h('div', { class: 'dim stepper-eq-where' }, ...math(where + prev)),
  ];
}

/** The grid's rows for a cell type: section titles as strings, vectors as RowDefs. */
function rowDefs(cell: Cell, limits: { h: number; c: number; x: number }): (string | RowDef)[] {
  const m = (s: string): Node[] => math(s);
  const rows: (string | RowDef)[] = ['In'];
  rows.push({ key: 'hPrev', label: ['hidden state ', ...m('h_{t\u22121}')], space: 'h', limit: () => limits.h });
  if (cell === 'lstm') rows.push({ key: 'cPrev', label: ['cell state ', ...m('c_{t\u22121}')], space: 'h', limit: () => limits.c });
  rows.push({ key: 'x', label: ['input ', ...m('x_{t}')], space: 'x', limit: () => limits.x });
  // Sigmoid gates lie in (0, 1), tanh ones in (-1, 1): one fixed scale keeps them comparable.
  const gate = (key: string, name: string): RowDef => ({ key, label: [`${name} `, ...m(`${key}_{t}`)], space: 'h', limit: () => 1 });
  if (cell === 'gru') rows.push('Gates', gate('r', 'reset'), gate('z', 'update'), gate('n', 'new'));
  if (cell === 'lstm') rows.push('Gates', gate('i', 'input'), gate('f', 'forget'), gate('g', 'cell candidate'), gate('o', 'output'));
  rows.push('Out');
  rows.push({ key: 'h', label: ['hidden state ', ...m('h_{t}')], space: 'h', limit: () => limits.h });
  if (cell === 'lstm') rows.push({ key: 'c', label: ['cell state ', ...m('c_{t}')], space: 'h', limit: () => limits.c });
  return rows;
}

/** Recomputes h_t (and c_t) from the shown gates and h_{t-1} in float32, as the core does. */
function checkLine(cell: Cell, nonlinearity: 'tanh' | 'relu', gates: Float32Array | null, hPrev: Float32Array, cPrev: Float32Array | null, hT: Float32Array, cT: Float32Array | null, H: number): Node[] {
  const verdict = (label: Node[], delta: number): HTMLElement => {
    const ok = delta <= TOLERANCE;
    return h('div', { class: `stepper-check-line ${ok ? 'ok' : 'bad'}` },
      h('span', { class: `codicon codicon-${ok ? 'pass' : 'error'}`, 'aria-hidden': 'true' }), ' ',
      ...label, ` \u2192 max |\u0394| = ${delta === 0 ? '0' : delta.toExponential(1)} ${ok ? '\u2264' : '>'} 1e-6`);
  };
  if (cell === 'rnn') {
    return [h('div', { class: 'stepper-check-line dim' }, ...math(`no gates to recompute from: h_{t} = ${nonlinearity}(\u2026) is stored, its argument is not`))];
  }
  if (!gates) return [h('div', { class: 'stepper-check-line dim' }, 'gates were not kept for this result')];
  if (cell === 'gru') {
    let d = 0;
    for (let j = 0; j < H; j++) {
      const z = gates[H + j]!;
      const v = Math.fround((1 - z) * gates[2 * H + j]! + z * hPrev[j]!);
      d = Math.max(d, Math.abs(v - hT[j]!));
    }
    return [verdict(math('(1 \u2212 z_{t}) \u2299 n_{t} + z_{t} \u2299 h_{t\u22121} vs h_{t}'), d)];
  }
  let dc = 0;
  let dh = 0;
  for (let j = 0; j < H; j++) {
    const c = Math.fround(gates[H + j]! * cPrev![j]! + gates[j]! * gates[2 * H + j]!);
    dc = Math.max(dc, Math.abs(c - cT![j]!));
    dh = Math.max(dh, Math.abs(Math.fround(gates[3 * H + j]! * Math.tanh(c)) - hT[j]!));
  }
  return [verdict(math('f_{t} \u2299 c_{t\u22121} + i_{t} \u2299 g_{t} vs c_{t}'), dc), verdict(math('o_{t} \u2299 tanh(c_{t}) vs h_{t}'), dh)];
}

/**
 * One vector: every number (≤ 16 units) with a colour tick under each, or a colour strip on
 * canvas with the first numbers and the value under the pointer (more units).
 */
class VectorCell {
  readonly element = h('div', { class: 'stepper-vec' });
  limit = 1;
  private readonly numbers = h('div', { class: 'stepper-nums' });
  private readonly strip = h('canvas', { class: 'stepper-strip', role: 'img' });
  private readonly readout = h('div', { class: 'stepper-readout dim' });
  private readonly note = h('div', { class: 'stepper-note dim' });
  private spans: HTMLElement[] = [];
  private data: Float32Array | null = null;
  /** The vector shown (null: none). */
  get value(): Float32Array | null {
    return this.data;
  }
  private bitmap: HTMLCanvasElement | undefined;
  private pixels: ImageData | undefined;
  private marker = -1;

  constructor(
    readonly space: UnitSpace,
    private lut: Uint32Array,
    private palette: Palette,
    private readonly onHover: (space: UnitSpace, unit: number) => void,
    private readonly label: (Node | string)[],
  ) {
    this.element.append(this.numbers, this.strip, this.readout, this.note);
    observeWidth(this.element, () => this.draw());
    this.strip.addEventListener('pointermove', e => {
      const n = this.data?.length ?? 0;
      const rect = this.strip.getBoundingClientRect();
      const u = Math.floor(((e.clientX - rect.left) / Math.max(1, rect.width)) * n);
      this.onHover(this.space, u >= 0 && u < n ? u : -1);
    });
    this.strip.addEventListener('pointerleave', () => this.onHover(this.space, -1));
  }

  /** Shows `v` (null: nothing) and a note beside it. */
  set(v: Float32Array | null, note: string | null): void {
    this.data = v;
    this.note.textContent = note ?? '';
    this.note.hidden = !note;
    const small = !!v && v.length <= MAX_PRINTED;
    this.numbers.hidden = !v;
    this.strip.hidden = !v || small;
    this.readout.hidden = !v || small;
    if (!v) return;
    if (small) this.printAll(v);
    else {
      this.printHead(v);
      this.paintBitmap();
      this.draw();
    }
    this.updateReadout();
  }

  setPalette(lut: Uint32Array, palette: Palette): void {
    this.lut = lut;
    this.palette = palette;
    if (this.data) this.set(this.data, this.note.hidden ? null : this.note.textContent);
  }

  /** Marks unit u (the pointer is on it in some vector of the same space); -1 clears. */
  setMarker(u: number): void {
    if (u === this.marker) return;
    const old = this.spans[this.marker];
    old?.classList.remove('hover');
    this.marker = u;
    this.spans[u]?.classList.add('hover');
    if (this.data && this.data.length > MAX_PRINTED) {
      this.draw();
      this.updateReadout();
    }
  }

  private printAll(v: Float32Array): void {
    if (this.spans.length !== v.length) {
      clear(this.numbers);
      this.spans = [];
      this.numbers.append('[');
      for (let j = 0; j < v.length; j++) {
        const span = h('span', { class: 'stepper-num' });
        span.addEventListener('pointerenter', () => this.onHover(this.space, j));
        span.addEventListener('pointerleave', () => this.onHover(this.space, -1));
        this.spans.push(span);
        this.numbers.append(span, j + 1 < v.length ? ', ' : '');
      }
      this.numbers.append(']');
    }
    for (let j = 0; j < v.length; j++) {
      const span = this.spans[j]!;
      span.textContent = f32(v[j]!);
      span.title = `unit ${j}: ${f32(v[j]!)}`;
      span.style.borderBottomColor = lutCss(this.lut[lutIndex(v[j]!, this.limit)]!);
    }
  }

  private printHead(v: Float32Array): void {
    this.spans = [];
    const head = Array.from(v.subarray(0, STRIP_NUMBERS), x => f32(x)).join(', ');
    this.numbers.textContent = `[${head}, \u2026]  (${v.length} values)`;
    let lo = Infinity;
    let hi = -Infinity;
    for (let j = 0; j < v.length; j++) {
      lo = Math.min(lo, v[j]!);
      hi = Math.max(hi, v[j]!);
    }
    this.strip.setAttribute('aria-label', `${this.label.map(l => (typeof l === 'string' ? l : l.textContent)).join('')}: ${v.length} values on a colour strip, ${f32(lo)} to ${f32(hi)}`);
  }

  /** One pixel per unit in an offscreen bitmap; draw() scales it to the cell's width. */
  private paintBitmap(): void {
    const v = this.data!;
    const bmp = this.bitmap ?? h('canvas');
    if (bmp.width !== v.length) bmp.width = v.length;
    if (bmp.height !== 1) bmp.height = 1;
    const ctx = bmp.getContext('2d')!;
    const img = this.pixels?.width === v.length ? this.pixels : (this.pixels = ctx.createImageData(v.length, 1));
    const px = new Uint32Array(img.data.buffer);
    for (let j = 0; j < v.length; j++) px[j] = this.lut[lutIndex(v[j]!, this.limit)]!;
    ctx.putImageData(img, 0, 0);
    this.bitmap = bmp;
  }

  /** Scales the strip to the cell's width (and marks the pointer's unit). */
  draw(): void {
    const v = this.data;
    if (!v || v.length <= MAX_PRINTED || !this.bitmap) return;
    const dpr = window.devicePixelRatio || 1;
    const w = widths.get(this.element) ?? 0;
    if (w === 0) return; // a hidden tab: drawn when it shows (the ResizeObserver calls back)
    const hgt = 16; // the CSS height
    if (this.strip.width !== Math.round(w * dpr)) this.strip.width = Math.round(w * dpr);
    if (this.strip.height !== Math.round(hgt * dpr)) this.strip.height = Math.round(hgt * dpr);
    const ctx = this.strip.getContext('2d')!;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(this.bitmap, 0, 0, v.length, 1, 0, 0, this.strip.width, this.strip.height);
    if (this.marker >= 0 && this.marker < v.length) {
      const x0 = Math.floor((this.marker / v.length) * this.strip.width);
      const x1 = Math.max(x0 + Math.round(2 * dpr), Math.floor(((this.marker + 1) / v.length) * this.strip.width));
      ctx.strokeStyle = rgbCss(this.palette.foreground);
      ctx.lineWidth = dpr;
      ctx.strokeRect(x0 + 0.5 * dpr, 0.5 * dpr, x1 - x0 - dpr, this.strip.height - dpr);
    }
  }

  private updateReadout(): void {
    const v = this.data;
    if (!v || v.length <= MAX_PRINTED) return;
    // The pointer's unit in every strip of its space at once: one unit across h, the gates, h_n.
    this.readout.textContent = this.marker >= 0 && this.marker < v.length ? `unit ${this.marker}: ${f32(v[this.marker]!)}` : '\u00a0';
    this.strip.title = `colour scale \u00b1${short(this.limit, 3)} (blue negative, orange positive); point at a unit for its value here and in the other rows`;
  }
}

function lutCss(c: number): string {
  return `rgb(${c & 255}, ${(c >> 8) & 255}, ${(c >> 16) & 255})`;
}

/** The drift chart: one value per step in run order, pad steps shaded, the current step marked. */
class DriftChart {
  readonly element = h('div', { class: 'stepper-chart' });
  private readonly canvas = h('canvas', { class: 'stepper-chart-canvas', role: 'img', 'aria-label': 'Drift chart' });
  private readonly readout = h('div', { class: 'stepper-readout dim', 'aria-live': 'off' });
  private series: Float32Array = new Float32Array(0);
  private pad: Uint8Array = new Uint8Array(0);
  private max = 1;
  private marker = 0;
  private hover = -1;
  private palette: Palette = readPalette();
  /** Axes, pad bands and the series, painted once per data/size/theme: a step only adds marks. */
  private base: HTMLCanvasElement | undefined;
  private baseKey = '';

  constructor(private readonly onPick: (step: number) => void) {
    this.element.append(this.canvas, this.readout);
    observeWidth(this.element, () => this.draw());
    this.canvas.addEventListener('pointermove', e => {
      this.hover = this.stepAt(e.clientX);
      this.draw();
      this.updateReadout();
    });
    this.canvas.addEventListener('pointerleave', () => {
      this.hover = -1;
      this.draw();
      this.updateReadout();
    });
    this.canvas.addEventListener('click', e => {
      const s = this.stepAt(e.clientX);
      if (s >= 0) this.onPick(s);
    });
  }

  setData(series: Float32Array, pad: Uint8Array): void {
    this.series = series;
    this.pad = pad;
    this.max = Math.max(1e-6, maxAbs(series));
    let pads = 0;
    for (const p of pad) pads += p;
    this.canvas.setAttribute('aria-label', `Drift chart over ${series.length} steps (${pads} pad steps): largest drift ${short(this.max)}, final ${short(series[series.length - 1] ?? 0)}`);
    this.baseKey = '';
    this.draw();
    this.updateReadout();
  }

  setMarker(step: number): void {
    this.marker = step;
    this.draw();
    this.updateReadout();
  }

  setPalette(p: Palette): void {
    this.palette = p;
    this.baseKey = '';
    this.draw();
  }

  private geometry(): { left: number; right: number; top: number; bottom: number; w: number; hgt: number } {
    const w = widths.get(this.element) ?? 0;
    const hgt = 120;
    return { left: 44, right: w - 8, top: 8, bottom: hgt - 18, w, hgt };
  }

  private stepAt(clientX: number): number {
    const n = this.series.length;
    if (n === 0) return -1;
    const g = this.geometry();
    const x = clientX - this.canvas.getBoundingClientRect().left;
    const s = Math.round(((x - g.left) / Math.max(1, g.right - g.left)) * Math.max(1, n - 1));
    return s >= 0 && s < n ? s : -1;
  }

  draw(): void {
    const n = this.series.length;
    const g = this.geometry();
    if (g.w === 0 || n === 0) return;
    const dpr = window.devicePixelRatio || 1;
    if (this.canvas.width !== Math.round(g.w * dpr) || this.canvas.height !== Math.round(g.hgt * dpr)) {
      this.canvas.width = Math.round(g.w * dpr);
      this.canvas.height = Math.round(g.hgt * dpr);
    }
    const p = this.palette;
    const xOf = (s: number): number => g.left + (n === 1 ? 0.5 : s / (n - 1)) * (g.right - g.left);
    const yOf = (v: number): number => g.bottom - (v / this.max) * (g.bottom - g.top);
    const key = `${this.canvas.width}x${this.canvas.height}`;
    if (!this.base || this.baseKey !== key) {
      this.base ??= h('canvas');
      this.base.width = this.canvas.width;
      this.base.height = this.canvas.height;
      this.paintBase(this.base.getContext('2d')!, g, dpr, xOf, yOf);
      this.baseKey = key;
    }
    const ctx = this.canvas.getContext('2d')!;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(this.base, 0, 0);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    // The current step, and the pointer's.
    const mark = (s: number, color: string, width: number): void => {
      if (s < 0 || s >= n) return;
      ctx.strokeStyle = color;
      ctx.lineWidth = width;
      ctx.beginPath();
      ctx.moveTo(xOf(s), g.top);
      ctx.lineTo(xOf(s), g.bottom);
      ctx.stroke();
      ctx.fillStyle = color;
      ctx.beginPath();
      ctx.arc(xOf(s), yOf(this.series[s]!), 3.5, 0, 2 * Math.PI);
      ctx.fill();
    };
    if (this.hover >= 0 && this.hover !== this.marker) mark(this.hover, rgbCss(p.foreground, 0.5), 1);
    mark(this.marker, rgbCss(p.focus), 2);
  }

  private paintBase(ctx: CanvasRenderingContext2D, g: ReturnType<DriftChart['geometry']>, dpr: number, xOf: (s: number) => number, yOf: (v: number) => number): void {
    const n = this.series.length;
    const p = this.palette;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = rgbCss(p.background);
    ctx.fillRect(0, 0, g.w, g.hgt);
    const half = (g.right - g.left) / Math.max(1, n - 1) / 2;
    // Pad steps: a band in the pad colour per run of pads, so they read as padding in every theme.
    ctx.fillStyle = rgbCss(p.pad, p.highContrast ? 0.35 : 0.18);
    for (let s = 0; s < n; s++) {
      if (!this.pad[s]) continue;
      let e = s;
      while (e + 1 < n && this.pad[e + 1]) e++;
      const x0 = Math.max(g.left, xOf(s) - half);
      const x1 = Math.min(g.right, xOf(e) + half);
      ctx.fillRect(x0, g.top, Math.max(1, x1 - x0), g.bottom - g.top);
      s = e;
    }
    // Axes.
    ctx.strokeStyle = rgbCss(p.grid);
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(g.left, g.top);
    ctx.lineTo(g.left, g.bottom + 0.5);
    ctx.lineTo(g.right, g.bottom + 0.5);
    ctx.stroke();
    ctx.fillStyle = rgbCss(p.foreground, 0.85);
    ctx.font = `11px ${p.fontFamily}`;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    ctx.fillText(short(this.max, 3), g.left - 4, g.top + 4);
    ctx.fillText('0', g.left - 4, g.bottom);
    ctx.textAlign = 'left';
    ctx.textBaseline = 'alphabetic';
    ctx.fillText('step 1', g.left, g.hgt - 4);
    ctx.textAlign = 'right';
    ctx.fillText(`step ${n}`, g.right, g.hgt - 4);
    // The series.
    ctx.strokeStyle = rgbCss(p.positive);
    ctx.lineWidth = p.highContrast ? 2 : 1.5;
    ctx.beginPath();
    for (let s = 0; s < n; s++) {
      const x = xOf(s);
      const y = yOf(this.series[s]!);
      if (s === 0) ctx.moveTo(x, y);
      else ctx.lineTo(x, y);
    }
    ctx.stroke();
  }

  private updateReadout(): void {
    const s = this.hover >= 0 ? this.hover : this.marker;
    const v = this.series[s];
    this.readout.textContent = v === undefined ? '' : `${this.hover >= 0 ? 'pointer' : 'current'}: step ${s + 1}${this.pad[s] ? ' (pad)' : ''} \u2014 drift ${f32(v)}${this.hover >= 0 ? ' (click to go there)' : ''}`;
  }
}
