// The pipeline as shapes across the top: text → tokens (n) → input_ids (T,) → embeddings (T, E)
// → output (T, H·dirs) → h_n (L·dirs, H), with the model and each part labelled real or random.
// A transformer's input layer (word + position (+ type) embeddings, LayerNorm) is a second row
// that branches off the lookup: the encoder still reads the word rows, not its output.
import { clear, h } from '../dom';
import { shape } from '../format';
import type { ModelSummary } from '../../src/shared/workerProtocol';
import { randomRowCount, type Result } from '../result';
import { markCounts, markSummary } from './tokens';

/** The header strip. */
export class PipelineHeader {
  readonly element = h('section', { class: 'pipeline', 'aria-label': 'Pipeline shapes' });

  show(r: Result): void {
    clear(this.element);
    const e = r.reply.encoder;
    const dirs = e.bidirectional ? 2 : 1;
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
      inputStages(r) ?? '',
      h('div', { class: 'parts' },
        h('span', { class: 'part' }, h('strong', {}, m.name)),
        modelFacts(m),
        label('tokenizer', true, `${m.tokenizer.description} \u2014 ${m.tokenizer.source}`),
        embeddingLabel(r),
        label('encoder', e.real, `${e.cell === 'rnn' ? `RNN ${e.nonlinearity}` : e.cell.toUpperCase()}, H = ${e.hiddenSize}, ${e.numLayers} layer${e.numLayers > 1 ? 's' : ''}${e.bidirectional ? ', bidirectional' : ''} \u2014 ${e.real ? e.label.source : `random, seed ${e.seed} (${e.label.note ?? ''})`}`),
        ...(r.reply.engine ? [h('span', { class: 'part engine', 'data-part': 'engine', title: 'the implementation that ran the encoder' }, `encoder: ${r.reply.engine.description}`)] : []),
      ),
    );
  }
}

function stage(name: string, dims: string, title: string, id: string, ...extra: Node[]): HTMLElement {
  return h('span', { class: 'stage', title, id }, ...extra, h('span', { class: 'stage-name' }, name), ' ', h('span', { class: 'stage-shape' }, dims));
}

function arrow(): HTMLElement {
  return h('span', { class: 'arrow', 'aria-hidden': 'true' }, '\u2192');
}

/**
 * The input layer's stages after the lookup ("word" → "+ position" → "+ type" → "LayerNorm"),
 * each with its real/random badge; or, when the worker skipped it, one quiet line saying why.
 */
function inputStages(r: Result): HTMLElement | null {
  const il = r.inputLayer;
  if (!il) return null;
  if ('skipped' in il) return h('div', { class: 'input-stages skipped dim', id: 'input-layer-skipped' }, `input layer not computed: ${il.skipped}`);
  const layer = r.reply.model.inputLayer;
  const row = h('div', { class: 'input-stages', role: 'group', 'aria-label': 'The transformer\u2019s input layer' },
    h('span', { class: 'dim' }, `input layer${layer ? ` (${layer.family})` : ''}`));
  il.stages.forEach((s, k) => {
    if (k > 0) row.append(arrow());
    const real = s.label.real;
    const title = `${s.added.join(' + ')}${s.label.note ? ` (${s.label.note})` : ''} \u2014 ${real ? 'real' : 'random'}: ${s.label.source}`;
    row.append(stage(s.name, shape(s.mat.rows, s.mat.cols), title, `input-stage-${k}`, h('span', { class: `badge ${real ? 'real' : 'random'}` }, real ? 'real' : 'random'), document.createTextNode(' ')));
  });
  // Without this a user would take the LayerNorm output for what the RNN reads.
  row.append(h('span', { class: 'dim input-note' }, 'the encoder reads the word rows'));
  return row;
}

/** An eps as config.json writes it (1e-12, 1e-5). */
export function formatEps(eps: number): string {
  return eps !== 0 && Math.abs(eps) < 1e-3 ? eps.toExponential() : String(eps);
}

/**
 * Where the model came from, as the header says it: the reference discovery found it by
 * (`ollama:llama3.2:1b`); for a GGUF file its name (the full path in the tooltip), architecture,
 * vocabulary size, E and the ggml type of its token embedding; for a Hugging Face model its
 * `model_type`. Nothing for the built-in models.
 */
function modelFacts(m: ModelSummary): HTMLElement | null {
  const o = m.origin ?? null;
  const facts: HTMLElement[] = [];
  const fact = (key: string, text: string, title: string, spoken?: string): void => {
    facts.push(h('span', { class: 'fact', 'data-fact': key, title }, text, spoken ? h('span', { class: 'sr-only' }, spoken) : null));
  };
  if (o?.reference) fact('reference', o.reference, `found as ${o.reference} (${o.path})`);
  if (o?.format === 'gguf') {
    // The tooltip is for the eye; a screen reader hears the whole path.
    fact('file', shortName(basename(o.path)), o.path, ` (${o.path})`);
    if (o.architecture) fact('arch', o.architecture, `general.architecture${o.contextLength ? `; context length ${o.contextLength.toLocaleString('en-US')}` : ''}`);
    fact('vocab', `vocab ${m.tokenizer.vocabSize.toLocaleString('en-US')}`, 'tokens in the vocabulary (tokenizer.ggml.tokens)');
    fact('dim', `E = ${m.embedding.dim}`, 'the embedding width (token_embd.weight has one row of E values per token)');
    if (o.quant) fact('quant', o.quant, `token_embd.weight is stored as ${o.quant}${m.embedding.note ? `: ${m.embedding.note}` : ''}`);
  } else {
    const type = o?.architecture ?? m.inputLayer?.modelType ?? null;
    if (type) fact('model-type', type, 'model_type in config.json');
  }
  if (facts.length === 0) return null;
  const el = h('span', { class: 'part facts', 'data-part': 'origin' });
  facts.forEach((f, i) => el.append(...(i > 0 ? [h('span', { class: 'dim', 'aria-hidden': 'true' }, ' \u00b7 ')] : []), f));
  return el;
}

/** The last part of a path (either separator: the worker may run on Windows). */
function basename(p: string): string {
  const parts = p.split(/[\\/]/);
  return parts[parts.length - 1] || p;
}

/** A long file name (an Ollama blob is sha256-<64 hex>) cut in the middle; the tooltip has it whole. */
function shortName(name: string): string {
  return name.length <= 40 ? name : `${name.slice(0, 24)}\u2026${name.slice(-8)}`;
}

/**
 * The embedding's badge: "real" when every row on show is the table's, "random" when the table
 * is, and "real + N random" when some rows are random (builtin:seed's unlisted words): a badge
 * must never call a random row real.
 */
function embeddingLabel(r: Result): HTMLElement {
  const m = r.reply.model;
  const detail = `${m.embedding.tensor ?? ''} ${m.embedding.dtype ?? ''} (${m.embedding.rows}, ${m.embedding.dim}) \u2014 ${m.embedding.source}${m.embedding.note ? ` (${m.embedding.note})` : ''}`;
  const random = randomRowCount(r);
  if (!m.embedding.real || random === 0) return label('embedding', m.embedding.real, detail);
  const all = random === r.T;
  const text = all ? 'random' : `real + ${random} random`;
  const why = `${random} of ${r.T} rows are random (marked in the Tokens and Padded matrix tabs)`;
  return h('span', { class: `part ${all ? 'random' : 'mixed'}`, title: `${why}; ${detail}`, 'data-part': 'embedding', id: 'embedding-label' },
    h('span', { class: `badge ${all ? 'random' : 'mixed'}` }, text), ' embedding',
    h('span', { class: 'sr-only' }, `: ${why}; ${detail}`));
}

function label(part: string, real: boolean, detail: string): HTMLElement {
  return h('span', { class: `part ${real ? 'real' : 'random'}`, title: detail, 'data-part': part },
    h('span', { class: `badge ${real ? 'real' : 'random'}` }, real ? 'real' : 'random'), ` ${part}`,
    // The detail is a hover tooltip for the eye; screen readers get it as text.
    h('span', { class: 'sr-only' }, `: ${detail}`));
}
