// The text around the projection's plot: the heading (what is projected), the note (what the
// principal components are fitted on), the canvas's accessible label, and the legend.
import { clear, h } from '../../dom';
import type { Result } from '../../result';
import { pct } from './data';
import type { PlotData, ProjectionChoice } from './types';

/** The elements the heading fills. */
export interface HeadingElements {
  readonly heading: HTMLElement;
  readonly note: HTMLElement;
  readonly canvas: HTMLElement;
}

/** The heading (what is projected, from which shape), the note under it (what the components are fitted on) and the canvas's label. */
export function renderHeading(el: HeadingElements, r: Result | undefined, c: ProjectionChoice, d: PlotData | undefined): void {
  clear(el.heading);
  clear(el.note);
  if (!r) return;
  const e = r.reply.encoder;
  if (c.what === 'embeddings') {
    el.heading.append(`PCA of the embeddings (${r.T}, ${r.embeddings.cols}) \u2192 (${r.T}, 2)`);
  } else {
    const dir = e.bidirectional ? (c.direction ? ' reverse' : ' forward') : '';
    el.heading.append(`PCA of the hidden states h\u209c, layer ${c.layer}${dir} (${r.T}, ${e.hiddenSize}) \u2192 (${r.T}, 2)`,
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
  el.note.append(...lines);
  el.canvas.setAttribute('aria-label', d
    ? `PCA scatter plot: ${d.groups.length} points for the ${r.T} rows${d.sample ? ` and ${d.sample.ids.length} sample points` : ''}; PC1 explains ${pct(d.explained[0])}, PC2 ${pct(d.explained[1])} of the variance`
    : 'PCA scatter plot (not computed yet)');
}

/** The legend: what each mark means, and the controls. */
export function renderLegend(legend: HTMLElement, r: Result | undefined, d: PlotData | undefined): void {
  clear(legend);
  if (!d || !r) return;
  const item = (cls: string, text: string): HTMLElement => h('li', {}, h('span', { class: `pj-swatch ${cls}`, 'aria-hidden': 'true' }), text);
  legend.append(item('seq', `token of the text (${r.n})`), item('selected', 'selected token'));
  const pads = d.groups.filter(g => g.pad);
  if (pads.length) {
    const count = pads.reduce((s, g) => s + g.rows.length, 0);
    legend.append(item('pad', pads.length === 1 && count > 1 ? `pad rows (${count} share one point)` : `pad rows (${count})`));
  }
  if (d.sample) legend.append(item('sample', `vocabulary sample (${d.sample.ids.length.toLocaleString('en-US')} random rows; labels on hover)`));
  if (d.path) legend.append(item('path', 'the order the encoder read them'));
  legend.append(h('li', { class: 'dim' }, 'Wheel zooms, drag pans, 0 resets; [ ] step through tokens.'));
}
