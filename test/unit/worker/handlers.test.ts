// The worker's handlers (without a thread) and the real worker thread's transport.
import * as assert from 'node:assert/strict';
import { mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { openSafetensors } from '../../../src/core/formats/safetensors';
import { writeSafetensors } from '../../../src/core/formats/safetensors';
import { nodeFiles } from '../../../src/core/nodeFiles';
import type { FromWorker, ToWorker } from '../../../src/shared/workerProtocol';
import { WorkerHandlers } from '../../../src/worker/handlers';
import { resultJson } from '../../../src/worker/exportFiles';
import { repoRoot } from '../helpers';

const ctx = { files: nodeFiles, assetsDir: path.join(repoRoot(), 'assets') };
const seed = { model: 'builtin:seed' };

describe('worker handlers', () => {
  it('encode: the seed example with both pad treatments and exact-size buffers', async () => {
    const h = new WorkerHandlers(ctx);
    const { result: r, transfer } = await h.handle({ type: 'encode', ref: seed, text: 'White refrigerator is evil.', options: { maxLength: 8 }, keepGates: true });
    assert.deepEqual(Array.from(new Int32Array(r.inputIds)), [320, 1028, 5, 128, 1, 0, 0, 0]);
    assert.equal(r.embeddings.data.byteLength, 8 * 5 * 4);
    assert.deepEqual(Array.from(new Float32Array(r.embeddings.data).subarray(0, 5)), [10, 0.01, 2.3, 0.1, 0.1].map(Math.fround));
    assert.equal(r.rnn.skipPadding, false);
    assert.ok(r.rnnOther && r.rnnOther.skipPadding, 'the other pad treatment comes too');
    // Skipped run: zero outputs at pads, h_n = state at the last real token.
    const other = new Float32Array(r.rnnOther!.output.data);
    assert.ok(other.subarray(5 * 5).every(v => v === 0));
    assert.deepEqual(Array.from(new Float32Array(r.rnnOther!.hN.data)), Array.from(other.subarray(4 * 5, 5 * 5)));
    assert.equal(r.encoder.real, false);
    assert.equal(r.encoder.hiddenSize, 5);
    // Every buffer in the transfer list is distinct (a buffer listed twice fails postMessage).
    assert.equal(new Set(transfer).size, transfer.length);
  });

  it('encode: modelMaxLength false (the extension\'s default) gives the whole text; absent, the model\'s max_length pads', async () => {
    // Would catch: the seed model's max_length 8 cutting a selection, or the CLI's / seed example's padding lost.
    const h = new WorkerHandlers(ctx);
    const text = 'White refrigerator is evil. White refrigerator is evil.';
    const ids = async (options: { maxLength?: number | null; modelMaxLength?: boolean }): Promise<number[]> =>
      Array.from(new Int32Array((await h.handle({ type: 'encode', ref: seed, text, options, keepGates: false })).result.inputIds));
    const whole = await ids({ maxLength: null, modelMaxLength: false });
    assert.equal(whole.length, 10, 'all ten tokens');
    assert.ok(!whole.includes(0), 'no pads');
    assert.deepEqual(await ids({ maxLength: null }), whole.slice(0, 8), 'the model\'s max_length 8, truncated');
    assert.deepEqual(await ids({ maxLength: 12, modelMaxLength: false }), [...whole, 0, 0], 'a max length set by the user still applies');
  });

  it('count: the number of tokens only, equal to tokenize\'s', async () => {
    const h = new WorkerHandlers(ctx);
    const text = 'White refrigerator is evil. '.repeat(50);
    for (const ref of [{ model: 'builtin:seed' }, { model: 'builtin:glove-100d' }]) {
      const { result: t } = await h.handle({ type: 'tokenize', ref, text });
      const { result: c, transfer } = await h.handle({ type: 'count', ref, text });
      assert.equal(c.count, t.tokens.count, ref.model);
      assert.equal(c.tokenizer, t.tokenizer);
      assert.deepEqual(transfer, []);
      // Nothing but the count and two small numbers for the context bar cross the thread.
      assert.deepEqual(Object.keys(c).sort(), ['count', 'maxLength', 'specialTokens', 'tokenizer']);
    }
  });

  it('vectors: rows, norms and cosine neighbours over the whole GloVe vocabulary', async () => {
    const h = new WorkerHandlers(ctx);
    const ref = { model: 'builtin:glove-100d' };
    const { result: tok } = await h.handle({ type: 'tokenize', ref, text: 'king' });
    const king = new Int32Array(tok.tokens.ids)[0]!;
    const { result } = await h.handle({ type: 'vectors', ref, ids: [king], k: 5 });
    assert.equal(result.dim, 100);
    const names = result.neighbours[0]!.map(n => n.text);
    assert.ok(names.includes('queen') && names.includes('prince'), names.join(', '));
    const store = await openSafetensors(nodeFiles, path.join(repoRoot(), 'assets/models/glove-100d/model.safetensors'));
    const row = await store.get('embedding.weight')!.readRows([king]);
    assert.deepEqual(Array.from(new Float32Array(result.rows)), Array.from(row));
    assert.ok(Math.abs(result.norms[0]! - Math.hypot(...row)) < 1e-5);
  });

  it('a model folder is reloaded when one of its files changes on disk', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lens-cache-'));
    const write = (v: number): void => writeFileSync(path.join(dir, 'model.safetensors'), writeSafetensors([{ name: 'embedding.weight', dtype: 'F32', shape: [2, 2], data: [v, v, v, v] }]));
    writeFileSync(path.join(dir, 'vocab.txt'), '[PAD]\nx\n');
    write(1);
    const h = new WorkerHandlers(ctx);
    const row = async (): Promise<number> => new Float32Array((await h.handle({ type: 'vectors', ref: { model: dir }, ids: [1], k: 0 })).result.rows)[0]!;
    assert.equal(await row(), 1);
    write(2);
    const later = new Date(Date.now() + 5000);
    utimesSync(path.join(dir, 'model.safetensors'), later, later);
    assert.equal(await row(), 2);
  });

  it('project: a 2-D PCA of the rows, with a vocabulary sample stated as a sample', async () => {
    const h = new WorkerHandlers(ctx);
    const { result: r } = await h.handle({ type: 'encode', ref: seed, text: 'White refrigerator is evil.', options: {}, keepGates: false });
    const { result: p } = await h.handle({ type: 'project', ref: seed, matrix: r.embeddings, vocabSample: 50 });
    assert.equal(new Float32Array(p.points).length, (8 + 50) * 2);
    assert.equal(p.sample?.ids.length, 50);
    assert.equal(p.sample?.of, 2048);
    assert.ok(p.explained[0] >= p.explained[1] && p.explained[0] <= 1);
  });

  it('export json equals the CLI\'s json for the same input', async () => {
    const h = new WorkerHandlers(ctx);
    const { result: r } = await h.handle({ type: 'encode', ref: seed, text: 'White refrigerator is evil.', options: { maxLength: 8 }, keepGates: false });
    const json = JSON.parse(resultJson(r));
    assert.deepEqual(json.input_ids, [320, 1028, 5, 128, 1, 0, 0, 0]);
    assert.deepEqual(json.embeddings[1], [3.14, 2.5, -0.2, 0.1, 1.2]);
    assert.equal(json.model.encoder.real, false);
    const { result: files } = await h.handle({ type: 'export', result: r, format: 'safetensors' });
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'lens-export-')), 'x.safetensors');
    writeFileSync(file, new Uint8Array(files.files[0]!.bytes));
    const store = await openSafetensors(nodeFiles, file);
    assert.deepEqual(store.get('input_ids')!.info.shape, [8]);
    assert.ok(store.names().includes('encoder.weight_ih_l0'), 'the random encoder\'s weights are exported');
  });

  it('errors carry the core\'s reason and message', async () => {
    const h = new WorkerHandlers(ctx);
    await assert.rejects(h.handle({ type: 'loadModel', ref: { model: '/no/such/model' } }), (e: Error & { reason?: string }) => e.reason === 'badFile' && /no such file or folder/.test(e.message));
  });
});

describe('worker thread (dist/worker.js)', () => {
  function start(): Worker {
    return new Worker(path.join(repoRoot(), 'dist', 'worker.js'), { workerData: { assetsDir: ctx.assetsDir } });
  }
  function ask(w: Worker, msg: ToWorker): Promise<FromWorker> {
    return new Promise(resolve => {
      const on = (m: FromWorker): void => {
        if ((m.type === 'result' || m.type === 'error') && m.id === msg.id) {
          w.off('message', on);
          resolve(m);
        }
      };
      w.on('message', on);
      w.postMessage(msg);
    });
  }

  it('answers requests by id, and a cancelled flag stops a request with reason cancelled', async () => {
    const w = start();
    try {
      const ok = await ask(w, { type: 'request', id: 1, request: { type: 'tokenize', ref: seed, text: 'White refrigerator' }, cancel: null });
      assert.equal(ok.type, 'result');
      const flag = new SharedArrayBuffer(4);
      Atomics.store(new Int32Array(flag), 0, 1);
      const cancelled = await ask(w, { type: 'request', id: 2, request: { type: 'encode', ref: seed, text: 'a b c', options: {}, keepGates: true }, cancel: flag });
      assert.equal(cancelled.type, 'error');
      assert.equal(cancelled.type === 'error' && cancelled.error.reason, 'cancelled');
      const bad = await ask(w, { type: 'request', id: 3, request: { type: 'loadModel', ref: { model: '/nope' } }, cancel: null });
      assert.equal(bad.type === 'error' && bad.error.reason, 'badFile');
    } finally {
      await w.terminate();
    }
  });
});
