// The Embedding Projector export (vectors.tsv + metadata.tsv) and where an export's files go
// from the name chosen in the save dialog (the check script saved as `check.py` stayed
// `check.check.py` before).
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { openWordVectors } from '../../../src/core/formats/wordVectors';
import { nodeFiles } from '../../../src/core/nodeFiles';
import { defaultExportName, exportPaths } from '../../../src/shared/exportNames';
import { projectorFiles, tsvField } from '../../../src/worker/exportFiles';
import { WorkerHandlers } from '../../../src/worker/handlers';
import { repoRoot, skipBecause } from '../helpers';

const ctx = { files: nodeFiles, assetsDir: path.join(repoRoot(), 'assets') };
const PYTHON = '/usr/bin/python3';

describe('export: Embedding Projector TSV files', () => {
  it('one vectors line per token on show (its embedding row) and a metadata line per token under a header', async () => {
    const h = new WorkerHandlers(ctx);
    // maxLength 8 pads the seed sentence (5 tokens + 3 pads): pads are not tokens on show.
    const { result: r } = await h.handle({ type: 'encode', ref: { model: 'builtin:seed' }, text: 'White refrigerator is evil.', options: { maxLength: 8 }, keepGates: false });
    const { result: files } = await h.handle({ type: 'export', result: r, format: 'projector' });
    assert.deepEqual(files.files.map(f => f.suffix), ['.vectors.tsv', '.metadata.tsv']);
    const dec = new TextDecoder();
    const vectors = dec.decode(files.files[0]!.bytes).split('\n');
    const metadata = dec.decode(files.files[1]!.bytes).split('\n');
    assert.equal(vectors.pop(), '', 'vectors end with a newline');
    assert.equal(metadata.pop(), '', 'metadata ends with a newline');
    assert.equal(vectors.length, 5, 'five tokens, the three pads left out');
    // The Projector wants a header exactly when metadata has more than one column; rows = vectors.
    assert.equal(metadata[0], 'token\tid\tposition');
    assert.equal(metadata.length - 1, vectors.length);
    const emb = new Float32Array(r.embeddings.data);
    const ids = new Int32Array(r.tokens.ids);
    vectors.forEach((line, i) => {
      const values = line.split('\t').map(Number);
      assert.equal(values.length, r.embeddings.cols, `line ${i}: E values`);
      // Written with float32's shortest digits: reading them back gives the same float32s.
      assert.deepEqual(values.map(Math.fround), Array.from(emb.subarray(i * r.embeddings.cols, (i + 1) * r.embeddings.cols)), `line ${i}`);
      assert.equal(metadata[i + 1], `${r.tokens.texts[i]}\t${ids[i]}\t${i}`);
    });
    // The seed row of "White" is the model's own (10, 0.01, 2.3, 0.1, 0.1).
    assert.equal(vectors[0], '10\t0.01\t2.3\t0.1\t0.1');
  });

  it('the two files read back through the project\'s own Embedding Projector TSV reader: same labels, same float32 rows', async () => {
    const h = new WorkerHandlers(ctx);
    const { result: r } = await h.handle({ type: 'encode', ref: { model: 'builtin:glove-100d' }, text: 'the king and the queen', options: {}, keepGates: false });
    const { vectors, metadata } = projectorFiles(r);
    const dir = mkdtempSync(path.join(tmpdir(), 'lens-projector-'));
    writeFileSync(path.join(dir, 'x.vectors.tsv'), vectors);
    writeFileSync(path.join(dir, 'x.metadata.tsv'), metadata);
    const wv = await openWordVectors(nodeFiles, path.join(dir, 'x.vectors.tsv'), { format: 'tsv', metadataPath: path.join(dir, 'x.metadata.tsv') });
    assert.deepEqual(wv.words, ['the', 'king', 'and', 'the', 'queen'], 'labels: the header row is skipped, column 1 is the label');
    const rows = await wv.vectors.readRows([0, 1, 2, 3, 4]);
    assert.deepEqual(Array.from(rows), Array.from(new Float32Array(r.embeddings.data)));
  });

  it('tabs, newlines, carriage returns and backslashes in a token are escaped (one line, three fields per token)', () => {
    assert.equal(tsvField('a\tb'), 'a\\tb');
    assert.equal(tsvField('line\nbreak\r'), 'line\\nbreak\\r');
    assert.equal(tsvField('back\\slash'), 'back\\\\slash');
    assert.equal(tsvField('Ġthe'), 'Ġthe');
  });

  it('a token spelled with a tab or a newline still gives one metadata line of three fields', async () => {
    const h = new WorkerHandlers(ctx);
    const { result: r } = await h.handle({ type: 'encode', ref: { model: 'builtin:seed' }, text: 'White refrigerator is evil.', options: {}, keepGates: false });
    // Spellings as a whitespace-keeping vocabulary has them (the seed's own have none).
    const texts = ['\t', '\n\n', 'a\\b', '\r\n', ''];
    const { vectors, metadata } = projectorFiles({ ...r, tokens: { ...r.tokens, texts } });
    const lines = metadata.slice(0, -1).split('\n');
    assert.equal(lines.length - 1, vectors.slice(0, -1).split('\n').length);
    for (const l of lines) assert.equal(l.split('\t').length, 3, JSON.stringify(l));
    assert.deepEqual(lines.slice(1).map(l => l.split('\t')[0]), ['\\t', '\\n\\n', 'a\\\\b', '\\r\\n', '']);
  });
});

describe('export: file names from the save dialog', () => {
  it('proposes NAME.check.py, NAME.vectors.tsv, NAME.FORMAT', () => {
    assert.equal(defaultExportName('embedding-lens', 'python'), 'embedding-lens.check.py');
    assert.equal(defaultExportName('embedding-lens', 'projector'), 'embedding-lens.vectors.tsv');
    assert.equal(defaultExportName('embedding-lens', 'csv'), 'embedding-lens.csv');
  });

  it('a check script is written under the name chosen (check.py, not check.check.py), its .safetensors beside it', () => {
    const suffixes = ['.safetensors', '.check.py'];
    assert.deepEqual(exportPaths('/w/check.py', 'python', suffixes), { paths: ['/w/check.safetensors', '/w/check.py'], main: 1 });
    assert.deepEqual(exportPaths('/w/embedding-lens.check.py', 'python', suffixes), { paths: ['/w/embedding-lens.safetensors', '/w/embedding-lens.check.py'], main: 1 });
    assert.deepEqual(exportPaths('/w/run', 'python', suffixes), { paths: ['/w/run.safetensors', '/w/run.check.py'], main: 1 });
  });

  it('projector: vectors under the chosen name, metadata beside it; a chosen NAME.metadata.tsv is not overwritten by vectors', () => {
    const suffixes = ['.vectors.tsv', '.metadata.tsv'];
    assert.deepEqual(exportPaths('/w/words.tsv', 'projector', suffixes).paths, ['/w/words.tsv', '/w/words.metadata.tsv']);
    assert.deepEqual(exportPaths('/w/words.vectors.tsv', 'projector', suffixes).paths, ['/w/words.vectors.tsv', '/w/words.metadata.tsv']);
    assert.deepEqual(exportPaths('/w/words.metadata.tsv', 'projector', suffixes).paths, ['/w/words.vectors.tsv', '/w/words.metadata.tsv']);
  });

  it('several files keep their own suffixes (npy, csv); one file is the chosen name', () => {
    assert.deepEqual(exportPaths('/w/x.npy', 'npy', ['.input_ids.npy', '.embeddings.npy']).paths, ['/w/x.input_ids.npy', '/w/x.embeddings.npy']);
    assert.deepEqual(exportPaths('/w/x.csv', 'csv', ['.csv', '.h_n.csv']).paths, ['/w/x.csv', '/w/x.h_n.csv']);
    assert.deepEqual(exportPaths('/w/My.File.JSON', 'json', ['.json']).paths, ['/w/My.File.JSON']);
  });

  it('a script saved as check.py finds check.safetensors and passes in PyTorch', async function () {
    this.timeout(300_000);
    if (spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status !== 0) {
      skipBecause(this, `no torch: ${PYTHON} cannot import torch (install python3-torch); the check.py naming was NOT run in Python`);
    }
    const h = new WorkerHandlers(ctx);
    const { result } = await h.handle({ type: 'encode', ref: { model: 'builtin:seed' }, text: 'White refrigerator is evil.', options: { maxLength: 8 }, keepGates: false });
    const { result: files } = await h.handle({ type: 'export', result, format: 'python' });
    const dir = mkdtempSync(path.join(tmpdir(), 'lens-name-'));
    const { paths } = exportPaths(path.join(dir, 'check.py'), 'python', files.files.map(f => f.suffix));
    files.files.forEach((f, i) => writeFileSync(paths[i]!, new Uint8Array(f.bytes)));
    const r = spawnSync(PYTHON, [path.join(dir, 'check.py')], { encoding: 'utf8', timeout: 240_000 });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /OK: PyTorch/);
  });
});
