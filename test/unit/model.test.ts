// Model loading (folders, bare matrices, word-vector files, config.json) and the pipeline's
// truncation / special tokens / padding, on real files written to a temp folder.
import * as assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { writeNpy } from '../../src/core/formats/npy';
import { writeSafetensors, type TensorToWrite } from '../../src/core/formats/safetensors';
import { loadModel } from '../../src/core/model/loadModel';
import { nodeFiles } from '../../src/core/nodeFiles';
import { inspectText } from '../../src/core/pipeline';
import { randomRnnWeights, rnnWeightTensors } from '../../src/core/rnn';
import { fixture, rejection, repoRoot } from './helpers';

const ctx = { files: nodeFiles, assetsDir: path.join(repoRoot(), 'assets') };
const root = mkdtempSync(path.join(tmpdir(), 'lens-model-'));
let n = 0;

/** A model folder with the given files (tensors → model.safetensors, others as text). */
function folder(files: { tensors?: TensorToWrite[]; [name: string]: unknown }): string {
  const dir = path.join(root, `m${n++}`);
  mkdirSync(dir);
  for (const [name, content] of Object.entries(files)) {
    if (name === 'tensors') writeFileSync(path.join(dir, 'model.safetensors'), writeSafetensors(content as TensorToWrite[]));
    else writeFileSync(path.join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return dir;
}

function table(rows: number, cols: number, name = 'embedding.weight'): TensorToWrite {
  const data = new Float32Array(rows * cols).map((_, i) => (i % 7) - 3 + i / 1000);
  return { name, dtype: 'F32', shape: [rows, cols], data };
}

const VOCAB = { '[PAD]': 0, '[UNK]': 1, '[CLS]': 2, '[SEP]': 3, a: 4, b: 5, c: 6, d: 7, e: 8 };
const BERTLIKE = {
  version: '1.0',
  added_tokens: ['[PAD]', '[UNK]', '[CLS]', '[SEP]'].map((content, id) => ({ id, content, special: true, normalized: false, lstrip: false, rstrip: false, single_word: false })),
  normalizer: { type: 'Lowercase' },
  pre_tokenizer: { type: 'Whitespace' },
  post_processor: { type: 'BertProcessing', cls: ['[CLS]', 2], sep: ['[SEP]', 3] },
  model: { type: 'WordLevel', vocab: VOCAB, unk_token: '[UNK]' },
};

function lstmTensors(E: number, H: number): TensorToWrite[] {
  const w = randomRnnWeights({ cell: 'lstm', nonlinearity: 'tanh', inputSize: E, hiddenSize: H, numLayers: 1, bidirectional: false, bias: true }, 3);
  return rnnWeightTensors(w, 'rnn.').map(t => ({ ...t, dtype: 'F32' as const }));
}

describe('loadModel: model folders', () => {
  it('tokenizer.json + model.safetensors + an LSTM: shapes give cell, size and direction', async () => {
    const m = await loadModel(ctx, folder({ 'tokenizer.json': BERTLIKE, tensors: [table(9, 4), ...lstmTensors(4, 3)] }));
    assert.equal(m.encoder?.weights.spec.cell, 'lstm');
    assert.equal(m.encoder?.weights.spec.hiddenSize, 3);
    assert.deepEqual(m.embeddingLabel.shape, [9, 4]);
    assert.equal(m.pad?.id, 0);
    assert.equal(m.tokenizer.description, 'tokenizer.json (WordLevel)');
  });

  it('config.json that contradicts the file is an error naming both', async () => {
    const dir = folder({ 'vocab.json': VOCAB, 'config.json': { cell: 'gru' }, tensors: [table(9, 4), ...lstmTensors(4, 3)] });
    const e = await rejection(() => loadModel(ctx, dir));
    assert.equal(e.reason, 'config');
    assert.match(e.message, /config\.json says "cell": "gru", but "rnn\.weight_hh_l0" in model\.safetensors is \(12, 3\)/);
  });

  it('a command-line hint that contradicts the file is an error naming both', async () => {
    const dir = folder({ 'vocab.json': VOCAB, tensors: [table(9, 4), ...lstmTensors(4, 3)] });
    const e = await rejection(() => loadModel(ctx, dir, { encoderHints: { source: '--hidden-size', hiddenSize: 5 } }));
    assert.equal(e.reason, 'config');
    assert.match(e.message, /hidden.size.*5.*3|3.*5/);
  });

  it('config.json with wrong types names the key and what was expected', async () => {
    const e = await rejection(() => loadModel(ctx, folder({ 'vocab.json': VOCAB, 'config.json': { padding_side: 'middle' }, tensors: [table(9, 4)] })));
    assert.equal(e.reason, 'config');
    assert.match(e.message, /config\.json: "padding_side" is "middle", expected "right" or "left"/);
  });

  it('"embedding_tensor" picks the table; a wrong name lists what the file has', async () => {
    const ok = await loadModel(ctx, folder({ 'vocab.json': VOCAB, 'config.json': { embedding_tensor: 'my.table' }, tensors: [table(9, 4, 'my.table'), table(9, 2, 'other')] }));
    assert.equal(ok.embedding.info.name, 'my.table');
    const e = await rejection(() => loadModel(ctx, folder({ 'vocab.json': VOCAB, 'config.json': { embedding_tensor: 'nope' }, tensors: [table(9, 4, 'my.table')] })));
    assert.equal(e.reason, 'config');
    assert.match(e.message, /"embedding_tensor" is "nope", but .*model\.safetensors has no such tensor \(it has my\.table\)/);
  });

  it('no recognisable embedding among several matrices is an error listing them', async () => {
    const e = await rejection(() => loadModel(ctx, folder({ 'vocab.json': VOCAB, tensors: [table(9, 4, 'x'), table(9, 4, 'y')] })));
    assert.equal(e.reason, 'badFile');
    assert.match(e.message, /no embedding matrix found; expected a tensor named embedding\.weight, .* \(the file has x, y\)/);
  });

  it('a vocabulary larger than the table is a vocabMismatch naming both sizes', async () => {
    const e = await rejection(() => loadModel(ctx, folder({ 'vocab.json': VOCAB, tensors: [table(5, 4)] })));
    assert.equal(e.reason, 'vocabMismatch');
    assert.match(e.message, /vocab\.json has ids up to 8, but embedding "embedding\.weight" in .*model\.safetensors has only 5 rows/);
  });

  it('an encoder whose input size differs from the embedding width is a shape error', async () => {
    const e = await rejection(() => loadModel(ctx, folder({ 'vocab.json': VOCAB, tensors: [table(9, 5), ...lstmTensors(4, 3)] })));
    assert.equal(e.reason, 'shape');
    assert.match(e.message, /weight_ih_l0/);
  });

  it('pad_token_id in config.json that contradicts the tokenizer names both', async () => {
    const e = await rejection(() => loadModel(ctx, folder({ 'vocab.json': VOCAB, 'config.json': { pad_token_id: 4 }, tensors: [table(9, 4)] })));
    assert.equal(e.reason, 'config');
    assert.match(e.message, /config\.json says "pad_token_id": 4, but .*vocab\.json declares pad token "\[PAD\]" with id 0/);
  });

  it('a folder without a tokenizer or without a matrix says what it expected', async () => {
    let e = await rejection(() => loadModel(ctx, folder({ tensors: [table(9, 4)] })));
    assert.match(e.message, /no tokenizer found, expected tokenizer\.json, vocab\.json or vocab\.txt \(or pass --tokenizer\)/);
    e = await rejection(() => loadModel(ctx, folder({ 'vocab.json': VOCAB })));
    assert.match(e.message, /no model found in this folder \(1 entry, none a model\); expected model\.safetensors/);
  });

  it('a sharded checkpoint folder loads through its index', async () => {
    const dir = path.join(root, 'sharded-model');
    cpSync(fixture('formats', 'sharded'), dir, { recursive: true });
    writeFileSync(path.join(dir, 'vocab.txt'), '[PAD]\nx\n');
    const m = await loadModel(ctx, dir);
    assert.match(m.embedding.info.file, /sharded-model/);
  });
});

describe('loadModel: files', () => {
  it('a bare .npy matrix with --tokenizer', async () => {
    const dir = path.join(root, 'npy');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'emb.npy'), writeNpy([9, 3], new Float32Array(27).map((_, i) => i)));
    writeFileSync(path.join(dir, 'tok.json'), JSON.stringify(BERTLIKE));
    const m = await loadModel(ctx, path.join(dir, 'emb.npy'), { tokenizer: path.join(dir, 'tok.json') });
    const r = await inspectText(m, 'a b', { addSpecialTokens: false });
    assert.deepEqual(Array.from(r.embeddings.data), [12, 13, 14, 15, 16, 17]);
    assert.equal(r.encoder.real, false);
  });

  it('a bare matrix without a tokenizer asks for --tokenizer', async () => {
    const dir = path.join(root, 'bare');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'emb.npy'), writeNpy([9, 3], new Float32Array(27)));
    const e = await rejection(() => loadModel(ctx, path.join(dir, 'emb.npy')));
    assert.equal(e.reason, 'option');
    assert.match(e.message, /--tokenizer: .*emb\.npy is a bare matrix; give its tokenizer with --tokenizer/);
  });

  it('a tokenizer given as the model is an error that says how to fix it', async () => {
    const dir = folder({ 'vocab.json': VOCAB });
    const e = await rejection(() => loadModel(ctx, path.join(dir, 'vocab.json')));
    assert.match(e.message, /is a tokenizer, not a model/);
  });

  it('a GloVe text file brings its own vocabulary; [UNK] and [PAD] are added as zero rows', async () => {
    const m = await loadModel(ctx, fixture('formats', 'glove.txt'));
    const words = m.tokenizer.vocabSize;
    assert.equal(m.embedding.info.shape[0], words);
    assert.match(m.embeddingLabel.note ?? '', /\[UNK\] and \[PAD\] added as zero rows/);
    const r = await inspectText(m, 'zzzunknownzzz', { maxLength: 2 });
    assert.deepEqual(Array.from(r.inputIds), [words - 2, words - 1]);
    assert.ok(r.embeddings.data.every(v => v === 0));
  });

  it('an unknown built-in is an option error listing the built-ins', async () => {
    const e = await rejection(() => loadModel(ctx, 'builtin:nope'));
    assert.match(e.message, /expected builtin:seed or builtin:glove-100d/);
  });
});

describe('pipeline: truncation, special tokens, padding, mask', () => {
  let dir: string;
  before(() => {
    dir = folder({ 'tokenizer.json': BERTLIKE, tensors: [table(9, 2)] });
  });

  it('adds [CLS]/[SEP] with empty spans, pads right, masks pads', async () => {
    const m = await loadModel(ctx, dir);
    const r = await inspectText(m, 'A b', { maxLength: 6 });
    assert.deepEqual(Array.from(r.inputIds), [2, 4, 5, 3, 0, 0]);
    assert.deepEqual(Array.from(r.attentionMask), [1, 1, 1, 1, 0, 0]);
    assert.deepEqual(r.tokens.map(t => [t.text, t.start, t.end, t.special]), [['[CLS]', 0, 0, true], ['a', 0, 1, false], ['b', 2, 3, false], ['[SEP]', 3, 3, true]]);
  });

  it('left padding puts pads first and positions follow', async () => {
    const m = await loadModel(ctx, dir);
    const r = await inspectText(m, 'a b', { maxLength: 6, paddingSide: 'left' });
    assert.deepEqual(Array.from(r.inputIds), [0, 0, 2, 4, 5, 3]);
    assert.deepEqual(Array.from(r.tokenPositions), [2, 3, 4, 5]);
  });

  it('truncation leaves room for the special tokens, on either side', async () => {
    const m = await loadModel(ctx, dir);
    const right = await inspectText(m, 'a b c d e', { maxLength: 4 });
    assert.deepEqual(Array.from(right.inputIds), [2, 4, 5, 3]);
    assert.equal(right.truncated, 3);
    const left = await inspectText(m, 'a b c d e', { maxLength: 4, truncationSide: 'left' });
    assert.deepEqual(Array.from(left.inputIds), [2, 7, 8, 3]);
  });

  it('special tokens can be turned off', async () => {
    const m = await loadModel(ctx, dir);
    const r = await inspectText(m, 'a b c', { maxLength: 2, addSpecialTokens: false });
    assert.deepEqual(Array.from(r.inputIds), [4, 5]);
  });

  it('max length smaller than the special tokens is an option error', async () => {
    const m = await loadModel(ctx, dir);
    const e = await rejection(() => inspectText(m, 'a', { maxLength: 1 }));
    assert.equal(e.reason, 'option');
    assert.match(e.message, /--max-length: 1 leaves no room for the 2 special tokens/);
  });

  it('padding without a pad token is a config error that says how to fix it', async () => {
    const m = await loadModel(ctx, folder({ 'vocab.json': { x: 0, y: 1 }, tensors: [table(2, 2)] }));
    const e = await rejection(() => inspectText(m, 'x', { maxLength: 3 }));
    assert.equal(e.reason, 'config');
    assert.match(e.message, /padding to 3 needs a pad token, .* set "pad_token_id" in config\.json/);
  });

  it('refuses more tokens than the limit instead of running out of memory', async () => {
    const m = await loadModel(ctx, dir);
    const e = await rejection(() => inspectText(m, 'a '.repeat(50), { maxTokens: 10 }));
    assert.equal(e.reason, 'option');
    assert.match(e.message, /52 tokens, more than the limit of 10/);
  });

  it('empty text pads to max length; with skip-padding nothing runs and h_n stays zero', async () => {
    const m = await loadModel(ctx, dir);
    const r = await inspectText(m, '', { maxLength: 3, addSpecialTokens: false, skipPadding: true });
    assert.deepEqual(Array.from(r.inputIds), [0, 0, 0]);
    assert.ok(r.rnn.hN.data.every(v => v === 0));
  });

  it('a cancelled flag stops the pipeline with reason cancelled', async () => {
    const m = await loadModel(ctx, dir);
    const e = await rejection(() => inspectText(m, 'a b', { cancel: { isCancellationRequested: true } }));
    assert.equal(e.reason, 'cancelled');
  });
});
