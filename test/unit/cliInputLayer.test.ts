// The transformer input layer through the CLI as a user runs it: `inspect --model <the
// test/fixtures/input-layer folder> --tokenizer vocab.txt --format json|table`, against the
// PyTorch stages in the folder's expected.json (scripts/fixtures/input_layer.py). The folders
// hold no tokenizer, so each case writes a vocab.txt whose ids fit the fixture's sequence: token
// i is "t<i>", with [CLS]/[SEP]/[PAD]/[UNK] at the ids the sequence uses for them (and a "##z"
// entry, which makes it a BERT WordPiece vocabulary that adds [CLS] … [SEP]). GPT-2's cases use a
// word-level vocabulary and --no-special-tokens. Tolerances as test/unit/inputLayer.test.ts:
// sums bit-identical (float32), LayerNorm within 1e-6.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fixture, repoRoot } from './helpers';

interface Sequence {
  input_ids: number[];
  token_type_ids?: number[];
  position_ids: number[];
  stages: Record<string, number[][]>;
}

interface Expected {
  family: string;
  tensors: Record<string, string>;
  sequences: Sequence[];
}

interface Case {
  folder: string;
  /** Which sequence of expected.json. */
  seq: number;
  text: string;
  /** Ids of the special tokens in this vocabulary; "##z" goes at `wordpiece` (undefined: a word-level vocabulary). */
  specials: Record<number, string>;
  wordpiece?: number;
  args: string[];
}

const BERT = { 0: '[PAD]', 1: '[UNK]', 2: '[CLS]', 3: '[SEP]' };
const CASES: Case[] = [
  { folder: 'bert_prefixed', seq: 0, text: 't17 t5 t9', specials: BERT, wordpiece: 29, args: [] },
  // Right padding to --max-length: the pads get positions and the type row too.
  { folder: 'bert_prefixed', seq: 1, text: 't17', specials: BERT, wordpiece: 29, args: ['--max-length', '6'] },
  { folder: 'bert_plain_f16', seq: 0, text: 't7 t24', specials: { 0: '[PAD]', 1: '[CLS]', 2: '[SEP]', 3: '[UNK]' }, wordpiece: 20, args: [] },
  { folder: 'distilbert', seq: 1, text: 't9', specials: BERT, wordpiece: 29, args: ['--max-length', '5'] },
  // RoBERTa counts positions from padding_idx + 1 and skips pads: left pads move the positions.
  { folder: 'roberta', seq: 0, text: 't31 t7 t12', specials: { 0: '[CLS]', 1: '[PAD]', 2: '[SEP]', 3: '[UNK]' }, wordpiece: 39, args: [] },
  { folder: 'roberta', seq: 2, text: 't31', specials: { 0: '[CLS]', 1: '[PAD]', 2: '[SEP]', 3: '[UNK]' }, wordpiece: 39, args: ['--max-length', '5', '--padding-side', 'left'] },
  { folder: 'gpt2_transformer', seq: 0, text: 't49 t3 t17 t22', specials: {}, args: ['--no-special-tokens'] },
  { folder: 'gpt2_plain_f16', seq: 0, text: 't19 t0 t4', specials: {}, args: ['--no-special-tokens'] },
];

function expectedOf(folder: string): Expected {
  return JSON.parse(readFileSync(fixture('input-layer', folder, 'expected.json'), 'utf8')) as Expected;
}

function vocabFor(c: Case): string {
  const config = JSON.parse(readFileSync(fixture('input-layer', c.folder, 'config.json'), 'utf8')) as { vocab_size: number };
  const tokens = Array.from({ length: config.vocab_size }, (_, i) => c.specials[i] ?? `t${i}`);
  if (c.wordpiece !== undefined) tokens[c.wordpiece] = '##z';
  const dir = mkdtempSync(path.join(tmpdir(), 'el-cli-input-layer-'));
  const file = path.join(dir, 'vocab.txt');
  writeFileSync(file, tokens.join('\n') + '\n');
  return file;
}

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(repoRoot(), 'bin', 'embedding-lens.js'), ...args], { encoding: 'utf8', timeout: 60_000, env: { PATH: process.env.PATH ?? '', HOME: tmpdir() } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const f32 = (x: number) => Math.fround(x);

describe('CLI inspect: the transformer input layer against PyTorch (test/fixtures/input-layer)', function () {
  // Each case spawns the CLI.
  this.timeout(60_000);

  for (const c of CASES) {
    const exp = expectedOf(c.folder);
    const seq = exp.sequences[c.seq]!;
    // Catches: the input layer not reaching the JSON, stages out of order or missing, positions
    // not following padding (RoBERTa), a pad's row or type row left out, the table dropping stages.
    it(`${c.folder} ${JSON.stringify(seq.input_ids)}: json input_layer.stages equal PyTorch's; the table prints them`, () => {
      const vocab = vocabFor(c);
      const base = ['inspect', c.text, '--model', fixture('input-layer', c.folder), '--tokenizer', vocab, ...c.args];
      const r = cli([...base, '--format', 'json']);
      assert.equal(r.status, 0, r.stderr);
      const out = JSON.parse(r.stdout) as {
        input_ids: number[];
        embeddings: number[][];
        model: { origin?: { format: string; architecture?: string } };
        input_layer: { family: string; position_ids: number[]; stages: { name: string; added: string[]; real: boolean; matrix: number[][] }[] };
      };
      assert.deepEqual(out.input_ids, seq.input_ids, 'the vocabulary and options give the fixture\'s ids');
      assert.equal(out.input_layer.family, exp.family);
      assert.deepEqual(out.input_layer.position_ids, seq.position_ids);
      assert.deepEqual(out.input_layer.stages.map(s => s.name), Object.keys(seq.stages));
      assert.equal(out.model.origin?.format, 'safetensors');
      for (const st of out.input_layer.stages) {
        const want = seq.stages[st.name]!;
        assert.equal(st.real, true);
        assert.equal(st.matrix.length, want.length, `${st.name}: rows`);
        const atol = st.name === 'LayerNorm' ? 1e-6 : 0;
        st.matrix.forEach((row, i) => {
          assert.equal(row.length, want[i]!.length);
          row.forEach((v, j) => {
            const d = Math.abs(f32(v) - f32(want[i]![j]!));
            assert.ok(d <= atol, `${c.folder} stage ${st.name} [${i}][${j}]: CLI ${v}, PyTorch ${want[i]![j]} (|Δ| ${d} > ${atol})`);
          });
        });
      }
      // The "word" stage is the embeddings the encoder reads.
      assert.deepEqual(out.input_layer.stages[0]!.matrix, out.embeddings);
      assert.deepEqual(out.input_layer.stages[0]!.added, [exp.tensors.word]);

      const t = cli([...base, '--format', 'table']);
      assert.equal(t.status, 0, t.stderr);
      assert.ok(t.stdout.includes(`input layer (${JSON.parse(readFileSync(fixture('input-layer', c.folder, 'config.json'), 'utf8')).model_type}), real; position ids [${seq.position_ids.join(', ')}]`), t.stdout);
      for (const st of out.input_layer.stages.slice(1)) {
        const at = t.stdout.indexOf(`\n${st.name}  (${st.added.join(', ')})\n`);
        assert.ok(at >= 0, `table: no "${st.name}" stage header\n${t.stdout}`);
        // The stage's first row follows its header, with the JSON's numbers.
        const firstRow = t.stdout.slice(at).split('\n')[2]!;
        assert.ok(firstRow.startsWith(`[[${st.matrix[0]![0]}, `), `table: ${st.name} first row ${firstRow}, JSON ${st.matrix[0]![0]}`);
      }
    });
  }
});
