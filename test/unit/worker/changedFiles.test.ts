// Model files that change under a loaded model: replaced, deleted, restored, and lazy row reads
// from a file that is no longer the one whose header was read.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { openSafetensors, writeSafetensors } from '../../../src/core/formats/safetensors';
import { nodeFiles } from '../../../src/core/nodeFiles';
import { WatchedFiles, WorkerHandlers } from '../../../src/worker/handlers';
import { repoRoot } from '../helpers';

const ctx = { files: nodeFiles, assetsDir: path.join(repoRoot(), 'assets') };

/** A model folder: a (rows, 2) table whose row i is [v + i, v + i], and a vocab.txt of `rows` words. */
function modelFolder(rows = 2): { dir: string; table: string; write(v: number, n?: number): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'lens-changed-'));
  const table = path.join(dir, 'model.safetensors');
  const write = (v: number, n = rows): void => {
    writeFileSync(table, writeSafetensors([{ name: 'embedding.weight', dtype: 'F32', shape: [n, 2], data: Array.from({ length: n * 2 }, (_, k) => v + Math.floor(k / 2)) }]));
  };
  writeFileSync(path.join(dir, 'vocab.txt'), Array.from({ length: rows }, (_, i) => (i === 0 ? '[PAD]' : `w${i}`)).join('\n') + '\n');
  write(10);
  return { dir, table, write };
}

/** Moves a file's mtime on, so a rewrite within the same clock tick still counts as a change. */
function touchLater(file: string, seconds = 5): void {
  const t = new Date(Date.now() + seconds * 1000);
  utimesSync(file, t, t);
}

describe('model files changing under a loaded model', () => {
  it('a replaced table (new size and contents) is reloaded by the next request', async () => {
    const m = modelFolder(3);
    const h = new WorkerHandlers(ctx);
    const row = async (id: number): Promise<number[]> => Array.from(new Float32Array((await h.handle({ type: 'vectors', ref: { model: m.dir }, ids: [id], k: 0 })).result.rows));
    assert.deepEqual(await row(1), [11, 11]);
    m.write(20, 3);
    touchLater(m.table);
    assert.deepEqual(await row(1), [21, 21]);
    assert.equal((await h.handle({ type: 'loadModel', ref: { model: m.dir } })).result.embedding.rows, 3);
  });

  it('a deleted table: each request fails naming the deleted file (the same message each time); once it is back, requests work', async () => {
    const m = modelFolder();
    const h = new WorkerHandlers(ctx);
    const ref = { model: m.dir };
    await h.handle({ type: 'loadModel', ref });
    rmSync(m.table);
    const messages: string[] = [];
    for (let i = 0; i < 2; i++) {
      await assert.rejects(h.handle({ type: 'tokenize', ref, text: 'w1' }), (e: Error & { reason?: string }) => {
        messages.push(e.message);
        return e.reason === 'badFile';
      });
    }
    assert.equal(messages[0], messages[1]);
    assert.ok(messages[0]!.startsWith(`${m.table} was deleted after the model was loaded: `), messages[0]);
    assert.ok(!messages[0]!.includes('\n'), 'one line');
    m.write(30);
    const { result } = await h.handle({ type: 'vectors', ref, ids: [1], k: 0 });
    assert.deepEqual(Array.from(new Float32Array(result.rows)), [31, 31]);
  });

  it('a file replaced while a request reads it: the request runs again on the reloaded model and answers from the new file', async () => {
    const m = modelFolder(3);
    let swaps = 0;
    // Real files throughout; the table is replaced on disk right after its first read (the header).
    const files = {
      ...nodeFiles,
      readRanges: async (p: string, ranges: readonly { offset: number; length: number }[]) => {
        const out = await nodeFiles.readRanges(p, ranges);
        if (p === m.table && swaps === 0) {
          swaps++;
          m.write(20, 5);
          touchLater(m.table);
        }
        return out;
      },
    };
    const h = new WorkerHandlers({ ...ctx, files });
    const { result } = await h.handle({ type: 'vectors', ref: { model: m.dir }, ids: [2], k: 0 });
    assert.equal(swaps, 1);
    assert.deepEqual(Array.from(new Float32Array(result.rows)), [22, 22]);
    assert.equal((await h.handle({ type: 'loadModel', ref: { model: m.dir } })).result.embedding.rows, 5);
  });

  it('lazy rows are never read from a new file under the old header: the read fails naming the file', async () => {
    const m = modelFolder(4);
    const watched = new WatchedFiles(nodeFiles);
    const tensor = (await openSafetensors(watched.files, m.table)).get('embedding.weight')!;
    assert.deepEqual(Array.from(await tensor.readRows([2])), [12, 12]);
    // Same header length, more rows: under the old header, offsets would point into other rows.
    m.write(50, 6);
    await assert.rejects(tensor.readRows([2]), (e: Error & { reason?: string }) => {
      assert.equal(e.reason, 'badFile');
      assert.ok(e.message.startsWith(`${m.table} changed on disk while the model was loaded (size `), e.message);
      assert.match(e.message, /its rows are not read under the old header/);
      return true;
    });
  });

  it('a file rewritten with the same size but a new mtime is a change too', async () => {
    const m = modelFolder(4);
    const watched = new WatchedFiles(nodeFiles);
    const tensor = (await openSafetensors(watched.files, m.table)).get('embedding.weight')!;
    await tensor.readRows([1]);
    m.write(70, 4);
    touchLater(m.table);
    assert.equal(await watched.unchanged(), false);
    await assert.rejects(tensor.readRows([1]), /changed on disk/);
  });

  it('an unchanged file counts as unchanged, and a new file beside it does not matter', async () => {
    const m = modelFolder();
    const watched = new WatchedFiles(nodeFiles);
    await openSafetensors(watched.files, m.table);
    assert.equal(await watched.unchanged(), true);
    assert.equal(watched.has(m.table), true);
    // A new file beside the model is not a change of the files it read.
    writeFileSync(path.join(m.dir, 'notes.md'), 'unrelated');
    assert.equal(await watched.unchanged(), true);
  });
});
