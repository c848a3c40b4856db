/**
 * 512 embedding rows from a 2.1 GB safetensors table against the same from a 10 MB one: the
 * lookup must cost the rows asked for, not the file. Both tables are F32 with E = 768 (2.1 GB:
 * 700,000 rows; 10 MB: 3,400 rows), written into a temp folder and deleted afterwards. Each
 * measurement is a new node process (cold JIT, nothing cached in the process) that opens the file
 * with our reader (src/core/formats/safetensors.ts) and reads 512 seeded ids spread over the
 * whole table; it reports its wall time and peak RSS. Medians of RUNS, the two sizes alternating,
 * the same RUNS on both. The page cache is warm for both (the files were just written).
 *
 * The same 512 ids also go through the CLI (`embedding-lens inspect`, a cold process each, the
 * held-out check's path) when dist/cli.js is built.
 *
 *   node dist/bench/lookups.js [--runs N]
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openSafetensors } from '../src/core/formats/safetensors';
import { nodeFiles } from '../src/core/nodeFiles';
import { createRng } from '../src/core/prng';

const E = 768;
const IDS = 512;
const BIG_ROWS = 700_000; // 700,000 × 768 × 4 B = 2.15 GB
const SMALL_ROWS = 3_400; // 3,400 × 768 × 4 B = 10.4 MB
const argRuns = process.argv.indexOf('--runs');
const RUNS = argRuns >= 0 ? Number(process.argv[argRuns + 1]) : 5;

/** Writes a (rows, E) F32 table named embedding.weight, streamed in 64 MB blocks of seeded values. */
function writeTable(file: string, rows: number, seed: number): void {
  const bytes = rows * E * 4;
  const json = Buffer.from(JSON.stringify({ 'embedding.weight': { dtype: 'F32', shape: [rows, E], data_offsets: [0, bytes] } }));
  const header = Buffer.alloc(Math.ceil(json.length / 8) * 8, 0x20);
  json.copy(header);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(header.length));
  const fd = openSync(file, 'w');
  try {
    writeSync(fd, len);
    writeSync(fd, header);
    const rng = createRng(seed);
    const block = new Float32Array(Math.min(rows * E, 16 * 2 ** 20));
    for (let i = 0; i < block.length; i++) block[i] = rng.uniform(-1, 1);
    const blockBytes = Buffer.from(block.buffer);
    let left = bytes;
    // The same 64 MB of random values repeated: real bytes on disk (no sparse holes), written fast.
    while (left > 0) {
      const n = Math.min(left, blockBytes.length);
      writeSync(fd, blockBytes, 0, n);
      left -= n;
    }
  } finally {
    closeSync(fd);
  }
}

/** A WordLevel tokenizer.json: words w0 … w511 → ids spread evenly over `rows` (id 0 is [UNK]). */
function wordLevel(rows: number): string {
  const vocab: Record<string, number> = { '[UNK]': 0 };
  for (let i = 0; i < IDS; i++) vocab[`w${i}`] = 1 + Math.floor((i * (rows - 1)) / IDS);
  return JSON.stringify({
    version: '1.0', truncation: null, padding: null, added_tokens: [], normalizer: null,
    pre_tokenizer: { type: 'WhitespaceSplit' }, post_processor: null, decoder: null,
    model: { type: 'WordLevel', vocab, unk_token: '[UNK]' },
  });
}

/** The CLI, cold: `embedding-lens inspect --file text --model DIR --format json`; wall ms. */
function runCli(modelDir: string, textFile: string): { ms: number } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [path.join(process.cwd(), 'dist', 'cli.js'), 'inspect', '--file', textFile, '--model', modelDir, '--format', 'json'], { encoding: 'utf8', maxBuffer: 256 * 2 ** 20 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`embedding-lens inspect failed on ${modelDir}: ${r.stderr.trim().split('\n').pop()}`);
  const out = JSON.parse(r.stdout) as { input_ids: number[] };
  if (out.input_ids.length !== IDS) throw new Error(`the CLI read ${out.input_ids.length} ids, expected ${IDS}`);
  return { ms };
}

/** The child: open, read 512 ids, report wall ms and peak RSS. */
async function child(file: string, rows: number): Promise<void> {
  const t0 = process.hrtime.bigint();
  const store = await openSafetensors(nodeFiles, file);
  const table = store.get('embedding.weight')!;
  const rng = createRng(7);
  const ids = Array.from({ length: IDS }, () => Math.floor(rng.uniform(0, rows)));
  const out = await table.readRows(ids);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (out.length !== IDS * E) throw new Error(`read ${out.length} values, expected ${IDS * E}`);
  process.stdout.write(JSON.stringify({ ms, rssMB: process.resourceUsage().maxRSS / 1024 }));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function runChild(file: string, rows: number): { ms: number; rssMB: number } {
  const r = spawnSync(process.execPath, [__filename, '--child', file, String(rows)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`lookup child failed on ${file}: ${r.stderr.trim().split('\n').pop()}`);
  return JSON.parse(r.stdout) as { ms: number; rssMB: number };
}

async function main(): Promise<void> {
  const c = process.argv.indexOf('--child');
  if (c >= 0) return child(process.argv[c + 1]!, Number(process.argv[c + 2]));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lens-bench-lookups-'));
  try {
    // Model folders (table + a WordLevel tokenizer whose 512 words map to ids spread over the
    // table), so the CLI can read them as well as the reader alone.
    const bigDir = path.join(dir, 'big');
    const smallDir = path.join(dir, 'small');
    mkdirSync(bigDir);
    mkdirSync(smallDir);
    const big = path.join(bigDir, 'model.safetensors');
    const small = path.join(smallDir, 'model.safetensors');
    writeTable(big, BIG_ROWS, 1);
    writeTable(small, SMALL_ROWS, 2);
    writeFileSync(path.join(bigDir, 'tokenizer.json'), wordLevel(BIG_ROWS));
    writeFileSync(path.join(smallDir, 'tokenizer.json'), wordLevel(SMALL_ROWS));
    const textFile = path.join(dir, 'text.txt');
    writeFileSync(textFile, Array.from({ length: IDS }, (_, i) => `w${i}`).join(' '));
    const b: { ms: number; rssMB: number }[] = [];
    const s: { ms: number; rssMB: number }[] = [];
    runChild(small, SMALL_ROWS); // loads node's own files into the page cache for both sides
    for (let i = 0; i < RUNS; i++) {
      s.push(runChild(small, SMALL_ROWS));
      b.push(runChild(big, BIG_ROWS));
    }
    const bm = median(b.map(x => x.ms));
    const sm = median(s.map(x => x.ms));
    const br = median(b.map(x => x.rssMB));
    const sr = median(s.map(x => x.rssMB));
    const gb = ((BIG_ROWS * E * 4) / 1e9).toFixed(2);
    const mb = ((SMALL_ROWS * E * 4) / 1e6).toFixed(1);
    // The same through the CLI (a cold process each: tokenizer, lookups, encoder, JSON).
    const cli = existsSync(path.join(process.cwd(), 'dist', 'cli.js'));
    const cb: number[] = [];
    const cs: number[] = [];
    if (cli) {
      runCli(smallDir, textFile);
      for (let i = 0; i < RUNS; i++) {
        cs.push(runCli(smallDir, textFile).ms);
        cb.push(runCli(bigDir, textFile).ms);
      }
    }
    const cond = `new process per run (open + 512 seeded ids over the whole table, F32, E = 768), medians of ${RUNS} each, alternating; page cache warm; RSS = peak of the process`;
    console.log('| work | Embedding Lens | reference | ratio | conditions |');
    console.log('| --- | --- | --- | --- | --- |');
    console.log(`| 512 ids from a ${gb} GB safetensors vs a ${mb} MB one | ${gb} GB: ${bm.toFixed(1)} ms, ${br.toFixed(0)} MB RSS | ${mb} MB: ${sm.toFixed(1)} ms, ${sr.toFixed(0)} MB RSS | ×${(bm / sm).toFixed(2)} time, ${br - sr >= 0 ? '+' : ''}${(br - sr).toFixed(0)} MB RSS (big ÷ small) | ${cond} |`);
    if (cli) {
      const b2 = median(cb);
      const s2 = median(cs);
      console.log(`| 512 ids through the CLI (\`embedding-lens inspect --model DIR --format json\`), ${gb} GB vs ${mb} MB table | ${gb} GB: ${(b2 / 1000).toFixed(2)} s | ${mb} MB: ${(s2 / 1000).toFixed(2)} s | ×${(b2 / s2).toFixed(2)} time (big ÷ small) | a new CLI process per run (tokenizer, 512 lookups, random encoder, JSON out), medians of ${RUNS} each, alternating |`);
    } else {
      console.log(`| 512 ids through the CLI | skipped: dist/cli.js is missing (npm run build) | | | |`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
