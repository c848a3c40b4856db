// Model folders the webview tests write for themselves (a tokenizer.json and a safetensors
// embedding in a temp dir): tokenizers the built-in models do not cover; a GGUF model laid out as
// Ollama keeps it; a BERT with an input layer.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { repoRoot } from './harness.mjs';

/**
 * A model folder: `tokenizer` (tokenizer.json) plus a safetensors embedding of `rows` rows
 * (deterministic values: the test reads tokens, not numbers). Removed by the caller.
 * @param {string} name @param {string} tokenizer @param {number} rows
 */
export function modelDir(name, tokenizer, rows) {
  const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'embedding-lens-marks-')), name);
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'tokenizer.json'), tokenizer);
  const dim = 8;
  const data = new Float32Array(rows * dim).map((_, i) => ((i * 7919) % 200 - 100) / 1000);
  let header = JSON.stringify({ 'embedding.weight': { dtype: 'F32', shape: [rows, dim], data_offsets: [0, data.byteLength] } });
  header += ' '.repeat((8 - (header.length % 8)) % 8);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(header.length));
  writeFileSync(path.join(dir, 'model.safetensors'), Buffer.concat([len, Buffer.from(header), Buffer.from(data.buffer)]));
  return dir;
}

/** A BPE tokenizer.json with byte_fallback: <unk>, the 256 <0xNN> pieces, a–z, no merges. */
export function byteFallbackTokenizer() {
  /** @type {Record<string, number>} */
  const vocab = { '<unk>': 0 };
  for (let b = 0; b < 256; b++) vocab[`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`] = Object.keys(vocab).length;
  for (const c of 'abcdefghijklmnopqrstuvwxyz') vocab[c] = Object.keys(vocab).length;
  const json = {
    version: '1.0', truncation: null, padding: null,
    added_tokens: [{ id: 0, content: '<unk>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }],
    normalizer: null, pre_tokenizer: null, post_processor: null, decoder: null,
    model: { type: 'BPE', dropout: null, unk_token: '<unk>', continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: true, byte_fallback: true, vocab, merges: [] },
  };
  return { text: JSON.stringify(json), rows: Object.keys(vocab).length };
}

// ---------------------------------------------------------------------------------------------
// Models for issue 11's panel tests: a GGUF file as Ollama keeps it, and a BERT with an input layer.

/** The seeded PRNG the screenshot models use (mulberry32): test data, never Math.random. @param {number} seed */
function mulberry32(seed) {
  let s = seed | 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** ggml type ids (ggml.h) and GGUF metadata value types (gguf.h) this writer uses. */
const GGML_Q4_K = 12;
const GGUF_T = { UINT32: 4, INT32: 5, FLOAT32: 6, BOOL: 7, STRING: 8, ARRAY: 9 };

/**
 * A GGUF v3 file (little-endian, alignment 32) as llama.cpp's writers lay it out: header,
 * metadata, tensor infos, then each tensor's data at an aligned offset. `kvs` values: a string,
 * { u32 }, { bool }, or { strings } / { i32s } / { f32s } arrays.
 * @param {[string, string | { u32: number } | { bool: boolean } | { strings: string[] } | { i32s: number[] } | { f32s: number[] }][]} kvs
 * @param {{ name: string, ne: number[], type: number, data: Uint8Array }[]} tensors
 */
function ggufFile(kvs, tensors) {
  /** @type {Buffer[]} */
  const parts = [];
  let size = 0;
  const push = (/** @type {Buffer} */ b) => { parts.push(b); size += b.length; };
  const u32 = (/** @type {number} */ v) => { const b = Buffer.alloc(4); b.writeUInt32LE(v); push(b); };
  const i32 = (/** @type {number} */ v) => { const b = Buffer.alloc(4); b.writeInt32LE(v); push(b); };
  const f32 = (/** @type {number} */ v) => { const b = Buffer.alloc(4); b.writeFloatLE(v); push(b); };
  const u64 = (/** @type {number} */ v) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(v)); push(b); };
  const str = (/** @type {string} */ s) => { const b = Buffer.from(s, 'utf8'); u64(b.length); push(b); };
  const array = (/** @type {number} */ type, /** @type {unknown[]} */ items, /** @type {(v: any) => void} */ put) => { u32(GGUF_T.ARRAY); u32(type); u64(items.length); for (const v of items) put(v); };
  push(Buffer.from('GGUF', 'latin1'));
  u32(3);
  u64(tensors.length);
  u64(kvs.length);
  for (const [key, v] of kvs) {
    str(key);
    if (typeof v === 'string') (u32(GGUF_T.STRING), str(v));
    else if ('u32' in v) (u32(GGUF_T.UINT32), u32(v.u32));
    else if ('bool' in v) (u32(GGUF_T.BOOL), push(Buffer.from([v.bool ? 1 : 0])));
    else if ('strings' in v) array(GGUF_T.STRING, v.strings, str);
    else if ('i32s' in v) array(GGUF_T.INT32, v.i32s, i32);
    else array(GGUF_T.FLOAT32, v.f32s, f32);
  }
  const align = (/** @type {number} */ n) => Math.ceil(n / 32) * 32;
  let offset = 0;
  for (const t of tensors) {
    str(t.name);
    u32(t.ne.length);
    for (const d of t.ne) u64(d);
    u32(t.type);
    u64(offset);
    offset += align(t.data.length);
  }
  push(Buffer.alloc(align(size) - size));
  for (const t of tensors) {
    push(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    push(Buffer.alloc(align(t.data.length) - t.data.length));
  }
  return Buffer.concat(parts);
}

/**
 * `rows` rows of E values as Q4_K blocks (ggml's block_q4_K: f16 d, f16 dmin, 12 bytes of 6-bit
 * scales and mins, 128 bytes of 4-bit quants; 256 values in 144 bytes). Any bytes are a valid
 * block once d and dmin are finite: these are seeded random, d and dmin in [2^-9, 2^-8).
 * @param {number} rows @param {number} E a multiple of 256 @param {number} seed
 */
function randomQ4K(rows, E, seed) {
  const blocks = (rows * E) / 256;
  const out = new Uint8Array(blocks * 144);
  const rand = mulberry32(seed);
  for (let i = 0; i < out.length; i++) out[i] = Math.floor(rand() * 256);
  const view = new DataView(out.buffer);
  for (let b = 0; b < blocks; b++) {
    // f16 with exponent field 6 (2^-9) and a random mantissa: finite, about 0.002-0.004.
    view.setUint16(b * 144, (6 << 10) | Math.floor(rand() * 1024), true);
    view.setUint16(b * 144 + 2, (6 << 10) | Math.floor(rand() * 1024), true);
  }
  return out;
}

/**
 * An Ollama-style GGUF model in a temp folder: Llama 3's real tokenizer (its metadata as
 * llama.cpp's converter writes it: test/fixtures/gguf-tokenizers/llama3.json.gz, from
 * scripts/fixtures/tokenizer_to_gguf.py), architecture `llama`, and a token_embd.weight of
 * 128,256 × 256 seeded random Q4_K blocks (the weights are not Llama's: its name says so). Laid out
 * as `ollama pull` does (OLLAMA_MODELS: manifests/registry.ollama.ai/library/NAME/TAG naming the
 * blob sha256-<hex> by its digest), plus the same file as `FILE.gguf` beside it. Remove `root`
 * when done.
 */
export function ollamaGgufModel() {
  const meta = JSON.parse(gunzipSync(readFileSync(path.join(repoRoot, 'test', 'fixtures', 'gguf-tokenizers', 'llama3.json.gz'))).toString('utf8'));
  const V = meta['tokenizer.ggml.tokens'].length;
  const E = 256;
  /** @type {Parameters<typeof ggufFile>[0]} */
  const kvs = [
    ['general.architecture', 'llama'],
    ['general.name', 'Llama 3 tokenizer, random Q4_K rows'],
    ['llama.context_length', { u32: 131072 }],
    ['llama.embedding_length', { u32: E }],
    ['tokenizer.ggml.model', meta['tokenizer.ggml.model']],
    ['tokenizer.ggml.pre', meta['tokenizer.ggml.pre']],
    ['tokenizer.ggml.tokens', { strings: meta['tokenizer.ggml.tokens'] }],
    ['tokenizer.ggml.token_type', { i32s: meta['tokenizer.ggml.token_type'] }],
    ['tokenizer.ggml.merges', { strings: meta['tokenizer.ggml.merges'] }],
    ['tokenizer.ggml.bos_token_id', { u32: meta['tokenizer.ggml.bos_token_id'] }],
    ['tokenizer.ggml.eos_token_id', { u32: meta['tokenizer.ggml.eos_token_id'] }],
    ['tokenizer.ggml.add_bos_token', { bool: true }],
  ];
  const bytes = ggufFile(kvs, [{ name: 'token_embd.weight', ne: [E, V], type: GGML_Q4_K, data: randomQ4K(V, E, 3) }]);
  const root = mkdtempSync(path.join(os.tmpdir(), 'embedding-lens-ollama-'));
  const hex = createHash('sha256').update(bytes).digest('hex');
  mkdirSync(path.join(root, 'blobs'));
  const blob = path.join(root, 'blobs', `sha256-${hex}`);
  writeFileSync(blob, bytes);
  const name = 'llama3-tokenizer-random';
  const tag = 'q4_K';
  mkdirSync(path.join(root, 'manifests', 'registry.ollama.ai', 'library', name), { recursive: true });
  writeFileSync(path.join(root, 'manifests', 'registry.ollama.ai', 'library', name, tag), JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: `sha256:${'0'.repeat(64)}`, size: 2 },
    layers: [{ mediaType: 'application/vnd.ollama.image.model', digest: `sha256:${hex}`, size: bytes.length }],
  }));
  const file = path.join(root, 'llama3-tokenizer-random-Q4_K.gguf');
  writeFileSync(file, bytes);
  return { root, reference: `ollama:${name}:${tag}`, blob, file, vocab: V, dim: E };
}

/** The BERT input-layer fixture (torch's numbers in expected.json: scripts/fixtures/input_layer.py). */
export const BERT_FIXTURE = path.join(repoRoot, 'test', 'fixtures', 'input-layer', 'bert_prefixed');

/**
 * test/fixtures/input-layer/bert_prefixed (a tiny BERT: E = 8, 12 positions, word + position +
 * type embeddings and LayerNorm, random weights) copied to a temp folder with a WordPiece
 * tokenizer.json of its 30 ids: [PAD] 0, [UNK] 1, [CLS] 2, [SEP] 3, [MASK] 4, then words chosen
 * so that "white cats purr" is [2, 17, 5, 9, 3] and "white" padded to 6 is [2, 17, 3, 0, 0, 0]:
 * two of the id sequences expected.json holds torch's stages for. Remove path.dirname(dir) when done.
 */
export function bertInputLayerModel() {
  const words = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'cats', 'dogs', 'birds', 'sing', 'purr', 'bark', 'the', 'a', 'and', 'at', 'night', 'day', 'white', 'black', 'small', 'big', 'run', 'sleep', 'eat', 'fish', 'mice', 'in', 'on', '.', ','];
  const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'embedding-lens-bert-')), 'tiny-bert');
  mkdirSync(dir);
  for (const f of ['config.json', 'model.safetensors']) writeFileSync(path.join(dir, f), readFileSync(path.join(BERT_FIXTURE, f)));
  const json = {
    version: '1.0', truncation: null, padding: null,
    added_tokens: words.slice(0, 5).map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: { type: 'BertProcessing', sep: ['[SEP]', 3], cls: ['[CLS]', 2] },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: Object.fromEntries(words.map((w, i) => [w, i])) },
  };
  writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(json));
  return dir;
}
