// The padded (T, E) matrix: a canvas heatmap (pad rows hatched, the value under the pointer,
// zoom and pan) and, for small matrices, the numbers as the explainer prints them. For a
// transformer with an input layer, a stage selector shows each stage's (T, E) matrix the same way
// ("word" is the embedding matrix the encoder reads).
import { h, clear } from '../dom';
import { f32 } from '../format';
import { readPalette } from '../theme';
import { randomRowCount, rowLabel, type InputStage, type Mat, type Result } from '../result';
import type { Selection } from '../selection';
import { checkSavedStage } from '../../src/shared/panelMessages';
import { Heatmap } from './heatmap';
import { formatEps } from './pipelineHeader';
import { saveState, vscode } from '../vscodeApi';

type Select = HTMLElement & { value: string };

/** Largest matrix printed as numbers too. */
const PRINT_ROWS = 64;
const PRINT_COLS = 16;

/** The padded-matrix view. */
export class MatrixView {
  readonly element = h('section', { class: 'matrix-view', 'aria-label': 'Padded embedding matrix' });
  private readonly heading = h('h3', {});
  // Focusable (it scrolls sideways) and named, so a screen reader can find the numbers.
  private readonly printout = h('pre', { class: 'printout', id: 'matrix-printout', tabindex: 0, role: 'region', 'aria-label': 'The padded matrix as numbers' });
  private readonly heatmap: Heatmap;
  /** The input layer's stage selector, the tensors the stage adds, and why there are no stages. */
  private readonly stageSelect = h('vscode-single-select', { id: 'matrix-stage', 'aria-label': 'Input layer stage' }) as Select;
  private readonly stageInfo = h('span', { class: 'dim', id: 'matrix-stage-info' });
  private readonly stageBar = h('div', { class: 'matrix-controls', role: 'toolbar', 'aria-label': 'Input layer stage', hidden: true },
    h('label', { class: 'opt' }, h('span', { class: 'dim' }, 'stage'), this.stageSelect),
    this.stageInfo,
    // A user would otherwise take the LayerNorm output for what the RNN reads.
    h('span', { class: 'dim', id: 'matrix-stage-encoder' }, 'the encoder reads the word rows'));
  private readonly skipped = h('p', { class: 'dim', id: 'matrix-stage-skipped', hidden: true });
  private result: Result | undefined;
  /** The stage on show (0: the word rows, the embedding matrix). */
  private stage = 0;
  private restored = false;

  constructor(private readonly selection: Selection) {
    this.heatmap = new Heatmap({
      label: 'Padded embedding matrix',
      rowLabel: r => (this.result ? rowLabel(this.result, r) : ''),
      colLabel: c => `dim ${c}`,
      isPadRow: r => (this.result ? this.result.mask[r] === 0 : false),
      onHover: cell => {
        const i = cell && this.result ? this.result.tokenAtRow[cell.row]! : -1;
        this.selection.hover(i);
      },
      onClickRow: r => {
        const i = this.result?.tokenAtRow[r] ?? -1;
        if (i >= 0) this.selection.select(i, true);
      },
      // The word rows of a quantized GGUF table are dequantized: the value says so.
      cellNote: () => (this.stage === 0 ? storageNote(this.result) : undefined),
    });
    this.heatmap.onViewChange = v => saveState({ zoom: v });
    this.stageSelect.addEventListener('change', () => {
      const stages = this.stages();
      const k = stages.findIndex(st => st.name === this.stageSelect.value);
      if (k < 0 || k === this.stage) return;
      saveState({ inputStage: stages[k]!.name });
      this.draw(k, true);
    });
    this.element.append(this.stageBar, this.skipped, this.heading, this.heatmap.element, this.printout);
    // Only a change of the selected token redraws (hovers fire far more often).
    let marked = -2;
    selection.onChange(() => {
      const row = this.result && selection.selected >= 0 ? this.result.positions[selection.selected]! : -1;
      if (row !== marked) this.heatmap.markRowIndex((marked = row));
      this.heatmap.highlightRow(this.result && selection.hovered >= 0 ? this.result.positions[selection.hovered]! : -1);
    });
  }

  show(r: Result): void {
    this.result = r;
    const il = r.inputLayer;
    const stages = this.stages();
    this.stageBar.hidden = stages.length === 0;
    this.skipped.hidden = !(il && 'skipped' in il);
    this.skipped.textContent = il && 'skipped' in il ? `No input layer stages for this text: ${il.skipped}` : '';
    // The stage chosen before (this result or an earlier one, or the saved state after a reload), when this result has it.
    const saved = checkSavedStage(vscode.getState(), stages.map(st => st.name));
    const k = Math.max(0, stages.findIndex(st => st.name === saved));
    clear(this.stageSelect);
    stages.forEach((st, i) => this.stageSelect.append(h('vscode-option', { value: st.name, selected: i === k }, st.name)));
    if (stages.length) this.stageSelect.value = stages[k]!.name;
    this.draw(k, false);
    // The saved zoom belongs to the result shown before a reload: restore it once.
    const zoom = this.restored ? undefined : vscode.getState()?.zoom;
    this.restored = true;
    if (zoom) this.heatmap.setView(zoom);
  }

  /** The input layer's stages of the result on show (none without an input layer). */
  private stages(): readonly InputStage[] {
    const il = this.result?.inputLayer;
    return il && 'stages' in il ? il.stages : [];
  }

  /** Shows stage k (0: the embedding matrix) in the heading, the heatmap and the printout. */
  private draw(k: number, keepView: boolean): void {
    const r = this.result;
    if (!r) return;
    this.stage = k;
    const st = this.stages()[k];
    const emb = r.reply.model.embedding;
    // The word stage is the embedding matrix itself (the worker says they are equal).
    const m: Mat = k === 0 || !st ? r.embeddings : st.mat;
    clear(this.heading);
    if (k === 0 || !st) {
      const random = randomRowCount(r);
      this.heading.append(`embeddings \u2014 shape (${m.rows}, ${m.cols})`, h('span', { class: 'dim' }, ` ${emb.tensor ?? ''} ${emb.dtype ?? ''}`), emb.real && random > 0 ? mixedBadge(random, r.T) : badge(emb.real));
      const note = storageNote(r);
      if (note) this.heading.append(h('span', { class: 'dim', id: 'matrix-note' }, note));
    } else {
      this.heading.append(`${st.name} \u2014 shape (${m.rows}, ${m.cols})`, badge(st.label.real));
    }
    if (st) this.stageInfo.textContent = stageInfo(r, st, k);
    this.heatmap.setData(m, undefined, keepView);
    this.printout.hidden = !(m.rows <= PRINT_ROWS && m.cols <= PRINT_COLS);
    if (!this.printout.hidden) this.printout.textContent = printMatrix(m.rows, m.cols, m.data, t => rowLabel(r, t));
  }

  repaint(): void {
    this.heatmap.setPalette(readPalette());
  }

  /** The heatmap (tests and the export read it). */
  get canvas(): Heatmap {
    return this.heatmap;
  }
}

/**
 * How a GGUF table's rows were made float32: "dequantized from Q4_K as ggml does" or "widened
 * from F16 to float32" (the embedding label's note). Other models' notes (the seed's random
 * rows) are the header's to say.
 */
function storageNote(r: Result | undefined): string | undefined {
  const m = r?.reply.model;
  return m?.origin?.format === 'gguf' ? m.embedding.note : undefined;
}

/** Some rows real, some random: the count, and which rows in the row labels ("(random)"). */
function mixedBadge(random: number, T: number): HTMLElement {
  return random === T ? badge(false) : h('span', { class: 'badge mixed', id: 'matrix-random-rows', title: `${random} of ${T} rows are random: this model has no learnt vector for those words` }, `real + ${random} random`);
}

function badge(real: boolean): HTMLElement {
  return h('span', { class: `badge ${real ? 'real' : 'random'}` }, real ? 'real' : 'random');
}

/** What stage k adds to the one before: its tensors and how (the label's note: position ids, type ids, LayerNorm's eps). */
function stageInfo(r: Result, st: InputStage, k: number): string {
  if (k === 0) return `the rows of ${st.added.join(', ')}`;
  let note = insideModel(r, st.label.note ?? '');
  const eps = r.reply.model.inputLayer?.eps;
  if (st.name === 'LayerNorm' && eps != null && !note.includes('eps')) note = `eps ${formatEps(eps)}${note ? `, ${note}` : ''}`;
  return `adds ${st.added.join(' and ')}${note ? ` \u2014 ${note}` : ''}`;
}

/** `text` with the model's folder left out of the paths it names (`config.json "layer_norm_eps"`): the header's tooltips have them whole. */
function insideModel(r: Result, text: string): string {
  const m = r.reply.model;
  for (const p of [m.origin?.path, m.id]) {
    if (!p || !/[\\/]/.test(p)) continue;
    for (const dir of [p, p.replace(/[\\/][^\\/]*$/, '')]) if (dir) text = text.split(`${dir}/`).join('').split(`${dir}\\`).join('');
  }
  return text;
}

/** The explainer's printout: one row per line with a comment naming it, then the shape. */
export function printMatrix(rows: number, cols: number, data: Float32Array, name: (r: number) => string): string {
  const lines: string[] = [];
  for (let r = 0; r < rows; r++) {
    const cells = Array.from(data.subarray(r * cols, (r + 1) * cols), v => f32(v));
    lines.push(`${r === 0 ? '[[' : ' ['}${cells.join(', ')}${r === rows - 1 ? ']]' : '],'}`);
  }
  const width = Math.max(0, ...lines.map(l => l.length));
  return lines.map((l, r) => `${l.padEnd(width)}  # ${name(r)}`).join('\n') + `\n\nShape - (${rows}, ${cols})`;
}
