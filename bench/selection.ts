/**
 * The pipeline at the sizes people select, through `inspectText` (what the worker and the CLI
 * call, so a faster encoder or tokenizer plugged in there shows up here):
 *
 *   - a 187,000-character selection (the sample workspace's prose and code, repeated) with
 *     builtin:glove-100d and with a GPT-2 model whose table is random (50,257 × 768 F32, written
 *     to a temp folder with GPT-2's tokenizer.json), each with the default random encoder the
 *     extension uses; cold = a new process (load the model + the first inspect), warm = median
 *     of RUNS further inspects in that process. No reference: nothing else does this pipeline.
 *   - a 2-layer bidirectional GRU, hidden 256, T = 512 (GloVe rows, seeded random weights)
 *     against PyTorch with the same weights and input (1 and 2 threads), when
 *     `/usr/bin/python3 -c "import torch"` works; outputs are compared (max abs difference printed).
 *
 *   node dist/bench/selection.js [--runs N]
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeSafetensors } from '../src/core/formats/safetensors';
import { loadModel } from '../src/core/model/loadModel';
import { nodeFiles } from '../src/core/nodeFiles';
import { inspectText, type InspectOptions } from '../src/core/pipeline';
import { createNativeEncoder } from '../src/native/nativeEncoder';
import { standardTable } from './table.mjs';
import { createRng } from '../src/core/prng';
import { randomRnnWeights, type RnnSpec } from '../src/core/rnn';

const root = process.cwd();
const CHARS = 187_000;
const argRuns = process.argv.indexOf('--runs');
const RUNS = argRuns >= 0 ? Number(process.argv[argRuns + 1]) : 5;
const GRU = { cell: 'gru' as const, hiddenSize: 256, numLayers: 2, bidirectional: true, seed: 0 };
const GRU_T = 512;

function sampleText(chars: number): string {
  const ws = path.join(root, 'test', 'fixtures', 'workspace');
  const piece = `${readFileSync(path.join(ws, 'prose.md'), 'utf8')}\n${readFileSync(path.join(ws, 'code.ts'), 'utf8')}\n`;
  return piece.repeat(Math.ceil(chars / piece.length)).slice(0, chars);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const ms = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;

interface InspectTimes {
  load: number;
  first: number;
  warm: number[];
  tokens: number;
  T: number;
  E: number;
  encoder: string;
}

/** Child: load `spec`, inspect `textFile` once cold, then RUNS times warm. */
async function childInspect(spec: string, textFile: string, optionsJson: string, dumpDir?: string): Promise<void> {
  const text = readFileSync(textFile, 'utf8');
  // The encoder the product runs (native, falling back to TypeScript), as the worker and CLI inject it.
  const options: InspectOptions = { ...(JSON.parse(optionsJson) as InspectOptions), encoder: createNativeEncoder() };
  const ctx = { files: nodeFiles, assetsDir: path.join(root, 'assets') };
  let t = process.hrtime.bigint();
  const model = await loadModel(ctx, spec);
  const load = ms(t);
  t = process.hrtime.bigint();
  let r = await inspectText(model, text, options);
  const first = ms(t);
  const warm: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    t = process.hrtime.bigint();
    r = await inspectText(model, text, options);
    warm.push(ms(t));
  }
  if (dumpDir) {
    // The same input and weights for PyTorch (the pipeline's random weights are randomRnnWeights(spec, seed)).
    writeFileSync(path.join(dumpDir, 'x.f32'), r.embeddings.data);
    writeFileSync(path.join(dumpDir, 'out.f32'), r.rnn.output.data);
    const spec2: RnnSpec = r.encoder.spec;
    const w = randomRnnWeights(spec2, r.encoder.seed ?? 0);
    w.layers.forEach((dirs, l) => dirs.forEach((d, k) => {
      const sfx = `l${l}${k ? '_reverse' : ''}`;
      writeFileSync(path.join(dumpDir, `weight_ih_${sfx}.f32`), d.wIh);
      writeFileSync(path.join(dumpDir, `weight_hh_${sfx}.f32`), d.wHh);
      if (d.bIh) writeFileSync(path.join(dumpDir, `bias_ih_${sfx}.f32`), d.bIh);
      if (d.bHh) writeFileSync(path.join(dumpDir, `bias_hh_${sfx}.f32`), d.bHh);
    }));
    writeFileSync(path.join(dumpDir, 'spec.json'), JSON.stringify({ ...spec2, T: r.embeddings.rows }));
  }
  const s = r.encoder.spec;
  const out: InspectTimes = { load, first, warm, tokens: r.tokens.length, T: r.inputIds.length, E: r.embeddings.cols, encoder: `${r.encoder.real ? '' : 'random '}${s.cell} H=${s.hiddenSize}${s.numLayers > 1 ? ` ×${s.numLayers} layers` : ''}${s.bidirectional ? ' bidirectional' : ''}` };
  process.stdout.write(`\n@@${JSON.stringify(out)}\n`);
}

function runChild(args: string[]): InspectTimes {
  const r = spawnSync(process.execPath, ['--max-semi-space-size=32', __filename, ...args], { encoding: 'utf8', maxBuffer: 16 * 2 ** 20 });
  if (r.status !== 0) throw new Error(`child ${args[1]} failed: ${r.stderr.trim().split('\n').pop()}`);
  const line = r.stdout.split('\n').find(l => l.startsWith('@@'))!;
  return JSON.parse(line.slice(2)) as InspectTimes;
}

const TORCH = String.raw`
import json, os, sys, time
import numpy as np
import torch
d = sys.argv[1]; runs = int(sys.argv[2]); threads = int(sys.argv[3])
torch.set_num_threads(threads)
spec = json.load(open(os.path.join(d, 'spec.json')))
H, L, bi, T, In = spec['hiddenSize'], spec['numLayers'], spec['bidirectional'], spec['T'], spec['inputSize']
f = lambda n: torch.from_numpy(np.fromfile(os.path.join(d, n + '.f32'), dtype=np.float32))
gru = torch.nn.GRU(In, H, L, bidirectional=bi, batch_first=True)
with torch.no_grad():
    for name, p in gru.named_parameters():
        p.copy_(f(name).reshape(p.shape))
x = f('x').reshape(1, T, In)
times = []
with torch.no_grad():
    t0 = time.perf_counter(); out, _ = gru(x); first = time.perf_counter() - t0
    for _ in range(runs):
        t0 = time.perf_counter(); out, _ = gru(x); times.append(time.perf_counter() - t0)
ours = f('out').reshape(out.shape)
print(json.dumps({'first': first * 1000, 'warm': [t * 1000 for t in times], 'maxdiff': float((out - ours).abs().max())}))
`;

function torchOk(): boolean {
  return spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
}

async function main(): Promise<void> {
  const c = process.argv.indexOf('--child');
  if (c >= 0) return childInspect(process.argv[c + 2]!, process.argv[c + 3]!, process.argv[c + 4]!, process.argv[c + 5]);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lens-bench-selection-'));
  const rows: string[][] = [];
  try {
    const textFile = path.join(dir, 'selection.txt');
    writeFileSync(textFile, sampleText(CHARS));
    // GPT-2's tokenizer with a random 50,257 × 768 table: a large model's shapes, no download.
    const gpt2 = path.join(dir, 'gpt2-random');
    rmSync(gpt2, { recursive: true, force: true });
    mkdirSync(gpt2);
    copyFileSync(path.join(root, 'assets', 'tokenizers', 'gpt2', 'tokenizer.json'), path.join(gpt2, 'tokenizer.json'));
    const rng = createRng(3);
    const V = 50_257;
    const E = 768;
    const data = new Float32Array(V * E);
    for (let i = 0; i < data.length; i++) data[i] = rng.uniform(-0.1, 0.1);
    writeFileSync(path.join(gpt2, 'model.safetensors'), writeSafetensors([{ name: 'wte.weight', dtype: 'F32', shape: [V, E], data }]));
    for (const [label, spec] of [['builtin:glove-100d', 'builtin:glove-100d'], ['GPT-2 tokenizer, random 50,257 × 768 table', gpt2]] as const) {
      const t = runChild(['--child', 'inspect', spec, textFile, '{}']);
      rows.push([
        `a ${CHARS.toLocaleString('en-US')}-character selection through the pipeline (inspectText), ${label}`,
        `cold ${((t.load + t.first) / 1000).toFixed(2)} s (load ${(t.load / 1000).toFixed(2)} s + first ${(t.first / 1000).toFixed(2)} s); warm ${(median(t.warm) / 1000).toFixed(2)} s; ${t.tokens.toLocaleString('en-US')} tokens, E = ${t.E}, ${t.encoder}`,
        '— (no other tool runs this pipeline)',
        '—',
        `core only (no host, no panel: the panel's share is measured by the extension-host test); cold = new process; warm = median of ${RUNS} in that process; gates kept (the panel's default)`,
      ]);
    }
    // 2-layer bidirectional GRU 256 at T = 512 over GloVe rows.
    const gruDir = path.join(dir, 'gru');
    mkdirSync(gruDir);
    const gruText = path.join(dir, 'gru.txt');
    writeFileSync(gruText, sampleText(8_000));
    const opts: InspectOptions = { maxLength: GRU_T, random: GRU };
    const g = runChild(['--child', 'inspect', 'builtin:glove-100d', gruText, JSON.stringify(opts), gruDir]);
    const work = `2-layer bidirectional GRU 256, T = ${GRU_T} (E = ${g.E})`;
    const ours = `first ${g.first.toFixed(0)} ms, warm ${median(g.warm).toFixed(0)} ms (whole inspectText: ${GRU_T} tokens + rows + encoder)`;
    if (!torchOk()) {
      rows.push([work, ours, 'skipped: no torch (/usr/bin/python3 -c "import torch" failed)', '—', `new process; warm = median of ${RUNS}`]);
    } else {
      const tt: { threads: number; first: number; warm: number[]; maxdiff: number }[] = [];
      for (const threads of [1, 2]) {
        const r = spawnSync('/usr/bin/python3', ['-c', TORCH, gruDir, String(RUNS), String(threads)], { encoding: 'utf8' });
        if (r.status !== 0) throw new Error(`torch failed: ${r.stderr.trim().split('\n').pop()}`);
        tt.push({ threads, ...(JSON.parse(r.stdout) as { first: number; warm: number[]; maxdiff: number }) });
      }
      const w = median(g.warm);
      rows.push([
        work,
        ours,
        tt.map(x => `torch ${x.threads} thread${x.threads > 1 ? 's' : ''}: first ${x.first.toFixed(0)} ms, warm ${median(x.warm).toFixed(0)} ms`).join('; '),
        tt.map(x => `${(median(x.warm) / w).toFixed(2)}× (${x.threads}t)`).join(', '),
        `same weights and input; outputs agree to max abs difference ${tt[0]!.maxdiff.toExponential(1)}; each side a new process, first call then median of ${RUNS}; onnxruntime's figure for this shape is in the encoder rows`,
      ]);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(standardTable(rows));
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
