// The padded (T, E) matrix: a canvas heatmap (pad rows hatched, the value under the pointer,
// zoom and pan) and, for small matrices, the numbers as the explainer prints them.
import { h, clear } from '../dom';
import { f32 } from '../format';
import { readPalette } from '../theme';
import { rowLabel, type Result } from '../result';
import type { Selection } from '../selection';
import { Heatmap } from './heatmap';
import { saveState, vscode } from '../vscodeApi';

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
  private result: Result | undefined;
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
    });
    this.heatmap.onViewChange = v => saveState({ zoom: v });
    this.element.append(this.heading, this.heatmap.element, this.printout);
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
    const m = r.embeddings;
    clear(this.heading);
    this.heading.append(`embeddings \u2014 shape (${m.rows}, ${m.cols})`, h('span', { class: 'dim' }, ` ${r.reply.model.embedding.tensor ?? ''} ${r.reply.model.embedding.dtype ?? ''}`));
    this.heatmap.setData(m);
    // The saved zoom belongs to the result shown before a reload: restore it once.
    const zoom = this.restored ? undefined : vscode.getState()?.zoom;
    this.restored = true;
    if (zoom) this.heatmap.setView(zoom);
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
