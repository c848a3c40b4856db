// The CLI's synopsis against README, and a named tokenizer with a model that has its own
// (issue 12, item 3): per model kind it works with a "tokenizer overridden" note and a
// vocabulary-size check, or it is refused with a line that says how to combine them.
// Every test runs the real CLI (`node bin/embedding-lens.js`) as a user would.
import * as assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { cliOk as ok, runCli as cli, fixture, repoRoot } from './helpers';

/** Exit 1, nothing on stdout, one line on stderr; returns the line. */
function fails(args: string[]): string {
  const r = cli(args);
  assert.equal(r.status, 1, `exit ${r.status}: ${r.stdout.slice(0, 200)}`);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
  return r.stderr.trim();
}

/** The ``` block right after README's "### CLI" heading (and its one line of introduction). */
function readmeSynopsis(): string {
  const readme = readFileSync(path.join(repoRoot(), 'README.md'), 'utf8');
  const at = readme.indexOf('\n### CLI\n');
  assert.ok(at >= 0, 'README has a "### CLI" section');
  const open = readme.indexOf('\n```\n', at);
  const close = readme.indexOf('\n```\n', open + 1);
  assert.ok(open > at && close > open, 'a ``` block follows "### CLI"');
  return readme.slice(open + 5, close);
}

/**
 * The synopsis inside `--help`: its paragraphs (blank-line separated) that start with a command
 * line (`usage: embedding-lens …` or `       embedding-lens …`). The notes between them are
 * paragraphs of their own and are left out, as README leaves them out.
 */
function helpSynopsis(help: string): string {
  return help
    .replace(/\n+$/, '')
    .split('\n\n')
    .filter(p => /^(usage: | {7})embedding-lens /.test(p))
    .join('\n\n');
}

describe('CLI: README\'s synopsis is what --help prints', function () {
  this.timeout(30_000);

  // Catches any drift between README's block and the usage strings (a flag added to one and not
  // the other, a changed value list, even re-spaced columns): the comparison is exact.
  it('the block after "### CLI" equals the synopsis lines of `embedding-lens --help`, character for character', () => {
    const help = ok(['--help']);
    const synopsis = helpSynopsis(help);
    // The filter must find every command, else an empty synopsis could equal an empty block.
    for (const c of ['inspect', 'tokenize', 'neighbours', 'models', 'help', '--version']) assert.match(synopsis, new RegExp(`embedding-lens ${c}`), c);
    assert.equal(synopsis, readmeSynopsis());
  });

  // Catches a command's own --help drifting from its part of the overall synopsis.
  it('each command\'s --help starts with its part of that synopsis, "usage: " in front', () => {
    const parts = helpSynopsis(ok(['--help'])).split('\n\n');
    for (const [command, part] of [['inspect', parts[0]], ['tokenize', parts[1]], ['neighbours', parts[2]], ['models', parts[3]]] as const) {
      const own = ok([command, '--help']);
      assert.ok(part, `${command}'s synopsis in --help`);
      assert.ok(own.startsWith(part.replace(/^( {7}|usage: )/, 'usage: ') + '\n'), `${command} --help starts with:\n${part}\n--- got:\n${own.slice(0, 400)}`);
    }
  });

  // Catches --version going missing or printing something other than package.json's version.
  it('--version prints package.json\'s version', () => {
    const version = (JSON.parse(readFileSync(path.join(repoRoot(), 'package.json'), 'utf8')) as { version: string }).version;
    assert.equal(ok(['--version']), `embedding-lens ${version}\n`);
  });
});

describe('CLI: --tokenizer with a model that has its own tokenizer', function () {
  // Each test starts one or two CLI processes (a tokenizer load each); generous for a loaded machine.
  this.timeout(60_000);
  const dir = mkdtempSync(path.join(tmpdir(), 'lens-cli-tok-'));
  const folder = fixture('torch', 'lstm_l1_f32_right_skip'); // vocab.json + a (26, 5) table
  const gguf = fixture('gguf', 'tiny-f16.gguf'); // a (6, 8) token_embd.weight, gpt2-type metadata
  const small = path.join(dir, 'vocab.txt'); // 4 ids: fits both tables
  writeFileSync(small, '[PAD]\n[UNK]\nhello\nworld\n');

  // Catches the default model silently taking another tokenizer's ids onto its random rows, or
  // a refusal that does not tell the user what to run instead.
  it('builtin:seed (the default) refuses, naming both commands that combine them', () => {
    const line = fails(['inspect', '--tokenizer', 'gpt2', 'White refrigerator']);
    assert.match(line, /^embedding-lens: --tokenizer gpt2: builtin:seed cannot take another tokenizer: its 2048 rows are keyed by its own words/);
    assert.match(line, /gpt2's 50257 ids would pick unrelated rows/);
    assert.match(line, /`embedding-lens tokenize --tokenizer gpt2`/);
    assert.match(line, /a model whose table has at least 50257 rows with it \(`inspect --model DIR\|FILE\.safetensors\|FILE\.gguf --tokenizer gpt2`\)/);
    // What the message proposes does work.
    assert.match(ok(['tokenize', '--tokenizer', 'gpt2', '--format', 'table', 'White refrigerator']), /^byte-level BPE|tokens/m);
  });

  // Catches a bad --tokenizer value being hidden behind the refusal (it is checked first).
  it('builtin:seed with a tokenizer that does not exist names the tokenizer, not the model', () => {
    assert.match(fails(['inspect', '--tokenizer', path.join(dir, 'none.json'), 'x']), /none\.json: no such tokenizer file or folder/);
  });

  // Catches GloVe's word table being indexed by a subword tokenizer's ids.
  it('builtin:glove-100d and a word-vector file refuse the same way', () => {
    assert.match(fails(['inspect', '--model', 'builtin:glove-100d', '--tokenizer', 'gpt2', 'king']), /^embedding-lens: --tokenizer gpt2: builtin:glove-100d cannot take another tokenizer: .*`embedding-lens tokenize --tokenizer gpt2`/);
    const vectors = path.join(dir, 'tiny.glove.txt');
    writeFileSync(vectors, 'hello 0.1 0.2 0.3\nworld 0.4 0.5 0.6\n');
    assert.equal(ok(['inspect', '--model', vectors, '--format', 'table', 'hello']).includes('overridden'), false);
    assert.match(fails(['inspect', '--model', vectors, '--tokenizer', small, 'hello']), /--tokenizer .*vocab\.txt: .*tiny\.glove\.txt cannot take another tokenizer: its rows are a word-vector file's, one per word of its own vocabulary, so .*vocab\.txt's 4 ids/);
  });

  // Catches the override being silent (the JSON and the table must both say so, and what it replaced)
  // and the override not being used (the ids must be the given tokenizer's).
  it('a model folder takes it, with "tokenizer overridden" in the JSON and the table', () => {
    const json = JSON.parse(ok(['inspect', '--model', folder, '--tokenizer', small, '--format', 'json', 'hello world'])) as { model: { tokenizer: Record<string, unknown> }; input_ids: number[]; embeddings: number[][] };
    assert.deepEqual(json.model.tokenizer.overridden, { given: small, replaces: path.join(folder, 'vocab.json') });
    assert.equal(json.model.tokenizer.note, `tokenizer overridden: ${small} replaces the model's own (${path.join(folder, 'vocab.json')})`);
    assert.equal(json.model.tokenizer.vocab_size, 4);
    assert.deepEqual(json.input_ids.slice(0, 2), [2, 3], 'hello = 2, world = 3 in the given vocab.txt (the folder\'s vocab.json has other ids)');
    const table = ok(['inspect', '--model', folder, '--tokenizer', small, '--format', 'table', 'hello world']);
    const line = table.split('\n').find(l => l.startsWith('tokenizer '));
    assert.ok(line?.includes(`— tokenizer overridden: ${small} replaces the model's own (${path.join(folder, 'vocab.json')})`), line);
  });

  // Catches a missing size check: an id past the table's last row must be refused at load, with both sizes.
  it('a model folder with a tokenizer too big for its table: one line naming both sizes and the override', () => {
    const line = fails(['inspect', '--model', folder, '--tokenizer', 'gpt2', 'hello']);
    assert.match(line, /tokenizer\.json has ids up to 50256, but embedding "embedding\.weight" in .*model\.safetensors has only 26 rows; expected a table with at least 50257 rows \(--tokenizer gpt2 replaces the model's own, .*vocab\.json; give a tokenizer whose ids fit the table, or none\)/);
  });

  // Catches the note appearing where nothing was replaced (a bare table needs --tokenizer).
  it('a folder without a tokenizer of its own: --tokenizer supplies it, no override note', () => {
    const bare = path.join(dir, 'bare');
    mkdirSync(bare);
    copyFileSync(path.join(folder, 'model.safetensors'), path.join(bare, 'model.safetensors'));
    const json = JSON.parse(ok(['inspect', '--model', bare, '--tokenizer', small, 'hello'])) as { model: { tokenizer: Record<string, unknown> } };
    assert.equal(json.model.tokenizer.source, small);
    assert.equal('overridden' in json.model.tokenizer, false);
    assert.equal('note' in json.model.tokenizer, false);
  });

  // Catches the GGUF path ignoring --tokenizer, or overriding without saying what it replaced.
  it('a .gguf file takes it, the note naming the GGUF metadata it replaces', () => {
    const json = JSON.parse(ok(['inspect', '--model', gguf, '--tokenizer', small, 'hello world'])) as { model: { tokenizer: Record<string, unknown> }; input_ids: number[] };
    assert.deepEqual(json.model.tokenizer.overridden, { given: small, replaces: `${gguf}'s GGUF metadata: gpt2, 6 tokens` });
    assert.deepEqual(json.input_ids, [2, 3]);
    const line = ok(['inspect', '--model', gguf, '--tokenizer', small, '--format', 'table', 'hello']).split('\n').find(l => l.startsWith('tokenizer '));
    assert.ok(line?.includes(`— tokenizer overridden: ${small} replaces the model's own (${gguf}'s GGUF metadata: gpt2, 6 tokens)`), line);
  });

  // Catches cl100k_base's 100277 ids being let onto a 6-row table.
  it('--tokenizer cl100k_base --model some.gguf with a smaller table: one line naming both sizes', () => {
    const line = fails(['inspect', '--tokenizer', 'cl100k_base', '--model', gguf, 'hello']);
    assert.match(line, /cl100k_base\.tiktoken has ids up to 100276, but embedding "token_embd\.weight" in .*tiny-f16\.gguf has only 6 rows; expected a table with at least 100277 rows \(--tokenizer cl100k_base replaces the model's own, .*tiny-f16\.gguf's GGUF metadata: gpt2, 6 tokens;/);
  });

  // Catches neighbours silently ranking rows under another tokenizer's names.
  it('neighbours --tokenizer with a model folder says so in its table heading', () => {
    const out = ok(['neighbours', '--model', folder, '--tokenizer', small, '--format', 'table', 'hello']);
    assert.ok(out.startsWith(`neighbours of hello (id 2) among 26 rows of lstm_l1_f32_right_skip (tokenizer overridden: ${small} replaces the model's own (${path.join(folder, 'vocab.json')})):`), out);
  });

  // Catches tokenize's refusal of both flags leaving the user without the command that combines them.
  it('tokenize with both --tokenizer and --model names the inspect command that combines them', () => {
    assert.match(fails(['tokenize', '--tokenizer', 'gpt2', '--model', folder, 'x']), /give --tokenizer or --model, not both: .*`embedding-lens inspect --model M --tokenizer T`.*two --tokenizer or two --model/);
  });

  // Catches the note leaking into models used as they are.
  it('without --tokenizer there is no note', () => {
    const json = JSON.parse(ok(['inspect', '--model', folder, 'good moon'])) as { model: { tokenizer: Record<string, unknown> } };
    assert.equal('overridden' in json.model.tokenizer, false);
    assert.equal(ok(['inspect', '--format', 'table', 'White']).includes('overridden'), false);
  });
});
