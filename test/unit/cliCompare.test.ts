// `embedding-lens tokenize --tokenizer A --tokenizer B` as a user runs it (a real process): both
// tokenizations with ids checked against tiktoken itself, the alignment's groups, the table, the
// one-tokenizer output left as it was, and the usage errors.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { get_encoding, type TiktokenEncoding } from 'tiktoken';
import { fixture, repoRoot } from './helpers';

function cli(args: string[], input?: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(repoRoot(), 'bin', 'embedding-lens.js'), ...args], { encoding: 'utf8', input, maxBuffer: 64 << 20 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tiktokenIds(name: TiktokenEncoding, text: string): number[] {
  const enc = get_encoding(name);
  try {
    return Array.from(enc.encode(text));
  } finally {
    enc.free();
  }
}

interface CompareJson {
  text: string;
  sides: { tokenizer: { kind: string; source: string; vocab_size: number }; spec: string; count: number; ids: number[]; tokens: { id: number; text: string; start: number; end: number; special: boolean }[] }[];
  groups: { start: number; end: number; a: number[]; b: number[]; same: boolean }[];
  differ: number;
}

const TEXT = 'def f(x):\n    return "日本語 🙂👍🏽"  # café';

describe('CLI: tokenize with two tokenizers', function () {
  this.timeout(60_000);

  it('--tokenizer gpt2 --tokenizer o200k_base: each side\'s ids are tiktoken\'s; the groups cover the text in order', () => {
    const r = cli(['tokenize', '--tokenizer', 'gpt2', '--tokenizer', 'o200k_base', TEXT]);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as CompareJson;
    assert.equal(out.text, TEXT);
    assert.deepEqual(out.sides.map(s => s.spec), ['gpt2', 'o200k_base'], 'the sides in the order given');
    // Would catch: a side tokenized by the wrong tokenizer, or the sides swapped.
    assert.deepEqual(out.sides[0]!.ids, tiktokenIds('gpt2', TEXT));
    assert.deepEqual(out.sides[1]!.ids, tiktokenIds('o200k_base', TEXT));
    for (const s of out.sides) {
      assert.equal(s.count, s.ids.length);
      assert.deepEqual(s.tokens.map(t => t.id), s.ids);
    }
    // Would catch: groups that lose text, tokens, or order.
    assert.equal(out.groups.map(g => TEXT.slice(g.start, g.end)).join(''), TEXT);
    assert.deepEqual(out.groups.flatMap(g => g.a), out.sides[0]!.ids.map((_, i) => i));
    assert.deepEqual(out.groups.flatMap(g => g.b), out.sides[1]!.ids.map((_, i) => i));
    assert.equal(out.differ, out.groups.filter(g => !g.same).length);
    assert.ok(out.differ > 0 && out.differ < out.groups.length, 'some groups agree, some do not');
    // 日本 is two tokens' worth of byte pieces in gpt2, one token in o200k_base.
    const nihon = TEXT.indexOf('日本');
    const g = out.groups.find(x => x.start === nihon && x.end === nihon + 2)!;
    assert.ok(g, 'a group for 日本');
    assert.equal(g.same, false);
    assert.equal(g.b.length, 1);
  });

  it('--format table: a row per group, * where the cuts differ, both sides\' tokens and ids', () => {
    const r = cli(['tokenize', '--tokenizer', 'cl100k_base', '--tokenizer', 'o200k_base', '--format', 'table', 'White refrigerator 日本']);
    assert.equal(r.status, 0, r.stderr);
    const ids = { a: tiktokenIds('cl100k_base', 'White refrigerator 日本'), b: tiktokenIds('o200k_base', 'White refrigerator 日本') };
    assert.match(r.stdout, /^A: --tokenizer cl100k_base = cl100k_base .*: \d+ tokens$/m);
    assert.match(r.stdout, /^B: --tokenizer o200k_base = o200k_base .*: \d+ tokens$/m);
    assert.match(r.stdout, /^\d+ groups; \d+ cut differently \(marked \*\)$/m);
    assert.match(r.stdout, /^ +span +text +A tokens +A ids +B tokens +B ids$/m);
    // "White" is one token in both: an unmarked row with both ids.
    assert.match(r.stdout, new RegExp(`^ +0:5 +White +White +${ids.a[0]} +White +${ids.b[0]}$`, 'm'));
    assert.match(r.stdout, /^\* +18:21 +␣日本 /m, 'the CJK group differs and is marked');
  });

  it('two --model: the models\' tokenizers; zero-width specials of a WordPiece folder are their own groups', () => {
    let r = cli(['tokenize', '--model', 'builtin:seed', '--model', 'builtin:glove-100d', 'White refrigerator']);
    assert.equal(r.status, 0, r.stderr);
    let out = JSON.parse(r.stdout) as CompareJson;
    assert.deepEqual(out.sides.map(s => s.tokenizer.source), ['builtin:seed', out.sides[1]!.tokenizer.source]);
    assert.deepEqual(out.sides[0]!.ids.slice(0, 2), [320, 1028], 'the seed ids of the explainer');
    r = cli(['tokenize', '--tokenizer', fixture('tokenizers', 'bert-base-uncased'), '--tokenizer', 'builtin:seed', 'Hi  there']);
    assert.equal(r.status, 0, r.stderr);
    out = JSON.parse(r.stdout) as CompareJson;
    assert.deepEqual(out.groups, [
      { start: 0, end: 0, a: [0], b: [], same: false },
      { start: 0, end: 2, a: [1], b: [0], same: true },
      { start: 2, end: 4, a: [], b: [], same: true },
      { start: 4, end: 9, a: [2], b: [1], same: true },
      { start: 9, end: 9, a: [3], b: [], same: false },
    ]);
    // --no-special-tokens applies to both sides.
    r = cli(['tokenize', '--tokenizer', fixture('tokenizers', 'bert-base-uncased'), '--tokenizer', 'builtin:seed', '--no-special-tokens', 'Hi  there']);
    out = JSON.parse(r.stdout) as CompareJson;
    assert.equal(out.differ, 0);
  });

  it('one --tokenizer: the output is as before (no "sides", no "groups")', () => {
    const r = cli(['tokenize', '--tokenizer', 'gpt2', 'a b']);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.deepEqual(Object.keys(out), ['tokenizer', 'count', 'tokens']);
  });

  it('errors: a third --tokenizer, one of each, --explain with two, a missing side (named)', () => {
    const fails = (args: string[], re: RegExp): void => {
      const r = cli(args);
      assert.equal(r.status, 1, `${args.join(' ')}: ${r.stdout}`);
      assert.match(r.stderr, re);
      assert.equal(r.stderr.trim().split('\n').length, 1);
    };
    fails(['tokenize', '--tokenizer', 'gpt2', '--tokenizer', 'o200k_base', '--tokenizer', 'cl100k_base', 'x'], /--tokenizer is given 3 times, expected it at most 2 times/);
    fails(['tokenize', '--tokenizer', 'gpt2', '--tokenizer', 'o200k_base', '--model', 'builtin:seed', 'x'], /to compare, give two --tokenizer or two --model, not one of each/);
    fails(['tokenize', '--tokenizer', 'gpt2', '--tokenizer', 'o200k_base', '--explain', '0:1', 'x'], /--explain: give one --tokenizer or --model to explain, not two/);
    fails(['tokenize', '--tokenizer', 'gpt2', '--tokenizer', 'gpt5', 'x'], /gpt5: no such tokenizer file or folder/);
    fails(['inspect', '--tokenizer', 'gpt2', '--tokenizer', 'o200k_base', 'x'], /--tokenizer is given twice, expected it at most once/);
  });

  it('--help names the comparison', () => {
    const r = cli(['tokenize', '--help']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /embedding-lens tokenize --tokenizer A --tokenizer B \[TEXT\]/);
    assert.match(r.stdout, /"groups": \[\{ "start", "end", "a": \[token indices\], "b": \[\.\.\.\], "same" \}\]/);
  });
});
