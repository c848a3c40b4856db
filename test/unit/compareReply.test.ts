// A comparison as the host builds it (src/shared/compareReply.ts's buildCompare), asked of the real
// worker handlers: tokenize with and without specials, the groups read back as the webview reads
// them, and the cosines of two models' rows computed independently here from the `vectors` rows.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { alignTokens } from '../../src/core/align';
import { writeSafetensors } from '../../src/core/formats/safetensors';
import { createRng } from '../../src/core/prng';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { nodeFiles } from '../../src/core/nodeFiles';
import { buildCompare, comparablePairs, readGroups, spanTokens, type AskWorker, type CompareSideSpec } from '../../src/shared/compareReply';
import { WorkerHandlers } from '../../src/worker/handlers';
import { assertClose, fixture, repoRoot } from './helpers';

const ctx = { files: nodeFiles, assetsDir: path.join(repoRoot(), 'assets') };

function asker(h: WorkerHandlers): AskWorker {
  return async request => (await h.handle(request)).result as never;
}

const model = (choice: string): CompareSideSpec => ({ choice, label: choice, ref: { model: choice }, model: true });
const named = (name: string): CompareSideSpec => ({ choice: `tokenizer:${name}`, label: name, ref: { model: 'builtin:seed', tokenizer: name }, model: false });

describe('buildCompare: two sides through the worker handlers', function () {
  this.timeout(60_000);

  it('gpt2 vs o200k_base: each side is the tokenizer\'s own tokens; the groups read back cover the text; no cosines (tokenizers alone)', async () => {
    const h = new WorkerHandlers(ctx);
    const text = 'def f(x):\n    return "日本語 🙂"';
    const { reply, summary } = await buildCompare(asker(h), text, named('gpt2'), named('o200k_base'), true);
    const gpt2 = (await h.handle({ type: 'tokenize', ref: { model: 'builtin:seed', tokenizer: 'gpt2' }, text })).result;
    // Would catch: a side tokenized with the other's tokenizer, or specials changing a tokenizer that adds none.
    assert.deepEqual(summary.a.ids, Array.from(new Int32Array(gpt2.tokens.ids)));
    assert.equal(reply.sides[1].tokens.count, summary.b.count);
    assert.equal(reply.cosine, null);
    assert.match(reply.cosineNote, /a side is a tokenizer alone/);
    const groups = readGroups(reply.groups);
    assert.equal(groups.map(g => text.slice(g.start, g.end)).join(''), text);
    assert.equal(groups[groups.length - 1]!.aTo, summary.a.count);
    assert.equal(groups[groups.length - 1]!.bTo, summary.b.count);
    // The same groups as alignTokens gives on the same tokens (the wire form loses nothing).
    const expected = alignTokens(text.length, spanTokens(reply.sides[0].tokens), spanTokens(reply.sides[1].tokens));
    assert.deepEqual(groups.map(g => [g.start, g.end, g.aTo - g.aFrom, g.bTo - g.bFrom, g.same]), expected.map(g => [g.start, g.end, g.a.length, g.b.length, g.same]));
    assert.equal(summary.differ, expected.filter(g => !g.same).length);
  });

  it('tokenize with addSpecialTokens: BERT\'s [CLS] and [SEP] come with it, and only then', async () => {
    const h = new WorkerHandlers(ctx);
    const ref = { model: 'builtin:seed', tokenizer: fixture('tokenizers', 'bert-base-uncased') };
    const plain = (await h.handle({ type: 'tokenize', ref, text: 'hello world' })).result;
    const withSpecials = (await h.handle({ type: 'tokenize', ref, text: 'hello world', addSpecialTokens: true })).result;
    assert.deepEqual(plain.tokens.texts, ['hello', 'world']);
    assert.deepEqual(withSpecials.tokens.texts, ['[CLS]', 'hello', 'world', '[SEP]']);
  });

  it('two models of one width: the cosine of each pair spelled alike equals one computed here from the rows', async () => {
    const h = new WorkerHandlers(ctx);
    const text = 'the king and the queen';
    // GloVe against itself: every pair is the same row, cosine 1 (a wrong pairing would not be).
    const self = await buildCompare(asker(h), text, model('builtin:glove-100d'), model('builtin:glove-100d'), true);
    const cs = new Float32Array(self.reply.cosine!);
    assert.equal(self.summary.cosines, self.summary.a.count);
    for (const c of cs) assert.ok(Math.abs(c - 1) < 1e-6, `cosine ${c}`);
    // seed (E = 5) vs GloVe (E = 100): no cosines, the widths are named.
    const wide = await buildCompare(asker(h), text, model('builtin:seed'), model('builtin:glove-100d'), true);
    assert.equal(wide.reply.cosine, null);
    assert.equal(wide.reply.cosineNote, 'No cosines: the embeddings differ in width (5 and 100).');
    // A second real model of width 5 (a folder: vocab.txt + model.safetensors) against the seed
    // model: the cosine of each word's two rows, recomputed here from the explainer's rows.
    const dir = mkdtempSync(path.join(tmpdir(), 'lens-compare-'));
    const vocab = ['[PAD]', '[UNK]', 'White', 'refrigerator', 'is', 'evil', '.'];
    writeFileSync(path.join(dir, 'vocab.txt'), vocab.join('\n') + '\n');
    const rng = createRng(11);
    const table = Float32Array.from({ length: vocab.length * 5 }, () => rng.next() * 2 - 1);
    writeFileSync(path.join(dir, 'model.safetensors'), writeSafetensors([{ name: 'embedding.weight', dtype: 'F32', shape: [vocab.length, 5], data: table }]));
    const pair = await buildCompare(asker(h), 'White refrigerator is evil.', model('builtin:seed'), model(dir), true);
    const got = Array.from(new Float32Array(pair.reply.cosine!));
    const cos = (x: readonly number[], y: ArrayLike<number>): number => {
      let d = 0, nx = 0, ny = 0;
      for (let i = 0; i < 5; i++) {
        d += x[i]! * y[i]!;
        nx += x[i]! ** 2;
        ny += y[i]! ** 2;
      }
      return d / Math.sqrt(nx * ny);
    };
    // docs/ARCHITECTURE.md, "The seed example, exactly".
    const SEED_ROWS = [[10, 0.01, 2.3, 0.1, 0.1], [3.14, 2.5, -0.2, 0.1, 1.2], [0.02, 0.3, 1.3, -0.5, 5], [-1.7, 1.7, -9.2, 0.1, 0.1], [-0.1, 0.1, -0.2, 0.1, 0.1]];
    const expected = SEED_ROWS.map((r, i) => cos(r.map(Math.fround), table.subarray((i + 2) * 5, (i + 3) * 5)));
    assertClose(got, expected, 'cosines of seed vs the folder model', { atol: 1e-5 });
    assert.equal(pair.summary.cosines, 5);
  });

  it('comparablePairs: only groups cut alike, only tokens spelled alike', () => {
    const a = [{ start: 0, end: 5, text: 'hello' }, { start: 5, end: 8, text: 'ing' }, { start: 8, end: 9, text: 'x' }];
    const b = [{ start: 0, end: 5, text: 'hello' }, { start: 5, end: 8, text: '##ing' }, { start: 8, end: 9, text: 'x' }];
    const groups = alignTokens(9, a, b);
    // Would catch: pairing different spellings of one span ('ing' / '##ing').
    assert.deepEqual(comparablePairs(groups, a, b), [{ a: 0, b: 0 }, { a: 2, b: 2 }]);
    const c = [{ start: 0, end: 2, text: 'he' }, { start: 2, end: 5, text: 'llo' }, { start: 5, end: 8, text: 'ing' }, { start: 8, end: 9, text: 'x' }];
    assert.deepEqual(comparablePairs(alignTokens(9, a, c), a, c), [{ a: 1, b: 2 }, { a: 2, b: 3 }]);
  });
});
