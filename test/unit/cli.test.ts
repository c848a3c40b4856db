// The CLI as a user runs it: `node bin/embedding-lens.js …`, a real process, real files.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { get_encoding } from 'tiktoken';
import { assertClose, fixture, flat, repoRoot } from './helpers';

interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Each test spawns the CLI (a fresh node that loads a model or an encoding such as cl100k_base):
 * about a second alone, many more on a loaded machine, so not mocha's default 2 s. The spawn
 * has the same limit, so a CLI that hangs is killed and its test fails instead of waiting forever.
 */
const CLI_TIMEOUT_MS = 60_000;

function cli(args: string[], input?: string): CliResult {
  const r = spawnSync(process.execPath, [path.join(repoRoot(), 'bin', 'embedding-lens.js'), ...args], { encoding: 'utf8', input, maxBuffer: 64 << 20, timeout: CLI_TIMEOUT_MS });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function json(args: string[], input?: string): Record<string, any> {
  const r = cli([...args, '--format', 'json'], input);
  assert.equal(r.status, 0, `exit ${r.status}: ${r.stderr}`);
  assert.equal(r.stderr, '');
  return JSON.parse(r.stdout);
}

// docs/ARCHITECTURE.md, "The seed example, exactly" (the explainer's numbers).
const SEED_ROWS = [
  [10, 0.01, 2.3, 0.1, 0.1],
  [3.14, 2.5, -0.2, 0.1, 1.2],
  [0.02, 0.3, 1.3, -0.5, 5],
  [-1.7, 1.7, -9.2, 0.1, 0.1],
  [-0.1, 0.1, -0.2, 0.1, 0.1],
  [0.01, 0.01, 0.1, 0.1, 0.1],
  [0.01, 0.01, 0.1, 0.1, 0.1],
  [0.01, 0.01, 0.1, 0.1, 0.1],
];

describe('CLI: the seed example', function () {
  this.timeout(CLI_TIMEOUT_MS);
  it('prints the explainer\'s ids, mask and (8, 5) rows exactly', () => {
    const out = json(['inspect', '--model', 'builtin:seed', '--max-length', '8', 'White refrigerator is evil.']);
    assert.deepEqual(out.input_ids, [320, 1028, 5, 128, 1, 0, 0, 0]);
    assert.deepEqual(out.attention_mask, [1, 1, 1, 1, 1, 0, 0, 0]);
    assert.deepEqual(out.embeddings, SEED_ROWS);
    assert.deepEqual(out.tokens.map((t: any) => [t.id, t.text, t.start, t.end, t.special]), [
      [320, 'White', 0, 5, false], [1028, 'refrigerator', 6, 18, false], [5, 'is', 19, 21, false], [128, 'evil', 22, 26, false], [1, '.', 26, 27, false],
    ]);
    // Its encoder is a seeded random RNN with hidden size 5, labelled as random.
    assert.equal(out.model.encoder.real, false);
    assert.equal(out.model.encoder.hidden_size, 5);
    assert.match(out.model.encoder.source, /random \(seed 0\)/);
    assert.equal(out.output.length, 8);
    assert.equal(out.h_n.length, 1);
    assert.equal(out.h_n[0].length, 5);
    assert.deepEqual(out.h_n[0], out.output[7], 'h_n is the state after the last (pad) step when pads run through');
  });

  it('the same text with the model\'s default max length (8) and from stdin', () => {
    const out = json(['inspect', '--model', 'builtin:seed'], 'White refrigerator is evil.');
    assert.deepEqual(out.input_ids, [320, 1028, 5, 128, 1, 0, 0, 0]);
  });

  it('--skip-padding: outputs at pads are 0 and h_n is the state at the last real token', () => {
    const out = json(['inspect', '--model', 'builtin:seed', '--skip-padding', 'White refrigerator is evil.']);
    assert.deepEqual(out.output.slice(5), [[0, 0, 0, 0, 0], [0, 0, 0, 0, 0], [0, 0, 0, 0, 0]]);
    assert.deepEqual(out.h_n[0], out.output[4]);
  });

  it('any other text works: every word gets a stable id and vector', () => {
    const a = json(['inspect', '--model', 'builtin:seed', 'Black cats are good.']);
    const b = json(['inspect', '--model', 'builtin:seed', 'Black cats are good.']);
    assert.deepEqual(a.input_ids, b.input_ids);
    assert.deepEqual(a.embeddings, b.embeddings);
    assert.equal(a.input_ids[4], 1, '"." keeps the explainer\'s id');
  });

  it('--format table prints the token table, the matrix like the explainer and its shape', () => {
    const r = cli(['inspect', '--model', 'builtin:seed', '--max-length', '8', '--format', 'table', 'White refrigerator is evil.']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^0 +320 +White +0:5 +White$/m);
    assert.match(r.stdout, /input_ids +\[320, 1028, 5, 128, 1, 0, 0, 0\] +shape \(8,\)/);
    assert.match(r.stdout, /^\[\[10, 0\.01, 2\.3, 0\.1, 0\.1\], +# White$/m);
    assert.match(r.stdout, /^ \[3\.14, 2\.5, -0\.2, 0\.1, 1\.2\], +# refrigerator$/m);
    assert.match(r.stdout, /^ \[0\.01, 0\.01, 0\.1, 0\.1, 0\.1\]\] +# \[pad\]$/m);
    assert.match(r.stdout, /^Shape - \(8, 5\)$/m);
    assert.match(r.stdout, /RANDOM \(seed 0\)/);
    assert.match(r.stdout, /^h_n \(random encoder\)$/m);
  });

  it('a random encoder follows --cell/--hidden-size/--layers/--bidirectional/--seed', () => {
    const out = json(['inspect', '--model', 'builtin:seed', '--cell', 'lstm', '--hidden-size', '3', '--layers', '2', '--bidirectional', '--seed', '7', 'White refrigerator']);
    assert.equal(out.model.encoder.cell, 'lstm');
    assert.equal(out.output[0].length, 6);
    assert.equal(out.h_n.length, 4);
    assert.equal(out.c_n.length, 4);
    const other = json(['inspect', '--model', 'builtin:seed', '--cell', 'lstm', '--hidden-size', '3', '--layers', '2', '--bidirectional', '--seed', '8', 'White refrigerator']);
    assert.notDeepEqual(out.h_n, other.h_n);
  });
});

describe('CLI: PyTorch model folders (test/fixtures/torch)', function () {
  this.timeout(CLI_TIMEOUT_MS);
  const root = fixture('torch');
  const cases = existsSync(root) ? readdirSync(root).filter(d => existsSync(path.join(root, d, 'expected.json'))) : [];
  it('has reference cases', () => assert.ok(cases.length >= 20, `found ${cases.length} cases`));
  const worst: Record<string, number> = {};
  for (const name of cases) {
    it(`${name}: input_ids, embeddings, output, h_n, c_n equal PyTorch's`, () => {
      const exp = JSON.parse(readFileSync(path.join(root, name, 'expected.json'), 'utf8'));
      const o = exp.options;
      const args = ['inspect', '--model', path.join(root, name), '--max-length', String(o.max_length), '--padding-side', o.padding_side, '--truncation-side', o.truncation_side];
      if (o.skip_padding) args.push('--skip-padding');
      const out = json([...args, exp.text]);
      assert.deepEqual(out.input_ids, exp.input_ids);
      assert.deepEqual(out.attention_mask, exp.attention_mask);
      assert.equal(out.model.encoder.real, true);
      // The CLI prints each float32 in its shortest form: equal once read back as float32.
      assertClose(flat(out.embeddings).map(Math.fround), flat(exp.embeddings).map(Math.fround), `${name} embeddings`, { atol: 0 });
      let d = assertClose(flat(out.output), flat(exp.output), `${name} output`, { atol: 1e-5 });
      d = Math.max(d, assertClose(flat(out.h_n), flat(exp.h_n), `${name} h_n`, { atol: 1e-5 }));
      if (exp.c_n) d = Math.max(d, assertClose(flat(out.c_n), flat(exp.c_n), `${name} c_n`, { atol: 1e-5 }));
      else assert.equal(out.c_n, undefined);
      const cell = out.model.encoder.cell === 'rnn' ? `rnn-${out.model.encoder.nonlinearity}` : out.model.encoder.cell;
      worst[cell] = Math.max(worst[cell] ?? 0, d);
    });
  }
  after(() => {
    for (const [cell, d] of Object.entries(worst)) console.log(`      largest |Δ| vs PyTorch through the CLI, ${cell}: ${d.toExponential(2)}`);
  });
});

describe('CLI: the built-in GloVe model', function () {
  this.timeout(CLI_TIMEOUT_MS);
  it('"king queen" gives the GloVe rows for both words', () => {
    const out = json(['inspect', '--model', 'builtin:glove-100d', 'king queen']);
    assert.deepEqual(out.tokens.map((t: any) => t.text), ['king', 'queen']);
    const ref = JSON.parse(readFileSync(fixture('glove', 'reference-rows.json'), 'utf8'));
    const rowsOf = (w: string): number[] => {
      const r = ref.rows ? ref.rows.find((x: any) => x.word === w) : ref[w];
      return r.values ?? r.vector ?? r;
    };
    assert.equal(out.embeddings[0].length, 100);
    assertClose(out.embeddings[0], rowsOf('king'), 'king', { atol: 6e-8, rtol: 2 ** -11 });
    assertClose(out.embeddings[1], rowsOf('queen'), 'queen', { atol: 6e-8, rtol: 2 ** -11 });
    assert.equal(out.model.embedding.real, true);
    assert.equal(out.model.encoder.real, false);
  });
});

describe('CLI: tokenize', function () {
  this.timeout(CLI_TIMEOUT_MS);
  const text = 'White refrigerator is evil. \u{1F44D}\u{1F3FD} caf\u00e9';
  it('--tokenizer cl100k_base: ids equal tiktoken\'s, spans are UTF-16 and contiguous', () => {
    const r = cli(['tokenize', '--tokenizer', 'cl100k_base', '--format', 'json', text]);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    const enc = get_encoding('cl100k_base');
    try {
      assert.deepEqual(out.tokens.map((t: any) => t.id), Array.from(enc.encode(text)));
    } finally {
      enc.free();
    }
    assert.equal(out.count, out.tokens.length);
    assert.equal(out.tokens[0].start, 0);
    assert.equal(out.tokens[out.tokens.length - 1].end, text.length);
  });
  it('--format table lists tokens with visible whitespace', () => {
    const r = cli(['tokenize', '--tokenizer', 'cl100k_base', '--format', 'table', 'White refrigerator']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^1 +46044 +Ġrefrigerator +5:18 +␣refrigerator$/m);
  });
  it('--explain START:END prints the steps behind the span', () => {
    const r = cli(['tokenize', '--model', 'builtin:glove-100d', '--format', 'table', '--explain', '0:4', 'King queen']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /normalized 0:10: "King queen" → "king queen"/);
    assert.match(r.stdout, /pre-tokens: \[king\]\* \[queen\]/);
    assert.match(r.stdout, /lookup "king" → id 656/);
  });
  it('a span outside the text or an unknown tokenizer name is a one-line error', () => {
    let r = cli(['tokenize', '--tokenizer', 'gpt2', '--explain', '5:1', 'abc']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /--explain: "5:1" is not a span of the text, expected START:END with 0 <= START <= END <= 3/);
    r = cli(['tokenize', '--tokenizer', 'gpt5', 'abc']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /gpt5: no such tokenizer file or folder \(named tokenizers: gpt2, r50k_base, p50k_base, cl100k_base, o200k_base\)/);
  });
});

describe('CLI errors: exit 1 and one line naming what was wrong', function () {
  this.timeout(CLI_TIMEOUT_MS);
  const dir = mkdtempSync(path.join(tmpdir(), 'lens-cli-'));
  const cases: [string, string[], RegExp][] = [
    ['unknown option', ['inspect', '--frobnicate', 'x'], /unknown option --frobnicate/],
    ['bad option value', ['inspect', '--padding-side', 'up', 'x'], /--padding-side: "up" is not valid, expected right or left/],
    ['non-numeric int', ['inspect', '--max-length', 'eight', 'x'], /--max-length: "eight" is not a whole number/],
    ['zero max length', ['inspect', '--max-length', '0', 'x'], /--max-length: 0 is not valid/],
    ['missing model', ['inspect', '--model', path.join(dir, 'nope'), 'x'], /nope: no such file or folder/],
    ['unknown builtin', ['inspect', '--model', 'builtin:bert', 'x'], /unknown built-in model "builtin:bert"/],
    ['unknown command', ['frob'], /unknown command "frob", expected inspect, tokenize, neighbours or models/],
    ['bad hidden size', ['inspect', '--hidden-size', '0', 'x'], /--hidden-size: 0 is not valid/],
    ['missing --file', ['inspect', '--file', path.join(dir, 'none.txt')], /--file: cannot read .*none\.txt \(ENOENT\)/],
  ];
  for (const [name, args, re] of cases) {
    it(name, () => {
      const r = cli(args);
      assert.equal(r.status, 1);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, re);
      assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
    });
  }
  it('a folder whose tokenizer does not fit the table says both sizes', () => {
    const torch = fixture('torch');
    const some = readdirSync(torch).find(d => existsSync(path.join(torch, d, 'model.safetensors')))!;
    const vocab = path.join(dir, 'big-vocab.txt');
    writeFileSync(vocab, Array.from({ length: 5000 }, (_, i) => `w${i}`).join('\n'));
    const r = cli(['inspect', '--model', path.join(torch, some), '--tokenizer', vocab, 'w1']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /big-vocab\.txt has ids up to 4999, but embedding "embedding\.weight" in .*model\.safetensors has only \d+ rows/);
  });
});
