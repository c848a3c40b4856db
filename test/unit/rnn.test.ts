import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openSafetensors, writeSafetensors } from '../../src/core/formats/safetensors';
import { nodeFiles } from '../../src/core/nodeFiles';
import type { Matrix } from '../../src/core/matrix';
import { createRng } from '../../src/core/prng';
import {
  GATE_NAMES,
  randomRnnWeights,
  rnnWeightTensors,
  runRnn,
  type CellType,
  type RnnResult,
  type RnnSpec,
  type RnnTrace,
  type RnnWeights,
} from '../../src/core/rnn';
import { findRnnPrefix, loadRnnWeights, type RnnHints } from '../../src/core/rnnTensors';
import { numel, type TensorSource, type TensorStore } from '../../src/core/tensors';
import { assertClose, flat, rejection } from './helpers';
import { CASES, TORCH_DIR, hintsFromConfig, type Expected } from './torchFixtures';

/** The contiguous [start, end) of the mask's 1s (the real tokens). */
function realRangeOf(mask: readonly number[]): { start: number; end: number } {
  const start = mask.indexOf(1);
  if (start < 0) return { start: 0, end: 0 };
  const end = mask.lastIndexOf(1) + 1;
  for (let t = start; t < end; t++) assert.equal(mask[t], 1, `attention_mask has a gap at ${t}: real tokens must be contiguous`);
  return { start, end };
}

interface LoadedCase {
  name: string;
  expected: Expected;
  weights: RnnWeights;
  x: Matrix;
  tensors: string[];
  storeNames: string[];
}

async function loadCase(name: string): Promise<LoadedCase> {
  const dir = path.join(TORCH_DIR, name);
  const expected = JSON.parse(readFileSync(path.join(dir, 'expected.json'), 'utf8')) as Expected;
  const store = await openSafetensors(nodeFiles, path.join(dir, 'model.safetensors'));
  const embedding = store.get('embedding.weight');
  assert.ok(embedding, `${name}: model.safetensors has no embedding.weight`);
  const E = embedding.info.shape[1]!;
  const loaded = await loadRnnWeights(store, E, hintsFromConfig(dir));
  assert.ok(loaded, `${name}: no encoder found`);
  assert.equal(loaded.prefix, 'rnn.');
  const rows = await embedding.readRows(expected.input_ids);
  return {
    name,
    expected,
    weights: loaded.weights,
    x: { rows: expected.input_ids.length, cols: E, data: rows },
    tensors: loaded.tensors,
    storeNames: store.names(),
  };
}

function runCase(c: LoadedCase, keepGates = true): RnnResult {
  const range = c.expected.options.skip_padding ? realRangeOf(c.expected.attention_mask) : undefined;
  return runRnn(c.weights, c.x, range ? { realRange: range, keepGates } : { keepGates });
}

describe('runRnn against PyTorch (test/fixtures/torch)', () => {
  const worst = new Map<string, { delta: number; cases: number }>();
  after(() => {
    for (const [label, { delta, cases }] of [...worst].sort()) {
      console.log(`      ${label}: largest |Δ| vs PyTorch ${delta.toExponential(2)} over ${cases} cases`);
    }
  });

  it('has the fixture cases', () => {
    assert.ok(CASES.length >= 24, `expected ≥ 24 cases in ${TORCH_DIR}, found ${CASES.length}; run /usr/bin/python3 test/fixtures/torch/generate.py`);
  });

  for (const name of CASES) {
    it(name, async () => {
      const c = await loadCase(name);
      const { expected, weights } = c;
      const { spec } = weights;
      // The case name states what the loader must have found from shapes (and config.json for relu).
      const label = spec.cell === 'rnn' ? `rnn ${spec.nonlinearity}` : spec.cell;
      assert.ok(name.startsWith(label.replace(' ', '_') + '_'), `${name}: loaded ${label}`);
      assert.equal(spec.bidirectional, name.includes('_bi_'));
      assert.equal(spec.bias, !name.includes('nobias'));
      assert.equal(spec.numLayers, Number(/_l(\d)_/.exec(name)![1]));
      // The loader lists the tensors in PyTorch's state_dict order (the generator wrote them so).
      assert.deepEqual(c.tensors, c.storeNames.filter(n => n.startsWith('rnn.')));

      assertClose(c.x.data, flat(expected.embeddings), `${name} embeddings`, { atol: 0 });
      const r = runCase(c);
      const dirs = spec.bidirectional ? 2 : 1;
      assert.equal(r.output.rows, expected.input_ids.length);
      assert.equal(r.output.cols, spec.hiddenSize * dirs);
      assert.equal(r.hN.rows, spec.numLayers * dirs);
      let d = assertClose(r.output.data, flat(expected.output), `${name} output`);
      d = Math.max(d, assertClose(r.hN.data, flat(expected.h_n), `${name} h_n`));
      if (spec.cell === 'lstm') {
        assert.ok(r.cN && expected.c_n);
        d = Math.max(d, assertClose(r.cN.data, flat(expected.c_n), `${name} c_n`));
      } else {
        assert.equal(r.cN, null);
      }
      const w = worst.get(label) ?? { delta: 0, cases: 0 };
      worst.set(label, { delta: Math.max(w.delta, d), cases: w.cases + 1 });
    });
  }
});

describe('runRnn semantics', () => {
  it('runs the reverse direction from the last real step, and skipped steps stay 0', async () => {
    const c = await loadCase('gru_l2_bi_f32_left_skip');
    const { start, end } = realRangeOf(c.expected.attention_mask);
    assert.ok(start > 0, 'the case has left pads');
    const r = runCase(c);
    assert.equal(r.traces.length, 4);
    r.traces.forEach((tr, i) => {
      assert.equal(tr.layer, Math.floor(i / 2));
      assert.equal(tr.direction, i % 2);
      const steps = Array.from({ length: end - start }, (_, k) => start + k);
      assert.deepEqual(Array.from(tr.order), tr.direction === 0 ? steps : steps.reverse());
      for (let t = 0; t < start; t++) assert.ok(tr.h.data.subarray(t * 6, (t + 1) * 6).every(v => v === 0), `h row ${t} of a skipped step`);
    });
  });

  it('a realRange covering every step equals running through', async () => {
    const c = await loadCase('lstm_l2_bi_f16_left_skip');
    const T = c.x.rows;
    const a = runRnn(c.weights, c.x);
    const b = runRnn(c.weights, c.x, { realRange: { start: 0, end: T } });
    assert.deepEqual(b.output.data, a.output.data);
    assert.deepEqual(b.hN.data, a.hN.data);
    assert.deepEqual(b.cN!.data, a.cN!.data);
  });

  it('keepGates: false gives the same numbers without gates', async () => {
    const c = await loadCase('lstm_l1_f32_right_skip');
    const a = runCase(c);
    const b = runCase(c, false);
    assert.deepEqual(b.output.data, a.output.data);
    assert.deepEqual(b.hN.data, a.hN.data);
    assert.ok(a.traces.every(t => t.gates !== null));
    assert.ok(b.traces.every(t => t.gates === null));
  });

  it('an Elman RNN keeps no gates (its only activation is h_t)', async () => {
    const r = runCase(await loadCase('rnn_tanh_l1_f32_right_through'));
    assert.deepEqual(GATE_NAMES.rnn, []);
    assert.equal(r.traces[0]!.gates, null);
    assert.equal(r.traces[0]!.c, null);
  });

  it('handles an empty realRange (no real tokens): zero output and zero state', () => {
    const w = randomRnnWeights(spec('gru', 3, 2, { bidirectional: true }), 5);
    const x: Matrix = { rows: 4, cols: 3, data: new Float32Array(12).fill(1) };
    const r = runRnn(w, x, { realRange: { start: 2, end: 2 } });
    assert.ok(r.output.data.every(v => v === 0));
    assert.ok(r.hN.data.every(v => v === 0));
  });

  /** Previous state of step index s in the trace's order (zero before the first step). */
  const prevOf = (tr: RnnTrace, s: number, H: number, m: Matrix): Float32Array =>
    s === 0 ? new Float32Array(H) : m.data.subarray(tr.order[s - 1]! * H, (tr.order[s - 1]! + 1) * H);

  /** W_ih x_t + b_ih + W_hh h + b_hh for gate block g, unit j, computed naively (layer 0 only). */
  function preActivation(w: RnnWeights, tr: RnnTrace, x: Matrix, t: number, hPrev: Float32Array, g: number, j: number, onlyInput = false): { xPart: number; hPart: number } {
    const { hiddenSize: H, inputSize: E } = w.spec;
    const p = w.layers[tr.layer]![tr.direction]!;
    const row = g * H + j;
    let xPart = p.bIh ? p.bIh[row]! : 0;
    for (let k = 0; k < E; k++) xPart += p.wIh[row * E + k]! * x.data[t * E + k]!;
    let hPart = p.bHh ? p.bHh[row]! : 0;
    if (!onlyInput) for (let k = 0; k < H; k++) hPart += p.wHh[row * H + k]! * hPrev[k]!;
    return { xPart, hPart };
  }
  const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

  it('GRU gates: r, z, n are the documented gates and h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}', async () => {
    const c = await loadCase('gru_l2_bi_f32_left_skip');
    const r = runCase(c);
    const H = c.weights.spec.hiddenSize;
    for (const tr of r.traces) {
      const gates = tr.gates!;
      assert.equal(gates.cols, 3 * H);
      for (let s = 0; s < tr.order.length; s++) {
        const t = tr.order[s]!;
        const hPrev = prevOf(tr, s, H, tr.h);
        for (let j = 0; j < H; j++) {
          const [gr, gz, gn] = [0, 1, 2].map(g => gates.data[t * 3 * H + g * H + j]!) as [number, number, number];
          assertClose([tr.h.data[t * H + j]!], [(1 - gz) * gn + gz * hPrev[j]!], `${tr.layer}/${tr.direction} h[${t}, ${j}]`, { atol: 1e-6 });
          if (tr.layer !== 0) continue;
          // Layer 0 reads the embeddings: recompute each gate from the weights, in PyTorch's row order.
          const pr = preActivation(c.weights, tr, c.x, t, hPrev, 0, j);
          const pz = preActivation(c.weights, tr, c.x, t, hPrev, 1, j);
          const pn = preActivation(c.weights, tr, c.x, t, hPrev, 2, j);
          assertClose([gr, gz, gn], [sigmoid(pr.xPart + pr.hPart), sigmoid(pz.xPart + pz.hPart), Math.tanh(pn.xPart + gr * pn.hPart)], `gates r,z,n at ${t}, ${j}`, { atol: 1e-6 });
        }
      }
    }
  });

  it('LSTM gates: i, f, g, o give c_t = f ⊙ c_{t−1} + i ⊙ g and h_t = o ⊙ tanh(c_t)', async () => {
    const c = await loadCase('lstm_l2_bi_f16_left_skip');
    const r = runCase(c);
    const H = c.weights.spec.hiddenSize;
    for (const tr of r.traces) {
      const gates = tr.gates!;
      const cs = tr.c!;
      assert.equal(gates.cols, 4 * H);
      for (let s = 0; s < tr.order.length; s++) {
        const t = tr.order[s]!;
        const hPrev = prevOf(tr, s, H, tr.h);
        const cPrev = prevOf(tr, s, H, cs);
        for (let j = 0; j < H; j++) {
          const [gi, gf, gg, go] = [0, 1, 2, 3].map(g => gates.data[t * 4 * H + g * H + j]!) as [number, number, number, number];
          const ct = cs.data[t * H + j]!;
          assertClose([ct], [gf * cPrev[j]! + gi * gg], `c[${t}, ${j}]`, { atol: 1e-6 });
          assertClose([tr.h.data[t * H + j]!], [go * Math.tanh(ct)], `h[${t}, ${j}]`, { atol: 1e-6 });
          if (tr.layer !== 0) continue;
          const pre = [0, 1, 2, 3].map(g => preActivation(c.weights, tr, c.x, t, hPrev, g, j)).map(p => p.xPart + p.hPart);
          assertClose([gi, gf, gg, go], [sigmoid(pre[0]!), sigmoid(pre[1]!), Math.tanh(pre[2]!), sigmoid(pre[3]!)], `gates i,f,g,o at ${t}, ${j}`, { atol: 1e-6 });
        }
      }
    }
  });

  it('a cancelled flag throws reason "cancelled", also when it fires mid-run', async () => {
    const w = randomRnnWeights(spec('lstm', 4, 3, { numLayers: 2 }), 1);
    const x: Matrix = { rows: 20, cols: 4, data: new Float32Array(80).fill(0.5) };
    const e1 = await rejection(() => runRnn(w, x, { cancel: { isCancellationRequested: true } }));
    assert.equal(e1.reason, 'cancelled');
    let checks = 0;
    const flag = {
      get isCancellationRequested() {
        return ++checks > 10;
      },
    };
    const e2 = await rejection(() => runRnn(w, x, { cancel: flag }));
    assert.equal(e2.reason, 'cancelled');
    assert.ok(checks > 10, 'the flag was checked during the run');
  });

  it('rejects bad arguments, naming the argument and the expected shape', async () => {
    const w = randomRnnWeights(spec('gru', 4, 3, { numLayers: 2, bidirectional: true }), 1);
    const x: Matrix = { rows: 5, cols: 4, data: new Float32Array(20) };
    let e = await rejection(() => runRnn(w, { rows: 5, cols: 3, data: new Float32Array(15) }));
    assert.equal(e.reason, 'shape');
    assert.match(e.message, /^x is \(5, 3\).*expected \(T, inputSize\) = \(T, 4\)/);
    e = await rejection(() => runRnn(w, { rows: 5, cols: 4, data: new Float32Array(19) }));
    assert.equal(e.reason, 'shape');

    const broken: RnnWeights = { spec: w.spec, layers: w.layers.map(l => l.map(d => ({ ...d }))) };
    broken.layers[1]![1]!.wIh = new Float32Array(9 * 4); // layer 1 reads H·dirs = 6 columns, not 4
    e = await rejection(() => runRnn(broken, x));
    assert.equal(e.reason, 'shape');
    assert.match(e.message, /weights\.layers\[1\]\[1\]\.wIh \(weight_ih_l1_reverse\) has 36 values, expected .*\(9, 6\) = 54/);

    const noBias: RnnWeights = { spec: { ...w.spec, bias: false }, layers: w.layers };
    e = await rejection(() => runRnn(noBias, x));
    assert.equal(e.reason, 'shape');
    assert.match(e.message, /bias_ih_l0.*spec\.bias is false/);

    e = await rejection(() => runRnn({ spec: w.spec, layers: w.layers.slice(0, 1) }, x));
    assert.equal(e.reason, 'shape');
    assert.match(e.message, /weights\.layers has 1 layers, expected spec\.numLayers = 2/);

    e = await rejection(() => runRnn(w, x, { realRange: { start: 2, end: 6 } }));
    assert.equal(e.reason, 'option');
    assert.match(e.message, /realRange is \[2, 6\), expected .*T = 5/);

    e = await rejection(() => runRnn({ spec: { ...w.spec, nonlinearity: 'relu' }, layers: w.layers }, x));
    assert.equal(e.reason, 'option');
    assert.match(e.message, /nonlinearity is "relu" with cell "gru"/);

    e = await rejection(() => randomRnnWeights(spec('lstm', 4, 0), 1));
    assert.equal(e.reason, 'option');
    assert.match(e.message, /spec\.hiddenSize is 0, expected a positive integer/);
  });
});

function spec(cell: CellType, inputSize: number, hiddenSize: number, more: Partial<RnnSpec> = {}): RnnSpec {
  return { cell, nonlinearity: 'tanh', inputSize, hiddenSize, numLayers: 1, bidirectional: false, bias: true, ...more };
}

describe('randomRnnWeights', () => {
  it('is deterministic per seed, bounded by 1/sqrt(H), and differs between seeds', () => {
    const s = spec('lstm', 5, 4, { numLayers: 2, bidirectional: true });
    const a = randomRnnWeights(s, 42);
    const b = randomRnnWeights(s, 42);
    const c = randomRnnWeights(s, 43);
    const all = (w: RnnWeights): number[] => rnnWeightTensors(w, '').flatMap(t => Array.from(t.data));
    assert.deepEqual(all(a), all(b));
    assert.notDeepEqual(all(a), all(c));
    const bound = Math.fround(1 / Math.sqrt(4));
    const values = all(a);
    assert.ok(values.every(v => Math.abs(v) <= bound), 'every value within ±1/sqrt(H)');
    assert.ok(Math.max(...values.map(Math.abs)) > 0.9 * bound, 'the values use the range');
    assert.equal(new Set(values).size, values.length, 'no repeats');
  });

  it("draws in PyTorch's parameter order: weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, then _reverse, then l1", () => {
    const s = spec('gru', 3, 2, { numLayers: 2, bidirectional: true });
    const w = randomRnnWeights(s, 7);
    const rng = createRng(7);
    const k = 1 / Math.sqrt(2);
    const stream = Array.from({ length: 1000 }, () => Math.fround(rng.uniform(-k, k)));
    const tensors = rnnWeightTensors(w, 'rnn.');
    assert.deepEqual(
      tensors.map(t => `${t.name} (${t.shape.join(', ')})`),
      [
        'rnn.weight_ih_l0 (6, 3)', 'rnn.weight_hh_l0 (6, 2)', 'rnn.bias_ih_l0 (6)', 'rnn.bias_hh_l0 (6)',
        'rnn.weight_ih_l0_reverse (6, 3)', 'rnn.weight_hh_l0_reverse (6, 2)', 'rnn.bias_ih_l0_reverse (6)', 'rnn.bias_hh_l0_reverse (6)',
        'rnn.weight_ih_l1 (6, 4)', 'rnn.weight_hh_l1 (6, 2)', 'rnn.bias_ih_l1 (6)', 'rnn.bias_hh_l1 (6)',
        'rnn.weight_ih_l1_reverse (6, 4)', 'rnn.weight_hh_l1_reverse (6, 2)', 'rnn.bias_ih_l1_reverse (6)', 'rnn.bias_hh_l1_reverse (6)',
      ],
    );
    assert.deepEqual(tensors.flatMap(t => Array.from(t.data)), stream.slice(0, tensors.reduce((n, t) => n + t.data.length, 0)));
  });

  it('round-trips through a safetensors file and loadRnnWeights', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lens-rnn-'));
    try {
      const s = spec('lstm', 5, 3, { numLayers: 2, bidirectional: true });
      const w = randomRnnWeights(s, 3);
      const file = path.join(dir, 'model.safetensors');
      writeFileSync(file, writeSafetensors(rnnWeightTensors(w, 'encoder.lstm.').map(t => ({ ...t, dtype: 'F32' as const }))));
      const loaded = await loadRnnWeights(await openSafetensors(nodeFiles, file), 5, []);
      assert.ok(loaded);
      assert.equal(loaded.prefix, 'encoder.lstm.');
      assert.deepEqual(loaded.weights.spec, s);
      assert.deepEqual(loaded.files, [file]);
      assert.deepEqual(new Set(loaded.dtypes), new Set(['F32']));
      assert.deepEqual(loaded.weights.layers, w.layers);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** An in-memory store: shapes and dtypes as given, values zero unless given. */
function memStore(tensors: readonly { name: string; shape: readonly number[]; dtype?: string; data?: Float32Array }[], origin = '/models/x/model.safetensors'): TensorStore {
  const map = new Map<string, TensorSource>();
  for (const t of tensors) {
    const data = t.data ?? new Float32Array(numel(t.shape));
    map.set(t.name, {
      info: { name: t.name, dtype: t.dtype ?? 'F32', shape: t.shape, file: origin },
      readAll: () => Promise.resolve(data.slice()),
      readRows: () => Promise.reject(new Error('not used')),
    });
  }
  return { origin, names: () => [...map.keys()], get: n => map.get(n) };
}

/** A valid encoder's tensors under `prefix`, then edited by `edit`. */
function encoderTensors(s: RnnSpec, prefix = 'rnn.', edit: (ts: { name: string; shape: number[]; dtype?: string; data?: Float32Array }[]) => void = () => {}) {
  const ts: { name: string; shape: number[]; dtype?: string; data?: Float32Array }[] = rnnWeightTensors(randomRnnWeights(s, 1), prefix);
  edit(ts);
  return ts;
}
const without = (...names: string[]) => (ts: { name: string }[]) => {
  for (const n of names) {
    const i = ts.findIndex(t => t.name === n);
    assert.ok(i >= 0, `test setup: no ${n}`);
    ts.splice(i, 1);
  }
};
const reshape = (name: string, shape: number[]) => (ts: { name: string; shape: number[]; data?: Float32Array }[]) => {
  const t = ts.find(x => x.name === name)!;
  t.shape = shape;
  t.data = new Float32Array(numel(shape));
};

describe('findRnnPrefix / loadRnnWeights', () => {
  const lstm = spec('lstm', 6, 8);

  it('finds the one prefix, including none at all', async () => {
    assert.equal(findRnnPrefix(memStore([...encoderTensors(lstm, 'encoder.lstm.'), { name: 'embedding.weight', shape: [10, 6] }])), 'encoder.lstm.');
    assert.equal(findRnnPrefix(memStore(encoderTensors(lstm, ''))), '');
    const loaded = await loadRnnWeights(memStore(encoderTensors(spec('gru', 6, 5, { bias: false }), '')), 6, []);
    assert.equal(loaded?.prefix, '');
    assert.equal(loaded?.weights.spec.bias, false);
    assert.deepEqual(loaded?.tensors, ['weight_ih_l0', 'weight_hh_l0']);
  });

  it('returns undefined when there is no encoder (names that only end like one do not count)', async () => {
    const store = memStore([{ name: 'embedding.weight', shape: [10, 6] }, { name: 'attn_weight_ih_l0', shape: [8, 6] }]);
    assert.equal(findRnnPrefix(store), undefined);
    assert.equal(await loadRnnWeights(store, 6, [{ cell: 'gru', source: 'config.json' }]), undefined);
  });

  it('config: two prefixes → lists both and asks for "encoder_prefix"', async () => {
    const store = memStore([...encoderTensors(lstm, 'encoder.rnn.'), ...encoderTensors(lstm, 'decoder.rnn.')]);
    const e = await rejection(() => findRnnPrefix(store));
    assert.equal(e.reason, 'config');
    assert.match(e.message, /^model\.safetensors holds RNN tensors under 2 prefixes: "encoder\.rnn\." \(encoder\.rnn\.weight_ih_l0, .*\) and "decoder\.rnn\." .*set "encoder_prefix" in config\.json/);
    assert.equal((await loadRnnWeights(store, 6, [], 'decoder.rnn.'))?.prefix, 'decoder.rnn.');
  });

  it('config: an "encoder_prefix" that matches nothing names it and what is there', async () => {
    const e = await rejection(() => loadRnnWeights(memStore(encoderTensors(lstm)), 6, [], 'encoder.'));
    assert.equal(e.reason, 'config');
    assert.match(e.message, /"encoder_prefix" is "encoder\.", but model\.safetensors has no RNN tensors under it .*it has RNN tensors under "rnn\."/);
    const e2 = await rejection(() => findRnnPrefix(memStore([{ name: 'embedding.weight', shape: [3, 2] }]), 'rnn.'));
    assert.match(e2.message, /it has no RNN tensors at all/);
  });

  it('config: a cell hint that contradicts the shapes names both sides (file on disk)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lens-rnn-'));
    try {
      const file = path.join(dir, 'model.safetensors');
      writeFileSync(file, writeSafetensors(encoderTensors(lstm).map(t => ({ name: t.name, shape: t.shape, data: t.data!, dtype: 'F16' as const }))));
      const store = await openSafetensors(nodeFiles, file);
      const e = await rejection(() => loadRnnWeights(store, 6, [{ cell: 'gru', source: 'config.json' }]));
      assert.equal(e.reason, 'config');
      assert.equal(e.message, 'config.json says "cell": "gru", but "rnn.weight_hh_l0" in model.safetensors is (32, 8): 4·H rows, an LSTM');
      const ok = await loadRnnWeights(store, 6, [{ cell: 'lstm', hiddenSize: 8, numLayers: 1, bidirectional: false, source: 'config.json' }]);
      assert.deepEqual(ok?.dtypes, ['F16', 'F16', 'F16', 'F16']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('config: hidden size, layers, direction hints are checked; command-line hints read as flags', async () => {
    const s = spec('gru', 6, 4, { numLayers: 2, bidirectional: true });
    const store = memStore(encoderTensors(s));
    const cases: [RnnHints, RegExp][] = [
      [{ hiddenSize: 5, source: 'config.json' }, /^config\.json says "hidden_size": 5, but "rnn\.weight_hh_l0" in model\.safetensors is \(12, 4\): H = 4$/],
      [{ numLayers: 3, source: 'config.json' }, /^config\.json says "num_layers": 3, but model\.safetensors has 2 layers under "rnn\." \(rnn\.weight_ih_l0 … rnn\.weight_ih_l1\)$/],
      [{ bidirectional: false, source: 'config.json' }, /^config\.json says "bidirectional": false, but model\.safetensors has "rnn\.weight_ih_l0_reverse": the encoder is bidirectional$/],
      [{ cell: 'rnn', source: '--cell' }, /^--cell rnn was given, but "rnn\.weight_hh_l0" in model\.safetensors is \(12, 4\): 3·H rows, a GRU$/],
      // Not a file: the values came from flags, and are named as the flags (never as config keys).
      [{ hiddenSize: 8, source: 'the command line' }, /^--hidden-size 8 was given, but "rnn\.weight_hh_l0" in model\.safetensors is \(12, 4\): H = 4$/],
      [{ nonlinearity: 'relu', source: 'config.json' }, /^config\.json says "nonlinearity": "relu", but .*a GRU, which has no nonlinearity option/],
      [{ cell: 'transformer' as CellType, source: 'config.json' }, /^config\.json says "cell": "transformer": expected "rnn", "gru" or "lstm"$/],
      [{ numLayers: 0, source: '--layers' }, /^--layers 0 was given: expected a positive integer$/],
    ];
    for (const [hint, message] of cases) {
      const e = await rejection(() => loadRnnWeights(store, 6, [hint]));
      assert.equal(e.reason, 'config', e.message);
      assert.match(e.message, message);
    }
    const uni = memStore(encoderTensors(spec('rnn', 6, 4)));
    const e = await rejection(() => loadRnnWeights(uni, 6, [{ bidirectional: true, source: '--bidirectional' }]));
    assert.equal(e.reason, 'config');
    assert.equal(e.message, '--bidirectional was given, but model.safetensors has no "rnn.weight_ih_l0_reverse": the encoder is unidirectional');
  });

  it('nonlinearity comes from hints (default tanh), and two hints must not disagree', async () => {
    const store = memStore(encoderTensors(spec('rnn', 6, 4)));
    assert.equal((await loadRnnWeights(store, 6, []))?.weights.spec.nonlinearity, 'tanh');
    assert.equal((await loadRnnWeights(store, 6, [{ nonlinearity: 'relu', source: 'config.json' }]))?.weights.spec.nonlinearity, 'relu');
    const e = await rejection(() => loadRnnWeights(store, 6, [{ nonlinearity: 'relu', source: 'config.json' }, { nonlinearity: 'tanh', source: '--nonlinearity' }]));
    assert.equal(e.reason, 'config');
    assert.equal(e.message, 'config.json says "nonlinearity": "relu", but --nonlinearity tanh was given; state one nonlinearity');
  });

  it('shape: weight_ih_l0 columns must equal the embedding width', async () => {
    const e = await rejection(() => loadRnnWeights(memStore(encoderTensors(lstm)), 7, []));
    assert.equal(e.reason, 'shape');
    assert.match(e.message, /^"rnn\.weight_ih_l0" in model\.safetensors is \(32, 6\): its 6 columns must equal the embedding width 7 .*expected \(32, 7\)$/);
  });

  it('shape: a deeper layer must read H·dirs columns', async () => {
    const s = spec('rnn', 6, 4, { numLayers: 2, bidirectional: true });
    const e = await rejection(() => loadRnnWeights(memStore(encoderTensors(s, 'rnn.', reshape('rnn.weight_ih_l1_reverse', [4, 4]))), 6, []));
    assert.equal(e.reason, 'shape');
    assert.match(e.message, /^"rnn\.weight_ih_l1_reverse" in model\.safetensors is \(4, 4\): its 4 columns must equal layer 0's output width H·dirs = 8; expected \(4, 8\)$/);
  });

  it('shape: weight_hh rows that are not H, 3·H or 4·H', async () => {
    const e = await rejection(() => loadRnnWeights(memStore(encoderTensors(lstm, 'rnn.', reshape('rnn.weight_hh_l0', [16, 8]))), 6, []));
    assert.equal(e.reason, 'shape');
    assert.match(e.message, /^"rnn\.weight_hh_l0" in model\.safetensors is \(16, 8\), expected \(G·H, H\) .*16 rows is none of 8, 24, 32$/);
  });

  it('shape: a tensor whose rows disagree with weight_hh_l0, and a bias of the wrong length', async () => {
    let e = await rejection(() => loadRnnWeights(memStore(encoderTensors(lstm, 'rnn.', reshape('rnn.weight_ih_l0', [24, 6]))), 6, []));
    assert.equal(e.reason, 'shape');
    assert.match(e.message, /^"rnn\.weight_ih_l0" in model\.safetensors is \(24, 6\), expected \(32, 6\): 4·H rows for an LSTM with H = 8$/);
    e = await rejection(() => loadRnnWeights(memStore(encoderTensors(lstm, 'rnn.', reshape('rnn.bias_hh_l0', [8]))), 6, []));
    assert.equal(e.reason, 'shape');
    assert.match(e.message, /^"rnn\.bias_hh_l0" in model\.safetensors is \(8,\), expected \(32,\)/);
  });

  it('shape: missing pieces are named', async () => {
    const s3 = spec('gru', 6, 4, { numLayers: 3 });
    let e = await rejection(() => loadRnnWeights(memStore(encoderTensors(s3, 'rnn.', without('rnn.weight_hh_l1'))), 6, []));
    assert.equal(e.reason, 'shape');
    assert.equal(e.message, 'model.safetensors: tensor "rnn.weight_hh_l1" is missing, but the encoder has 3 layers ("rnn.weight_ih_l2"), and every layer has weight_ih and weight_hh');

    const bi = spec('lstm', 6, 3, { numLayers: 2, bidirectional: true });
    e = await rejection(() => loadRnnWeights(memStore(encoderTensors(bi, 'rnn.', without('rnn.weight_ih_l1_reverse', 'rnn.weight_hh_l1_reverse', 'rnn.bias_ih_l1_reverse', 'rnn.bias_hh_l1_reverse'))), 6, []));
    assert.equal(e.reason, 'shape');
    assert.equal(e.message, 'model.safetensors: tensor "rnn.weight_ih_l1_reverse" is missing, but the encoder is bidirectional ("rnn.weight_ih_l0_reverse"), and every layer has a _reverse direction');

    e = await rejection(() => loadRnnWeights(memStore(encoderTensors(lstm, 'rnn.', without('rnn.bias_hh_l0'))), 6, []));
    assert.equal(e.reason, 'shape');
    assert.equal(e.message, 'model.safetensors: tensor "rnn.bias_hh_l0" is missing, but "rnn.bias_ih_l0" is there (PyTorch saves both biases or neither)');

    e = await rejection(() => loadRnnWeights(memStore(encoderTensors(spec('rnn', 6, 4, { numLayers: 2 }), 'rnn.', without('rnn.bias_ih_l1', 'rnn.bias_hh_l1'))), 6, []));
    assert.equal(e.reason, 'shape');
    assert.match(e.message, /tensor "rnn\.bias_ih_l1" is missing, but the encoder has biases \("rnn\.bias_ih_l0"\)/);
  });

  it('unsupported: an LSTM with proj_size (weight_hr_l0)', async () => {
    const e = await rejection(() => loadRnnWeights(memStore([...encoderTensors(lstm), { name: 'rnn.weight_hr_l0', shape: [4, 8] }]), 6, []));
    assert.equal(e.reason, 'unsupported');
    assert.match(e.message, /"rnn\.weight_hr_l0" is an LSTM projection \(proj_size > 0\)/);
  });

  it('dtype: a non-float tensor is named', async () => {
    const e = await rejection(() =>
      loadRnnWeights(memStore(encoderTensors(lstm, 'rnn.', ts => { ts.find(t => t.name === 'rnn.bias_ih_l0')!.dtype = 'I64'; })), 6, []),
    );
    assert.equal(e.reason, 'dtype');
    assert.equal(e.message, '"rnn.bias_ih_l0" in model.safetensors is I64, expected a float tensor (F32, F16, BF16, F64)');
  });
});
