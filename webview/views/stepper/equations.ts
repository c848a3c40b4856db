// The step-through's equations: the cell's update written out (equationLines), the grid's rows
// per cell type (rowDefs), and the check that recomputes h_t (and c_t) from the shown numbers.
import { h } from '../../dom';
import type { Cell, RowDef } from './common';

/** The check's tolerance: recomputed vs stored float32 values. */
const TOLERANCE = 1e-6;

export function sub(text: string): HTMLElement {
  return h('sub', {}, text);
}

/** Math text with `_{…}` subscripts and `^{…}` superscripts as nodes (text stays text). */
export function math(s: string): Node[] {
  const out: Node[] = [];
  const re = /([_^])\{([^}]*)\}/g;
  let last = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    if (m.index > last) out.push(document.createTextNode(s.slice(last, m.index)));
    out.push(h(m[1] === '_' ? 'sub' : 'sup', {}, m[2]!));
    last = m.index + m[0].length;
  }
  if (last < s.length) out.push(document.createTextNode(s.slice(last)));
  return out;
}

/** The cell's equations as PyTorch documents them, and where the weights live. */
export function equationLines(cell: Cell, nonlinearity: 'tanh' | 'relu', layer: number, direction: number, bidirectional: boolean, H: number, inputSize: number): HTMLElement[] {
  const suffix = `l${layer}${bidirectional && direction ? '_reverse' : ''}`;
  const prev = bidirectional && direction ? ' (reverse: h_{t\u22121} is the state of step t + 1, which ran just before)' : '';
  const lines: string[] =
    cell === 'gru'
      ? [
          'r_{t} = \u03c3(W_{ir} x_{t} + b_{ir} + W_{hr} h_{t\u22121} + b_{hr})',
          'z_{t} = \u03c3(W_{iz} x_{t} + b_{iz} + W_{hz} h_{t\u22121} + b_{hz})',
          'n_{t} = tanh(W_{in} x_{t} + b_{in} + r_{t} \u2299 (W_{hn} h_{t\u22121} + b_{hn}))',
          'h_{t} = (1 \u2212 z_{t}) \u2299 n_{t} + z_{t} \u2299 h_{t\u22121}',
        ]
      : cell === 'lstm'
        ? [
            'i_{t} = \u03c3(W_{ii} x_{t} + b_{ii} + W_{hi} h_{t\u22121} + b_{hi})',
            'f_{t} = \u03c3(W_{if} x_{t} + b_{if} + W_{hf} h_{t\u22121} + b_{hf})',
            'g_{t} = tanh(W_{ig} x_{t} + b_{ig} + W_{hg} h_{t\u22121} + b_{hg})',
            'o_{t} = \u03c3(W_{io} x_{t} + b_{io} + W_{ho} h_{t\u22121} + b_{ho})',
            'c_{t} = f_{t} \u2299 c_{t\u22121} + i_{t} \u2299 g_{t}',
            'h_{t} = o_{t} \u2299 tanh(c_{t})',
          ]
        : [`h_{t} = ${nonlinearity === 'relu' ? 'ReLU' : 'tanh'}(x_{t} W_{ih}^{T} + b_{ih} + h_{t\u22121} W_{hh}^{T} + b_{hh})`];
  const gates = cell === 'gru' ? 'r, z, n' : cell === 'lstm' ? 'i, f, g, o' : '';
  const where =
    cell === 'rnn'
      ? `W_{ih} = weight_ih_${suffix} (${H}, ${inputSize}), W_{hh} = weight_hh_${suffix} (${H}, ${H}). Only h_{t} is kept: the pre-activation inside ${nonlinearity} is not stored, so this step shows the equation and its result.`
      : `W_{i\u00b7} are the ${gates} row blocks of weight_ih_${suffix} (${cell === 'gru' ? 3 : 4}\u00b7${H}, ${inputSize}), W_{h\u00b7} those of weight_hh_${suffix} (${cell === 'gru' ? 3 : 4}\u00b7${H}, ${H}); \u03c3 is the logistic sigmoid, \u2299 the element-wise product.`;
  return [
    h('div', { class: 'stepper-eq-title' }, cell === 'gru' ? 'GRU cell (torch.nn.GRU)' : cell === 'lstm' ? 'LSTM cell (torch.nn.LSTM)' : `Elman RNN cell (torch.nn.RNN, nonlinearity='${nonlinearity}')`),
    ...lines.map(l => h('div', { class: 'stepper-eq-line' }, ...math(l))),
    h('div', { class: 'dim stepper-eq-where' }, ...math(where + prev)),
  ];
}

/** The grid's rows for a cell type: section titles as strings, vectors as RowDefs. */
export function rowDefs(cell: Cell, limits: { h: number; c: number; x: number }): (string | RowDef)[] {
  const m = (s: string): Node[] => math(s);
  const rows: (string | RowDef)[] = ['In'];
  rows.push({ key: 'hPrev', label: ['hidden state ', ...m('h_{t\u22121}')], space: 'h', limit: () => limits.h });
  if (cell === 'lstm') rows.push({ key: 'cPrev', label: ['cell state ', ...m('c_{t\u22121}')], space: 'h', limit: () => limits.c });
  rows.push({ key: 'x', label: ['input ', ...m('x_{t}')], space: 'x', limit: () => limits.x });
  // Sigmoid gates lie in (0, 1), tanh ones in (-1, 1): one fixed scale keeps them comparable.
  const gate = (key: string, name: string): RowDef => ({ key, label: [`${name} `, ...m(`${key}_{t}`)], space: 'h', limit: () => 1 });
  if (cell === 'gru') rows.push('Gates', gate('r', 'reset'), gate('z', 'update'), gate('n', 'new'));
  if (cell === 'lstm') rows.push('Gates', gate('i', 'input'), gate('f', 'forget'), gate('g', 'cell candidate'), gate('o', 'output'));
  rows.push('Out');
  rows.push({ key: 'h', label: ['hidden state ', ...m('h_{t}')], space: 'h', limit: () => limits.h });
  if (cell === 'lstm') rows.push({ key: 'c', label: ['cell state ', ...m('c_{t}')], space: 'h', limit: () => limits.c });
  return rows;
}

/** Recomputes h_t (and c_t) from the shown gates and h_{t-1} in float32, as the core does. */
export function checkLine(cell: Cell, nonlinearity: 'tanh' | 'relu', gates: Float32Array | null, hPrev: Float32Array, cPrev: Float32Array | null, hT: Float32Array, cT: Float32Array | null, H: number): Node[] {
  const verdict = (label: Node[], delta: number): HTMLElement => {
    const ok = delta <= TOLERANCE;
    return h('div', { class: `stepper-check-line ${ok ? 'ok' : 'bad'}` },
      h('span', { class: `codicon codicon-${ok ? 'pass' : 'error'}`, 'aria-hidden': 'true' }), ' ',
      ...label, ` \u2192 max |\u0394| = ${delta === 0 ? '0' : delta.toExponential(1)} ${ok ? '\u2264' : '>'} 1e-6`);
  };
  if (cell === 'rnn') {
    return [h('div', { class: 'stepper-check-line dim' }, ...math(`no gates to recompute from: h_{t} = ${nonlinearity}(\u2026) is stored, its argument is not`))];
  }
  if (!gates) return [h('div', { class: 'stepper-check-line dim' }, 'gates were not kept for this result')];
  if (cell === 'gru') {
    let d = 0;
    for (let j = 0; j < H; j++) {
      const z = gates[H + j]!;
      const v = Math.fround((1 - z) * gates[2 * H + j]! + z * hPrev[j]!);
      d = Math.max(d, Math.abs(v - hT[j]!));
    }
    return [verdict(math('(1 \u2212 z_{t}) \u2299 n_{t} + z_{t} \u2299 h_{t\u22121} vs h_{t}'), d)];
  }
  let dc = 0;
  let dh = 0;
  for (let j = 0; j < H; j++) {
    const c = Math.fround(gates[H + j]! * cPrev![j]! + gates[j]! * gates[2 * H + j]!);
    dc = Math.max(dc, Math.abs(c - cT![j]!));
    dh = Math.max(dh, Math.abs(Math.fround(gates[3 * H + j]! * Math.tanh(c)) - hT[j]!));
  }
  return [verdict(math('f_{t} \u2299 c_{t\u22121} + i_{t} \u2299 g_{t} vs c_{t}'), dc), verdict(math('o_{t} \u2299 tanh(c_{t}) vs h_{t}'), dh)];
}

