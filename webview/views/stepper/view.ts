// The explainer's "In / Out" as a stepper: for one layer-direction, at each step of the run
// order, h_{t-1} and x_t go in, the gates are shown, h_t (and c_t) come out, with the cell's
// equation and a check that the numbers add up. Pads run through and pads skipped stand side by
// side, aligned by time step, and a chart shows how h drifts across the pad steps.
// This file holds the view (state, navigation, layout); by concern beside it: equations.ts (the
// cell's equations and the check), vectorCell.ts (a vector as numbers or a strip), driftChart.ts
// (the drift chart), common.ts (shapes, constants, canvas widths, small helpers).
import { clear, h } from '../../dom';
import { f32, short } from '../../format';
import { displayToken, type Result } from '../../result';
import type { Selection } from '../../selection';
import { divergingLut, readPalette, type Palette } from '../../theme';
import { saveState, vscode } from '../../vscodeApi';
import { clampInt, maxAbs, STRIP_NUMBERS, traceName, type Column, type Select, type UnitSpace } from './common';
import { DriftChart } from './driftChart';
import { checkLine, equationLines, rowDefs, sub } from './equations';
import { VectorCell } from './vectorCell';

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
