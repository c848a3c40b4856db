/**
 * The encoder's speed: ours through the pipeline's encoder seam (the native encoder the worker
 * and the CLI inject, 2 threads; with and without the gate recomputation the panel asks for)
 * against a plain onnxruntime-node session on the same graph and weights with 1 and 2 threads,
 * and the TypeScript reference `runRnn`, and PyTorch's nn.GRU / nn.LSTM with 1 and 2 threads when
 * /usr/bin/python3 has torch (same weights and input, written to a temp folder; a process of
 * its own per thread count), in the same run. Ours runs on 2 threads, so its ratio to torch is
 * taken against torch on 2 threads; the single-threaded TypeScript path's against torch on 1. Wall time, medians of 5 after one warm-up run each (the warm-up
 * builds the ONNX graph and the session; its time is shown as "first"). GFLOP/s counts
 * 2·T·G·H·(In + H) multiply-adds per layer-direction. Prints its own detailed table and the
 * same figures as rows of `npm run bench`'s one table (bench/table.mjs).
 *
 *   npm run bench:encoder          (node dist/bench/encoder.js [--quick] after building it)
 *
 * The machine's cores are shared with anything else running: close other work for stable figures.
 */
import * as ort from 'onnxruntime-node';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Matrix } from '../src/core/matrix';
import { GATE_COUNT, randomRnnWeights, rnnLayerInputSize, rnnWeightTensors, runRnn, type RnnSpec, type RnnWeights } from '../src/core/rnn';
import { createNativeEncoder, recurrenceGraph } from '../src/native/nativeEncoder';
import { encodeModel } from '../src/native/onnxProto';
import { standardTable } from './table.mjs';

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

/** PyTorch on the same weights and input (files in argv[1]): first call, then `runs` timed calls; max |difference| to our output. */
const TORCH = String.raw`
import json, os, sys, time
import numpy as np
import torch
d, runs, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
torch.set_num_threads(threads)
spec = json.load(open(os.path.join(d, 'spec.json')))
f = lambda n: torch.from_numpy(np.fromfile(os.path.join(d, n + '.f32'), dtype=np.float32))
Cell = torch.nn.GRU if spec['cell'] == 'gru' else torch.nn.LSTM
rnn = Cell(spec['inputSize'], spec['hiddenSize'], spec['numLayers'], bidirectional=spec['bidirectional'], batch_first=True)
with torch.no_grad():
    for name, p in rnn.named_parameters():
        p.copy_(f(name).reshape(p.shape))
x = f('x').reshape(1, spec['T'], spec['inputSize'])
times = []
with torch.no_grad():
    t0 = time.perf_counter(); out, _ = rnn(x); first = time.perf_counter() - t0
    for _ in range(runs):
        t0 = time.perf_counter(); out, _ = rnn(x); times.append(time.perf_counter() - t0)
ours = f('out').reshape(out.shape)
times.sort()
print(json.dumps({'first': first, 'median': times[len(times) // 2], 'maxdiff': float((out - ours).abs().max()), 'version': torch.__version__}))
`;

interface TorchTiming extends Timing {
  maxdiff: number;
  version: string;
}

/** PyTorch's time on these weights and input, or why it was not measured. */
function torchTime(weights: RnnWeights, x: Matrix, ours: Matrix, T: number, threads: number): TorchTiming | { skipped: string } {
  if (spawnSync('/usr/bin/python3', ['-c', 'import torch, numpy'], { encoding: 'utf8' }).status !== 0) return { skipped: 'no torch (/usr/bin/python3 -c "import torch, numpy" failed)' };
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lens-bench-encoder-'));
  try {
    const raw = (a: Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    for (const t of rnnWeightTensors(weights, '')) writeFileSync(path.join(dir, `${t.name}.f32`), raw(t.data));
    writeFileSync(path.join(dir, 'x.f32'), raw(x.data));
    writeFileSync(path.join(dir, 'out.f32'), raw(ours.data));
    writeFileSync(path.join(dir, 'spec.json'), JSON.stringify({ ...weights.spec, T }));
    const r = spawnSync('/usr/bin/python3', ['-c', TORCH, dir, String(RUNS), String(threads)], { encoding: 'utf8', maxBuffer: 16 << 20 });
    if (r.status !== 0) return { skipped: `torch failed: ${r.stderr.trim().split('\n').pop()}` };
    return JSON.parse(r.stdout) as TorchTiming;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function plainSession(weights: RnnWeights, threads: number): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(encodeModel(recurrenceGraph(weights)), { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });
}

async function main(): Promise<void> {
  const cpu = os.cpus();
  console.log(`machine: ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, node ${process.version}, onnxruntime-node ${ort.env.versions.node}${quick ? ' (quick: medians of 3)' : ''}\n`);
  const rows: string[] = [];
  const standard: string[][] = [];
  for (const c of CASES) {
    const weights = randomRnnWeights(c.spec, 1);
    const x = randomX(c.T, c.spec.inputSize);
    const f = flops(c.spec, c.T);
    const ours = createNativeEncoder({ threads: 2 });
    const lean = await time(() => ours(weights, x, { keepGates: false, keepCellStates: false })); // what the CLI asks for
    const gates = await time(() => ours(weights, x, { keepGates: true })); // what the panel asks for
    const feed = { x: new ort.Tensor('float32', x.data, [c.T, 1, c.spec.inputSize]) };
    const s1 = await plainSession(weights, 1);
    const ort1 = await time(() => s1.run(feed));
    const s2 = await plainSession(weights, 2);
    const ort2 = await time(() => s2.run(feed));
    await s1.release();
    await s2.release();
    const tsRuns = quick ? 1 : RUNS;
    const ts = await time(async () => runRnn(weights, x, { keepGates: false }), tsRuns);
    const engine = ours.engineFor(weights).description;
    const out = (await ours(weights, x, { keepGates: false, keepCellStates: false })).output;
    const torch = torchTime(weights, x, out, c.T, 1);
    const torch2 = torchTime(weights, x, out, c.T, 2);
    const g = (t: Timing): string => (f / t.median / 1e9).toFixed(1);
    const s = (t: Timing): string => `${t.median.toFixed(3)} s`;
    rows.push(
      `| ${c.name} | ${s(lean)} (first ${lean.first.toFixed(2)} s) | ${s(gates)} | ${s(ort1)} | ${s(ort2)} | ${s(ts)} | ${(ort1.median / lean.median).toFixed(2)}× | ${(ts.median / lean.median).toFixed(1)}× | ${g(lean)} / ${g(ort1)} / ${g(ts)} |`,
    );
    // The one table: a row per way we run it, each against the same references.
    const x1 = (ref: Timing, t: Timing): string => `${(ref.median / t.median).toFixed(2)}×`;
    const torchRef = 'skipped' in torch ? `torch: skipped, ${torch.skipped}` : `torch ${torch.version} 1 thread ${s(torch)} (${g(torch)} GFLOP/s)${'skipped' in torch2 ? `, 2 threads skipped (${torch2.skipped})` : `, 2 threads ${s(torch2)} (${g(torch2)} GFLOP/s)`}`;
    const refs = `onnxruntime-node ${ort.env.versions.node} 1 thread ${s(ort1)} (${g(ort1)} GFLOP/s), 2 threads ${s(ort2)} (${g(ort2)} GFLOP/s); ${torchRef}`;
    /** Ratios against each reference; torch at `torchThreads`, the thread count of the row's side. */
    const vs = (t: Timing, torchThreads: 1 | 2): string => {
      const tt = torchThreads === 2 ? torch2 : torch;
      return `${x1(ort1, t)} vs ort 1 thread, ${x1(ort2, t)} vs 2 threads${'skipped' in tt ? '' : `, ${x1(tt, t)} vs torch ${torchThreads} thread${torchThreads > 1 ? 's' : ''}`}`;
    };
    const same = `same weights and input, wall time, medians of ${RUNS} after a warm-up run (first = graph + session + run)${'skipped' in torch ? '' : `; torch's output within ${torch.maxdiff.toExponential(1)} of ours, in its own process`}`;
    standard.push(
      [`${c.name}: ours, ${engine}, no gates kept (as the CLI runs it)`, `${s(lean)} (${g(lean)} GFLOP/s), first ${lean.first.toFixed(2)} s`, refs, vs(lean, 2), `${same}; ours on 2 threads, so torch's ratio is on 2; goal: at least as fast as onnxruntime 1 thread`],
      [`${c.name}: ours + gates recomputed (the panel)`, `${s(gates)} (${g(gates)} GFLOP/s)`, refs, vs(gates, 2), `${same}; ours on 2 threads, so torch's ratio is on 2; gates and per-step values recomputed from the states in batched products`],
      [`${c.name}: ours, TypeScript path (the fallback)`, `${s(ts)} (${g(ts)} GFLOP/s)`, refs, vs(ts, 1), `runRnn on 1 thread, so torch's ratio is on 1; no gates kept; median of ${tsRuns} after a warm-up run${quick ? ` (--quick; the others ${RUNS})` : ''}`],
    );
    console.error(`done: ${c.name}`);
  }
  console.log('| encoder | ours: native, 2 threads | ours + gates recomputed | onnxruntime 1 thread | onnxruntime 2 threads | TypeScript | ours vs ort 1 thread | ours vs TypeScript | GFLOP/s ours / ort 1 / TS |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows) console.log(r);
  console.log('');
  console.log(standardTable(standard));
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
