// The encoder's output (T, H·dirs) as a heatmap, and h_n (and c_n) as numbers.
import { clear, h } from '../dom';
import { f32 } from '../format';
import { readPalette } from '../theme';
import { rowLabel, type Result } from '../result';
import type { Selection } from '../selection';
import { Heatmap } from './heatmap';

/** The hidden-states view. */
export class HiddenView {
  readonly element = h('section', { class: 'hidden-view', 'aria-label': 'Hidden states' });
  private readonly heading = h('h3', {});
  private readonly heatmap: Heatmap;
  private readonly finals = h('div', { class: 'finals' });
  private result: Result | undefined;

  constructor(private readonly selection: Selection) {
    this.heatmap = new Heatmap({
      label: 'Encoder output',
      rowLabel: r => (this.result ? rowLabel(this.result, r) : ''),
      colLabel: c => this.unitLabel(c),
      isPadRow: r => (this.result ? this.result.mask[r] === 0 : false),
      onHover: cell => this.selection.hover(cell && this.result ? this.result.tokenAtRow[cell.row]! : -1),
      onClickRow: r => {
        const i = this.result?.tokenAtRow[r] ?? -1;
        if (i >= 0) this.selection.select(i, true);
      },
    });
    this.element.append(this.heading, this.heatmap.element, this.finals);
    selection.onChange(() => this.heatmap.markRowIndex(this.result && selection.selected >= 0 ? this.result.positions[selection.selected]! : -1));
  }

  private unitLabel(c: number): string {
    const e = this.result?.reply.encoder;
    if (!e) return String(c);
    return e.bidirectional ? `${c < e.hiddenSize ? 'forward' : 'reverse'} unit ${c % e.hiddenSize}` : `unit ${c}`;
  }

  show(r: Result): void {
    this.result = r;
    const e = r.reply.encoder;
    const out = r.run.output;
    clear(this.heading);
    this.heading.append(`output \u2014 shape (${out.rows}, ${out.cols})`, h('span', { class: `badge ${e.real ? 'real' : 'random'}` }, e.real ? 'real encoder' : `random encoder (seed ${e.seed})`), h('span', { class: 'dim' }, r.run.skipPadding ? ' pads skipped (packed)' : ' pads run through'));
    this.heatmap.setData(out);
    clear(this.finals);
    const dirs = e.bidirectional ? 2 : 1;
    const names: string[] = [];
    for (let l = 0; l < e.numLayers; l++) for (let d = 0; d < dirs; d++) names.push(`layer ${l}${e.bidirectional ? (d ? ' reverse' : ' forward') : ''}`);
    const print = (title: string, m: { rows: number; cols: number; data: Float32Array }, id: string): HTMLElement =>
      h('div', {}, h('h4', {}, `${title} \u2014 shape (${m.rows}, ${m.cols})`), h('pre', { class: 'printout', id }, Array.from({ length: m.rows }, (_, i) => `[${Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols), v => f32(v)).join(', ')}]  # ${names[i]}`).join('\n')));
    this.finals.append(print('h_n', r.run.hN, 'h-n'));
    if (r.run.cN) this.finals.append(print('c_n', r.run.cN, 'c-n'));
  }

  repaint(): void {
    this.heatmap.setPalette(readPalette());
  }
}
