/**
 * The encoder's speed: ours through the pipeline's encoder seam (the native encoder the worker
 * and the CLI inject, 2 threads; with and without the gate recomputation the panel asks for)
 * against a plain onnxruntime-node session on the same graph and weights with 1 and 2 threads,
 * and the TypeScript reference `runRnn`, in the same run. Wall time, medians of 5 after one
 * warm-up run each (the warm-up builds the ONNX graph and the session; its time is shown as
 * "first"). GFLOP/s counts 2·T·G·H·(In + H) multiply-adds per layer-direction.
 *
 *   npm run bench:encoder          (node dist/bench/encoder.js [--quick] after building it)
 *
 * The machine's cores are shared with anything else running: close other work for stable figures.
 */
import * as ort from 'onnxruntime-node';
import * as os from 'node:os';
import type { Matrix } from '../src/core/matrix';
import { GATE_COUNT, randomRnnWeights, rnnLayerInputSize, runRnn, type RnnEncoder, type RnnSpec, type RnnWeights } from '../src/core/rnn';
import { createNativeEncoder, recurrenceGraph } from '../src/native/nativeEncoder';
import { encodeModel } from '../src/native/onnxProto';

const quick = process.argv.includes('--quick');
const RUNS = quick ? 3 : 5;

interface Case {
  name: string;
  spec: RnnSpec;
  T: number;
}

const base = { nonlinearity: 'tanh' as const, bias: true, numLayers: 1, bidirectional: false };
const CASES: Case[] = [
  { name: 'GRU E = H = 768, T = 2048', spec: { ...base, cell: 'gru', inputSize: 768, hiddenSize: 768 }, T: 2048 },
  { name: 'LSTM E = H = 768, T = 2048', spec: { ...base, cell: 'lstm', inputSize: 768, hiddenSize: 768 }, T: 2048 },
  { name: '2-layer bidirectional GRU 256, T = 512', spec: { ...base, cell: 'gru', inputSize: 256, hiddenSize: 256, numLayers: 2, bidirectional: true }, T: 512 },
];

function flops(spec: RnnSpec, T: number): number {
  const GH = GATE_COUNT[spec.cell] * spec.hiddenSize;
  let n = 0;
  for (let l = 0; l < spec.numLayers; l++) n += 2 * T * GH * (rnnLayerInputSize(spec, l) + spec.hiddenSize);
  return n * (spec.bidirectional ? 2 : 1);
}

function randomX(T: number, E: number): Matrix {
  const data = new Float32Array(T * E);
  let s = 12345;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    data[i] = (s / 2 ** 32) * 2 - 1;
  }
  return { rows: T, cols: E, data };
}

interface Timing {
  first: number;
  median: number;
}

async function time(f: () => Promise<unknown>, runs = RUNS): Promise<Timing> {
  let t = performance.now();
  await f();
  const first = (performance.now() - t) / 1000;
  const all: number[] = [];
  for (let i = 0; i < runs; i++) {
    t = performance.now();
    await f();
    all.push((performance.now() - t) / 1000);
  }
  all.sort((a, b) => a - b);
  return { first, median: all[Math.floor(all.length / 2)]! };
}

async function plainSession(weights: RnnWeights, threads: number): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(encodeModel(recurrenceGraph(weights)), { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });
}

async function main(): Promise<void> {
  const cpu = os.cpus();
  console.log(`machine: ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, node ${process.version}, onnxruntime-node ${ort.env.versions.node}${quick ? ' (quick: medians of 3)' : ''}\n`);
  const rows: string[] = [];
  for (const c of CASES) {
    const weights = randomRnnWeights(c.spec, 1);
    const x = randomX(c.T, c.spec.inputSize);
    const f = flops(c.spec, c.T);
    const ours: RnnEncoder = createNativeEncoder({ threads: 2 });
    const lean = await time(() => ours(weights, x, { keepGates: false, keepCellStates: false })); // what the CLI asks for
    const gates = await time(() => ours(weights, x, { keepGates: true })); // what the panel asks for
    const feed = { x: new ort.Tensor('float32', x.data, [c.T, 1, c.spec.inputSize]) };
    const s1 = await plainSession(weights, 1);
    const ort1 = await time(() => s1.run(feed));
    const s2 = await plainSession(weights, 2);
    const ort2 = await time(() => s2.run(feed));
    await s1.release();
    await s2.release();
    const ts = await time(async () => runRnn(weights, x, { keepGates: false }), quick ? 1 : RUNS);
    const g = (t: Timing): string => (f / t.median / 1e9).toFixed(1);
    const s = (t: Timing): string => `${t.median.toFixed(3)} s`;
    rows.push(
      `| ${c.name} | ${s(lean)} (first ${lean.first.toFixed(2)} s) | ${s(gates)} | ${s(ort1)} | ${s(ort2)} | ${s(ts)} | ${(ort1.median / lean.median).toFixed(2)}× | ${(ts.median / lean.median).toFixed(1)}× | ${g(lean)} / ${g(ort1)} / ${g(ts)} |`,
    );
    console.error(`done: ${c.name}`);
  }
  console.log('| encoder | ours: native, 2 threads | ours + gates recomputed | onnxruntime 1 thread | onnxruntime 2 threads | TypeScript | ours vs ort 1 thread | ours vs TypeScript | GFLOP/s ours / ort 1 / TS |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows) console.log(r);
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
