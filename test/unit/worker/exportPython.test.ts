// The exported Python check script, run with PyTorch: it recomputes the exported numbers from the
// model's files (or, for a random encoder, from the weights the export carries) and must agree —
// and must fail when the exported numbers are wrong.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { nodeFiles } from '../../../src/core/nodeFiles';
import type { EncodeReply, PipelineOptionsWire } from '../../../src/shared/workerProtocol';
import { WorkerHandlers } from '../../../src/worker/handlers';
import { fixture, repoRoot, skipBecause } from '../helpers';

const PYTHON = '/usr/bin/python3';
const ctx = { files: nodeFiles, assetsDir: path.join(repoRoot(), 'assets') };

function torchAvailable(): boolean {
  return spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
}

async function exportAndRun(model: string, text: string, options: PipelineOptionsWire, tamper?: (r: EncodeReply) => void): Promise<{ status: number | null; out: string; dir: string }> {
  const h = new WorkerHandlers(ctx);
  const { result } = await h.handle({ type: 'encode', ref: { model }, text, options, keepGates: false });
  tamper?.(result);
  const { result: files } = await h.handle({ type: 'export', result, format: 'python' });
  const dir = mkdtempSync(path.join(tmpdir(), 'lens-py-'));
  for (const f of files.files) writeFileSync(path.join(dir, `export${f.suffix}`), new Uint8Array(f.bytes));
  const r = spawnSync(PYTHON, [path.join(dir, 'export.check.py')], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, out: `${r.stdout}\n${r.stderr}`, dir };
}

describe('export: the Python check script reproduces the numbers with PyTorch', function () {
  this.timeout(300_000);
  before(function () {
    // CI installs Debian's python3-torch (.ci/apt-packages); a machine without it cannot run these.
    if (!torchAvailable()) skipBecause(this, `no torch: ${PYTHON} cannot import torch (install python3-torch); the exported Python check scripts were NOT run`);
  });

  it('a real LSTM (2 layers, bidirectional, F16 file), pads skipped: embedding rows from the model file', async () => {
    const folder = fixture('torch', 'lstm_l2_bi_f16_left_skip');
    const exp = JSON.parse(readFileSync(path.join(folder, 'expected.json'), 'utf8'));
    const r = await exportAndRun(folder, exp.text, { maxLength: exp.options.max_length, paddingSide: exp.options.padding_side, skipPadding: true });
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /embedding rows from .*model\.safetensors/);
    assert.match(r.out, /OK: PyTorch .* reproduces the exported numbers/);
  });

  it('a real GRU run through the pads (BF16 file)', async () => {
    const folder = fixture('torch', 'gru_l3_bi_bf16_right_skip');
    const exp = JSON.parse(readFileSync(path.join(folder, 'expected.json'), 'utf8'));
    const r = await exportAndRun(folder, exp.text, { maxLength: exp.options.max_length });
    assert.equal(r.status, 0, r.out);
  });

  it('a real bias-free GRU (bidirectional, pads skipped): built without biases and loaded strictly', async () => {
    const folder = fixture('torch', 'gru_l1_bi_f32_right_skip_nobias');
    const exp = JSON.parse(readFileSync(path.join(folder, 'expected.json'), 'utf8'));
    assert.equal(exp.options.skip_padding, true);
    const r = await exportAndRun(folder, exp.text, { maxLength: exp.options.max_length, paddingSide: exp.options.padding_side, skipPadding: true });
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /encoder: gru input 5, hidden 4, 1 layer\(s\), bidirectional=True, bias=False/);
    assert.match(r.out, /OK: PyTorch .* reproduces the exported numbers/);
    // The export's own metadata states the spec too.
    const st = readFileSync(path.join(r.dir, 'export.safetensors'));
    const header = JSON.parse(st.subarray(8, 8 + Number(st.readBigUInt64LE(0))).toString('utf8'));
    const { source, ...spec } = JSON.parse(header.__metadata__.encoder);
    assert.match(source, /gru_l1_bi_f32_right_skip_nobias[\\/]model\.safetensors$/);
    assert.deepEqual(spec, { cell: 'gru', nonlinearity: 'tanh', input_size: 5, hidden_size: 4, num_layers: 1, bidirectional: true, bias: false, batch_first: true, real: true, seed: null });
  });

  it('a real 3-layer bidirectional ReLU Elman RNN (BF16), left padding run through', async () => {
    const folder = fixture('torch', 'rnn_relu_l3_bi_bf16_left_through');
    const exp = JSON.parse(readFileSync(path.join(folder, 'expected.json'), 'utf8'));
    assert.equal(exp.options.padding_side, 'left');
    const r = await exportAndRun(folder, exp.text, { maxLength: exp.options.max_length, paddingSide: 'left', skipPadding: false });
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /encoder: rnn input 4, hidden 5, 3 layer\(s\), bidirectional=True, bias=True/);
    assert.match(r.out, /OK: PyTorch .* reproduces the exported numbers/);
  });

  it('refuses weights that do not fit the stated spec (strict loading): a bias the bias-free encoder lacks', async () => {
    // The result claims biases (as the old script assumed for every encoder); the file has none.
    const folder = fixture('torch', 'gru_l1_bi_f32_right_skip_nobias');
    const exp = JSON.parse(readFileSync(path.join(folder, 'expected.json'), 'utf8'));
    const r = await exportAndRun(folder, exp.text, { maxLength: exp.options.max_length, skipPadding: true }, result => {
      (result.encoder as { bias?: boolean }).bias = true;
    });
    assert.notEqual(r.status, 0, r.out);
    assert.match(r.out, /do not fit the encoder \(gru .*bias=True\).*Missing key\(s\).*bias_ih_l0/);
  });

  it('the seed model with its random Elman RNN: the export carries the random weights', async () => {
    const r = await exportAndRun('builtin:seed', 'White refrigerator is evil.', { maxLength: 8 });
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /embedding rows from the export/);
  });

  it('GloVe (F16 table) with a random bidirectional GRU', async () => {
    const r = await exportAndRun('builtin:glove-100d', 'the king and the queen', { maxLength: 8, random: { cell: 'gru', hiddenSize: 7, bidirectional: true } });
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /embedding rows from .*glove-100d.*model\.safetensors/);
  });

  it('fails when an exported number is wrong', async () => {
    const r = await exportAndRun('builtin:seed', 'White refrigerator is evil.', { maxLength: 8 }, result => {
      const out = new Float32Array(result.rnn.output.data);
      out[3] = out[3]! + 0.01;
    });
    assert.notEqual(r.status, 0, r.out);
    assert.match(r.out, /output differs by/);
  });
});
