import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { openSafetensors } from '../../src/core/formats/safetensors';
import { nodeFiles } from '../../src/core/nodeFiles';
import type { Matrix } from '../../src/core/matrix';
import { randomRnnWeights, runRnn, type CellType, type RnnResult, type RnnSpec, type RnnWeights } from '../../src/core/rnn';
import { loadRnnWeights } from '../../src/core/rnnTensors';
import { createNativeEncoder, gateGraph, nativeUnsupported, recurrenceGraph } from '../../src/native/nativeEncoder';
import { decodeModel, encodeModel } from '../../src/native/onnxProto';
import { WorkerHandlers } from '../../src/worker/handlers';
import { assertClose, flat, repoRoot } from './helpers';
import { CASES, TORCH_DIR, hintsFromConfig, type Expected } from './torchFixtures';

async function loadCase(name: string): Promise<{ expected: Expected; weights: RnnWeights; x: Matrix; range?: { start: number; end: number } }> {
  const dir = path.join(TORCH_DIR, name);
  const expected = JSON.parse(readFileSync(path.join(dir, 'expected.json'), 'utf8')) as Expected;
  const store = await openSafetensors(nodeFiles, path.join(dir, 'model.safetensors'));
  const embedding = store.get('embedding.weight')!;
  const E = embedding.info.shape[1]!;
  const loaded = await loadRnnWeights(store, E, hintsFromConfig(dir));
  assert.ok(loaded, `${name}: no encoder found`);
  const rows = await embedding.readRows(expected.input_ids);
  const mask = expected.attention_mask;
  const range = expected.options.skip_padding ? { start: mask.indexOf(1), end: mask.lastIndexOf(1) + 1 } : undefined;
  return { expected, weights: loaded.weights, x: { rows: expected.input_ids.length, cols: E, data: rows }, ...(range ? { range } : {}) };
}

/** Every field of two runs agrees within 1e-5 (gates, c and h per trace included). */
function assertSameRun(a: RnnResult, b: RnnResult, what: string): number {
  let d = assertClose(a.output.data, b.output.data, `${what} output`);
  d = Math.max(d, assertClose(a.hN.data, b.hN.data, `${what} h_n`));
  assert.equal(a.cN === null, b.cN === null, `${what}: c_n presence`);
  if (a.cN) d = Math.max(d, assertClose(a.cN.data, b.cN!.data, `${what} c_n`));
  assert.equal(a.traces.length, b.traces.length);
  a.traces.forEach((t, i) => {
    const u = b.traces[i]!;
    assert.equal(t.layer, u.layer);
    assert.equal(t.direction, u.direction);
    assert.deepEqual(Array.from(t.order), Array.from(u.order), `${what} trace ${i} order`);
    d = Math.max(d, assertClose(t.h.data, u.h.data, `${what} trace ${i} h`));
    assert.equal(t.c === null, u.c === null, `${what} trace ${i}: c presence`);
    if (t.c) d = Math.max(d, assertClose(t.c.data, u.c!.data, `${what} trace ${i} c`));
    assert.equal(t.gates === null, u.gates === null, `${what} trace ${i}: gates presence`);
    if (t.gates) d = Math.max(d, assertClose(t.gates.data, u.gates!.data, `${what} trace ${i} gates`));
  });
  return d;
}

describe('native encoder (onnxruntime) = TypeScript = PyTorch on every fixture', function () {
  this.timeout(60_000);
  const encoder = createNativeEncoder({ threads: 2 });
  let worst = 0;
  after(() => console.log(`      largest |Δ| native vs TypeScript ${worst.toExponential(2)}`));

  it('has the fixture cases', () => assert.ok(CASES.length >= 24, `found ${CASES.length}`));

  for (const name of CASES) {
    it(name, async () => {
      const c = await loadCase(name);
      const opts = c.range ? { realRange: c.range } : {};
      const native = await encoder(c.weights, c.x, opts);
      const relu = c.weights.spec.nonlinearity === 'relu';
      assert.equal(native.engine.kind, relu ? 'typescript' : 'native', `${name}: engine ${native.engine.description}`);
      if (relu) assert.match(native.engine.description, /^TypeScript \(relu/);
      else assert.equal(native.engine.description, 'native (onnxruntime, 2 threads)');
      // Against PyTorch.
      assertClose(native.output.data, flat(c.expected.output), `${name} output vs PyTorch`);
      assertClose(native.hN.data, flat(c.expected.h_n), `${name} h_n vs PyTorch`);
      if (c.expected.c_n) assertClose(native.cN!.data, flat(c.expected.c_n), `${name} c_n vs PyTorch`);
      // Against the TypeScript reference, gates and per-step states included.
      worst = Math.max(worst, assertSameRun(native, runRnn(c.weights, c.x, opts), name));
      // keepGates: false → same states, no gates (LSTM still has its c_t).
      const lean = await encoder(c.weights, c.x, { ...opts, keepGates: false });
      assertClose(lean.output.data, native.output.data, `${name} keepGates false`, { atol: 0 });
      assert.ok(lean.traces.every(t => t.gates === null));
      if (c.weights.spec.cell === 'lstm') assertClose(lean.traces[0]!.c!.data, native.traces[0]!.c!.data, `${name} c without gates`, { atol: 0 });
      // Neither gates nor per-step c (the CLI): the same output, c_n from ONNX's Y_c, still PyTorch's.
      const leanest = await encoder(c.weights, c.x, { ...opts, keepGates: false, keepCellStates: false });
      assertClose(leanest.output.data, native.output.data, `${name} keepCellStates false`, { atol: 0 });
      if (c.expected.c_n && !relu) {
        assert.ok(leanest.traces.every(t => t.c === null), `${name}: no per-step c`);
        assertClose(leanest.cN!.data, flat(c.expected.c_n), `${name} c_n from Y_c vs PyTorch`);
        assertClose(leanest.cN!.data, native.cN!.data, `${name} c_n from Y_c vs recomputed`);
      }
    });
  }
});

function spec(cell: CellType, inputSize: number, hiddenSize: number, more: Partial<RnnSpec> = {}): RnnSpec {
  return { cell, nonlinearity: 'tanh', inputSize, hiddenSize, numLayers: 1, bidirectional: false, bias: true, ...more };
}

function randomX(T: number, E: number, seed: number): Matrix {
  const data = new Float32Array(T * E);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < data.length; i++) {
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    data[i] = (s / 2 ** 32) * 2 - 1;
  }
  return { rows: T, cols: E, data };
}

describe('native encoder: random weights, left and right pads skipped, wider shapes', function () {
  this.timeout(60_000);
  const encoder = createNativeEncoder();
  for (const cell of ['rnn', 'gru', 'lstm'] as const) {
    for (const [start, end] of [[0, 40], [7, 40], [0, 29], [5, 33], [12, 13]] as const) {
      it(`${cell} 2-layer bidirectional, real steps [${start}, ${end}) of 40`, async () => {
        const w = randomRnnWeights(spec(cell, 24, 16, { numLayers: 2, bidirectional: true }), start * 100 + end);
        const x = randomX(40, 24, end);
        const opts = { realRange: { start, end } };
        const r = await encoder(w, x, opts);
        assert.equal(r.engine.kind, 'native');
        assertSameRun(r, runRnn(w, x, opts), `${cell} [${start}, ${end})`);
        for (let t = 0; t < start; t++) assert.ok(r.output.data.subarray(t * 32, (t + 1) * 32).every(v => v === 0), `output row ${t} is a skipped step`);
      });
    }
  }

  it('no-bias weights run natively and match', async () => {
    const w = randomRnnWeights(spec('gru', 10, 8, { bias: false }), 3);
    for (const l of w.layers) for (const d of l) { d.bIh = null; d.bHh = null; }
    const x = randomX(9, 10, 4);
    const r = await encoder(w, x, {});
    assert.equal(r.engine.kind, 'native');
    assertSameRun(r, runRnn(w, x, {}), 'no-bias gru');
  });
});

describe('native encoder: fallbacks', function () {
  this.timeout(30_000);

  it('relu goes to the TypeScript reference with the reason', async () => {
    const w = randomRnnWeights(spec('rnn', 4, 3, { nonlinearity: 'relu' }), 1);
    assert.match(nativeUnsupported(w) ?? '', /relu/);
    const r = await createNativeEncoder()(w, randomX(5, 4, 2), {});
    assert.equal(r.engine.kind, 'typescript');
    assert.match(r.engine.description, /^TypeScript \(relu/);
  });

  it('the native module failing to load → TypeScript, saying why, and logged once', async () => {
    const lines: string[] = [];
    const encoder = createNativeEncoder({
      // A real failed load: a module that does not exist.
      load: () => require(path.join(__dirname, 'no-such-onnxruntime-binding.node')) as never,
      log: l => lines.push(l),
    });
    const w = randomRnnWeights(spec('gru', 4, 3), 1);
    const x = randomX(6, 4, 9);
    const r = await encoder(w, x, {});
    await encoder(w, x, {});
    assert.equal(r.engine.kind, 'typescript');
    assert.match(r.engine.description, /^TypeScript \(onnxruntime-node could not load: Cannot find module/);
    assertSameRun(r, runRnn(w, x, {}), 'fallback');
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0]!, /^encoder: TypeScript \(onnxruntime-node could not load/);
  });

  it('onnxruntime refusing the graph → TypeScript, saying why', async () => {
    // The real module, whose session factory fails as it does on a graph it cannot run.
    const real = require('onnxruntime-node') as typeof import('onnxruntime-node');
    const failing = { ...real, InferenceSession: { create: () => Promise.reject(new Error('[ONNXRuntimeError] : 10 : INVALID_GRAPH')) } } as unknown as typeof real;
    const encoder = createNativeEncoder({ load: () => failing });
    const w = randomRnnWeights(spec('lstm', 4, 3), 1);
    const x = randomX(6, 4, 3);
    const r = await encoder(w, x, {});
    assert.equal(r.engine.description, 'TypeScript (onnxruntime failed: [ONNXRuntimeError] : 10 : INVALID_GRAPH)');
    assertSameRun(r, runRnn(w, x, {}), 'after a failed session');
  });

  it('an empty real range runs the reference (zero output)', async () => {
    const w = randomRnnWeights(spec('lstm', 4, 3), 1);
    const r = await createNativeEncoder()(w, randomX(5, 4, 2), { realRange: { start: 2, end: 2 } });
    assert.equal(r.engine.kind, 'typescript');
    assert.ok(r.output.data.every(v => v === 0));
  });

  it('bad input shapes get the reference\'s error', async () => {
    const w = randomRnnWeights(spec('gru', 4, 3), 1);
    await assert.rejects(createNativeEncoder()(w, { rows: 2, cols: 5, data: new Float32Array(10) }, {}), /x is \(2, 5\)/);
  });

  it('cancellation before the run throws the cancellation error', async () => {
    const w = randomRnnWeights(spec('gru', 4, 3), 1);
    await assert.rejects(createNativeEncoder()(w, randomX(5, 4, 2), { cancel: { isCancellationRequested: true } }), (e: Error) => /cancel/i.test(e.message) || e.name === 'LensError');
  });
});

describe('ONNX graph encoding (protobufjs reflection)', () => {
  it('round-trips the recurrence graph: gate order, B = [Wb; Rb], GRU linear_before_reset = 1', () => {
    const w = randomRnnWeights(spec('gru', 3, 2, { bidirectional: true }), 7);
    const m = decodeModel(encodeModel(recurrenceGraph(w))) as {
      irVersion: number;
      opsetImport: { version: number }[];
      graph: { node: { opType: string; attribute: { name: string; i?: number; s?: string }[] }[]; initializer: { name: string; dims: number[]; rawData: string }[] };
    };
    assert.equal(m.irVersion, 8);
    assert.equal(m.opsetImport[0]!.version, 17);
    const gru = m.graph.node[0]!;
    assert.equal(gru.opType, 'GRU');
    assert.equal(gru.attribute.find(a => a.name === 'linear_before_reset')!.i, 1);
    assert.equal(Buffer.from(gru.attribute.find(a => a.name === 'direction')!.s!, 'base64').toString(), 'bidirectional');
    const W = m.graph.initializer.find(i => i.name === 'W0')!;
    assert.deepEqual(W.dims, [2, 6, 3]);
    const wData = new Float32Array(new Uint8Array(Buffer.from(W.rawData, 'base64')).buffer);
    const H = 2;
    const In = 3;
    // ONNX z, r, h from PyTorch r, z, n, per direction.
    for (let d = 0; d < 2; d++) {
      const src = w.layers[0]![d]!.wIh;
      const at = (block: number): number[] => Array.from(wData.subarray(d * 6 * In + block * H * In, d * 6 * In + (block + 1) * H * In));
      const torch = (block: number): number[] => Array.from(src.subarray(block * H * In, (block + 1) * H * In));
      assert.deepEqual(at(0), torch(1));
      assert.deepEqual(at(1), torch(0));
      assert.deepEqual(at(2), torch(2));
    }
    const B = m.graph.initializer.find(i => i.name === 'B0')!;
    const bData = new Float32Array(new Uint8Array(Buffer.from(B.rawData, 'base64')).buffer);
    const l0 = w.layers[0]![0]!;
    assert.deepEqual(Array.from(bData.subarray(0, 2)), Array.from(l0.bIh!.subarray(2, 4)), 'Wb_z first');
    assert.deepEqual(Array.from(bData.subarray(6, 8)), Array.from(l0.bHh!.subarray(2, 4)), 'Rb_z after the 3 Wb blocks');
  });

  it('LSTM gates go i, o, f, c', () => {
    const w = randomRnnWeights(spec('lstm', 2, 1), 2);
    const m = decodeModel(encodeModel(recurrenceGraph(w))) as { graph: { initializer: { name: string; rawData: string }[] } };
    const R = m.graph.initializer.find(i => i.name === 'R0')!;
    const r = Array.from(new Float32Array(new Uint8Array(Buffer.from(R.rawData, 'base64')).buffer));
    const t = Array.from(w.layers[0]![0]!.wHh);
    assert.deepEqual(r, [t[0], t[3], t[1], t[2]]);
  });

  it('the gate graph has no bias inputs for no-bias weights', () => {
    const w = randomRnnWeights(spec('gru', 3, 2, { bias: false }), 1);
    for (const l of w.layers) for (const d of l) { d.bIh = null; d.bHh = null; }
    const g = gateGraph(w, 0, 0);
    assert.deepEqual(g.nodes.map(n => n.inputs.length), [2, 2]);
  });
});

describe('native boundaries', () => {
  const root = repoRoot();
  const sources = (dir: string): string[] =>
    existsSync(path.join(root, dir)) ? readdirSync(path.join(root, dir), { recursive: true }).map(String).filter(f => /\.tsx?$/.test(f)).map(f => path.join(dir, f)) : [];
  const importsOf = (file: string): string[] =>
    [...readFileSync(path.join(root, file), 'utf8').matchAll(/(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g)].map(m => m[1] ?? m[2] ?? m[3]!);

  it('src/core and webview/ never import onnxruntime, protobufjs or src/native', () => {
    const offenders = [...sources('src/core'), ...sources('webview')].flatMap(f =>
      importsOf(f)
        .filter(i => ['onnxruntime-node', 'onnxruntime-common', 'protobufjs'].includes(i) || (i.startsWith('.') && path.resolve(root, path.dirname(f), i).startsWith(path.join(root, 'src', 'native'))))
        .map(i => `${f}: ${i}`),
    );
    assert.deepEqual(offenders, []);
  });

  it('src/native imports no vscode', () => {
    const files = sources('src/native');
    assert.ok(files.length >= 2, `src/native has ${files.length} sources`);
    assert.deepEqual(files.filter(f => importsOf(f).includes('vscode')), []);
  });
});

describe('which engine ran: worker replies and the CLI', function () {
  this.timeout(60_000);
  const ctx = { files: nodeFiles, assetsDir: path.join(repoRoot(), 'assets') };

  it('the worker thread (dist/worker.js) runs the native encoder and says so in the reply', async () => {
    const w = new Worker(path.join(repoRoot(), 'dist', 'worker.js'), { workerData: { assetsDir: ctx.assetsDir, activity: new SharedArrayBuffer(4096), testHooks: false } });
    try {
      const reply = await new Promise<{ engine?: { kind: string; description: string } }>((resolve, reject) => {
        w.on('error', reject);
        w.on('message', (m: { type: string; result?: unknown; error?: { message: string } }) => {
          if (m.type === 'ready') w.postMessage({ type: 'request', id: 1, cancel: null, request: { type: 'encode', ref: { model: 'builtin:seed' }, text: 'the cat sat', options: {}, keepGates: true } });
          if (m.type === 'result') resolve(m.result as never);
          if (m.type === 'error') reject(new Error(m.error!.message));
        });
      });
      assert.deepEqual(reply.engine, { kind: 'native', description: 'native (onnxruntime, 2 threads)' });
    } finally {
      await w.terminate();
    }
  });

  it('handlers with an encoder that cannot load onnxruntime reply with the TypeScript engine and the reason', async () => {
    const encoder = createNativeEncoder({ load: () => { throw new Error('no binary for this platform'); } });
    const h = new WorkerHandlers(ctx, { encoder });
    const { result } = await h.handle({ type: 'encode', ref: { model: 'builtin:seed' }, text: 'the cat sat', options: {}, keepGates: true });
    assert.deepEqual(result.engine, { kind: 'typescript', description: 'TypeScript (onnxruntime-node could not load: no binary for this platform)' });
  });

  it('the CLI JSON names the engine in model.encoder.engine', () => {
    const out = execFileSync(process.execPath, [path.join(repoRoot(), 'bin', 'embedding-lens.js'), 'inspect', '--model', 'builtin:seed', '--cell', 'lstm', 'the cat sat'], { encoding: 'utf8' });
    const json = JSON.parse(out) as { model: { encoder: { engine: string } }; c_n: number[][] };
    assert.equal(json.model.encoder.engine, 'native (onnxruntime, 2 threads)');
    assert.ok(json.c_n.length > 0);
  });
});
