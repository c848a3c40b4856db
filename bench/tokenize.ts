/**
 * Tokenizer speed, measured in one run on the same text (the ~1.5 MB reference corpus,
 * test/corpus/corpus.ts), after checking ids identical to the reference:
 *
 *   - tokenizer.json engines: ours vs @huggingface/tokenizers (pure JavaScript) and the Rust
 *     `tokenizers` binding, for GPT-2, BERT (bert-base-uncased), gpt-4o and ALBERT's Unigram;
 *   - OpenAI encodings: ours vs tiktoken (Rust → WASM) for r50k/p50k/cl100k/o200k.
 *
 *   npm run bench:tokenize [-- gpt2 bert gpt4o unigram openai]
 *
 * Times are CPU time of this process (user + system: the Rust binding and WASM run in it too),
 * which a busy machine skews less than wall time. "first" is one pass with a freshly built
 * tokenizer (empty word caches, cold JIT); "steady" is the best of several later passes. Every
 * engine gets the same passes. Our tokenizers run as the extension runs them: in a thread with
 * a 64 MB young generation (src/host/workerClient.ts); this script is started with the matching
 * --max-semi-space-size by the npm script.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Tokenizer as HfJsTokenizer } from '@huggingface/tokenizers';
import { get_encoding, type TiktokenEncoding } from 'tiktoken';
import { nodeFiles } from '../src/core/nodeFiles';
import { tokenizerFromJson } from '../src/core/tokenizers/loadTokenizer';
import { OPENAI_ENCODINGS, openAiAssetsDir, openAiTokenizer } from '../src/core/tokenizers/openai';
import type { Tokenizer } from '../src/core/tokenizers/types';
import { referenceCorpus, utf8Bytes } from '../test/corpus/corpus';
import { rustTokenizer } from '../test/unit/tokenizers/reference';

const root = process.cwd();
const PASSES = 6;

interface Engine {
  readonly name: string;
  /** One pass over the documents (ids only matter). */
  pass(): Promise<void> | void;
  /** Builds a new instance (empty caches) for the next pass; the build is not timed. */
  renew?(): void;
}

function cpu(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

async function time(f: () => Promise<void> | void): Promise<number> {
  const t0 = cpu();
  await f();
  return cpu() - t0;
}

const docs = referenceCorpus().filter(d => d.text.length > 0);
const mb = docs.reduce((n, d) => n + utf8Bytes(d.text), 0) / 1e6;
const rate = (s: number): string => `${(mb / s).toFixed(2)} MB/s`.padStart(12);

/**
 * Per engine: the first pass (cold JIT, empty caches); "fresh": the best of PASSES passes each
 * with a new instance (warm JIT, empty caches — what a new model costs); "steady": the best of
 * PASSES passes on one instance. Rounds interleave the engines. Prints MB/s and ratios to ours.
 */
async function race(title: string, engines: Engine[]): Promise<void> {
  const first = new Map<string, number>();
  for (const e of engines) first.set(e.name, await time(() => e.pass()));
  const steady = new Map<string, number>(engines.map(e => [e.name, Infinity]));
  const fresh = new Map<string, number>(engines.map(e => [e.name, Infinity]));
  for (let i = 0; i < PASSES; i++) {
    for (const e of engines) {
      steady.set(e.name, Math.min(steady.get(e.name)!, await time(() => e.pass())));
      if (!e.renew) continue;
      e.renew();
      fresh.set(e.name, Math.min(fresh.get(e.name)!, await time(() => e.pass())));
    }
  }
  const ours = engines[0]!.name;
  const col = (m: Map<string, number>, n: string): string => (Number.isFinite(m.get(n)!) ? rate(m.get(n)!) : '—'.padStart(12));
  const ratio = (m: Map<string, number>, n: string): string => (Number.isFinite(m.get(n)!) && Number.isFinite(m.get(ours)!) ? `${(m.get(n)! / m.get(ours)!).toFixed(1)}x` : '—');
  console.log(`\n${title}`);
  console.log(`  ${'engine'.padEnd(28)}${'first'.padStart(12)}${'fresh'.padStart(12)}${'steady'.padStart(12)}   ours is … faster (first, fresh, steady)`);
  for (const e of engines) {
    const r = e.name === ours ? '' : `${ratio(first, e.name)}, ${ratio(fresh, e.name)}, ${ratio(steady, e.name)}`;
    console.log(`  ${e.name.padEnd(28)}${col(first, e.name)}${col(fresh, e.name)}${col(steady, e.name)}   ${r}`);
  }
}

const HF_MODELS: Record<string, { file: string; config: object }> = {
  gpt2: {
    file: path.join(root, 'assets', 'tokenizers', 'gpt2', 'tokenizer.json'),
    config: { tokenizer_class: 'GPT2Tokenizer', add_prefix_space: false, bos_token: '<|endoftext|>', eos_token: '<|endoftext|>', unk_token: '<|endoftext|>' },
  },
  bert: {
    file: path.join(root, 'test', 'fixtures', 'tokenizers', 'bert-base-uncased', 'tokenizer.json'),
    config: { tokenizer_class: 'BertTokenizer', do_lower_case: true, unk_token: '[UNK]', sep_token: '[SEP]', pad_token: '[PAD]', cls_token: '[CLS]', mask_token: '[MASK]' },
  },
  gpt4o: {
    file: path.join(root, 'node_modules', '@lenml', 'tokenizer-gpt4o', 'models', 'tokenizer.json'),
    config: JSON.parse(readFileSync(path.join(root, 'node_modules', '@lenml', 'tokenizer-gpt4o', 'models', 'tokenizer_config.json'), 'utf8')) as object,
  },
  unigram: {
    file: path.join(root, 'test', 'fixtures', 'tokenizers', 'clean-30k', 'tokenizer.json'),
    config: { tokenizer_class: 'AlbertTokenizer', unk_token: '<unk>', pad_token: '<pad>' },
  },
};

async function hfBench(name: string): Promise<void> {
  const { file, config } = HF_MODELS[name]!;
  const json = readFileSync(file, 'utf8');
  const ours: Tokenizer = tokenizerFromJson(JSON.parse(json), file);
  const rust = rustTokenizer(json);
  let hf: HfJsTokenizer | undefined;
  try {
    hf = new HfJsTokenizer(JSON.parse(json), config);
  } catch (e) {
    console.log(`note: @huggingface/tokenizers cannot load ${name}: ${(e as Error).message}`);
  }
  // Ids first: ours must equal the Rust library's on every document.
  let tokens = 0;
  for (const d of docs) {
    const want = (await rust.encode(d.text, null, { addSpecialTokens: false })).getIds();
    const got = ours.encode(d.text).map(t => t.id);
    tokens += got.length;
    if (got.length !== want.length || got.some((id, i) => id !== want[i])) throw new Error(`${name}: our ids differ from the Rust library's on ${d.name}`);
    if (hf) {
      const theirs = hf.encode(d.text, { add_special_tokens: false }).ids;
      if (theirs.length !== want.length || theirs.some((id, i) => id !== want[i])) console.log(`note: @huggingface/tokenizers' ids differ from Rust's on ${d.name}`);
    }
  }
  // Fresh instances for the timed passes (the check above warmed the first ones' caches).
  let mine = tokenizerFromJson(JSON.parse(json), file);
  let theirs = hf && new HfJsTokenizer(JSON.parse(json), config);
  let native = rustTokenizer(json);
  const engines: Engine[] = [
    { name: 'ours', pass: () => docs.forEach(d => mine.encode(d.text)), renew: () => (mine = tokenizerFromJson(JSON.parse(json), file)) },
    ...(theirs ? [{ name: '@huggingface/tokenizers', pass: () => docs.forEach(d => theirs!.encode(d.text, { add_special_tokens: false })), renew: () => (theirs = new HfJsTokenizer(JSON.parse(json), config)) }] : []),
    { name: 'Rust binding (tokenizers)', pass: async () => { for (const d of docs) await native.encode(d.text, null, { addSpecialTokens: false }); }, renew: () => (native = rustTokenizer(json)) },
  ];
  await race(`${name}: ${mb.toFixed(2)} MB, ${docs.length} documents, ${tokens.toLocaleString('en-US')} tokens; our ids identical to the Rust library's`, engines);
}

async function openAiBench(): Promise<void> {
  for (const name of OPENAI_ENCODINGS) {
    const ours = await openAiTokenizer(name, nodeFiles, openAiAssetsDir(nodeFiles, path.join(root, 'assets')));
    const enc = get_encoding(name as TiktokenEncoding);
    try {
      let tokens = 0;
      for (const d of docs) {
        const want = enc.encode(d.text, 'all');
        const got = ours.encode(d.text).map(t => t.id);
        tokens += got.length;
        if (got.length !== want.length || got.some((id, i) => id !== want[i])) throw new Error(`${name}: our ids differ from tiktoken's on ${d.name}`);
      }
      await race(`${name}: ${mb.toFixed(2)} MB, ${tokens.toLocaleString('en-US')} tokens; our ids identical to tiktoken's`, [
        { name: 'ours', pass: () => docs.forEach(d => ours.encode(d.text)) },
        { name: 'tiktoken (WASM)', pass: () => docs.forEach(d => enc.encode(d.text, 'all')) },
      ]);
    } finally {
      enc.free();
    }
  }
}

async function main(): Promise<void> {
  const which = process.argv.slice(2);
  const want = (n: string): boolean => which.length === 0 || which.includes(n);
  console.log(`corpus: ${mb.toFixed(2)} MB in ${docs.length} documents; CPU time; first pass and best of ${PASSES}`);
  for (const name of Object.keys(HF_MODELS)) if (want(name)) await hfBench(name);
  if (want('openai')) await openAiBench();
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
