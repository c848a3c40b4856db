/**
 * Tokenizer speed, measured in one run on the same text (the ~1.5 MB reference corpus,
 * test/corpus/corpus.ts):
 *
 *   - tokenizer.json engines: ours vs @huggingface/tokenizers (pure JavaScript) and the Rust
 *     `tokenizers` binding, for GPT-2, BERT (bert-base-uncased), gpt-4o and ALBERT's Unigram;
 *   - OpenAI encodings: ours vs tiktoken (Rust → WASM) for r50k/p50k/cl100k/o200k.
 *
 *   npm run bench:tokenize [-- gpt2 bert gpt4o unigram openai] [--table]
 *
 * Conditions, the same for every engine:
 *   - first:  one pass in a NEW PROCESS (cold JIT) with a NEW tokenizer (empty caches): nothing
 *             ran before it but the tokenizer's construction (not timed). Median of FIRST_RUNS
 *             such processes per engine, the engines alternating.
 *   - fresh:  one pass of a new tokenizer object in this process: its own caches (the word
 *             cache) are empty, but the JIT is warm and so are the process-wide per-character
 *             tables the core fills lazily and never drops (Unicode decompositions and
 *             compositions, BERT's case and accent maps, the regex classes: unicodeNormalize.ts,
 *             bert.ts, precompiled.ts, onigRegex.ts). Only "first" starts with those empty.
 *             Median of RUNS.
 *   - steady: one pass of a tokenizer that has already seen the corpus: median of RUNS.
 * Ids are checked first (in this process, on instances never timed): ours must equal the ground
 * truth (the Rust library; tiktoken for OpenAI's encodings) on every document, else the bench
 * fails. A document on which a reference's ids differ from the ground truth is excluded from that
 * reference's comparison (for both sides: every pass times each document, and each ratio sums the
 * same documents on both sides) and reported.
 *
 * Times are CPU time of the process (user + system: the Rust binding and WASM run in it too),
 * which a busy machine skews less than wall time. Our tokenizers run as the extension runs them:
 * in a thread with a 64 MB young generation (src/host/workerClient.ts); this script and its
 * child processes run with the matching --max-semi-space-size.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Tokenizer as HfJsTokenizer } from '@huggingface/tokenizers';
import { get_encoding, type TiktokenEncoding } from 'tiktoken';
import { tokenizerFromJson } from '../src/core/tokenizers/loadTokenizer';
import { OPENAI_ENCODINGS, openAiTokenizerFromRanks } from '../src/core/tokenizers/openai';
import { referenceCorpus, utf8Bytes } from '../test/corpus/corpus';
import { rustTokenizer } from '../test/unit/tokenizers/reference';
import { standardTable } from './table.mjs';

const root = process.cwd();
/** Warm passes per engine (fresh and steady each). */
const RUNS = 5;
/** Cold processes per engine for the first pass. */
const FIRST_RUNS = 3;

const docs = referenceCorpus().filter(d => d.text.length > 0);
const docBytes = docs.map(d => utf8Bytes(d.text));

type EngineName = 'ours' | 'hf' | 'rust' | 'tiktoken';
const LABEL: Record<EngineName, string> = { ours: 'ours', hf: '@huggingface/tokenizers', rust: 'Rust binding (tokenizers)', tiktoken: 'tiktoken (WASM)' };

/** A tokenizer instance: encodes one document to ids. */
interface Instance {
  ids(text: string): Promise<number[]> | number[];
  free?(): void;
}

const HF_MODELS: Record<string, { title: string; file: string; config: () => object }> = {
  gpt2: {
    title: 'GPT-2',
    file: path.join(root, 'assets', 'tokenizers', 'gpt2', 'tokenizer.json'),
    config: () => ({ tokenizer_class: 'GPT2Tokenizer', add_prefix_space: false, bos_token: '<|endoftext|>', eos_token: '<|endoftext|>', unk_token: '<|endoftext|>' }),
  },
  bert: {
    title: 'BERT (bert-base-uncased)',
    file: path.join(root, 'test', 'fixtures', 'tokenizers', 'bert-base-uncased', 'tokenizer.json'),
    config: () => ({ tokenizer_class: 'BertTokenizer', do_lower_case: true, unk_token: '[UNK]', sep_token: '[SEP]', pad_token: '[PAD]', cls_token: '[CLS]', mask_token: '[MASK]' }),
  },
  gpt4o: {
    title: 'gpt-4o',
    file: path.join(root, 'node_modules', '@lenml', 'tokenizer-gpt4o', 'models', 'tokenizer.json'),
    config: () => JSON.parse(readFileSync(path.join(root, 'node_modules', '@lenml', 'tokenizer-gpt4o', 'models', 'tokenizer_config.json'), 'utf8')) as object,
  },
  unigram: {
    title: 'ALBERT Unigram (clean_30k)',
    file: path.join(root, 'test', 'fixtures', 'tokenizers', 'clean-30k', 'tokenizer.json'),
    config: () => ({ tokenizer_class: 'AlbertTokenizer', unk_token: '<unk>', pad_token: '<pad>' }),
  },
};

/** The engines of one benchmark, the ground truth first after ours. */
function enginesOf(bench: string): EngineName[] {
  return HF_MODELS[bench] ? ['ours', 'rust', 'hf'] : ['ours', 'tiktoken'];
}

/** A new instance (empty caches) of `engine` for `bench` (a HF model key or an OpenAI encoding). */
function create(bench: string, engine: EngineName): Instance {
  const hf = HF_MODELS[bench];
  if (hf) {
    const json = readFileSync(hf.file, 'utf8');
    switch (engine) {
      case 'ours': {
        const t = tokenizerFromJson(JSON.parse(json), hf.file);
        return { ids: s => t.encode(s).map(x => x.id) };
      }
      case 'hf': {
        const t = new HfJsTokenizer(JSON.parse(json), hf.config());
        return { ids: s => t.encode(s, { add_special_tokens: false }).ids };
      }
      case 'rust': {
        const t = rustTokenizer(json);
        return { ids: async s => (await t.encode(s, null, { addSpecialTokens: false })).getIds() };
      }
      default:
        throw new Error(`${engine} does not run ${bench}`);
    }
  }
  switch (engine) {
    case 'ours': {
      // openAiTokenizer() caches one instance per process: build a new one from the rank bytes.
      const file = path.join(root, 'assets', 'tokenizers', 'openai', `${bench}.tiktoken`);
      const t = openAiTokenizerFromRanks(bench, readFileSync(file), file);
      return { ids: s => t.encode(s).map(x => x.id) };
    }
    case 'tiktoken': {
      const enc = get_encoding(bench as TiktokenEncoding);
      return { ids: s => Array.from(enc.encode(s, 'all')), free: () => enc.free() };
    }
    default:
      throw new Error(`${engine} does not run ${bench}`);
  }
}

function cpu(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** One pass over the documents; CPU seconds per document. */
async function pass(inst: Instance): Promise<number[]> {
  const times: number[] = [];
  for (const d of docs) {
    const t0 = cpu();
    const r = inst.ids(d.text);
    if (r instanceof Promise) await r;
    times.push(cpu() - t0);
  }
  return times;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Child process: build a new instance, run one cold pass, print its per-document times. */
async function childFirst(bench: string, engine: EngineName): Promise<void> {
  const inst = create(bench, engine);
  const times = await pass(inst);
  inst.free?.();
  process.stdout.write(`\n@@${JSON.stringify(times)}\n`);
}

function firstInNewProcess(bench: string, engine: EngineName): number[] {
  const r = spawnSync(process.execPath, ['--max-semi-space-size=32', __filename, '--first', bench, engine], { cwd: root, encoding: 'utf8', maxBuffer: 16 * 2 ** 20 });
  if (r.status !== 0) throw new Error(`${bench}/${engine}: the first-pass process failed: ${r.stderr.trim().split('\n').pop()}`);
  return JSON.parse(r.stdout.split('\n').find(l => l.startsWith('@@'))!.slice(2)) as number[];
}

const sumOver = (times: number[], keep: boolean[]): number => times.reduce((s, t, i) => (keep[i] ? s + t : s), 0);
const mbOver = (keep: boolean[]): number => docBytes.reduce((s, b, i) => (keep[i] ? s + b : s), 0) / 1e6;
const same = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** Rows of the table for one benchmark. */
async function bench(name: string): Promise<string[][]> {
  const engines = enginesOf(name);
  const truthName = engines[1]!;
  const title = HF_MODELS[name]?.title ?? name;
  // Ids on instances that are never timed.
  const truth = create(name, truthName);
  const want: number[][] = [];
  for (const d of docs) want.push([...(await truth.ids(d.text))]);
  truth.free?.();
  const agrees = new Map<EngineName, boolean[]>();
  const notes: string[] = [];
  let tokens = 0;
  for (const e of engines) {
    if (e === truthName) {
      agrees.set(e, docs.map(() => true));
      continue;
    }
    let inst: Instance;
    try {
      inst = create(name, e);
    } catch (err) {
      notes.push(`${LABEL[e]} cannot load ${title}: ${(err as Error).message.split('\n')[0]}`);
      continue;
    }
    const ok: boolean[] = [];
    for (let i = 0; i < docs.length; i++) {
      const got = await inst.ids(docs[i]!.text);
      ok.push(same(got, want[i]!));
      if (e === 'ours') tokens += got.length;
    }
    inst.free?.();
    if (e === 'ours' && ok.some(x => !x)) throw new Error(`${name}: our ids differ from ${LABEL[truthName]}'s on ${docs.filter((_, i) => !ok[i]).map(d => d.name).join(', ')}`);
    agrees.set(e, ok);
  }
  const running = engines.filter(e => agrees.has(e));

  // First pass: a new process per engine and run, the engines alternating.
  const first = new Map<EngineName, number[][]>(running.map(e => [e, []]));
  for (let r = 0; r < FIRST_RUNS; r++) for (const e of running) first.get(e)!.push(firstInNewProcess(name, e));
  // Fresh and steady: RUNS each, interleaved.
  const fresh = new Map<EngineName, number[][]>(running.map(e => [e, []]));
  const steady = new Map<EngineName, number[][]>(running.map(e => [e, []]));
  const kept = new Map<EngineName, Instance>(running.map(e => [e, create(name, e)]));
  for (const e of running) await pass(kept.get(e)!); // has seen the corpus once
  for (let r = 0; r < RUNS; r++) {
    for (const e of running) {
      const inst = create(name, e);
      fresh.get(e)!.push(await pass(inst));
      inst.free?.();
      steady.get(e)!.push(await pass(kept.get(e)!));
    }
  }
  for (const inst of kept.values()) inst.free?.();

  const rate = (runs: number[][], keep: boolean[]): number => mbOver(keep) / median(runs.map(t => sumOver(t, keep)));
  const f = (x: number): string => x.toFixed(1);
  const rows: string[][] = [];
  for (const e of running) {
    if (e === 'ours') continue;
    const keep = agrees.get(e)!;
    const excluded = docs.filter((_, i) => !keep[i]).map(d => d.name);
    const mine = [first, fresh, steady].map(m => rate(m.get('ours')!, keep));
    const theirs = [first, fresh, steady].map(m => rate(m.get(e)!, keep));
    rows.push([
      `tokenizer throughput, ${title}: ${mbOver(keep).toFixed(2)} MB${excluded.length ? '' : `, ${tokens.toLocaleString('en-US')} tokens`}`,
      `${mine.map(f).join(' / ')} MB/s`,
      `${LABEL[e]}: ${theirs.map(f).join(' / ')} MB/s`,
      `${mine.map((x, i) => `${(x / theirs[i]!).toFixed(2)}×`).join(' / ')}`,
      `first / fresh / steady; CPU time; first = median of ${FIRST_RUNS} new processes (new tokenizer, cold JIT, every cache empty), fresh = a new tokenizer object in this warm process (its word cache empty; the JIT and process-wide per-character tables warm), steady = a tokenizer that has seen the corpus; fresh and steady = medians of ${RUNS}, same on both sides; ids equal to ${LABEL[truthName]}'s${excluded.length ? `; excluded (its ids differ from ${LABEL[truthName]}'s): ${excluded.length} of ${docs.length} documents (${excluded.slice(0, 3).join(', ')}${excluded.length > 3 ? ', …' : ''})` : ''}`,
    ]);
  }
  for (const n of notes) rows.push([`tokenizer throughput, ${title}`, '', `skipped: ${n}`, '', '']);
  return rows;
}

async function main(): Promise<void> {
  const fi = process.argv.indexOf('--first');
  if (fi >= 0) return childFirst(process.argv[fi + 1]!, process.argv[fi + 2] as EngineName);
  const which = process.argv.slice(2).filter(a => !a.startsWith('--'));
  const want = (n: string): boolean => which.length === 0 || which.includes(n);
  const mb = docBytes.reduce((a, b) => a + b, 0) / 1e6;
  const rows: string[][] = [];
  for (const name of Object.keys(HF_MODELS)) if (want(name)) rows.push(...(await bench(name)));
  if (want('openai')) for (const name of OPENAI_ENCODINGS) rows.push(...(await bench(name)));
  console.log(`corpus: ${mb.toFixed(2)} MB in ${docs.length} documents. first = one pass of a new tokenizer in a new process (cold JIT, empty caches); fresh = a new tokenizer object (its word cache empty) in a warm process (JIT and our process-wide per-character tables already filled); steady = a tokenizer that has seen the corpus. Ratio = ours ÷ reference throughput (> 1: ours is faster).\n`);
  console.log(standardTable(rows));
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
