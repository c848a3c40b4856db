// The status bar's context bar ("n / max") asks the worker's `count` for the model's stated
// maximum length and the tokenizer's special tokens: from config.json's max_length, null when
// the model states none or (with a tokenizer of its own) does not load.
import * as assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { nodeFiles } from '../../../src/core/nodeFiles';
import { WorkerHandlers } from '../../../src/worker/handlers';
import { fixture, repoRoot } from '../helpers';

const ctx = { files: nodeFiles, assetsDir: path.join(repoRoot(), 'assets') };

/** A copy of a fixture model whose config.json states `max_length`. */
function modelWithMax(max: number): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'lens-max-'));
  cpSync(fixture('torch', 'rnn_tanh_l2_bi_f32_right_skip_config'), dir, { recursive: true });
  const config = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8'));
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...config, max_length: max }));
  return dir;
}

describe('worker: count states the maximum length for the context bar', () => {
  it('a model folder whose config.json states max_length 6', async () => {
    const h = new WorkerHandlers(ctx);
    const { result } = await h.handle({ type: 'count', ref: { model: modelWithMax(6) }, text: 'white old good white old good white' });
    assert.equal(result.count, 7);
    assert.equal(result.maxLength, 6);
    assert.equal(typeof result.specialTokens, 'number');
  });

  it('GloVe states none: null', async () => {
    const h = new WorkerHandlers(ctx);
    const { result } = await h.handle({ type: 'count', ref: { model: 'builtin:glove-100d' }, text: 'king queen' });
    assert.deepEqual({ count: result.count, maxLength: result.maxLength, specialTokens: result.specialTokens }, { count: 2, maxLength: null, specialTokens: 0 });
  });

  it('a tokenizer of its own still counts when the model does not load (no maximum then)', async () => {
    const h = new WorkerHandlers(ctx);
    const { result } = await h.handle({ type: 'count', ref: { model: path.join(tmpdir(), 'no-such-model-folder'), tokenizer: 'gpt2' }, text: 'hello world' });
    assert.equal(result.count, 2);
    assert.equal(result.maxLength, null);
  });
});
