// The "Hidden states" tab: choose a layer and direction (or `output`), see that trace as a (T, H)
// heatmap and the chosen units as lines over time. Units are picked by hand or, LSTMVis-style,
// by a threshold θ held over a step range. h_n (and c_n) are printed below.
import '@vscode-elements/elements/dist/vscode-radio/index.js';
import '@vscode-elements/elements/dist/vscode-radio-group/index.js';
import { clear, h } from '../dom';
import { f32 } from '../format';
import { readPalette } from '../theme';
import { rowLabel, type Mat, type Result, type Trace } from '../result';
import type { Selection } from '../selection';
import { saveState, vscode } from '../vscodeApi';
import { Heatmap, shortNumber } from './heatmap';
import {
  DEFAULT_UNITS,
  MAX_SERIES,
  TracesChart,
  formatUnits,
  parseUnits,
  seriesStyle,
  thresholdUnits,
  topVarianceUnits,
  type ThresholdMode,
  type TraceLine,
} from './traces';

type Select = HTMLElement & { value: string; disabled: boolean };
type Field = HTMLElement & { value: string; invalid: boolean };

/** PyTorch's gate order per cell, with each gate's activation (its value range). */
const GATES: Record<'gru' | 'lstm', readonly { name: string; title: string; tanh: boolean }[]> = {
  gru: [
    { name: 'r', title: 'reset gate', tanh: false },
    { name: 'z', title: 'update gate', tanh: false },
    { name: 'n', title: 'new gate (candidate)', tanh: true },
  ],
  lstm: [
    { name: 'i', title: 'input gate', tanh: false },
    { name: 'f', title: 'forget gate', tanh: false },
    { name: 'g', title: 'cell candidate', tanh: true },
    { name: 'o', title: 'output gate', tanh: false },
  ],
};

type UnitMode = 'picked' | 'threshold';
type HiddenState = NonNullable<NonNullable<ReturnType<typeof vscode.getState>>['hidden']>;

/** A quantity over time for the shown view: (T, C) plus how to read it. */
interface Quantity {
  readonly mat: Mat;
  readonly label: string;
  /** Fixed value range (gates), or null to fit the data. */
  readonly range: [number, number] | null;
}

/** The hidden-states view. */
export class HiddenView {
  readonly element = h('section', { class: 'hidden-view', 'aria-label': 'Hidden states' });
  private readonly heading = h('h3', {});
  private readonly padNote = h('p', { class: 'dim hidden-pads' });
  private readonly viewSelect = h('vscode-single-select', { id: 'hidden-trace', 'aria-label': 'Layer and direction' }) as Select;
  private readonly quantitySelect = h('vscode-single-select', { id: 'hidden-quantity', 'aria-label': 'Quantity to plot' }) as Select;
  private readonly caption = h('h4', { class: 'hidden-caption' });
  private readonly heatmap: Heatmap;
  private readonly chart: TracesChart;
  private readonly modeGroup: HTMLElement;
  private readonly pickedPanel: HTMLElement;
  private readonly thresholdPanel: HTMLElement;
  private readonly chips = h('div', { class: 'unit-chips', role: 'group', 'aria-label': 'Units on the chart (Space shows or hides a line, Delete removes it)' });
  private readonly unitsField = h('vscode-textfield', { id: 'hidden-units', 'aria-label': 'Units to plot, e.g. 3, 7, 12-20', placeholder: 'e.g. 3, 7, 12-20', title: 'Units to plot: numbers and ranges; Enter applies' }) as Field;
  private readonly unitsError = h('span', { class: 'hidden-error', role: 'alert' });
  private readonly unitsHint = h('span', { class: 'dim', id: 'hidden-units-hint' });
  private readonly thetaMode = h('vscode-single-select', { id: 'hidden-theta-mode', 'aria-label': 'Threshold comparison' },
    h('vscode-option', { value: 'ge' }, 'value \u2265 \u03b8'),
    h('vscode-option', { value: 'abs' }, '|value| \u2265 \u03b8'),
    h('vscode-option', { value: 'le' }, 'value \u2264 \u2212\u03b8'),
  ) as Select;
  private readonly thetaField = h('vscode-textfield', { id: 'hidden-theta', type: 'number', step: '0.05', 'aria-label': 'Threshold \u03b8' }) as Field;
  private readonly rangeStart = h('vscode-textfield', { id: 'hidden-range-start', type: 'number', min: 0, 'aria-label': 'First step of the range' }) as Field;
  private readonly rangeEnd = h('vscode-textfield', { id: 'hidden-range-end', type: 'number', min: 0, 'aria-label': 'Last step of the range' }) as Field;
  private readonly followButton = h('vscode-button', { id: 'hidden-range-follow', secondary: true, icon: 'target', title: 'Use the selected token as the range', 'aria-label': 'Use the selected token as the range' });
  private readonly matchCount = h('span', { id: 'hidden-match-count', class: 'hidden-count', 'aria-live': 'polite' });
  private readonly keepButton = h('vscode-button', { id: 'hidden-keep-matches', secondary: true, title: 'Make the matching units the chosen ones' }, 'Keep as chosen');
  private readonly capNote = h('p', { class: 'dim hidden-cap', 'aria-live': 'polite' });
  private readonly finals = h('div', { class: 'finals' });

  private result: Result | undefined;
  /** The result is newer than what is drawn (drawing waits until the tab is visible). */
  private dirty = false;
  private viewKey = 'output';
  private quantity = 'h';
  private picked: Record<string, number[]> = {};
  private unitMode: UnitMode = 'picked';
  private theta = 0.5;
  private mode: ThresholdMode = 'ge';
  /** An explicit step range (drag, Shift+arrows, typed); null follows the selected token. */
  private range: [number, number] | null = null;
  /** Units currently unticked in the chip list (lines hidden, units kept). */
  private readonly hiddenUnits = new Set<number>();
  private shown: number[] = [];
  private lines: TraceLine[] = [];
  private current: Quantity | undefined;
  private lastSelected = -2;
  private heatmapShift = false;
  private heatmapCol = -1;
  private markedRow = -2;
  private readonly cache = new Map<string, Quantity>();
  private readonly variance = new Map<string, number[]>();

  constructor(private readonly selection: Selection) {
    this.restoreState();
    this.heatmap = new Heatmap({
      label: 'Hidden states',
      rowLabel: r => (this.result ? rowLabel(this.result, r) : ''),
      colLabel: c => this.unitLabel(c),
      isPadRow: r => (this.result ? this.result.mask[r] === 0 : false),
      onHover: cell => {
        this.heatmapCol = cell?.col ?? -1;
        this.selection.hover(cell && this.result ? this.result.tokenAtRow[cell.row]! : -1);
      },
      onClickRow: r => {
        // Shift+click a cell: add or remove its unit; a plain click selects the token.
        if (this.heatmapShift && this.heatmapCol >= 0) return this.toggleUnit(this.heatmapCol);
        const i = this.result?.tokenAtRow[r] ?? -1;
        if (i >= 0) this.selection.select(i, true);
      },
    });
    this.heatmap.element.addEventListener('pointerdown', e => (this.heatmapShift = e.shiftKey), { capture: true });

    this.chart = new TracesChart({
      rowLabel: r => (this.result ? rowLabel(this.result, r) : ''),
      isPadRow: r => (this.result ? this.result.mask[r] === 0 : false),
      padLabel: () => (this.result?.run.skipPadding ? 'pad (skipped: not run)' : 'pad (run through)'),
      onHoverRow: r => {
        this.selection.hover(r >= 0 && this.result ? this.result.tokenAtRow[r]! : -1);
        this.updateChipValues(r);
      },
      onClickRow: r => {
        const i = this.result?.tokenAtRow[r] ?? -1;
        if (i >= 0) this.selection.select(i, true);
      },
      onRange: (a, b) => {
        // A range is what the threshold selection reads: dragging one switches to it.
        this.range = [a, b];
        if (this.unitMode !== 'threshold') {
          this.unitMode = 'threshold';
          this.syncModeRadios();
        }
        this.save();
        this.updateUnits();
      },
    });

    const radio = (value: UnitMode, label: string): HTMLElement => h('vscode-radio', { name: 'hidden-unit-mode', value, label, checked: this.unitMode === value });
    this.modeGroup = h('vscode-radio-group', { id: 'hidden-unit-mode', 'aria-label': 'How units are chosen' }, radio('picked', 'chosen units'), radio('threshold', 'units above a threshold'));
    const top = h('button', { class: 'link-button', type: 'button', title: `The ${DEFAULT_UNITS} units whose value varies most over the real tokens` }, `top ${DEFAULT_UNITS} by variance`);
    const none = h('button', { class: 'link-button', type: 'button' }, 'clear');
    this.pickedPanel = h('div', { class: 'unit-row', id: 'hidden-picked' }, h('span', { class: 'dim' }, 'units'), this.unitsField, this.unitsHint, top, none, this.unitsError);
    this.thresholdPanel = h('div', { class: 'unit-row', id: 'hidden-threshold' },
      this.thetaMode,
      h('label', { class: 'opt' }, h('span', { class: 'dim' }, '\u03b8'), this.thetaField),
      h('label', { class: 'opt' }, h('span', { class: 'dim' }, 'at every step'), this.rangeStart),
      h('label', { class: 'opt' }, h('span', { class: 'dim' }, 'to'), this.rangeEnd),
      this.followButton, this.matchCount, this.keepButton,
    );

    const controls = h('div', { class: 'hidden-controls', role: 'toolbar', 'aria-label': 'Trace to show' },
      h('label', { class: 'opt' }, h('span', { class: 'dim' }, 'trace'), this.viewSelect),
      h('label', { class: 'opt' }, h('span', { class: 'dim' }, 'plot'), this.quantitySelect),
    );
    this.element.append(
      this.heading, this.padNote, controls, this.caption, this.heatmap.element,
      h('div', { class: 'unit-picker' }, this.modeGroup, this.pickedPanel, this.thresholdPanel, this.chips),
      this.chart.element, this.capNote,
      h('p', { class: 'dim hidden-hint' }, 'Hover the chart to follow a token, click to select it, drag across steps to choose the threshold range; wheel or +/\u2212 zoom, double-click or 0 resets. Shift+click a heatmap cell to add or remove its unit.'),
      this.finals,
    );

    this.viewSelect.addEventListener('change', () => {
      this.viewKey = this.viewSelect.value;
      this.save();
      this.render();
    });
    this.quantitySelect.addEventListener('change', () => {
      this.quantity = this.quantitySelect.value;
      this.save();
      this.render();
    });
    this.modeGroup.addEventListener('change', e => {
      const v = (e.target as HTMLElement & { value: string }).value;
      if (v !== 'picked' && v !== 'threshold') return;
      this.unitMode = v;
      this.save();
      this.updateUnits();
    });
    const applyField = (): void => {
      if (!this.current) return;
      const { units, error } = parseUnits(this.unitsField.value, this.current.mat.cols);
      this.unitsField.invalid = !!error;
      this.unitsError.textContent = error ?? '';
      if (error) return;
      // A blur without an edit must not turn the default selection into an explicit one.
      if (formatUnits(units) === formatUnits(this.currentUnits())) return;
      this.setPicked(units);
    };
    this.unitsField.addEventListener('change', applyField);
    // Leaving the field shows the applied units in their short form (ranges as a–b).
    this.unitsField.addEventListener('blur', () => {
      if (!this.unitsField.invalid && this.unitMode === 'picked' && this.result) this.unitsField.value = formatUnits(this.currentUnits().filter(u => u < (this.current?.mat.cols ?? 0)));
    });
    this.unitsField.addEventListener('keydown', e => (e as KeyboardEvent).key === 'Enter' && applyField());
    top.addEventListener('click', () => {
      delete this.picked[this.viewKey];
      this.hiddenUnits.clear();
      this.save();
      this.updateUnits();
    });
    none.addEventListener('click', () => this.setPicked([]));
    this.thetaMode.addEventListener('change', () => {
      this.mode = (['ge', 'abs', 'le'] as const).find(m => m === this.thetaMode.value) ?? 'ge';
      this.save();
      this.applyThreshold();
    });
    this.thetaField.addEventListener('input', () => {
      const v = Number(this.thetaField.value);
      this.thetaField.invalid = this.thetaField.value.trim() === '' || !Number.isFinite(v);
      if (this.thetaField.invalid) return;
      this.theta = v;
      this.save();
      this.applyThreshold();
    });
    const onRangeField = (): void => {
      const T = this.result?.T ?? 0;
      const a = Number(this.rangeStart.value);
      const b = Number(this.rangeEnd.value);
      const ok = (v: number): boolean => Number.isInteger(v) && v >= 0 && v < T;
      this.rangeStart.invalid = !ok(a);
      this.rangeEnd.invalid = !ok(b);
      if (!ok(a) || !ok(b)) return;
      this.range = [Math.min(a, b), Math.max(a, b)];
      this.save();
      this.applyThreshold();
    };
    this.rangeStart.addEventListener('change', onRangeField);
    this.rangeEnd.addEventListener('change', onRangeField);
    this.followButton.addEventListener('click', () => {
      this.range = null;
      this.save();
      this.applyThreshold();
    });
    this.keepButton.addEventListener('click', () => {
      const units = this.thresholdMatches();
      this.unitMode = 'picked';
      this.syncModeRadios();
      this.setPicked(units);
    });

    selection.onChange(() => this.onSelection());
    // Drawing waits for the tab to be visible: a hidden panel has no width to fit to.
    new ResizeObserver(() => {
      if (this.dirty && this.element.clientWidth > 0) this.render();
    }).observe(this.element);
  }

  show(r: Result): void {
    this.result = r;
    this.cache.clear();
    this.variance.clear();
    this.hiddenUnits.clear();
    this.lastSelected = -2;
    this.fillSelects(r);
    this.dirty = true;
    if (this.element.clientWidth > 0) this.render();
  }

  repaint(): void {
    this.heatmap.setPalette(readPalette());
    this.chart.repaint();
  }

  /** The chart (tests read it). */
  get traces(): TracesChart {
    return this.chart;
  }

  /** The heatmap (tests read it). */
  get canvas(): Heatmap {
    return this.heatmap;
  }

  // ---- data --------------------------------------------------------------------------------

  private dirs(r: Result): number {
    return r.reply.encoder.bidirectional ? 2 : 1;
  }

  /** The traces behind a view: one for a layer-direction, the last layer's (fwd, rev) for output. */
  private tracesOf(r: Result, key: string): Trace[] {
    const e = r.reply.encoder;
    const dirs = this.dirs(r);
    if (key === 'output') return r.run.traces.slice((e.numLayers - 1) * dirs, e.numLayers * dirs);
    const [l, d] = key.split('.').map(Number);
    const t = r.run.traces[l! * dirs + d!];
    return t ? [t] : [];
  }

  private viewName(key: string): string {
    const r = this.result;
    if (key === 'output') return r?.reply.encoder.bidirectional ? 'output (last layer, forward \u2016 reverse)' : 'output (last layer)';
    const [l, d] = key.split('.').map(Number);
    return `layer ${l}${r?.reply.encoder.bidirectional ? (d ? ' reverse' : ' forward') : ''}`;
  }

  private gates(r: Result): readonly { name: string; title: string; tanh: boolean }[] {
    const c = r.reply.encoder.cell;
    return c === 'gru' || c === 'lstm' ? GATES[c] : [];
  }

  /** The (T, C) matrix of a quantity ('h', 'c', 'gate0'…) for a view, columns side by side for output. */
  private quantityOf(r: Result, key: string, q: string): Quantity {
    const id = `${key}|${q}`;
    const hit = this.cache.get(id);
    if (hit) return hit;
    const traces = this.tracesOf(r, key);
    const H = r.reply.encoder.hiddenSize;
    let out: Quantity;
    if (q === 'h') {
      out = { mat: key === 'output' ? r.run.output : concat(traces.map(t => t.h), r.T, H), label: 'h_t', range: null };
    } else if (q === 'c' && traces.every(t => t.c)) {
      out = { mat: concat(traces.map(t => t.c!), r.T, H), label: 'c_t', range: null };
    } else {
      const g = Number(q.slice(4));
      const gate = this.gates(r)[g];
      if (!gate || !traces.every(t => t.gates)) return this.quantityOf(r, key, 'h');
      // gates is (T, G·H): gate g of unit u is column g·H + u.
      const parts = traces.map(t => slice(t.gates!, g * H, H));
      out = { mat: concat(parts, r.T, H), label: `${gate.name}_t (${gate.title})`, range: gate.tanh ? [-1, 1] : [0, 1] };
    }
    this.cache.set(id, out);
    return out;
  }

  /** Rows the statistics use: real tokens only (pads would dominate a short text's variance). */
  private realRow = (t: number): boolean => (this.result ? this.result.mask[t] === 1 : true);

  private defaultUnits(r: Result, key: string): number[] {
    let v = this.variance.get(key);
    if (!v) {
      v = topVarianceUnits(this.quantityOf(r, key, 'h').mat, DEFAULT_UNITS, this.realRow);
      this.variance.set(key, v);
    }
    return v;
  }

  private effectiveRange(): [number, number] {
    const r = this.result;
    if (!r) return [0, 0];
    if (this.range) return [Math.min(this.range[0], r.T - 1), Math.min(this.range[1], r.T - 1)];
    const sel = this.selection.selected;
    const row = sel >= 0 && sel < r.n ? r.positions[sel]! : r.positions[0] ?? 0;
    return [row, row];
  }

  private thresholdMatches(): number[] {
    if (!this.current) return [];
    const [a, b] = this.effectiveRange();
    return thresholdUnits(this.current.mat, a, b, this.theta, this.mode);
  }

  // ---- drawing -----------------------------------------------------------------------------

  private fillSelects(r: Result): void {
    const e = r.reply.encoder;
    const dirs = this.dirs(r);
    const keys = ['output'];
    for (let l = 0; l < e.numLayers; l++) for (let d = 0; d < dirs; d++) keys.push(`${l}.${d}`);
    if (!keys.includes(this.viewKey)) this.viewKey = 'output';
    clear(this.viewSelect);
    for (const k of keys) this.viewSelect.append(h('vscode-option', { value: k, selected: k === this.viewKey }, this.viewName(k)));
    this.viewSelect.value = this.viewKey;

    const qs: [string, string][] = [['h', 'h_t \u2014 hidden state']];
    if (e.cell === 'lstm') qs.push(['c', 'c_t \u2014 cell state']);
    this.gates(r).forEach((g, i) => qs.push([`gate${i}`, `${g.name} \u2014 ${g.title}`]));
    const hasGates = r.run.traces.every(t => t.gates);
    const allowed = qs.filter(([v]) => !v.startsWith('gate') || hasGates);
    if (!allowed.some(([v]) => v === this.quantity)) this.quantity = 'h';
    clear(this.quantitySelect);
    for (const [v, label] of allowed) this.quantitySelect.append(h('vscode-option', { value: v, selected: v === this.quantity }, label));
    this.quantitySelect.value = this.quantity;
    this.quantitySelect.disabled = allowed.length < 2;
    this.quantitySelect.title = allowed.length < 2 ? 'An Elman RNN has no gates or cell state: only h_t' : 'What to plot for the chosen units';
  }

  /** Draws everything for the current result, view and quantity. */
  private render(): void {
    const r = this.result;
    if (!r) return;
    this.dirty = false;
    const e = r.reply.encoder;
    clear(this.heading);
    this.heading.append('Hidden states', h('span', { class: `badge ${e.real ? 'real' : 'random'}` }, e.real ? 'real encoder' : `random encoder (seed ${e.seed})`),
      h('span', { class: 'dim' }, ` ${e.cell === 'rnn' ? `RNN ${e.nonlinearity}` : e.cell.toUpperCase()}, H = ${e.hiddenSize}, ${e.numLayers} layer${e.numLayers > 1 ? 's' : ''}${e.bidirectional ? ', bidirectional' : ''}`));
    const pads = r.T - r.n;
    this.padNote.textContent = pads === 0
      ? 'No pad steps: every step is a real token.'
      : r.run.skipPadding
        ? `Pads skipped (as pack_padded_sequence does): the ${pads} pad step${pads > 1 ? 's' : ''} do not run, output there is 0, h_n is the state at the last real token. Untick \u201cskip pads\u201d to run through them.`
        : `Pads run through (as a padded batch does by default): the ${pads} pad step${pads > 1 ? 's' : ''} update the state like any token. Tick \u201cskip pads\u201d to skip them.`;

    const q = this.quantityOf(r, this.viewKey, this.quantity);
    this.current = q;
    clear(this.caption);
    this.caption.append(`${this.viewName(this.viewKey)} \u00b7 ${q.label} \u2014 shape (${q.mat.rows}, ${q.mat.cols})`);
    if (this.viewKey !== 'output' && this.viewKey.endsWith('.1')) this.caption.append(h('span', { class: 'dim' }, ' runs from the last step to the first'));
    this.heatmap.setData(q.mat, q.range ? Math.max(Math.abs(q.range[0]), Math.abs(q.range[1])) : undefined);
    this.markedRow = -2;
    this.lastSelected = this.selection.selected;
    this.updateUnits();
    this.printFinals(r);
  }

  /** Recomputes the shown units and redraws the chart and the chips. */
  private updateUnits(): void {
    const r = this.result;
    const q = this.current;
    if (!r || !q) return;
    const threshold = this.unitMode === 'threshold';
    this.pickedPanel.hidden = threshold;
    this.thresholdPanel.hidden = !threshold;
    let units: number[];
    let total: number;
    if (threshold) {
      const [a, b] = this.effectiveRange();
      // Fields being typed in keep the user's text ("0." is not yet a number).
      const typing = (f: HTMLElement): boolean => f === document.activeElement;
      if (!typing(this.rangeStart)) this.rangeStart.value = String(a);
      if (!typing(this.rangeEnd)) this.rangeEnd.value = String(b);
      if (!typing(this.thetaField)) this.thetaField.value = String(this.theta);
      this.thetaMode.value = this.mode;
      this.followButton.hidden = this.range === null;
      units = this.thresholdMatches();
      total = units.length;
      const cmp = this.mode === 'ge' ? `\u2265 ${this.theta}` : this.mode === 'le' ? `\u2264 ${-this.theta}` : `|\u00b7| \u2265 ${this.theta}`;
      this.matchCount.textContent = `${total} of ${q.mat.cols} units ${cmp} at ${a === b ? `step ${a}` : `every step ${a}\u2013${b}`}`;
      this.keepButton.hidden = total === 0;
    } else {
      const picked = this.picked[this.viewKey];
      units = (picked ?? this.defaultUnits(r, this.viewKey)).filter(u => u < q.mat.cols);
      total = units.length;
      // A field being typed in keeps the user's text: a redraw (a new result while typing, e.g. a
      // re-encode) must not put the applied units back under the caret ("0, 9" became "9").
      if (this.unitsField !== document.activeElement) this.unitsField.value = formatUnits(units);
      const H = r.reply.encoder.hiddenSize;
      this.unitsHint.textContent = q.mat.cols > H ? `of 0\u2013${q.mat.cols - 1} (${H}\u2013${q.mat.cols - 1} reverse)` : `of 0\u2013${q.mat.cols - 1}`;
      this.unitsField.invalid = false;
      this.unitsError.textContent = '';
    }
    this.shown = units.slice(0, MAX_SERIES);
    this.capNote.textContent = total > MAX_SERIES
      ? `Showing the first ${MAX_SERIES} of ${total} units: the chart draws at most ${MAX_SERIES} lines. ${threshold ? 'Raise \u03b8 or widen the range to narrow the match.' : 'Pick fewer units.'}`
      : threshold && total === 0
        ? 'No unit passes the threshold over this range: lower \u03b8, shorten the range or change the comparison.'
        : !threshold && !this.picked[this.viewKey]
          ? q.mat.cols <= DEFAULT_UNITS ? `All ${q.mat.cols} units, the most varying first.` : `The ${DEFAULT_UNITS} units that vary most over the real tokens (of ${q.mat.cols}).`
          : '';
    this.chart.setRange(threshold ? this.effectiveRange() : null);
    this.drawChart();
  }

  private drawChart(): void {
    const r = this.result;
    const q = this.current;
    if (!r || !q) return;
    // Skipped pad steps never ran: a trace has nothing there, so the lines break.
    const gaps = r.run.skipPadding && this.viewKey !== 'output';
    const { rows, cols, data } = q.mat;
    this.lines = [];
    const chipEls: HTMLElement[] = [];
    this.shown.forEach((u, k) => {
      const style = seriesStyle(k);
      const label = this.unitLabel(u);
      if (!this.hiddenUnits.has(u)) {
        const values: (number | null)[] = new Array(rows);
        for (let t = 0; t < rows; t++) values[t] = gaps && r.mask[t] === 0 ? null : data[t * cols + u]!;
        this.lines.push({ label, values, style });
      }
      chipEls.push(this.chip(u, k, label));
    });
    clear(this.chips);
    this.chips.append(...chipEls);
    if (chipEls[0]) chipEls[0].tabIndex = 0;
    this.chart.setData(rows, this.lines, q.label.split(' ')[0]!, q.range);
    this.onSelection(true);
    this.updateChipValues(-1);
  }

  /** A chip: a checkbox for one unit, with its line's colour and dash as a swatch. */
  private chip(u: number, k: number, label: string): HTMLElement {
    const on = !this.hiddenUnits.has(u);
    const style = seriesStyle(k);
    const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    svg.setAttribute('class', 'unit-swatch');
    svg.setAttribute('viewBox', '0 0 24 8');
    svg.setAttribute('aria-hidden', 'true');
    const line = document.createElementNS('http://www.w3.org/2000/svg', 'line');
    line.setAttribute('x1', '0');
    line.setAttribute('y1', '4');
    line.setAttribute('x2', '24');
    line.setAttribute('y2', '4');
    line.style.stroke = `var(${style.colorVar}, ${style.fallback})`;
    line.style.strokeWidth = '2';
    if (style.dash.length) line.style.strokeDasharray = style.dash.join(' ');
    svg.append(line);
    const remove = h('span', { class: 'codicon codicon-close unit-remove', title: `Remove ${label}`, 'aria-hidden': 'true' });
    const el = h('span', { class: `unit-chip${on ? '' : ' off'}`, role: 'checkbox', 'aria-checked': String(on), tabindex: -1, 'data-unit': u, title: `${label}: ${on ? 'shown' : 'hidden'} (Space toggles, Delete removes)` },
      h('span', { class: 'unit-check codicon codicon-check', 'aria-hidden': 'true' }), svg, h('span', { class: 'unit-name' }, label), h('span', { class: 'unit-value' }), remove);
    el.setAttribute('aria-label', label);
    el.addEventListener('click', e => {
      if (e.target === remove) this.removeUnit(u);
      else this.toggleShown(u);
    });
    el.addEventListener('keydown', e => {
      const chips = Array.from(this.chips.children) as HTMLElement[];
      const i = chips.indexOf(el);
      const move = (j: number): void => {
        const next = chips[Math.max(0, Math.min(chips.length - 1, j))];
        if (!next) return;
        for (const c of chips) c.tabIndex = -1;
        next.tabIndex = 0;
        next.focus();
      };
      switch (e.key) {
        case 'ArrowRight':
        case 'ArrowDown':
          move(i + 1);
          break;
        case 'ArrowLeft':
        case 'ArrowUp':
          move(i - 1);
          break;
        case 'Home':
          move(0);
          break;
        case 'End':
          move(chips.length - 1);
          break;
        case ' ':
        case 'Enter':
          this.toggleShown(u);
          (this.chips.children[i] as HTMLElement | undefined)?.focus();
          break;
        case 'Delete':
        case 'Backspace':
          this.removeUnit(u);
          move(i);
          break;
        default:
          return;
      }
      e.preventDefault();
    });
    el.addEventListener('pointerenter', () => on && this.chart.focusLine(this.lineIndex(u)));
    el.addEventListener('pointerleave', () => this.chart.focusLine(null));
    el.addEventListener('focus', () => on && this.chart.focusLine(this.lineIndex(u)));
    el.addEventListener('blur', () => this.chart.focusLine(null));
    return el;
  }

  private lineIndex(u: number): number {
    return this.shown.filter(x => !this.hiddenUnits.has(x)).indexOf(u);
  }

  /** Chip values at a step: under the chart's cursor, else the selected token's row. */
  private updateChipValues(row: number): void {
    const r = this.result;
    const q = this.current;
    if (!r || !q) return;
    const at = row >= 0 ? row : this.selection.selected >= 0 ? r.positions[this.selection.selected]! : -1;
    const gaps = r.run.skipPadding && this.viewKey !== 'output';
    for (const el of Array.from(this.chips.children) as HTMLElement[]) {
      const u = Number(el.dataset.unit);
      const v = el.querySelector('.unit-value');
      if (!v) continue;
      v.textContent = at < 0 ? '' : gaps && r.mask[at] === 0 ? '\u2014' : shortNumber(q.mat.data[at * q.mat.cols + u]!);
    }
  }

  private onSelection(force = false): void {
    const r = this.result;
    if (!r) return;
    const sel = this.selection.selected;
    const selRow = sel >= 0 && sel < r.n ? r.positions[sel]! : -1;
    const hov = this.selection.hovered;
    const hovRow = hov >= 0 && hov < r.n ? r.positions[hov]! : -1;
    // Marking repaints the whole heatmap: only when the selected row changes, not on every hover.
    if (selRow !== this.markedRow) this.heatmap.markRowIndex(selRow);
    this.markedRow = selRow;
    this.heatmap.highlightRow(hovRow);
    this.chart.setMarkers(selRow, hovRow);
    if (force || sel === this.lastSelected) return;
    this.lastSelected = sel;
    // The threshold range follows the selected token unless the user set one.
    if (!this.dirty && this.current && this.unitMode === 'threshold' && this.range === null) this.updateUnits();
    else this.updateChipValues(-1);
  }

  private applyThreshold(): void {
    if (this.unitMode === 'threshold') this.updateUnits();
  }

  // ---- unit edits ---------------------------------------------------------------------------

  private currentUnits(): number[] {
    const r = this.result;
    if (!r) return [];
    return [...(this.picked[this.viewKey] ?? this.defaultUnits(r, this.viewKey))];
  }

  private setPicked(units: number[]): void {
    this.picked[this.viewKey] = units;
    for (const u of [...this.hiddenUnits]) if (!units.includes(u)) this.hiddenUnits.delete(u);
    this.save();
    this.updateUnits();
  }

  private toggleUnit(u: number): void {
    const units = this.currentUnits();
    const i = units.indexOf(u);
    if (i >= 0) units.splice(i, 1);
    else units.push(u);
    if (this.unitMode !== 'picked') {
      this.unitMode = 'picked';
      this.syncModeRadios();
    }
    this.setPicked(units);
  }

  private removeUnit(u: number): void {
    if (this.unitMode === 'threshold') {
      this.toggleShown(u);
      return;
    }
    this.setPicked(this.currentUnits().filter(x => x !== u));
  }

  private toggleShown(u: number): void {
    if (this.hiddenUnits.has(u)) this.hiddenUnits.delete(u);
    else this.hiddenUnits.add(u);
    const focused = document.activeElement;
    const hadFocus = focused instanceof HTMLElement && this.chips.contains(focused) ? Number(focused.dataset.unit) : -1;
    this.drawChart();
    if (hadFocus >= 0) {
      const el = this.chips.querySelector<HTMLElement>(`[data-unit="${hadFocus}"]`);
      if (el) {
        for (const c of Array.from(this.chips.children) as HTMLElement[]) c.tabIndex = -1;
        el.tabIndex = 0;
        el.focus();
      }
    }
  }

  private syncModeRadios(): void {
    for (const el of Array.from(this.modeGroup.querySelectorAll('vscode-radio')) as (HTMLElement & { checked: boolean; value: string })[]) el.checked = el.value === this.unitMode;
  }

  // ---- misc --------------------------------------------------------------------------------

  private unitLabel(c: number): string {
    const e = this.result?.reply.encoder;
    if (!e) return `unit ${c}`;
    if (this.viewKey === 'output' && e.bidirectional) return `${c < e.hiddenSize ? 'fwd' : 'rev'} ${c % e.hiddenSize}`;
    return `unit ${c}`;
  }

  private printFinals(r: Result): void {
    clear(this.finals);
    const e = r.reply.encoder;
    const dirs = this.dirs(r);
    const names: string[] = [];
    for (let l = 0; l < e.numLayers; l++) for (let d = 0; d < dirs; d++) names.push(`layer ${l}${e.bidirectional ? (d ? ' reverse' : ' forward') : ''}`);
    const print = (title: string, m: Mat, id: string): HTMLElement => {
      const body = h('pre', { class: 'printout', id, tabindex: 0 }, Array.from({ length: m.rows }, (_, i) => `[${Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols), v => f32(v)).join(', ')}]  # ${names[i]}`).join('\n'));
      const heading = `${title} \u2014 shape (${m.rows}, ${m.cols})`;
      // Wide states (H = 768) would bury the page: fold them.
      if (m.cols <= 16) return h('div', {}, h('h4', {}, heading), body);
      return h('details', {}, h('summary', {}, heading), body);
    };
    this.finals.append(print('h_n', r.run.hN, 'h-n'));
    if (r.run.cN) this.finals.append(print('c_n', r.run.cN, 'c-n'));
  }

  private restoreState(): void {
    const s: HiddenState = vscode.getState()?.hidden ?? {};
    this.viewKey = s.view ?? 'output';
    this.quantity = s.quantity ?? 'h';
    this.picked = Object.fromEntries(Object.entries(s.picked ?? {}).map(([k, v]) => [k, [...v]]));
    this.unitMode = s.unitMode === 'threshold' ? 'threshold' : 'picked';
    this.theta = typeof s.theta === 'number' && Number.isFinite(s.theta) ? s.theta : 0.5;
    this.mode = s.thetaMode ?? 'ge';
    this.range = s.range ? [s.range[0], s.range[1]] : null;
  }

  private save(): void {
    saveState({ hidden: { view: this.viewKey, quantity: this.quantity, picked: this.picked, unitMode: this.unitMode, theta: this.theta, thetaMode: this.mode, range: this.range } });
  }
}

/** Columns [from, from + width) of m as a new (rows, width) matrix. */
function slice(m: Mat, from: number, width: number): Mat {
  const out = new Float32Array(m.rows * width);
  for (let t = 0; t < m.rows; t++) out.set(m.data.subarray(t * m.cols + from, t * m.cols + from + width), t * width);
  return { rows: m.rows, cols: width, data: out };
}

/** Matrices of equal rows side by side (forward ‖ reverse); one matrix is returned as is. */
function concat(parts: Mat[], rows: number, width: number): Mat {
  if (parts.length === 1) return parts[0]!;
  const cols = width * parts.length;
  const out = new Float32Array(rows * cols);
  for (let t = 0; t < rows; t++) parts.forEach((p, k) => out.set(p.data.subarray(t * p.cols, (t + 1) * p.cols), t * cols + k * width));
  return { rows, cols, data: out };
}
