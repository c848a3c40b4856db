// Model folders the webview tests write for themselves (a tokenizer.json and a safetensors
// embedding in a temp dir): tokenizers the built-in models do not cover.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

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
