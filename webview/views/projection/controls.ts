// The projection's toolbar: what to project (embeddings or hidden states), the layer and direction
// of the hidden states, the vocabulary sample, and "Reset view". It shows a choice and reads one
// back; the view decides what a change means.
import { clear, h } from '../../dom';
import type { Result } from '../../result';
import { SAMPLE_SIZES, type ProjectionChoice, type Select } from './types';

/** The toolbar's selects and button. */
export class ProjectionControls {
  readonly element: HTMLElement;
  private readonly whatSelect: Select;
  private readonly layerSelect: Select;
  private readonly dirSelect: Select;
  private readonly sampleSelect: Select;
  private readonly layerLabel: HTMLElement;
  private readonly dirLabel: HTMLElement;
  private readonly sampleLabel: HTMLElement;

  constructor(choice: ProjectionChoice, onChoice: () => void, onReset: () => void) {
    const opt = (value: string, label: string, selected: boolean): HTMLElement => h('vscode-option', { value, selected }, label);
    this.whatSelect = h('vscode-single-select', { id: 'pj-what', 'aria-label': 'Rows to project' },
      opt('embeddings', 'embeddings (T, E)', choice.what === 'embeddings'),
      opt('hidden', 'hidden states (T, H)', choice.what === 'hidden')) as Select;
    this.layerSelect = h('vscode-single-select', { id: 'pj-layer', 'aria-label': 'Layer' }) as Select;
    this.dirSelect = h('vscode-single-select', { id: 'pj-direction', 'aria-label': 'Direction' }) as Select;
    this.sampleSelect = h('vscode-single-select', { id: 'pj-sample', 'aria-label': 'Vocabulary sample', title: 'Add a random sample of the vocabulary\u2019s rows (embeddings only)' },
      ...SAMPLE_SIZES.map(n => opt(String(n), n ? `${n.toLocaleString('en-US')} rows` : 'none', n === choice.sample))) as Select;
    this.layerLabel = h('label', { class: 'opt' }, h('span', {}, 'layer'), this.layerSelect);
    this.dirLabel = h('label', { class: 'opt' }, h('span', {}, 'direction'), this.dirSelect);
    this.sampleLabel = h('label', { class: 'opt' }, h('span', {}, 'vocabulary sample'), this.sampleSelect);
    const reset = h('vscode-button', { id: 'pj-reset', secondary: true, icon: 'screen-normal', title: 'Reset zoom and pan (0)' }, 'Reset view');
    reset.addEventListener('click', onReset);
    for (const s of [this.whatSelect, this.layerSelect, this.dirSelect, this.sampleSelect]) s.addEventListener('change', onChoice);
    this.element = h('div', { class: 'pj-bar', role: 'toolbar', 'aria-label': 'Projection options' }, h('label', { class: 'opt' }, h('span', {}, 'project'), this.whatSelect), this.layerLabel, this.dirLabel, this.sampleLabel, reset);
  }

  /** Offers the result's layers and directions; returns the choice clamped to them. */
  fillEncoderChoices(r: Result, c: ProjectionChoice): ProjectionChoice {
    const e = r.reply.encoder;
    const layers = Math.max(1, e.numLayers);
    const dirs = e.bidirectional ? 2 : 1;
    const choice = { ...c, layer: Math.min(c.layer, layers - 1), direction: Math.min(c.direction, dirs - 1) };
    clear(this.layerSelect);
    for (let l = 0; l < layers; l++) this.layerSelect.append(h('vscode-option', { value: String(l), selected: l === choice.layer }, `layer ${l}`));
    clear(this.dirSelect);
    const names = dirs === 2 ? ['forward', 'reverse'] : ['forward'];
    names.forEach((n, d) => this.dirSelect.append(h('vscode-option', { value: String(d), selected: d === choice.direction }, n)));
    this.layerSelect.value = String(choice.layer);
    this.dirSelect.value = String(choice.direction);
    this.sync(r, choice);
    return choice;
  }

  /** Shows the layer and direction only for hidden states of an encoder that has several; the sample only for embeddings. */
  sync(r: Result | undefined, choice: ProjectionChoice): void {
    const hidden = choice.what === 'hidden';
    this.layerLabel.hidden = !hidden || !r || r.reply.encoder.numLayers < 2;
    this.dirLabel.hidden = !hidden || !r || !r.reply.encoder.bidirectional;
    this.sampleSelect.disabled = hidden;
    this.sampleLabel.title = hidden ? 'The vocabulary lives in embedding space: a sample is offered for the embeddings only' : '';
  }

  /** The choice the selects show. */
  read(): ProjectionChoice {
    const sample = Number(this.sampleSelect.value);
    return {
      what: this.whatSelect.value === 'hidden' ? 'hidden' : 'embeddings',
      layer: Number(this.layerSelect.value) || 0,
      direction: Number(this.dirSelect.value) || 0,
      sample: SAMPLE_SIZES.includes(sample as 0) ? sample : 0,
    };
  }
}
