// `npm run bench`: builds and runs every benchmark of bench/ that exists on this branch and prints
// ONE markdown table: each figure of issue 9 with its reference measured in the same run, the
// ratio, and the conditions of the row. A header names the machine, the command and the load.
//
// The row contract: a bench script (run with no arguments) prints markdown tables; a table whose
// header is exactly
//     | work | Embedding Lens | reference | ratio | conditions |
// is merged into the one table (its rows in order); any other table is printed verbatim under the
// script's name, so nothing is lost while a script has its own columns. A missing script is a
// visible "skipped" row, a failing one a visible "failed" row with its last error line.
//
// Usage: npm run bench [-- NAME …]        (names: see BENCHES; default all)
//        node bench/run.mjs --list
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import esbuild from 'esbuild';
import { COLUMNS, collect } from './table.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** In the order of issue 9's table. `owner` is who writes the script (for the skipped note). */
const BENCHES = [
  { name: 'encoder', what: 'GRU / LSTM E = H = 768, T = 2048 (native vs onnxruntime 1/2 threads, torch)' },
  { name: 'neighbours', what: 'top-5 neighbours, 50k × 768 F32 and 128k × 4096 BF16 (vs numpy)' },
  { name: 'selection', what: 'a 187k-character selection through the pipeline; 2-layer bidirectional GRU 256, T = 512' },
  { name: 'lookups', what: '512 ids from a 2 GB safetensors vs a 10 MB one' },
  { name: 'tokenize', what: 'tokenizer throughput (vs Rust tokenizers, @huggingface/tokenizers, tiktoken)' },
  { name: 'pipeline', what: 'the tokenizer.json pipeline (WordLevel: normalizers, pre-tokenizers, offsets)' },
  { name: 'tokenizerLoad', what: 'tokenizer load, gemma3 and llama3 (vs the Rust binding)' },
];

const argv = process.argv.slice(2);
if (argv.includes('--list')) {
  for (const b of BENCHES) console.log(`${b.name.padEnd(14)} ${existsSync(path.join(root, 'bench', `${b.name}.ts`)) ? '' : '(not on this branch) '}${b.what}`);
  process.exit(0);
}
const unknown = argv.filter(a => !BENCHES.some(b => b.name === a));
if (unknown.length) {
  console.error(`bench: unknown benchmark ${unknown.join(', ')}; expected some of ${BENCHES.map(b => b.name).join(', ')}`);
  process.exit(2);
}
const chosen = argv.length ? BENCHES.filter(b => argv.includes(b.name)) : BENCHES;

/** The machine, as the header states it. */
function machine() {
  const cpus = os.cpus();
  let flags = '';
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const f = /^flags\s*:\s*(.*)$/m.exec(info)?.[1]?.split(' ') ?? [];
    flags = ['avx2', 'fma', 'avx512f'].filter(x => f.includes(x)).join('/');
  } catch {
    // not Linux: no flags line
  }
  let torch = 'no torch';
  const py = spawnSync('/usr/bin/python3', ['-c', 'import torch, numpy; print(torch.__version__, numpy.__version__)'], { encoding: 'utf8' });
  if (py.status === 0) {
    const [t, n] = py.stdout.trim().split(' ');
    torch = `torch ${t}, numpy ${n}`;
  }
  return {
    cpu: `${cpus[0]?.model.trim() ?? 'unknown CPU'}${flags ? ` (${flags})` : ''}`,
    cores: cpus.length,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    torch,
  };
}

const row = (...c) => `| ${c.join(' | ')} |`;
const escape = s => String(s).replace(/\|/g, '\\|');

async function build(name) {
  mkdirSync(path.join(root, 'dist', 'bench'), { recursive: true });
  await esbuild.build({
    entryPoints: [path.join(root, 'bench', `${name}.ts`)],
    bundle: true, platform: 'node', format: 'cjs', target: 'node20', packages: 'external', logLevel: 'warning', sourcemap: true,
    outfile: path.join(root, 'dist', 'bench', `${name}.js`),
  });
}

const m = machine();
const started = new Date();
const load = os.loadavg().map(x => x.toFixed(2)).join(' ');
const merged = [];
const verbatim = [];
const notes = [];

// The project's build (npm run build): the OpenAI rank files the tokenizer bench reads, and
// dist/cli.js, which the lookups bench runs as the held-out checks do.
for (const step of [['scripts/copy-encodings.js'], ['esbuild.js']]) {
  const r = spawnSync(process.execPath, step.map(f => path.join(root, f)), { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) {
    console.error(`bench: the build (${step.join(' ')}) failed; fix it first (npm run build)`);
    process.exit(1);
  }
}

for (const b of chosen) {
  const src = path.join(root, 'bench', `${b.name}.ts`);
  if (!existsSync(src)) {
    merged.push([b.what, `skipped: bench/${b.name}.ts is not on this branch`, '', '', '']);
    continue;
  }
  process.stderr.write(`bench: ${b.name} …\n`);
  const t0 = Date.now();
  try {
    await build(b.name);
  } catch (e) {
    merged.push([b.what, `failed: bench/${b.name}.ts does not build (${String(e.message ?? e).split('\n')[0]})`, '', '', '']);
    continue;
  }
  // Our tokenizers run in a thread with a 64 MB young generation (src/host/workerClient.ts);
  // every script runs with the matching flag.
  const r = spawnSync(process.execPath, ['--max-semi-space-size=32', '--enable-source-maps', path.join(root, 'dist', 'bench', `${b.name}.js`)], {
    cwd: root, encoding: 'utf8', maxBuffer: 64 * 2 ** 20, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const secs = ((Date.now() - t0) / 1000).toFixed(0);
  process.stderr.write(`bench: ${b.name} done in ${secs} s (exit ${r.status ?? r.signal})\n`);
  const found = collect(r.stdout ?? '');
  merged.push(...found.rows);
  for (const lines of found.verbatim) verbatim.push({ name: b.name, lines });
  const any = found.rows.length > 0 || found.verbatim.length > 0;
  for (const line of (r.stdout ?? '').split('\n')) if (/^(note|skipped|excluded)\b/i.test(line.trim())) notes.push(`${b.name}: ${line.trim()}`);
  if (r.status !== 0) {
    // The error's own line, not node's trailing version banner.
    const lines = (r.stderr ?? '').split('\n').map(l => l.trim()).filter(l => l && !/^Node\.js v\d/.test(l));
    const last = lines.findLast(l => /Error\b/.test(l) && !/^at /.test(l)) ?? lines.pop() ?? `signal ${r.signal}`;
    merged.push([b.what, `failed: bench/${b.name}.ts exited with ${r.status ?? r.signal}: ${escape(last)}`, '', '', '']);
  } else if (!any) {
    merged.push([b.what, `bench/${b.name}.ts printed no table`, '', '', '']);
  }
}

const loadAfter = os.loadavg().map(x => x.toFixed(2)).join(' ');
console.log(`## Embedding Lens benchmarks\n`);
console.log(`- command: \`npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}\` (bench/run.mjs), ${started.toISOString().replace(/\.\d+Z$/, 'Z')}`);
console.log(`- machine: ${m.cpu}, ${m.cores} cores, ${m.memory}; ${m.os}; node ${m.node}; ${m.torch}`);
console.log(`- load average (1/5/15 min) before: ${load}, after: ${loadAfter}${os.loadavg()[0] > 0.5 ? ' — other work shared the CPU: figures are noisy' : ''}`);
console.log(`- every reference is measured in the same run, on the same weights/text; ratio = reference time ÷ ours (> 1: ours is faster) unless the row says otherwise\n`);
console.log(row(...COLUMNS));
console.log(row(...COLUMNS.map(() => '---')));
for (const r of merged) console.log(row(...COLUMNS.map((_, i) => r[i] ?? '')));
for (const v of verbatim) {
  console.log(`\n### bench/${v.name}.ts (its own columns)\n`);
  for (const l of v.lines) console.log(l);
}
if (notes.length) {
  console.log('\nNotes:');
  for (const n of notes) console.log(`- ${n}`);
}
