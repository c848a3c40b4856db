// Whole-vocabulary neighbours (issue 9, item 2): `embedding-lens neighbours` in a new process
// (cold: load, one streaming pass over the table, one query) and the index as the worker holds
// it (first = build + first query, as the first hover; warm = later queries), against a numpy
// brute force run here on the same files (first = read + normalise + first query; warm). Every
// side runs COLD_RUNS new processes, alternating, and the medians are shown. Tables: 50k × 768
// F32 and 128k × 4096 BF16 (~1 GB), random, written to a temp folder. Prints its own detailed
// table and the same figures as rows of `npm run bench`'s one table (bench/table.mjs).
// Usage: node dist/bench/neighbours.js [--small] (--small: only the 50k table). Run on a quiet
// machine: other processes skew every figure.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import * as path from 'node:path';
import { openSafetensors } from '../src/core/formats/safetensors';
import { NeighbourIndex, typescriptScan, type NeighbourScan } from '../src/core/neighbourIndex';
import { nodeFiles } from '../src/core/nodeFiles';
import { onnxScan } from '../src/native/scan';
import { standardTable } from './table.mjs';

const K = 5;
const QUERIES = [1, 777, 4242, 31337, 49999];
const REPEATS = 7;
/** New processes per side and table (the CLI, the index with each scan, numpy). */
const COLD_RUNS = 3;

interface Table {
  readonly label: string;
  readonly rows: number;
  readonly cols: number;
  readonly dtype: 'F32' | 'BF16';
  /** Goals from issue 9 (ms, MB over the float32 table). */
  readonly warmGoalMs: number;
  readonly firstGoalMs?: number;
}

const TABLES: Table[] = [
  { label: '50k × 768 F32', rows: 50_000, cols: 768, dtype: 'F32', warmGoalMs: 15 },
  { label: '128k × 4096 BF16', rows: 128_256, cols: 4096, dtype: 'BF16', warmGoalMs: 100, firstGoalMs: 3000 },
];

/** Writes `dir/vocab.txt` and `dir/model.safetensors` (random values, xorshift32, seed 1) in 16 MB pieces. */
function writeModel(dir: string, t: Table): string {
  writeFileSync(path.join(dir, 'vocab.txt'), Array.from({ length: t.rows }, (_, i) => `w${i}`).join('\n') + '\n');
  const size = t.dtype === 'F32' ? 4 : 2;
  const bytes = t.rows * t.cols * size;
  const json = JSON.stringify({ 'embedding.weight': { dtype: t.dtype, shape: [t.rows, t.cols], data_offsets: [0, bytes] } });
  const header = Buffer.alloc(Math.ceil(json.length / 8) * 8, 0x20);
  header.write(json);
  const file = path.join(dir, 'model.safetensors');
  const fd = openSync(file, 'w');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(header.length));
  writeSync(fd, len);
  writeSync(fd, header);
  let x = 1;
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  const piece = Buffer.alloc(16 << 20);
  for (let done = 0; done < bytes; ) {
    const n = Math.min(piece.length, bytes - done);
    for (let p = 0; p < n; p += size) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      f[0] = (x >>> 0) / 2 ** 31 - 1; // uniform in [-1, 1)
      if (size === 4) piece.writeUInt32LE(u[0]!, p);
      else piece.writeUInt16LE(u[0]! >>> 16, p);
    }
    writeSync(fd, piece, 0, n);
    done += n;
  }
  closeSync(fd);
  return file;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Runs a command under /usr/bin/time: wall ms, peak RSS MB, stdout. */
function timed(cmd: string, args: string[]): { ms: number; rssMb: number; stdout: string } {
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', cmd, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  const kb = Number(r.stderr.trim().split('\n').pop());
  return { ms, rssMb: kb / 1024, stdout: r.stdout };
}

const NUMPY = String.raw`
import json, resource, sys, time
import numpy as np
path, dtype, rows, cols, k = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
ids = [int(a) for a in sys.argv[6].split(',')]
t0 = time.perf_counter()
with open(path, 'rb') as f:
    n = int.from_bytes(f.read(8), 'little')
    f.seek(8 + n)
    if dtype == 'F32':
        table = np.fromfile(f, dtype='<f4', count=rows * cols).reshape(rows, cols)
    else:
        raw = np.fromfile(f, dtype='<u2', count=rows * cols)
        table = (raw.astype(np.uint32) << 16).view(np.float32).reshape(rows, cols)
        del raw
norms = np.linalg.norm(table, axis=1)
table /= np.where(norms > 0, norms, 1)[:, None]
def query(i):
    s = table @ table[i]
    s[i] = -np.inf
    top = np.argpartition(-s, k)[:k]
    return [int(j) for j in top[np.argsort(-s[top], kind='stable')]]
first = query(ids[0])
first_ms = (time.perf_counter() - t0) * 1000
warm, answers = [], {}
t_warm = time.perf_counter()
for rep in range(${REPEATS}):
    for i in ids:
        t = time.perf_counter()
        answers[i] = query(i)
        warm.append((time.perf_counter() - t) * 1000)
warm_total_ms = (time.perf_counter() - t_warm) * 1000
in_order = list(warm)
warm.sort()
print(json.dumps({'first_ms': first_ms, 'warm_ms': warm[len(warm) // 2], 'warm_in_order': in_order, 'warm_total_ms': warm_total_ms, 'rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 'answers': {str(i): answers[i] for i in ids}}))
`;

interface Row {
  readonly table: string;
  readonly what: string;
  readonly first?: number;
  readonly warm?: number;
  readonly rssMb?: number;
  readonly note?: string;
}

/** In a child process (`--warm FILE onnx|ts REPEATS`): build, query, print JSON. */
async function warmChild(file: string, which: string, repeats: number): Promise<void> {
  const native = onnxScan();
  const scan: NeighbourScan | undefined = which === 'ts' ? typescriptScan : typeof native === 'function' ? native : undefined;
  const t0 = performance.now();
  const source = (await openSafetensors(nodeFiles, file)).get('embedding.weight')!;
  const index = await NeighbourIndex.build(source, { scan });
  const buildMs = performance.now() - t0;
  await index.nearestToId(QUERIES[0]!, K);
  const firstMs = performance.now() - t0;
  const times: number[] = [];
  const answers: Record<string, number[]> = {};
  for (let rep = 0; rep < repeats; rep++) {
    for (const id of QUERIES) {
      const s = performance.now();
      const found = await index.nearestToId(id, K);
      times.push(performance.now() - s);
      answers[String(id)] = found.map(n => n.id);
    }
  }
  process.stdout.write(JSON.stringify({ buildMs, firstMs, warmMs: median(times), name: index.scanName, answers }));
}

interface IndexRun {
  buildMs: number;
  firstMs: number;
  warmMs: number;
  rssMb: number;
  name: string;
  answers: Map<number, number[]>;
}

/** The in-process index in a new process of its own (clean peak RSS). */
function indexRun(file: string, which: 'onnx' | 'ts', repeats: number): IndexRun {
  const r = timed(process.execPath, [__filename, '--warm', file, which, String(repeats)]);
  const out = JSON.parse(r.stdout) as { buildMs: number; firstMs: number; warmMs: number; name: string; answers: Record<string, number[]> };
  return { ...out, rssMb: r.rssMb, answers: new Map(Object.entries(out.answers).map(([k, v]) => [Number(k), v])) };
}

interface NumpyRun {
  first_ms: number;
  warm_ms: number;
  /** Every warm query's time, in the order run (REPEATS rounds over QUERIES). */
  warm_in_order: number[];
  /** The REPEATS × QUERIES warm queries together, ms (the CLI row takes them out of the process wall). */
  warm_total_ms: number;
  rss_mb: number;
  answers: Record<string, number[]>;
  wallMs: number;
  peakMb: number;
}

const fmt = (v?: number): string => (v === undefined ? '—' : v >= 100 ? String(Math.round(v)) : v.toFixed(1));
const ms = (v: number): string => (v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${fmt(v)} ms`);
/** Reference ÷ ours (> 1: ours is faster / smaller), the one table's convention. */
const times = (ref: number, ours: number): string => `${(ref / ours).toFixed(2)}×`;

async function main(): Promise<void> {
  const w = process.argv.indexOf('--warm');
  if (w >= 0) return warmChild(process.argv[w + 1]!, process.argv[w + 2]!, Number(process.argv[w + 3]));
  const small = process.argv.includes('--small');
  const cli = path.join(__dirname, '..', 'cli.js');
  const native = onnxScan();
  const rows: Row[] = [];
  const standard: string[][] = [];
  const mismatches: string[] = [];
  for (const t of small ? TABLES.slice(0, 1) : TABLES) {
    const dir = mkdtempSync(path.join(tmpdir(), 'el-bench-nbr-'));
    try {
      process.stderr.write(`writing ${t.label} to ${dir}…\n`);
      const file = writeModel(dir, t);
      const f32Mb = (t.rows * t.cols * 4) / 2 ** 20;
      const rssGoal = Math.round(f32Mb + 300);
      // Every side in new processes, COLD_RUNS each, alternating (the file stays in the page cache for all).
      const colds: ReturnType<typeof timed>[] = [];
      const onnx: IndexRun[] = [];
      const ts: IndexRun[] = [];
      const nps: NumpyRun[] = [];
      // The TypeScript scan is slow on the big table: fewer rounds of queries, and its warm
      // figure is set against numpy's median over the same number of queries (below).
      const tsRepeats = t.rows * t.cols > 1e8 ? 1 : 3;
      for (let i = 0; i < COLD_RUNS; i++) {
        process.stderr.write(`${t.label}: round ${i + 1} of ${COLD_RUNS} (CLI, index, numpy)…\n`);
        colds.push(timed(process.execPath, [cli, 'neighbours', '--model', dir, '--id', String(QUERIES[0]), '--k', String(K)]));
        if (typeof native === 'function') onnx.push(indexRun(file, 'onnx', REPEATS));
        ts.push(indexRun(file, 'ts', tsRepeats));
        const np = timed('/usr/bin/python3', ['-c', NUMPY, file, t.dtype, String(t.rows), String(t.cols), String(K), QUERIES.join(',')]);
        nps.push({ ...(JSON.parse(np.stdout) as Omit<NumpyRun, 'wallMs' | 'peakMb'>), wallMs: np.ms, peakMb: np.rssMb });
      }
      const cliIds = (JSON.parse(colds[0]!.stdout) as { neighbours: { id: number }[] }).neighbours.map(n => n.id);
      const npAnswers = nps[0]!.answers;
      if (JSON.stringify(npAnswers[String(QUERIES[0])]) !== JSON.stringify(cliIds)) mismatches.push(`${t.label} id ${QUERIES[0]}: CLI ${cliIds} vs numpy ${npAnswers[String(QUERIES[0])]}`);
      for (const run of [...onnx, ...ts]) {
        for (const id of QUERIES) {
          if (JSON.stringify(run.answers.get(id)) !== JSON.stringify(npAnswers[String(id)])) mismatches.push(`${t.label} id ${id}: index (${run.name}) ${run.answers.get(id)} vs numpy ${npAnswers[String(id)]}`);
        }
      }
      const med = <T>(xs: T[], f: (x: T) => number): number => median(xs.map(f));
      // numpy's warm median over its first tsRepeats rounds: the same queries, the same count, as the TypeScript scan's.
      const npWarmAs = (rounds: number): number => med(nps, n => median(n.warm_in_order.slice(0, rounds * QUERIES.length)));
      // The CLI answers one query per process; numpy's process answers 1 + REPEATS × QUERIES.
      // Its process wall minus those later queries is the same work: start, read, normalise, one query.
      const np = { first: med(nps, n => n.first_ms), warm: med(nps, n => n.warm_ms), warmTs: npWarmAs(tsRepeats), rss: Math.max(...nps.map(n => n.peakMb)), wall: med(nps, n => n.wallMs), oneQueryWall: med(nps, n => n.wallMs - n.warm_total_ms) };
      const cold = { wall: med(colds, c => c.ms), rss: Math.max(...colds.map(c => c.rssMb)) };
      const summary = (runs: IndexRun[]): { build: number; first: number; warm: number; rss: number; name: string } => ({ build: med(runs, r => r.buildMs), first: med(runs, r => r.firstMs), warm: med(runs, r => r.warmMs), rss: Math.max(...runs.map(r => r.rssMb)), name: runs[0]!.name });
      const tsS = summary(ts);
      // The detailed table (as before), now with first = build + first query.
      rows.push({ table: t.label, what: 'embedding-lens neighbours (new process)', first: cold.wall, rssMb: cold.rss, note: `one streaming float64 pass, no index; process wall time; median of ${COLD_RUNS}` });
      const indexNote = `first = build + first query (the worker's first hover); median of ${COLD_RUNS} processes; peak RSS of a process holding the index (goal ≤ ${rssGoal} MB)`;
      if (onnx.length > 0) {
        const o = summary(onnx);
        rows.push({ table: t.label, what: `NeighbourIndex, ${o.name}`, first: o.first, warm: o.warm, rssMb: o.rss, note: `${indexNote}; build alone ${Math.round(o.build)} ms; warm goal ≤ ${t.warmGoalMs} ms; the scan reads the float32 table at ${((t.rows * t.cols * 4) / o.warm / 1e6).toFixed(1)} GB/s` });
      } else if (typeof native !== 'function') {
        rows.push({ table: t.label, what: 'NeighbourIndex, onnxruntime', note: `not loaded: ${native.error}` });
      }
      rows.push({ table: t.label, what: `NeighbourIndex, ${tsS.name} scan`, first: tsS.first, warm: tsS.warm, rssMb: tsS.rss, note: `the fallback; ${indexNote}; warm = median of ${tsRepeats}×${QUERIES.length} queries, set against numpy's first ${tsRepeats}×${QUERIES.length} (${fmt(np.warmTs)} ms)` });
      rows.push({ table: t.label, what: 'numpy brute force (reference)', first: np.first, warm: np.warm, rssMb: np.rss, note: `first = read + normalise + first query, in the process; process wall ${Math.round(np.wall)} ms incl. python start; median of ${COLD_RUNS}` });
      for (const r of rows.filter(r => r.table === t.label)) {
        const npWarm = r.what.endsWith(`${tsS.name} scan`) ? np.warmTs : np.warm;
        (r as { ratio?: string }).ratio = r.what.startsWith('numpy') ? '1' : `first ${r.first !== undefined ? times(np.first, r.first) : '—'}, warm ${r.warm !== undefined ? times(npWarm, r.warm) : '—'}`;
      }

      // The one table.
      const work = `top-${K} cosine neighbours, ${t.label}`;
      const npRef = `numpy ${NUMPY_VERSION()} brute force (float32 matrix–vector product)`;
      const same = `same file (random, in the page cache), ${COLD_RUNS} new processes per side alternating, medians`;
      const ids = (what: string): string => (mismatches.some(m => m.startsWith(t.label) && m.includes(what)) ? `ids DIFFER from numpy (see the note)` : `ids identical to numpy's on ${QUERIES.length} queries`);
      if (onnx.length > 0) {
        const o = summary(onnx);
        standard.push(
          [`${work}: first query (index build + first query, the worker's first hover)`, `${ms(o.first)} (${o.name}; build alone ${ms(o.build)})`, `${npRef}: read + normalise + first query ${ms(np.first)}`, times(np.first, o.first), `${same}; python's start not counted; goal ≤ ${t.firstGoalMs ? ms(t.firstGoalMs) : '—'}${t.firstGoalMs ? (o.first <= t.firstGoalMs ? ' (met)' : ' (MISSED)') : ''}; ${ids('index (onnx')}`],
          [`${work}: warm query (a hover)`, `${ms(o.warm)} (${o.name})`, `${npRef}: ${ms(np.warm)}`, times(np.warm, o.warm), `median of ${REPEATS}×${QUERIES.length} queries per process, then of the processes; the scan reads the float32 table at ${((t.rows * t.cols * 4) / o.warm / 1e6).toFixed(1)} GB/s; goal ≤ ${t.warmGoalMs} ms${o.warm <= t.warmGoalMs ? ' (met)' : ' (MISSED)'}`],
          [`${work}: peak RSS of a process holding the index`, `${fmt(o.rss)} MB`, `numpy: ${fmt(np.rss)} MB`, times(np.rss, o.rss), `peak over the processes (/usr/bin/time); the float32 table is ${Math.round(f32Mb)} MB; goal ≤ ${rssGoal} MB (table + 300 MB)${o.rss <= rssGoal ? ' (met)' : ' (MISSED)'}`],
        );
      } else {
        standard.push([`${work}: NeighbourIndex, onnxruntime`, `skipped: onnxruntime-node not loaded (${typeof native === 'function' ? '' : native.error})`, '', '', '']);
      }
      standard.push(
        [`${work}: TypeScript scan (the fallback): first / warm`, `${ms(tsS.first)} / ${ms(tsS.warm)}`, `${npRef}: ${ms(np.first)} / ${ms(np.warmTs)}`, `${times(np.first, tsS.first)} / ${times(np.warmTs, tsS.warm)}`, `${same}; warm = median of ${tsRepeats}×${QUERIES.length} queries on each side (numpy's first ${tsRepeats} rounds); ${ids('index (TypeScript')}`],
        [`${work}: \`embedding-lens neighbours --id ${QUERIES[0]}\` (a new process, no index)`, `${ms(cold.wall)}, peak ${fmt(cold.rss)} MB`, `numpy process for one query (python start, read, normalise, 1 query): ${ms(np.oneQueryWall)}, peak ${fmt(np.rss)} MB`, times(np.oneQueryWall, cold.wall), `process wall time, ${COLD_RUNS} new processes per side, medians; one query each: numpy's process wall (${ms(np.wall)}) minus its ${REPEATS * QUERIES.length} later queries (timed inside it); one streaming float64 pass; ${ids('CLI')}`],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const lines = [
    `### Whole-vocabulary neighbours (top ${K}, ${cpus().length} cores, ${cpus()[0]?.model ?? 'unknown CPU'})`,
    '',
    '| table | what | first (ms) | warm (ms, median) | peak RSS (MB) | numpy ÷ ours | note |',
    '| --- | --- | ---: | ---: | ---: | --- | --- |',
    ...rows.map(r => `| ${r.table} | ${r.what} | ${fmt(r.first)} | ${fmt(r.warm)} | ${fmt(r.rssMb)} | ${(r as { ratio?: string }).ratio ?? ''} | ${r.note ?? ''} |`),
    '',
    mismatches.length ? `note: ids differ from numpy (numpy's float32 product is not exact on near-ties): ${mismatches.join('; ')}` : 'Ids: identical to numpy on every query.',
    '',
    standardTable(standard),
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

/** numpy's version, for the reference cell. */
function NUMPY_VERSION(): string {
  const r = spawnSync('/usr/bin/python3', ['-c', 'import numpy; print(numpy.__version__)'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : '?';
}

void main().catch(e => {
  process.stderr.write(`bench/neighbours: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 1;
});
