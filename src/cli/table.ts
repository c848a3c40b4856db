import { formatFloat32 } from '../core/format';
import type { Matrix } from '../core/matrix';
import { overrideNote, type Model } from '../core/model/model';
import type { InspectResult } from '../core/pipeline';

/** Shows a token's text with whitespace made visible, for one table cell. */
export function visible(s: string): string {
  return s.replace(/ /g, '\u2423').replace(/\n/g, '\u21b5').replace(/\r/g, '\u240d').replace(/\t/g, '\u21e5');
}

function pad(s: string, n: number): string {
  const w = [...s].length;
  return w >= n ? s : s + ' '.repeat(n - w);
}

/** Columns of strings, left-aligned, two spaces apart. */
export function columns(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, [...c].length)));
  return rows.map(r => r.map((c, i) => (i === r.length - 1 ? c : pad(c, widths[i]!))).join('  ').trimEnd()).join('\n');
}

const EDGE = 5; // values shown at each edge of a long row, as numpy summarises

/**
 * A matrix printed like the explainer's printout (and numpy's summary for big ones), with a
 * comment naming each row.
 */
export function matrixText(m: Matrix, rowNames?: readonly string[]): string {
  const wideRows = m.cols > 2 * EDGE + 2;
  const showCols = wideRows ? [...range(0, EDGE), -1, ...range(m.cols - EDGE, m.cols)] : range(0, m.cols);
  const longCols = m.rows > 48;
  const showRows = longCols ? [...range(0, 20), -1, ...range(m.rows - 10, m.rows)] : range(0, m.rows);
  const lines: { text: string; name?: string | undefined }[] = [];
  showRows.forEach((r, k) => {
    const open = k === 0 ? '[[' : ' [';
    const close = k === showRows.length - 1 ? ']]' : '],';
    if (r < 0) {
      lines.push({ text: ' ...' });
      return;
    }
    const cells = showCols.map(c => (c < 0 ? '...' : formatFloat32(m.data[r * m.cols + c]!)));
    lines.push({ text: `${open}${cells.join(', ')}${close}`, name: rowNames?.[r] });
  });
  if (m.rows === 0) return '[]';
  const width = Math.max(...lines.map(l => l.text.length));
  return lines.map(l => (l.name !== undefined ? `${l.text.padEnd(width)}  # ${l.name}` : l.text)).join('\n');
}

function range(a: number, b: number): number[] {
  const out: number[] = [];
  for (let i = a; i < b; i++) out.push(i);
  return out;
}

/** The `--format table` report: tokens, padded ids, the matrix with its shape, h_n. */
export function inspectTable(model: Model, r: InspectResult): string {
  const enc = r.encoder;
  const spec = enc.spec;
  const cellName = spec.cell === 'rnn' ? `RNN (${spec.nonlinearity})` : spec.cell.toUpperCase();
  const emb = model.embeddingLabel;
  const out: string[] = [];
  out.push(columns([
    ['model', `${model.name}  [${model.id}]`],
    ['tokenizer', `${model.tokenizer.description}  (${model.tokenizer.source})${model.tokenizerOverride ? ` — ${overrideNote(model.tokenizerOverride)}` : ''}`],
    ['embedding', `${emb.tensor ?? ''} ${emb.dtype ?? ''} (${(emb.shape ?? []).join(', ')})  real: ${emb.source}${emb.note ? ` — ${emb.note}` : ''}`],
    ['encoder', `${cellName}, hidden ${spec.hiddenSize}, ${spec.numLayers} layer${spec.numLayers > 1 ? 's' : ''}${spec.bidirectional ? ', bidirectional' : ''}  ${enc.real ? `real: ${enc.label.source}` : `RANDOM (seed ${enc.seed}) — ${enc.label.note}`}`],
    ['pad', model.pad ? `${JSON.stringify(model.pad.text)} = ${model.pad.id} (from ${model.pad.source})` : 'none'],
  ]));
  out.push('');
  const rows: string[][] = [['#', 'id', 'token', 'span', 'text']];
  r.tokens.forEach((t, i) => rows.push([String(i), String(t.id), visible(t.text) + (t.special ? ' (special)' : ''), `${t.start}:${t.end}`, visible(r.text.slice(t.start, t.end))]));
  out.push(columns(rows));
  if (r.truncated > 0) out.push(`(${r.truncated} token${r.truncated > 1 ? 's' : ''} truncated on the ${r.options.truncationSide})`);
  out.push('');
  const T = r.inputIds.length;
  out.push(`input_ids       [${Array.from(r.inputIds).join(', ')}]  shape (${T},)`);
  out.push(`attention_mask  [${Array.from(r.attentionMask).join(', ')}]`);
  out.push('');
  const names: string[] = new Array<string>(T).fill(model.pad ? model.pad.text : 'pad');
  r.tokens.forEach((t, i) => {
    const src = visible(r.text.slice(t.start, t.end));
    names[r.tokenPositions[i]!] = !src ? t.text : src === t.text ? src : `${src} \u2192 ${visible(t.text)}`;
  });
  // A row that is random rather than the table's says so beside its numbers.
  if (model.isRandomRow) r.inputIds.forEach((id, t) => model.isRandomRow!(id) && (names[t] += ' (random row)'));
  out.push(model.origin?.quant && emb.note ? `embeddings (${emb.note})` : 'embeddings');
  out.push(matrixText(r.embeddings, names));
  out.push(`Shape - (${r.embeddings.rows}, ${r.embeddings.cols})`);
  out.push('');
  const il = r.inputLayer;
  if (il && !model.inputLayer && 'skipped' in il) out.push(`input layer: not computed — ${il.skipped}`, '');
  if (il && model.inputLayer) {
    if ('skipped' in il) {
      out.push(`input layer (${model.inputLayer.modelType}): not computed — ${il.skipped}`);
      out.push('');
    } else {
      out.push(`input layer (${model.inputLayer.modelType}), real; position ids [${Array.from(il.positionIds).join(', ')}]`);
      // "word" is the embeddings above; the later stages each add a tensor or normalise.
      for (const st of il.stages.slice(1)) {
        out.push(`${st.name}  (${st.added.join(', ')})`);
        out.push(matrixText({ rows: st.rows, cols: st.cols, data: st.data }, names));
        out.push(`Shape - (${st.rows}, ${st.cols})`);
      }
      out.push('');
    }
  }
  const dirs = spec.bidirectional ? 2 : 1;
  const hNames: string[] = [];
  for (let l = 0; l < spec.numLayers; l++) for (let d = 0; d < dirs; d++) hNames.push(`layer ${l}${spec.bidirectional ? (d ? ' reverse' : ' forward') : ''}`);
  out.push(`h_n${enc.real ? '' : ' (random encoder)'}`);
  out.push(matrixText(r.rnn.hN, hNames));
  out.push(`Shape - (${r.rnn.hN.rows}, ${r.rnn.hN.cols})`);
  if (r.rnn.cN) {
    out.push('');
    out.push('c_n');
    out.push(matrixText(r.rnn.cN, hNames));
    out.push(`Shape - (${r.rnn.cN.rows}, ${r.rnn.cN.cols})`);
  }
  return out.join('\n') + '\n';
}
