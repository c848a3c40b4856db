// `embedding-lens neighbours` as a user runs it: a real process on real files. Expected ids and
// cosines come from a float64 brute force written here over the rows the files hold.
import * as assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { writeSafetensors } from '../../src/core/formats/safetensors';
import { createRng } from '../../src/core/prng';
import { cliOk as ok, runCli as cli, type CliResult } from './helpers';

/** Exit 1 and exactly one stderr line matching `re`. */
function failsWith(r: CliResult, re: RegExp): void {
  assert.equal(r.status, 1, `exit ${r.status}, stdout ${r.stdout.slice(0, 200)}`);
  assert.equal(r.stdout, '');
  const lines = r.stderr.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /^embedding-lens: /);
  assert.match(lines[0]!, re);
}

function bruteForce(rows: readonly (readonly number[])[], id: number, k: number): { id: number; cosine: number }[] {
  const q = rows[id]!;
  const norm = (v: readonly number[]): number => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  const all: { id: number; cosine: number }[] = [];
  rows.forEach((row, r) => {
    if (r === id || norm(row) === 0) return;
    all.push({ id: r, cosine: row.reduce((s, x, c) => s + x * q[c]!, 0) / (norm(row) * norm(q)) });
  });
  return all.sort((a, b) => b.cosine - a.cosine || a.id - b.id).slice(0, k);
}

/** A model folder: vocab.txt (w0 … wN) + a BF16 model.safetensors of seeded values with ties. */
function modelFolder(rows: number, cols: number): { dir: string; values: number[][] } {
  const dir = mkdtempSync(path.join(tmpdir(), 'el-cli-nbr-'));
  const rng = createRng(11);
  // Multiples of 1/32 in [-4, 4]: exact in BF16, so the file holds exactly these.
  const values = Array.from({ length: rows }, () => Array.from({ length: cols }, () => Math.floor(rng.uniform(-128, 128)) / 32));
  values[9] = [...values[4]!];
  values[2] = new Array(cols).fill(0);
  writeFileSync(path.join(dir, 'vocab.txt'), values.map((_, i) => `w${i}`).join('\n') + '\n');
  writeFileSync(path.join(dir, 'model.safetensors'), writeSafetensors([{ name: 'embedding.weight', dtype: 'BF16', shape: [rows, cols], data: values.flat() }]));
  return { dir, values };
}

describe('CLI neighbours', function () {
  this.timeout(60_000);

  it('GloVe: king → prince, queen, … as JSON { query, neighbours }, best first', () => {
    const out = JSON.parse(ok(['neighbours', '--model', 'builtin:glove-100d', 'king']));
    assert.deepEqual(Object.keys(out), ['query', 'neighbours']);
    assert.equal(out.query.text, 'king');
    assert.equal(out.neighbours.length, 5);
    assert.deepEqual(Object.keys(out.neighbours[0]), ['id', 'text', 'cosine']);
    assert.deepEqual(out.neighbours.slice(0, 2).map((n: any) => n.text), ['prince', 'queen']);
    for (let i = 1; i < 5; i++) assert.ok(out.neighbours[i - 1].cosine >= out.neighbours[i].cosine);
    // The cosine is that of the rows inspect prints for the two words (float64 over float32 rows).
    // (inspect prints float32 values in their shortest form: Math.fround gives the float32 back)
    const rows = (JSON.parse(ok(['inspect', '--model', 'builtin:glove-100d', 'king prince'])).embeddings as number[][]).map(r => r.map(Math.fround));
    const [a, b] = rows as [number[], number[]];
    const dot = a.reduce((s, x, i) => s + x * b[i]!, 0);
    const want = dot / (Math.hypot(...a) * Math.hypot(...b));
    assert.ok(Math.abs(out.neighbours[0].cosine - want) < 1e-12, `${out.neighbours[0].cosine} vs ${want}`);
  });

  it('--id and --k on a BF16 model folder: ids and cosines of a float64 brute force', () => {
    const { dir, values } = modelFolder(500, 48);
    for (const [id, k] of [[4, 5], [9, 1], [123, 17]] as const) {
      const out = JSON.parse(ok(['neighbours', '--model', dir, '--id', String(id), '--k', String(k)]));
      const want = bruteForce(values, id, k);
      assert.deepEqual(out.query, { id, text: `w${id}` });
      assert.deepEqual(out.neighbours.map((n: any) => n.id), want.map(n => n.id), `id ${id}`);
      assert.deepEqual(out.neighbours.map((n: any) => n.text), want.map(n => `w${n.id}`));
      out.neighbours.forEach((n: any, i: number) => assert.ok(Math.abs(n.cosine - want[i]!.cosine) < 1e-12));
    }
    // WORD is tokenized by the model's tokenizer: w123 is id 123.
    assert.deepEqual(JSON.parse(ok(['neighbours', '--model', dir, 'w123'])).query, { id: 123, text: 'w123' });
  });

  it('--format table: a header line and one row per neighbour', () => {
    const out = ok(['neighbours', '--model', 'builtin:glove-100d', '--format', 'table', '--k', '3', 'queen']);
    const lines = out.trimEnd().split('\n');
    assert.match(lines[0]!, /^neighbours of queen \(id \d+\) among 50002 rows of /);
    assert.match(lines[2]!, /^#\s+id\s+token\s+cosine$/);
    assert.equal(lines.length, 6);
    assert.match(lines[3]!, /^1\s+\d+\s+princess\s+0\.\d{6}$/);
  });

  it('is listed in --help, and has its own --help', () => {
    assert.match(ok(['--help']), /embedding-lens neighbours \(WORD \| --id N\)/);
    assert.match(ok(['neighbours', '--help']), /^usage: embedding-lens neighbours/);
    assert.match(ok(['help', 'neighbours']), /--k N/);
  });

  it('a WORD of several tokens: one line saying how many, suggesting --id', () => {
    failsWith(cli(['neighbours', '--model', 'builtin:glove-100d', 'king queen']), /WORD "king queen" is 2 tokens for .*: king \(\d+\), queen \(\d+\); expected one token: give one of their ids with --id N$/);
  });

  it('bad queries and flags: one line naming the flag', () => {
    failsWith(cli(['neighbours']), /no query, expected a WORD or --id N/);
    failsWith(cli(['neighbours', '--id', '3', 'white']), /give WORD or --id, not both/);
    failsWith(cli(['neighbours', 'a', 'b']), /expected one WORD, got 2 arguments/);
    failsWith(cli(['neighbours', '--k', '0', 'white']), /--k: 0 is not valid, expected a whole number from 1 to 10000/);
    failsWith(cli(['neighbours', '--id', '-1']), /--id: -1 is not valid/);
    failsWith(cli(['neighbours', '--id', '2048']), /--id 2048 is outside the embedding table "embedding.weight" in builtin:seed, which has 2048 rows; expected 0 to 2047/);
    failsWith(cli(['neighbours', '--frob', 'x']), /unknown option --frob/);
    failsWith(cli(['neighbours', '--model', '/nonexistent/m', '--id', '1']), /\/nonexistent\/m/);
  });

  it('runs under the CLI\'s deadline', () => {
    failsWith(cli(['neighbours', '--timeout', '1', '--id', '1'], { EMBEDDING_LENS_FAULT: 'spin' }), /^embedding-lens: timed out after 1 s during: the test fault spin \(the deadline; raise it with --timeout\)$/);
  });
});
