// The pipeline as shapes across the top: text → tokens (n) → input_ids (T,) → embeddings (T, E)
// → output (T, H·dirs) → h_n (L·dirs, H), with the model and each part labelled real or random.
import { clear, h } from '../dom';
import { shape } from '../format';
import type { Result } from '../result';
import { markCounts, markSummary } from './tokens';

/** The header strip. */
export class PipelineHeader {
  readonly element = h('section', { class: 'pipeline', 'aria-label': 'Pipeline shapes' });

  show(r: Result): void {
    clear(this.element);
    const e = r.reply.encoder;
    const dirs = e.bidirectional ? 2 : 1;
    const stage = (name: string, dims: string, title: string, id: string): HTMLElement => h('span', { class: 'stage', title, id }, h('span', { class: 'stage-name' }, name), ' ', h('span', { class: 'stage-shape' }, dims));
    const arrow = (): HTMLElement => h('span', { class: 'arrow', 'aria-hidden': 'true' }, '\u2192');
    const m = r.reply.model;
    const marks = markSummary(markCounts(r));
    this.element.append(
      h('div', { class: 'shapes' },
        stage('text', `${r.text.length} chars`, r.source.label, 'shape-text'), arrow(),
        stage('tokens', `(${r.n})`, `${r.n} tokens${r.reply.truncated ? `, ${r.reply.truncated} truncated` : ''}${marks ? `, ${marks}` : ''}`, 'shape-tokens'),
        marks ? h('span', { class: 'token-marks', id: 'token-marks', title: 'Tokens the vocabulary could not spell: the unknown token, and bytes standing in for characters (marked in the Tokens tab)' }, marks) : null, arrow(),
        stage('input_ids', shape(r.T), 'padded ids and attention mask', 'shape-ids'), arrow(),
        stage('embeddings', shape(r.T, r.embeddings.cols), 'rows of the embedding table', 'shape-embeddings'), arrow(),
        stage('output', shape(r.T, e.hiddenSize * dirs), 'the last layer\u2019s hidden state at every step', 'shape-output'), arrow(),
        stage('h_n', shape(e.numLayers * dirs, e.hiddenSize), 'final hidden state per layer and direction', 'shape-hn'),
      ),
      h('div', { class: 'parts' },
        h('span', { class: 'part' }, h('strong', {}, m.name)),
        label('tokenizer', true, `${m.tokenizer.description} \u2014 ${m.tokenizer.source}`),
        label('embedding', m.embedding.real, `${m.embedding.tensor ?? ''} ${m.embedding.dtype ?? ''} (${m.embedding.rows}, ${m.embedding.dim}) \u2014 ${m.embedding.source}${m.embedding.note ? ` (${m.embedding.note})` : ''}`),
        label('encoder', e.real, `${e.cell === 'rnn' ? `RNN ${e.nonlinearity}` : e.cell.toUpperCase()}, H = ${e.hiddenSize}, ${e.numLayers} layer${e.numLayers > 1 ? 's' : ''}${e.bidirectional ? ', bidirectional' : ''} \u2014 ${e.real ? e.label.source : `random, seed ${e.seed} (${e.label.note ?? ''})`}`),
        ...(r.reply.engine ? [h('span', { class: 'part engine', 'data-part': 'engine', title: 'the implementation that ran the encoder' }, `encoder: ${r.reply.engine.description}`)] : []),
      ),
    );
  }
}

function label(part: string, real: boolean, detail: string): HTMLElement {
  return h('span', { class: `part ${real ? 'real' : 'random'}`, title: detail, 'data-part': part },
    h('span', { class: `badge ${real ? 'real' : 'random'}` }, real ? 'real' : 'random'), ` ${part}`,
    // The detail is a hover tooltip for the eye; screen readers get it as text.
    h('span', { class: 'sr-only' }, `: ${detail}`));
}
