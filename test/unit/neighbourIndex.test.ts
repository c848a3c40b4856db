// The whole-vocabulary neighbour index against a float64 brute force written here, on real
// safetensors files of every float dtype (ties, near-ties, zero rows), with the TypeScript and
// the onnxruntime scans; the block reader; and the worker's hover path (one index per model).
import * as assert from 'node:assert/strict';
import { mkdtempSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { FileAccess } from '../../src/core/fileAccess';
import { openSafetensors, writeSafetensors } from '../../src/core/formats/safetensors';
import { loadModel } from '../../src/core/model/loadModel';
import { NeighbourIndex, scanErrorBound, typescriptScan, type NeighbourScan, type ScanEngine } from '../../src/core/neighbourIndex';
import { nodeFiles } from '../../src/core/nodeFiles';
import { createRng } from '../../src/core/prng';
import { FLOAT_DTYPES, type FloatDType, type TensorSource } from '../../src/core/tensors';
import { onnxScan } from '../../src/native/scan';
import { WorkerHandlers } from '../../src/worker/handlers';
import { repoRoot } from './helpers';

const tmp = (): string => mkdtempSync(path.join(tmpdir(), 'el-nbr-'));

/** Brute force in float64: every row but `exclude` and zero rows, best cosine first, ties to the lower id. */
function bruteForce(rows: readonly (readonly number[])[], query: readonly number[], k: number, exclude: ReadonlySet<number>): { id: number; cosine: number }[] {
  const qn = Math.sqrt(query.reduce((s, v) => s + v * v, 0));
  const all: { id: number; cosine: number }[] = [];
  rows.forEach((row, id) => {
    if (exclude.has(id)) return;
    let dot = 0;
    let ss = 0;
    for (let c = 0; c < row.length; c++) {
      dot += row[c]! * query[c]!;
      ss += row[c]! * row[c]!;
    }
    if (ss === 0) return;
    all.push({ id, cosine: dot / (Math.sqrt(ss) * qn) });
  });
  all.sort((a, b) => b.cosine - a.cosine || a.id - b.id);
  return all.slice(0, k);
}

/**
 * A table whose values every dtype holds exactly (multiples of 1/64 in [-2, 2]: 8 significant
 * bits), so exact ties are common; plus duplicate rows, a row scaled by 2 (same cosines), a
 * row one float32 ulp away from another (a near-tie inside the scan's error), and zero rows.
 */
function table(rows: number, cols: number, seed: number, coarse: boolean): number[][] {
  const rng = createRng(seed);
  const out: number[][] = [];
  for (let r = 0; r < rows; r++) {
    out.push(Array.from({ length: cols }, () => (coarse ? Math.floor(rng.uniform(-128, 129)) / 64 : Math.fround(rng.normal()))));
  }
  out[3] = [...out[10]!];
  out[17] = out[10]!.map(v => v * 2);
  out[5] = new Array(cols).fill(0);
  out[rows - 1] = new Array(cols).fill(0);
  if (!coarse) {
    out[21] = [...out[30]!];
    const f = new Float32Array([out[21]![0]!]);
    new Uint32Array(f.buffer)[0]! += 1;
    out[21]![0] = f[0]!;
  }
  return out;
}

async function fileTable(dir: string, dtype: FloatDType, values: number[][]): Promise<TensorSource> {
  const file = path.join(dir, `t-${dtype}.safetensors`);
  writeFileSync(file, writeSafetensors([{ name: 'embedding.weight', dtype, shape: [values.length, values[0]!.length], data: values.flat() }]));
  return (await openSafetensors(nodeFiles, file)).get('embedding.weight')!;
}

const native = onnxScan();
const SCANS: [string, NeighbourScan][] = [['TypeScript', typescriptScan]];
if (typeof native === 'function') SCANS.push(['onnxruntime', native]);

describe('neighbour index: ids identical to a float64 brute force', () => {
  it('onnxruntime-node loads here (else the native scan below is not tested)', () => {
    assert.equal(typeof native, 'function', typeof native === 'function' ? '' : native.error);
  });

  for (const dtype of FLOAT_DTYPES) {
    for (const coarse of [true, false]) {
      if (!coarse && (dtype === 'F16' || dtype === 'BF16')) continue; // continuous values would round in the file
      for (const [scanName, scan] of SCANS) {
        it(`${dtype}, ${coarse ? 'coarse values (exact ties)' : 'float32 normals (near-ties)'}, ${scanName} scan, blocks of 7 rows`, async function () {
          this.timeout(20_000);
          const values = table(301, coarse ? 24 : 67, dtype.length * 10 + (coarse ? 1 : 2), coarse);
          const source = await fileTable(tmp(), dtype, values);
          const index = await NeighbourIndex.build(source, { scan, blockRows: 7 });
          assert.equal(index.rows, 301);
          const rng = createRng(99);
          for (const id of [10, 3, 17, 30, 21, 0, 150, 299]) {
            for (const k of [1, 5, 40]) {
              const got = await index.nearestToId(id, k);
              const want = bruteForce(values, values[id]!, k, new Set([id]));
              assert.deepEqual(got.map(n => n.id), want.map(n => n.id), `id ${id}, k ${k}`);
              got.forEach((n, i) => assert.ok(Math.abs(n.cosine - want[i]!.cosine) < 1e-12, `id ${id} #${i}: cosine ${n.cosine}, expected ${want[i]!.cosine}`));
            }
          }
          // A query that is no row: random, with an exclude set.
          const q = Array.from({ length: values[0]!.length }, () => Math.fround(rng.normal()));
          const exclude = new Set([1, 2, 3]);
          const got = await index.nearest(new Float32Array(q), 12, exclude);
          assert.deepEqual(got.map(n => n.id), bruteForce(values, q, 12, exclude).map(n => n.id));
          index.dispose();
        });
      }
      it(`${dtype}, ${coarse ? 'coarse values (exact ties)' : 'float32 normals (near-ties)'}, one streaming pass (no index), blocks of 7 rows`, async () => {
        const values = table(301, coarse ? 24 : 67, dtype.length * 10 + (coarse ? 1 : 2), coarse);
        const source = await fileTable(tmp(), dtype, values);
        for (const id of [10, 3, 17, 30, 21, 0, 150, 299]) {
          const got = await NeighbourIndex.streamNearest(source, new Float32Array(values[id]!), 9, new Set([id]), { blockRows: 7 });
          const want = bruteForce(values, values[id]!, 9, new Set([id]));
          assert.deepEqual(got.map(n => n.id), want.map(n => n.id), `id ${id}`);
          got.forEach((n, i) => assert.ok(Math.abs(n.cosine - want[i]!.cosine) < 1e-12));
        }
      });
    }
  }

  for (const [scanName, scan] of SCANS) {
    it(`near-ties closer than float32 can tell (60 rows a few ulps apart), ${scanName} scan`, async () => {
      const rng = createRng(4);
      const base = Array.from({ length: 300 }, () => Math.fround(rng.normal()));
      const values = [base];
      for (let r = 1; r < 60; r++) {
        const f = new Float32Array(base);
        const u = new Uint32Array(f.buffer);
        for (let j = 0; j < 4; j++) u[Math.floor(rng.next() * 300)]! += Math.floor(rng.uniform(-3, 4));
        values.push(Array.from(f));
      }
      const index = await NeighbourIndex.build(await fileTable(tmp(), 'F32', values), { scan });
      for (let t = 0; t < 5; t++) {
        const q = base.map(v => Math.fround(v + 0.01 * rng.normal()));
        assert.deepEqual((await index.nearest(new Float32Array(q), 5)).map(n => n.id), bruteForce(values, q, 5, new Set()).map(n => n.id), `query ${t}`);
      }
    });
  }

  for (const [scanName, scan] of SCANS) {
    it(`rows near float32's limits (scaled by 2^125 and 2^-140) and non-finite rows, ${scanName} scan`, async () => {
      // The table keeps rows as read and divides each product by the row's norm; rows this large
      // overflow a float32 product (an infinite score hides every true neighbour below it), rows
      // this small lose their precision in float32's subnormals (scores off by far more than the
      // error bound): both must be scaled at the build. Rows 60…69 and 80…89 are row 10 slightly
      // moved, then scaled down and up: they compete with each other for row 10's neighbours.
      const values = table(120, 400, 8, false);
      const rng = createRng(12);
      for (let i = 0; i < 10; i++) {
        const moved = values[10]!.map(v => v + 0.05 * rng.normal());
        values[60 + i] = moved.map(v => Math.fround(v * 2 ** -140));
        values[80 + i] = moved.map(v => Math.fround(v * 2 ** 125));
      }
      assert.ok(values.every(r => r.every(Number.isFinite)), 'the file holds every value');
      const index = await NeighbourIndex.build(await fileTable(tmp(), 'F32', values), { scan, blockRows: 16 });
      for (const id of [10, 3, 60, 65, 80, 85, 30]) {
        for (const k of [6, 15]) {
          const got = await index.nearestToId(id, k);
          const want = bruteForce(values, values[id]!, k, new Set([id]));
          assert.deepEqual(got.map(n => n.id), want.map(n => n.id), `id ${id}, k ${k}`);
          got.forEach((n, i) => assert.ok(Math.abs(n.cosine - want[i]!.cosine) < 1e-12, `id ${id} #${i}: cosine ${n.cosine}, expected ${want[i]!.cosine}`));
        }
      }
      // A non-finite row is never returned and does not disturb the others.
      const withInf = values.map(r => [...r]);
      withInf[7]![3] = Infinity;
      withInf[8]![0] = NaN;
      const index2 = await NeighbourIndex.build(await fileTable(tmp(), 'F32', withInf), { scan });
      const got = await index2.nearestToId(10, 200);
      assert.ok(!got.some(n => n.id === 7 || n.id === 8), 'non-finite rows 7 and 8 are skipped');
      const finite = withInf.map((r, i) => (i === 7 || i === 8 ? r.map(() => 0) : r));
      assert.deepEqual(got.map(n => n.id), bruteForce(finite, finite[10]!, 200, new Set([10])).map(n => n.id));
    });
  }

  it('ties go to the lower id; zero rows are never returned; k past the rows gives every nonzero row', async () => {
    const values = [[1, 0], [0, 0], [2, 0], [1, 0], [0, 1], [0, 0], [-1, 0]];
    const index = await NeighbourIndex.build(await fileTable(tmp(), 'F32', values), { blockRows: 2 });
    assert.deepEqual((await index.nearestToId(0, 3)).map(n => n.id), [2, 3, 4]);
    assert.deepEqual((await index.nearest(new Float32Array([1, 0]), 100)).map(n => n.id), [0, 2, 3, 4, 6]);
    assert.deepEqual(await index.nearestToId(1, 5), [], 'a zero query has no neighbours');
    assert.deepEqual(await index.nearest(new Float32Array([1, 0]), 0), []);
  });

  it('the error bound covers the float32 rounding it claims to (cols 4096: under 3e-4)', () => {
    assert.ok(scanErrorBound(4096) > 4096 * 2 ** -24 && scanErrorBound(4096) < 3e-4);
  });

  it('refuses an id outside the table and a query of the wrong length, naming them', async () => {
    const index = await NeighbourIndex.build(await fileTable(tmp(), 'F32', [[1, 2], [3, 4]]));
    await assert.rejects(index.nearestToId(2, 1), /id 2 is outside tensor "embedding.weight" with 2 rows/);
    await assert.rejects(index.nearest(new Float32Array(3), 1), /the query has 3 values, the table's rows have 2/);
  });
});

describe('neighbour index: the block reader', () => {
  // The reads go into `out` itself (the block's own place) and widen there: these catch a
  // widening that clobbers a value before reading it, a read that spills outside the block, and
  // a wrong offset when `out` is a view into a larger buffer.
  const ignoresInto: FileAccess = { ...nodeFiles, readRanges: (p, ranges) => nodeFiles.readRanges(p, ranges) };
  for (const dtype of FLOAT_DTYPES) {
    for (const [seam, files] of [['reads in place', nodeFiles], ['a seam that ignores `into`', ignoresInto]] as const) {
      it(`${dtype}: readBlock decodes the same values as readRows, at any row offset (${seam})`, async () => {
        const values = table(40, 13, 5, true);
        const dir = tmp();
        await fileTable(dir, dtype, values);
        const source = (await openSafetensors(files, path.join(dir, `t-${dtype}.safetensors`))).get('embedding.weight')!;
        assert.ok(source.readBlock, 'safetensors tensors have a block reader');
        const whole = new Float32Array(2 + 9 * 13 + 3 + 5).fill(7);
        const out = whole.subarray(2);
        await source.readBlock(11, 9, out, 3);
        assert.deepEqual(Array.from(out.subarray(3, 3 + 9 * 13)), values.slice(11, 20).flat());
        assert.deepEqual(Array.from(whole.subarray(0, 5)), [7, 7, 7, 7, 7], 'before the block');
        assert.deepEqual(Array.from(whole.subarray(5 + 9 * 13)), [7, 7, 7, 7, 7], 'after the block');
        // The last row, an odd number of values from an odd offset.
        await source.readBlock(39, 1, out, 1);
        assert.deepEqual(Array.from(out.subarray(1, 14)), values[39]);
        await assert.rejects(source.readBlock(35, 6, out, 0), /rows 35…40 are outside tensor "embedding.weight" with 40 rows/);
      });
    }
  }

  it('a file cut short inside the table: the block read names the file and the row', async () => {
    const dir = tmp();
    const values = table(40, 13, 5, true);
    await fileTable(dir, 'BF16', values);
    const file = path.join(dir, 't-BF16.safetensors');
    const source = (await openSafetensors(nodeFiles, file)).get('embedding.weight')!;
    truncateSync(file, statSync(file).size - 13 * 2 * 3 - 5);
    await assert.rejects(source.readBlock!(30, 10, new Float32Array(130), 0), /t-BF16\.safetensors: file ends inside tensor "embedding.weight" \(row 36 of 40\)/);
  });
});

describe('neighbour index: built-in models', () => {
  const ctx = { files: nodeFiles, assetsDir: path.join(repoRoot(), 'assets') };

  it('GloVe: king → prince and queen among the 5 nearest, as a brute force says', async function () {
    this.timeout(20_000);
    const model = await loadModel(ctx, 'builtin:glove-100d');
    const king = model.tokenizer.encode('king')[0]!.id;
    const index = await NeighbourIndex.build(model.embedding, { scan: SCANS[SCANS.length - 1]![1] });
    const names = (await index.nearestToId(king, 5)).map(n => model.tokenizer.idToToken(n.id));
    assert.ok(names.includes('prince') && names.includes('queen'), names.join(', '));
    const [rows, cols] = model.embedding.info.shape as [number, number];
    const all = await model.embedding.readAll();
    const values = Array.from({ length: rows }, (_, r) => Array.from(all.subarray(r * cols, (r + 1) * cols)));
    for (const word of ['king', 'the', 'computer']) {
      const id = model.tokenizer.encode(word)[0]!.id;
      assert.deepEqual((await index.nearestToId(id, 10)).map(n => n.id), bruteForce(values, values[id]!, 10, new Set([id])).map(n => n.id), word);
    }
  });

  it('seed: every listed word\'s neighbours equal a brute force over its 2048 rows', async () => {
    const model = await loadModel(ctx, 'builtin:seed');
    const [rows, cols] = model.embedding.info.shape as [number, number];
    const all = await model.embedding.readAll();
    const values = Array.from({ length: rows }, (_, r) => Array.from(all.subarray(r * cols, (r + 1) * cols)));
    const index = await NeighbourIndex.build(model.embedding);
    for (const id of [320, 1028, 5, 128, 1, 0]) {
      assert.deepEqual((await index.nearestToId(id, 7)).map(n => n.id), bruteForce(values, values[id]!, 7, new Set([id])).map(n => n.id), `id ${id}`);
    }
  });
});

describe('neighbour index: the worker\'s hover path', () => {
  /** A scan that counts the engines made and disposed (the real TypeScript scan underneath). */
  function counting(): { scan: NeighbourScan; made: number; disposed: number } {
    const c: { scan: NeighbourScan; made: number; disposed: number } = {
      made: 0,
      disposed: 0,
      scan: (async (unit, rows, cols) => {
        c.made++;
        const e = await typescriptScan(unit, rows, cols);
        return { name: e.name, scan: e.scan, dispose: () => (c.disposed++, e.dispose()) } satisfies ScanEngine;
      }) as NeighbourScan,
    };
    return c;
  }

  it('vectors: neighbours come from one index per model, built once, disposed when the model is reloaded', async () => {
    const dir = tmp();
    const values = table(60, 8, 3, false);
    writeFileSync(path.join(dir, 'vocab.txt'), Array.from({ length: 60 }, (_, i) => `w${i}`).join('\n') + '\n');
    const file = path.join(dir, 'model.safetensors');
    writeFileSync(file, writeSafetensors([{ name: 'embedding.weight', dtype: 'F32', shape: [60, 8], data: values.flat() }]));
    const c = counting();
    const h = new WorkerHandlers({ files: nodeFiles, assetsDir: path.join(repoRoot(), 'assets') }, { neighbourScan: c.scan });
    const ref = { model: dir };
    const first = await h.handle({ type: 'vectors', ref, ids: [30, 10], k: 4 });
    assert.deepEqual(first.result.neighbours[0]!.map(n => n.id), bruteForce(values, values[30]!, 4, new Set([30])).map(n => n.id));
    assert.deepEqual(first.result.neighbours[1]!.map(n => n.text), bruteForce(values, values[10]!, 4, new Set([10])).map(n => `w${n.id}`));
    await h.handle({ type: 'vectors', ref, ids: [7], k: 3 });
    assert.equal(c.made, 1, 'the second hover reuses the index');
    // Replace the file: the model reloads, the old index is disposed, a new one is built.
    const changed = values.map(r => r.map(v => -v));
    writeFileSync(file, writeSafetensors([{ name: 'embedding.weight', dtype: 'F32', shape: [60, 8], data: changed.flat() }]));
    const later = new Date(Date.now() + 5000);
    (await import('node:fs')).utimesSync(file, later, later);
    const again = await h.handle({ type: 'vectors', ref, ids: [30], k: 4 });
    assert.deepEqual(again.result.neighbours[0]!.map(n => n.id), bruteForce(changed, changed[30]!, 4, new Set([30])).map(n => n.id));
    await new Promise(resolve => setTimeout(resolve, 10));
    assert.equal(c.made, 2);
    assert.equal(c.disposed, 1, 'the dropped model\'s index was disposed');
  });
});
