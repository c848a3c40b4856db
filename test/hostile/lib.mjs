// Writers for the hostile suite and the fuzzer: valid pieces (a small model folder of every kind)
// and the raw byte builders used to break them. Pure functions returning Buffers/strings; nothing
// here touches the disk except `writeTree` and `makePickles`.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/** The vocabulary of every valid model here: 8 words, [PAD] 0, [UNK] 1. */
export const WORDS = ['[PAD]', '[UNK]', 'hello', 'world', 'zebra', 'the', '.', 'cat'];
export const E = 4; // embedding width
export const H = 3; // RNN hidden size

/** A deterministic float32 table [rows x cols]: row r, col c = r + c / 10 (rows are told apart). */
export function table(rows, cols) {
  const a = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) a[r * cols + c] = r + c / 10;
  return Buffer.from(a.buffer);
}

/** Bytes of float32 values. */
export function f32(values) {
  return Buffer.from(new Float32Array(values).buffer);
}

/**
 * A safetensors file. `tensors`: [{ name, dtype, shape, data: Buffer }] laid out in order.
 * `opts.mutate(header)` edits the parsed header before it is written; `opts.headerText` replaces
 * it whole; `opts.length` overrides the 8-byte length field (a BigInt); `opts.tail` is appended.
 */
export function safetensors(tensors, opts = {}) {
  const header = {};
  const blobs = [];
  let off = 0;
  for (const t of tensors) {
    header[t.name] = { dtype: t.dtype ?? 'F32', shape: t.shape, data_offsets: [off, off + t.data.length] };
    blobs.push(t.data);
    off += t.data.length;
  }
  if (opts.metadata) header.__metadata__ = opts.metadata;
  if (opts.mutate) opts.mutate(header);
  let text = opts.headerText ?? JSON.stringify(header);
  const pad = (8 - (Buffer.byteLength(text) % 8)) % 8;
  if (opts.headerText === undefined) text += ' '.repeat(pad);
  const h = Buffer.from(text, 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(opts.length ?? BigInt(h.length));
  return Buffer.concat([len, h, ...(opts.data ? [opts.data] : blobs), opts.tail ?? Buffer.alloc(0)]);
}

/** The tensors of a valid model: embedding.weight (8, E) and a 1-layer Elman RNN with hidden size H. */
export function modelTensors({ rows = WORDS.length, cols = E, hidden = H, rnn = true } = {}) {
  const ts = [{ name: 'embedding.weight', shape: [rows, cols], data: table(rows, cols) }];
  if (rnn) {
    ts.push(
      { name: 'rnn.weight_ih_l0', shape: [hidden, cols], data: table(hidden, cols) },
      { name: 'rnn.weight_hh_l0', shape: [hidden, hidden], data: table(hidden, hidden) },
      { name: 'rnn.bias_ih_l0', shape: [hidden], data: table(1, hidden) },
      { name: 'rnn.bias_hh_l0', shape: [hidden], data: table(1, hidden) },
    );
  }
  return ts;
}

/** A .npy file (format 1.0 unless given) with `header` (a dict literal) and `data`. */
export function npy(headerText, data, { major = 1, minor = 0, magic = '\x93NUMPY', rawHeader } = {}) {
  const lenBytes = major === 1 ? 2 : 4;
  let h = rawHeader ?? headerText;
  if (rawHeader === undefined) {
    const base = magic.length + 2 + lenBytes;
    const total = Math.ceil((base + h.length + 1) / 64) * 64;
    h = h + ' '.repeat(total - base - h.length - 1) + '\n';
  }
  const hb = Buffer.from(h, 'latin1');
  const len = Buffer.alloc(lenBytes);
  if (lenBytes === 2) len.writeUInt16LE(Math.min(hb.length, 0xffff));
  else len.writeUInt32LE(hb.length);
  return Buffer.concat([Buffer.from(magic, 'latin1'), Buffer.from([major, minor]), len, hb, data]);
}

/** A valid (rows, cols) float32 .npy. */
export function npyTable(rows = WORDS.length, cols = E) {
  return npy(`{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${cols}), }`, table(rows, cols));
}

/** vocab.json text for WORDS (or given entries). */
export function vocabJson(entries = WORDS.map((w, i) => [w, i])) {
  return '{' + entries.map(([w, id]) => `${JSON.stringify(w)}: ${typeof id === 'string' ? id : JSON.stringify(id)}`).join(', ') + '}';
}

/** vocab.txt text for WORDS. */
export function vocabTxt(words = WORDS) {
  return words.join('\n') + '\n';
}

/** A valid config.json for modelTensors(). */
export function configJson(extra = {}) {
  return JSON.stringify({ cell: 'rnn', hidden_size: H, num_layers: 1, pad_token_id: 0, max_length: 8, ...extra });
}

const vocabObj = () => Object.fromEntries(WORDS.map((w, i) => [w, i]));

/** A valid tokenizer.json object of each model type, over WORDS' ids. */
export const TOKENIZERS = {
  WordLevel: () => ({
    version: '1.0', truncation: null, padding: null, added_tokens: [], normalizer: null,
    pre_tokenizer: { type: 'Whitespace' }, post_processor: null, decoder: null,
    model: { type: 'WordLevel', vocab: vocabObj(), unk_token: '[UNK]' },
  }),
  BPE: () => ({
    version: '1.0', truncation: null, padding: null, added_tokens: [], normalizer: null,
    pre_tokenizer: { type: 'Whitespace' }, post_processor: null, decoder: null,
    model: { type: 'BPE', dropout: null, unk_token: '[UNK]', continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, vocab: { ...vocabObj(), h: 8, e: 9, he: 10 }, merges: ['h e'] },
  }),
  WordPiece: () => ({
    version: '1.0', truncation: null, padding: null, added_tokens: [], normalizer: { type: 'Lowercase' },
    pre_tokenizer: { type: 'Whitespace' }, post_processor: null, decoder: null,
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: { ...vocabObj(), '##s': 8 } },
  }),
  Unigram: () => ({
    version: '1.0', truncation: null, padding: null, added_tokens: [], normalizer: null,
    pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true }, post_processor: null, decoder: null,
    model: { type: 'Unigram', unk_id: 1, byte_fallback: false, vocab: [['[PAD]', 0], ['[UNK]', 0], ['▁hello', -1], ['▁world', -1], ['▁zebra', -2], ['▁the', -1], ['.', -1], ['▁cat', -1], ['▁', -3], ['a', -4], ['x', -4], ['y', -4], ['b', -4]] },
  }),
};

/** The number of rows each tokenizer needs. */
export const TOKENIZER_ROWS = { WordLevel: 8, BPE: 11, WordPiece: 9, Unigram: 13 };

/** JSON nested `depth` deep: [[[…0…]]] (or objects with `key`). */
export function deepJson(depth, key) {
  return key ? `{"${key}":`.repeat(depth) + '0' + '}'.repeat(depth) : '['.repeat(depth) + '0' + ']'.repeat(depth);
}

/** A `Sequence` component nested `depth` deep, around `leaf`, as JSON text (built without recursion). */
export function deepSequence(depth, field, leaf) {
  const open = `{"type":"Sequence","${field}":[`;
  return open.repeat(depth) + JSON.stringify(leaf) + ']}'.repeat(depth);
}

/** A word2vec binary file: "V E\n" then word, space, E float32 LE, "\n". */
export function word2vecBin(words, cols, { header } = {}) {
  const parts = [Buffer.from(header ?? `${words.length} ${cols}\n`, 'latin1')];
  words.forEach((w, r) => {
    parts.push(Buffer.from(w + ' ', 'utf8'));
    const v = new Float32Array(cols);
    for (let c = 0; c < cols; c++) v[c] = r + c / 10;
    parts.push(Buffer.from(v.buffer), Buffer.from('\n'));
  });
  return Buffer.concat(parts);
}

/** GloVe text: `word v1 … vE` per line. */
export function gloveText(words = WORDS.slice(2), cols = E) {
  return words.map((w, r) => [w, ...Array.from({ length: cols }, (_, c) => (r + c / 10).toFixed(2))].join(' ')).join('\n') + '\n';
}

/**
 * Writes a tree of files under `root`: values are strings, Buffers, or
 * { dir }, { fifo }, { symlink: target }, { socket } for the special files, or a function
 * returning one of those (big inputs are made only when written).
 */
export function writeTree(root, tree) {
  for (const [rel, entry] of Object.entries(tree)) {
    const p = path.join(root, rel);
    const v = typeof entry === 'function' ? entry() : entry;
    mkdirSync(path.dirname(p), { recursive: true });
    if (typeof v === 'string' || Buffer.isBuffer(v)) writeFileSync(p, v);
    else if (v.dir) mkdirSync(p, { recursive: true });
    else if (v.fifo) execFileSync('mkfifo', [p]);
    else if (v.symlink !== undefined) symlinkSync(v.symlink, p);
    else if (v.socket) {
      // A Unix socket file that stays after its owner exits (python's bind does not unlink it).
      execFileSync('/usr/bin/python3', ['-c', 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])', p]);
    } else throw new Error(`writeTree: unknown entry for ${rel}`);
  }
}

/**
 * Real pickled PyTorch checkpoints (zip with data.pkl, legacy raw pickle) made with
 * /usr/bin/python3 + torch; a plain pickle and a hand-made zip when torch is missing.
 */
export function makePickles() {
  const dir = mkdtempSync(path.join(tmpdir(), 'lens-pickles-'));
  const script = `
import pickle, sys, zipfile, os
d = sys.argv[1]
with open(os.path.join(d, 'plain.pkl'), 'wb') as f:
    pickle.dump({'embedding.weight': [[0.0] * 4] * 8}, f, protocol=2)
with zipfile.ZipFile(os.path.join(d, 'zip.bin'), 'w') as z:
    z.writestr('archive/data.pkl', pickle.dumps({'embedding.weight': 1}, protocol=2))
    z.writestr('archive/version', '3\\n')
try:
    import torch
    sd = {'embedding.weight': torch.arange(32, dtype=torch.float32).reshape(8, 4)}
    torch.save(sd, os.path.join(d, 'torch_zip.pt'))
    torch.save(sd, os.path.join(d, 'torch_legacy.pt'), _use_new_zipfile_serialization=False)
except Exception:
    pass
`;
  try {
    execFileSync('/usr/bin/python3', ['-c', script, dir], { stdio: 'ignore', timeout: 60_000 });
  } catch {
    // no python: fall back to the hand-made bytes below
  }
  const read = (n, fallback) => {
    try {
      return readFileSync(path.join(dir, n));
    } catch {
      return fallback;
    }
  };
  // Protocol 2 pickle of {'a': 1}: PROTO 2, EMPTY_DICT, BINUNICODE 'a', BININT1 1, SETITEM, STOP.
  const handPickle = Buffer.from([0x80, 0x02, 0x7d, 0x58, 0x01, 0, 0, 0, 0x61, 0x4b, 0x01, 0x73, 0x2e]);
  const plain = read('plain.pkl', handPickle);
  const out = { plain, zip: read('zip.bin', plain), torchZip: read('torch_zip.pt', plain), torchLegacy: read('torch_legacy.pt', plain) };
  rmSync(dir, { recursive: true, force: true });
  return out;
}
