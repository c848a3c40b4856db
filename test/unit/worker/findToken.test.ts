// The Neighbours tab's search: the worker's `findToken` (exact entry, how the tokenizer reads the
// word, entries that start with it) on real vocabularies, and the neighbours of what it finds.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { loadTokenizerSpec } from '../../../src/core/model/loadModel';
import { nodeFiles } from '../../../src/core/nodeFiles';
import { findToken, WorkerHandlers } from '../../../src/worker/handlers';
import { repoRoot } from '../helpers';

const ctx = { files: nodeFiles, assetsDir: path.join(repoRoot(), 'assets') };
const glove = { model: 'builtin:glove-100d' };

describe('worker: findToken (the Neighbours search box)', () => {
  it('an exact GloVe entry: its id (the one the tokenizer gives), and its neighbours by the usual vectors request', async () => {
    const h = new WorkerHandlers(ctx);
    const { result: f, transfer } = await h.handle({ type: 'findToken', ref: glove, query: 'queen', limit: 10 });
    const { result: tok } = await h.handle({ type: 'tokenize', ref: glove, text: 'queen' });
    assert.deepEqual(f.exact, { id: new Int32Array(tok.tokens.ids)[0], text: 'queen' });
    assert.equal(f.reads, null, 'reads is for words that are not one entry');
    assert.equal(f.vocabSize, 50002);
    assert.deepEqual(transfer, []);
    // Shortest first: the word itself leads the entries that start with it.
    assert.equal(f.prefixed[0]!.text, 'queen');
    assert.ok(f.prefixed.every(e => e.text.startsWith('queen')), f.prefixed.map(e => e.text).join(' '));
    assert.ok(f.prefixedTotal >= f.prefixed.length);
    const { result: v } = await h.handle({ type: 'vectors', ref: glove, ids: [f.exact!.id], k: 10 });
    assert.ok(v.neighbours[0]!.some(n => n.text === 'king' || n.text === 'princess'), v.neighbours[0]!.map(n => n.text).join(', '));
  });

  it('a word that is not one entry: exact null; a case the tokenizer folds is read as the entry; an unknown word is not ([UNK])', async () => {
    const h = new WorkerHandlers(ctx);
    const { result: cased } = await h.handle({ type: 'findToken', ref: glove, query: 'Queen', limit: 5 });
    assert.equal(cased.exact, null);
    assert.equal(cased.reads?.text, 'queen', 'GloVe lower-cases: "Queen" reads as "queen"');
    const { result: unknown } = await h.handle({ type: 'findToken', ref: glove, query: 'qzxqzx', limit: 5 });
    assert.equal(unknown.exact, null);
    assert.equal(unknown.reads, null, 'a single [UNK] token is not what the word reads as');
    assert.deepEqual(unknown.tokens.map(t => t.text), ['[UNK]']);
    assert.equal(unknown.prefixedTotal, 0);
  });

  it('the limit caps the list, not the count; entries are sorted shortest first, then by id', async () => {
    const h = new WorkerHandlers(ctx);
    const { result: f } = await h.handle({ type: 'findToken', ref: glove, query: 'pre', limit: 7 });
    assert.equal(f.prefixed.length, 7);
    assert.ok(f.prefixedTotal > 100, String(f.prefixedTotal));
    for (let i = 1; i < f.prefixed.length; i++) {
      const a = f.prefixed[i - 1]!;
      const b = f.prefixed[i]!;
      assert.ok(a.text.length < b.text.length || (a.text.length === b.text.length && a.id < b.id), `${a.text} before ${b.text}`);
    }
  });

  it('byte-level BPE (GPT-2): entries with the word-start mark Ġ count as starting with the word; after a space it is one token', async () => {
    const gpt2 = await loadTokenizerSpec(ctx, 'gpt2');
    const f = findToken(gpt2, 'refrigerator', 50);
    assert.equal(f.exact, null, 'GPT-2 has no entry "refrigerator" without its mark');
    assert.deepEqual(f.spaced.map(t => t.text), ['Ġrefrigerator']);
    assert.ok(f.prefixed.some(e => e.text === 'Ġrefrigerator'), f.prefixed.map(e => e.text).join(' '));
    assert.ok(f.tokens.length > 1, 'at the start of a text it is several tokens');
    const king = findToken(gpt2, 'king', 50);
    assert.equal(king.exact?.text, 'king');
    assert.equal(king.exact?.id, gpt2.tokenToId('king'));
  });

  it('a cancelled search stops', () => {
    const gpt2Promise = loadTokenizerSpec(ctx, 'gpt2');
    return gpt2Promise.then(gpt2 => assert.throws(() => findToken(gpt2, 'a', 10, { isCancellationRequested: true }), (e: Error & { reason?: string }) => e.reason === 'cancelled'));
  });
});
