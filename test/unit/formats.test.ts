import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { ByteRange, FileAccess } from '../../src/core/fileAccess';
import { openNpy, writeNpy } from '../../src/core/formats/npy';
import { openSafetensors, openShardedSafetensors, writeSafetensors } from '../../src/core/formats/safetensors';
import { openWordVectors, type WordVectorFormat } from '../../src/core/formats/wordVectors';
import { nodeFiles } from '../../src/core/nodeFiles';
import { createRng } from '../../src/core/prng';
import type { FloatDType, TensorStore } from '../../src/core/tensors';
import { fixture, memoryFiles, rejection } from './helpers';

// Fixtures and expected values come from test/fixtures/formats/generate.py (numpy's own writer
// for .npy; the formats' definitions for the rest). Values must match exactly: F16/BF16 widen to
// float32 without rounding, and F64/decimal text round once, to nearest float32.

/** A value in expected.json: a number, or 'nan' / 'inf' / '-inf' (not representable in JSON). */
type JsonFloat = number | string;
interface TensorExpectation {
  dtype: string;
  shape: number[];
  values?: JsonFloat[];
}
interface WordsExpectation {
  format: WordVectorFormat;
  words: string[];
  shape: [number, number];
  values: JsonFloat[];
  duplicates: number;
}
interface Expected {
  npy: Record<string, TensorExpectation>;
  safetensors: Record<string, Record<string, TensorExpectation>>;
  sharded: Record<string, TensorExpectation>;
  lazy: { shape: [number, number]; rows: number[]; values: number[] };
  wordVectors: Record<string, WordsExpectation>;
}

const dir = (...parts: string[]): string => fixture('formats', ...parts);
const expected = JSON.parse(readFileSync(dir('expected.json'), 'utf8')) as Expected;

/** Exact equality (Object.is: -0 ≠ 0, NaN = NaN), reporting the first differing index. */
function assertSameValues(actual: ArrayLike<number>, want: readonly JsonFloat[], what: string): void {
  assert.equal(actual.length, want.length, `${what}: ${actual.length} values, expected ${want.length}`);
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const e = typeof w === 'number' ? w : w === 'nan' ? NaN : w === 'inf' ? Infinity : -Infinity;
    if (!Object.is(actual[i], e)) assert.fail(`${what}: value ${i} is ${actual[i]}, expected ${e}`);
  }
}

/** Asserts an error's reason and that its message contains every fragment. */
async function assertError(fn: () => unknown, reason: string, ...fragments: (string | RegExp)[]): Promise<void> {
  const e = await rejection(fn);
  assert.equal(e.name, 'LensError', `expected a LensError, got ${e.name}: ${e.message}`);
  assert.equal(e.reason, reason, `reason of: ${e.message}`);
  for (const f of fragments) {
    if (typeof f === 'string') assert.ok(e.message.includes(f), `message ${JSON.stringify(e.message)} should contain ${JSON.stringify(f)}`);
    else assert.match(e.message, f);
  }
}

/** nodeFiles, counting the bytes it hands out (to prove row reads are lazy). */
function countingFiles(): FileAccess & { bytesRead: number } {
  const files = {
    ...nodeFiles,
    bytesRead: 0,
    async readRanges(path: string, ranges: readonly ByteRange[]): Promise<Uint8Array[]> {
      const chunks = await nodeFiles.readRanges(path, ranges);
      for (const c of chunks) files.bytesRead += c.length;
      return chunks;
    },
    async readAll(path: string): Promise<Uint8Array> {
      const bytes = await nodeFiles.readAll(path);
      files.bytesRead += bytes.length;
      return bytes;
    },
  };
  return files;
}


/** A .npy with a header we write ourselves (for headers numpy never writes). */
function handNpy(header: string, dataBytes = 0, major = 1): Uint8Array {
  const prefix = major === 1 ? 10 : 12;
  const text = header + ' '.repeat(63 - ((prefix + header.length) % 64)) + '\n';
  const out = new Uint8Array(prefix + text.length + dataBytes);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  new DataView(out.buffer).setUint32(8, text.length, true); // v1 reads the low 2 bytes, which the header then overwrites
  for (let i = 0; i < text.length; i++) out[prefix + i] = text.charCodeAt(i);
  return out;
}

async function only(store: TensorStore) {
  const names = store.names();
  assert.equal(names.length, 1, `one tensor, got ${names.join(', ')}`);
  return store.get(names[0]!)!;
}

describe('formats', () => {
  describe('npy', () => {
    for (const [file, want] of Object.entries(expected.npy)) {
      it(`reads ${file} (${want.dtype} ${JSON.stringify(want.shape)}) exactly`, async () => {
        const store = await openNpy(nodeFiles, dir(file));
        const t = await only(store);
        assert.equal(t.info.name, file.replace(/\.npy$/, ''));
        assert.equal(t.info.dtype, want.dtype);
        assert.deepEqual(t.info.shape, want.shape);
        assert.equal(t.info.file, dir(file));
        assert.equal(store.origin, dir(file));
        assertSameValues(await t.readAll(), want.values!, file);
        if (want.shape.length === 2 && want.shape[0]! > 1) {
          const cols = want.shape[1]!;
          const rows = await t.readRows([1, 0, 1]);
          assertSameValues(rows, [...want.values!.slice(cols, 2 * cols), ...want.values!.slice(0, cols), ...want.values!.slice(cols, 2 * cols)], `${file} rows [1, 0, 1]`);
        }
      });
    }

    it('reads only the header and the requested rows', async () => {
      const files = countingFiles();
      const size = (await nodeFiles.stat(dir('table.npy')))!.size;
      const t = await only(await openNpy(files, dir('table.npy')));
      const headerBytes = files.bytesRead;
      assert.ok(headerBytes <= 12 + 128, `opening read ${headerBytes} bytes, expected only the prefix and the 128-byte header`);
      assert.deepEqual(t.info.shape, expected.lazy.shape);
      const rowBytes = expected.lazy.shape[1] * 4;
      const rows = await t.readRows(expected.lazy.rows);
      assertSameValues(rows, expected.lazy.values, 'table.npy rows');
      assert.equal(files.bytesRead - headerBytes, expected.lazy.rows.length * rowBytes, `reading 2 rows of a ${size}-byte file`);
    });

    it('writes .npy byte for byte as np.save does', () => {
      for (const file of ['f4_v1.npy', 'f4_1d.npy', 'f4_0d.npy', 'f4_empty.npy']) {
        const want = expected.npy[file]!;
        const written = writeNpy(want.shape, Float32Array.from(want.values as number[]));
        assert.deepEqual(written, new Uint8Array(readFileSync(dir(file))), file);
      }
    });

    it('round-trips writeNpy → openNpy', async () => {
      const data = Float32Array.from({ length: 7 * 3 }, (_, i) => Math.fround(Math.sin(i) * 10 ** (i % 5)));
      data[0] = -0;
      const files = memoryFiles({ '/m/emb.npy': writeNpy([7, 3], data) });
      const t = await only(await openNpy(files, '/m/emb.npy'));
      assert.equal(t.info.name, 'emb');
      assert.deepEqual(t.info.shape, [7, 3]);
      assertSameValues(await t.readAll(), Array.from(data), 'round trip');
      assertSameValues(await t.readRows([6]), Array.from(data.subarray(18)), 'round trip row 6');
    });

    it('rejects a shape that does not fit the data when writing', () =>
      assertError(() => writeNpy([2, 3], new Float32Array(5)), 'shape', 'writeNpy', '5 values', 'expected 6', '(2, 3)'));

    describe('errors', () => {
      it('missing file', () => assertError(() => openNpy(nodeFiles, dir('nope.npy')), 'badFile', dir('nope.npy'), 'no such file'));
      it('bad magic', () => assertError(() => openNpy(nodeFiles, dir('bad_magic.npy')), 'badFile', dir('bad_magic.npy'), 'not a .npy file', 'expected', '\\x93NUMPY'));
      it('truncated header', () =>
        assertError(() => openNpy(nodeFiles, dir('truncated_header.npy')), 'badFile', dir('truncated_header.npy'), 'header is truncated', 'should be 118 bytes', 'only 30'));
      it('header that is not a Python dict literal', () =>
        assertError(() => openNpy(nodeFiles, dir('bad_header.npy')), 'badFile', dir('bad_header.npy'), 'not a Python dict literal', '"false', 'expected a string, True, False', "'fortran_order': False"));
      it('big-endian data', () =>
        assertError(() => openNpy(nodeFiles, dir('big_endian.npy')), 'dtype', dir('big_endian.npy'), "big-endian ('>f4')", "expected little-endian ('<f4')", "astype('<f4')"));
      it('Fortran order', () =>
        assertError(() => openNpy(nodeFiles, dir('fortran.npy')), 'badFormat', dir('fortran.npy'), 'Fortran', 'expected C order', 'np.ascontiguousarray'));
      it('an integer dtype', () =>
        assertError(() => openNpy(nodeFiles, dir('int64.npy')), 'dtype', dir('int64.npy'), "dtype '<i8' is not supported", "expected a float array ('<f4', '<f2' or '<f8')"));
      it('data shorter than the shape needs', () =>
        assertError(() => openNpy(nodeFiles, dir('short_data.npy')), 'badFile', dir('short_data.npy'), 'data is 40 bytes, expected 48', '(4, 3)', 'truncated'));
      const hand = (header: string, dataBytes = 0, major = 1) => () => openNpy(memoryFiles({ '/m/a.npy': handNpy(header, dataBytes, major) }), '/m/a.npy');
      it('an unknown format version', () => assertError(hand("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", 4, 4), 'badFormat', '/m/a.npy', 'version 4.0', 'expected 1.0, 2.0 or 3.0'));
      it('a negative dimension', () =>
        assertError(hand("{'descr': '<f4', 'fortran_order': False, 'shape': (-1, 2), }"), 'badFile', '/m/a.npy', "'shape': (-1, 2)", 'expected a tuple of non-negative integers'));
      it('a shape that is a list', () => assertError(hand("{'descr': '<f4', 'fortran_order': False, 'shape': [2], }", 8), 'badFile', '/m/a.npy', "'shape': [2]", 'expected a tuple'));
      it('(2) is an int, not a tuple, as in Python', () => assertError(hand("{'descr': '<f4', 'fortran_order': False, 'shape': (2), }", 8), 'badFile', "'shape': 2", 'expected a tuple'));
      it('a missing key', () => assertError(hand("{'descr': '<f4', 'shape': (2,), }", 8), 'badFile', '/m/a.npy', "keys 'descr', 'shape'", "expected exactly 'descr', 'fortran_order' and 'shape'"));
      it('a structured dtype', () =>
        assertError(hand("{'descr': [('x', '<f4'), ('y', '<f4')], 'fortran_order': False, 'shape': (2,), }", 16), 'dtype', '/m/a.npy', "structured (record) dtype [('x', '<f4'), ('y', '<f4')]", 'expected a plain float array'));
      it('text after the dict', () => assertError(hand("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), } x", 8), 'badFile', '/m/a.npy', 'found "x', 'expected the end of the header'));
      it('accepts what Python accepts: double quotes, no trailing comma, 1-tuples, a v2 header', async () => {
        const t = await only(await openNpy(memoryFiles({ '/m/a.npy': handNpy('{"shape": (2,), "fortran_order": True, "descr": "<f2"}', 4, 2) }), '/m/a.npy'));
        assert.deepEqual(t.info.shape, [2]);
        assert.equal(t.info.dtype, 'F16');
      });
      it('a row outside the table', async () => {
        const t = await only(await openNpy(nodeFiles, dir('table.npy')));
        await assertError(() => t.readRows([256]), 'vocabMismatch', dir('table.npy'), 'id 256', '256 rows');
      });
      it('rows of a 1-D array', async () => {
        const t = await only(await openNpy(nodeFiles, dir('f4_1d.npy')));
        await assertError(() => t.readRows([0]), 'shape', dir('f4_1d.npy'), '(5,)', 'expected 2 dimensions');
      });
    });
  });

  describe('safetensors', () => {
    for (const [file, tensors] of Object.entries(expected.safetensors)) {
      it(`reads ${file} exactly`, async () => {
        const store = await openSafetensors(nodeFiles, dir(file));
        assert.deepEqual(store.names().sort(), Object.keys(tensors).sort());
        for (const [name, want] of Object.entries(tensors)) {
          const t = store.get(name)!;
          assert.equal(t.info.dtype, want.dtype, name);
          assert.deepEqual(t.info.shape, want.shape, name);
          assert.equal(t.info.file, dir(file));
          if (!want.values) continue;
          assertSameValues(await t.readAll(), want.values, `${file} ${name}`);
          if (want.shape.length === 2) {
            const cols = want.shape[1]!;
            assertSameValues(await t.readRows([2]), want.values.slice(2 * cols, 3 * cols), `${file} ${name} row 2`);
          }
        }
      });
    }

    it('keeps __metadata__ apart from the tensors', async () => {
      const store = await openSafetensors(nodeFiles, dir('f32.safetensors'));
      assert.deepEqual(store.metadata, { format: 'pt' });
      assert.ok(!store.names().includes('__metadata__'));
    });

    it('reads only the header and the requested rows', async () => {
      const files = countingFiles();
      const t = (await openSafetensors(files, dir('table.safetensors'))).get('embedding.weight')!;
      const headerBytes = files.bytesRead;
      assert.ok(headerBytes <= 128, `opening read ${headerBytes} bytes, expected only the header`);
      const rows = await t.readRows(expected.lazy.rows);
      assertSameValues(rows, expected.lazy.values, 'table.safetensors rows');
      assert.equal(files.bytesRead - headerBytes, expected.lazy.rows.length * expected.lazy.shape[1] * 4);
    });

    it('reads a sharded checkpoint through its index, lazily', async () => {
      const files = countingFiles();
      const store = await openShardedSafetensors(files, dir('sharded', 'model.safetensors.index.json'));
      assert.deepEqual(store.names().sort(), Object.keys(expected.sharded).sort());
      const opened = files.bytesRead;
      for (const [name, want] of Object.entries(expected.sharded)) {
        const t = store.get(name)!;
        assert.equal(t.info.dtype, want.dtype);
        assert.deepEqual(t.info.shape, want.shape);
        assert.match(t.info.file, want.dtype === 'F32' ? /model-00001-of-00002/ : /model-00002-of-00002/);
      }
      const emb = expected.sharded['embedding.weight']!;
      const cols = emb.shape[1]!;
      const before = files.bytesRead;
      assertSameValues(await store.get('embedding.weight')!.readRows([4, 1]), [...emb.values!.slice(4 * cols, 5 * cols), ...emb.values!.slice(cols, 2 * cols)], 'sharded rows');
      assert.equal(files.bytesRead - before, 2 * cols * 4, 'two rows read');
      assert.ok(opened < 700, `opening read ${opened} bytes (index + shard headers)`);
      for (const [name, want] of Object.entries(expected.sharded)) assertSameValues(await store.get(name)!.readAll(), want.values!, name);
    });

    it('round-trips writeSafetensors → openSafetensors for F32, F16, BF16 and F64', async () => {
      const dtypes: FloatDType[] = ['F32', 'F16', 'BF16', 'F64'];
      // Values each dtype holds exactly (taken from the fixtures), so the round trip must be exact.
      const tensors = dtypes.map(dtype => {
        const want = expected.safetensors[`${dtype.toLowerCase()}.safetensors`]!['embedding.weight']!;
        return { name: `t.${dtype}`, dtype, shape: want.shape, data: want.values as number[] };
      });
      const bytes = writeSafetensors(tensors, { note: 'round trip' });
      const files = memoryFiles({ '/m/model.safetensors': bytes });
      const store = await openSafetensors(files, '/m/model.safetensors');
      assert.deepEqual(store.metadata, { note: 'round trip' });
      for (const t of tensors) {
        const got = store.get(t.name)!;
        assert.equal(got.info.dtype, t.dtype);
        assert.deepEqual(got.info.shape, t.shape);
        assertSameValues(await got.readAll(), t.data, t.name);
      }
    });

    describe('errors', () => {
      it('truncated data', () =>
        assertError(() => openSafetensors(nodeFiles, dir('truncated.safetensors')), 'badFile', dir('truncated.safetensors'), 'truncated file?', 'data bytes'));
      it('a file too short to hold a header', () =>
        assertError(() => openSafetensors(nodeFiles, dir('tiny.safetensors')), 'badFile', dir('tiny.safetensors'), '4 bytes is too short', 'expected an 8-byte header length'));
      it('header that is not JSON', () =>
        assertError(() => openSafetensors(nodeFiles, dir('bad_json.safetensors')), 'badFile', dir('bad_json.safetensors'), 'not valid safetensors header JSON'));
      it('header length larger than the file', () =>
        assertError(() => openSafetensors(nodeFiles, dir('header_too_big.safetensors')), 'badFile', dir('header_too_big.safetensors'), 'header length 1000000', '48-byte file'));
      it('data_offsets that do not match the shape', () =>
        assertError(() => openSafetensors(nodeFiles, dir('bad_offsets.safetensors')), 'badFile', dir('bad_offsets.safetensors'), '"embedding.weight"', 'F32 (2, 3) needs 24 bytes', '[0, 20] hold 20'));
      it('reading a non-float tensor', async () => {
        const t = (await openSafetensors(nodeFiles, dir('with_int.safetensors'))).get('position_ids')!;
        await assertError(() => t.readAll(), 'dtype', dir('with_int.safetensors'), '"position_ids" is I64', 'expected a float tensor');
      });
      it('an index that names a tensor its shard does not hold', () =>
        assertError(
          () => openShardedSafetensors(nodeFiles, dir('sharded_bad', 'model.safetensors.index.json')),
          'badFile',
          dir('sharded_bad', 'model.safetensors.index.json'),
          '"rnn.weight_ih_l0" in model-00001-of-00001.safetensors',
          'no such tensor',
        ));
    });
  });

  describe('word vectors', () => {
    for (const [file, want] of Object.entries(expected.wordVectors)) {
      it(`reads ${file} as ${want.format} (format detected)`, async () => {
        const wv = await openWordVectors(nodeFiles, dir(file));
        assert.equal(wv.format, want.format);
        assert.equal(wv.file, dir(file));
        assert.deepEqual(wv.words, want.words);
        assert.equal(wv.duplicates, want.duplicates);
        assert.equal(wv.index.size, new Set(want.words).size);
        want.words.forEach((w, i) => assert.equal(wv.index.get(w), want.words.indexOf(w), `row of ${w} (${i})`));
        assert.deepEqual(wv.vectors.info, { name: 'vectors', dtype: 'F32', shape: want.shape, file: dir(file) });
        const all = await wv.vectors.readAll();
        assert.ok(all instanceof Float32Array);
        assertSameValues(all, want.values, file);
        const cols = want.shape[1];
        const last = want.shape[0] - 1;
        assertSameValues(
          await wv.vectors.readRows([last, 0]),
          [...want.values.slice(last * cols, (last + 1) * cols), ...want.values.slice(0, cols)],
          `${file} rows [${last}, 0]`,
        );
      });
    }

    it('reads the same file when the format is given', async () => {
      const want = expected.wordVectors['w2v.txt']!;
      const wv = await openWordVectors(nodeFiles, dir('w2v.txt'), { format: 'word2vec-text' });
      assertSameValues(await wv.vectors.readAll(), want.values, 'w2v.txt');
    });

    it('takes TSV labels from the first column of a metadata file with a header row', async () => {
      const want = expected.wordVectors['tsv/vectors.tsv']!;
      const wv = await openWordVectors(nodeFiles, dir('tsv', 'vectors.tsv'), { metadataPath: dir('tsv', 'metadata_2col.tsv') });
      assert.deepEqual(wv.words, want.words);
      assertSameValues(await wv.vectors.readAll(), want.values, 'tsv with 2-column metadata');
    });

    it('word2vec text and binary of one table agree', async () => {
      const text = await openWordVectors(nodeFiles, dir('w2v.txt'));
      const binary = await openWordVectors(nodeFiles, dir('w2v.bin'));
      assert.deepEqual(binary.words, text.words);
      assert.deepEqual(await binary.vectors.readAll(), await text.vectors.readAll());
    });

    it('parses numbers exactly as Number() does, rounded to float32', async () => {
      const tokens = ['0.1', '-0.000123456', '1e-45', '7.006492321624085e-46', '3.4028235e38', '1.17549435e-38', '123456.789e-3', '0.30000000000000004', '9007199254740993', '4.9e-324', '-.75', '5.', '+2'];
      const line = `w ${tokens.join(' ')}\n`;
      const files = memoryFiles({ '/m/v.txt': new TextEncoder().encode(line) });
      const wv = await openWordVectors(files, '/m/v.txt');
      assertSameValues(await wv.vectors.readAll(), tokens.map(t => Math.fround(Number(t))), 'numbers');
    });

    it('agrees with Number() on 10,000 random decimal spellings', async () => {
      const rng = createRng(7);
      const digits = (n: number): string => Array.from({ length: n }, () => String(rng.nextU32() % 10)).join('');
      const tokens: string[] = [];
      while (tokens.length < 10_000) {
        const sign = ['', '-', '+'][rng.nextU32() % 3]!;
        const int = digits(rng.nextU32() % 20);
        const frac = rng.nextU32() % 2 ? '.' + digits(rng.nextU32() % 20) : '';
        if (!/\d/.test(int + frac)) continue;
        const exp = rng.nextU32() % 2 ? `${'eE'[rng.nextU32() % 2]}${['', '-', '+'][rng.nextU32() % 3]}${rng.nextU32() % 60}` : '';
        tokens.push(sign + int + frac + exp);
      }
      const cols = 10;
      const lines = [];
      for (let i = 0; i < tokens.length; i += cols) lines.push(`w${i} ${tokens.slice(i, i + cols).join(' ')}`);
      const files = memoryFiles({ '/m/v.txt': new TextEncoder().encode(lines.join('\n')) });
      const wv = await openWordVectors(files, '/m/v.txt');
      assertSameValues(await wv.vectors.readAll(), tokens.map(t => Math.fround(Number(t))), 'random spellings');
    });

    it('reads rows from memory and rejects ids outside the table', async () => {
      const wv = await openWordVectors(nodeFiles, dir('glove.txt'));
      await assertError(() => wv.vectors.readRows([8]), 'vocabMismatch', dir('glove.txt'), 'id 8', '8 rows');
    });

    describe('errors', () => {
      const open = (file: string, options?: Parameters<typeof openWordVectors>[2]) => () => openWordVectors(nodeFiles, dir(file), options);
      it('missing file', () => assertError(open('nope.txt'), 'badFile', dir('nope.txt'), 'no such file'));
      it('empty file', () => assertError(open('empty.txt'), 'badFile', dir('empty.txt'), 'file is empty', 'expected word vectors'));
      it('ragged line', () => assertError(open('glove_ragged.txt'), 'badFile', dir('glove_ragged.txt'), 'line 3 has 4 values, expected 5', 'line 1 has 5'));
      it('non-numeric value', () =>
        assertError(open('glove_nonnumeric.txt'), 'badFile', dir('glove_nonnumeric.txt'), 'line 2, column 13', '"abc" is not a number', 'value 3 of 5', 'word "dog"'));
      it('blank line inside the file', () => assertError(open('glove_blank_line.txt'), 'badFile', dir('glove_blank_line.txt'), 'line 2 is empty', 'expected a word and 5 values'));
      it('word2vec header count that disagrees with the lines', () =>
        assertError(open('w2v_bad_count.txt'), 'badFile', dir('w2v_bad_count.txt'), 'header says 6 words', '5 lines of vectors'));
      it('word2vec text line that disagrees with the header dimension', () =>
        assertError(open('w2v_ragged.txt'), 'badFile', dir('w2v_ragged.txt'), 'line 4 has 5 values, expected 4', 'the header says 4'));
      it('word2vec text without a header', () =>
        assertError(open('glove.txt', { format: 'word2vec-text' }), 'badFile', dir('glove.txt'), 'line 1 is "the 0.07062', 'expected a word2vec header "V E"'));
      it('word2vec binary without a header', () =>
        assertError(open('glove.txt', { format: 'word2vec-binary' }), 'badFile', dir('glove.txt'), 'not a word2vec binary header', 'expected "V E"'));
      it('truncated word2vec binary', () =>
        assertError(open('w2v_truncated.bin'), 'badFile', dir('w2v_truncated.bin'), 'the header says 5 words of 4 float32 values', 'needs at least 90 bytes, but only 56 follow the header', 'truncated'));
      it('word2vec binary with fewer words than its header says', () =>
        assertError(open('w2v_missing_words.bin'), 'badFile', dir('w2v_missing_words.bin'), 'the header says 7 words', 'needs at least 126 bytes, but only 116 follow'));
      it('TSV without metadata', () =>
        assertError(open('tsv_nometa/vectors.tsv'), 'badFile', dir('tsv_nometa', 'vectors.tsv'), 'needs a metadata TSV with one label per row', dir('tsv_nometa', 'metadata.tsv')));
      it('TSV whose metadata has another row count', () =>
        assertError(
          open('tsv/vectors.tsv', { metadataPath: dir('tsv', 'metadata_short.tsv') }),
          'vocabMismatch',
          `${dir('tsv', 'metadata_short.tsv')} has 3 labels`,
          `${dir('tsv', 'vectors.tsv')} has 4 vectors`,
          'expected one label per vector row',
        ));
      it('TSV with a metadata path that does not exist', () =>
        assertError(open('tsv/vectors.tsv', { metadataPath: dir('tsv', 'nope.tsv') }), 'badFile', dir('tsv', 'nope.tsv'), 'no such file', dir('tsv', 'vectors.tsv')));
    });
  });
});
