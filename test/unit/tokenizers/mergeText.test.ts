// BPE merges read straight from tokenizer.json's text (issue 9 item 5: load time): the depth
// scan hands model.merges to readMergeText, JSON.parse sees the rest, and the model looks the
// merges' parts up by their place in the text (SpanIndex). These tests pin that a file loads to
// exactly what the general path (JSON.parse of everything, then the model) and the Rust library
// give, that every error is the general path's, and that the text reader steps aside when the
// file could mean something else to JSON.parse.
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { nodeFiles } from '../../../src/core/nodeFiles';
import { parseJsonFile, parseJsonFileDeferring } from '../../../src/core/safeJson';
import { loadTokenizerFile, tokenizerFromJson } from '../../../src/core/tokenizers/loadTokenizer';
import { readMergeText } from '../../../src/core/tokenizers/models/mergeText';
import { Vocab } from '../../../src/core/tokenizers/models/vocab';
import type { Tokenizer } from '../../../src/core/tokenizers/types';
import { rejection } from '../helpers';
import { assertSameEncoding, ourEncode, rustEncode, rustTokenizer } from './reference';

const dir = mkdtempSync(path.join(tmpdir(), 'lens-merges-'));
let serial = 0;

/** Writes `text` as a tokenizer.json of its own folder; returns its path. */
function write(text: string): string {
  const folder = path.join(dir, String(serial++));
  mkdirSync(folder);
  const file = path.join(folder, 'tokenizer.json');
  writeFileSync(file, text);
  return file;
}

/** The general path: what loadTokenizerFile did before merges were read from the text. */
function generalLoad(text: string, file: string): Tokenizer {
  return tokenizerFromJson(parseJsonFile(text, file), file);
}

function deferred(text: string): boolean {
  return parseJsonFileDeferring(text, 't.json', ['model', 'merges'], readMergeText).deferred !== undefined;
}

/** A tokenizer.json text around a BPE model whose merges are `merges` (JSON text as written). */
function bpeText(vocab: Record<string, number>, merges: string, model: Record<string, unknown> = {}): string {
  const head = JSON.stringify({ version: '1.0', truncation: null, padding: null, added_tokens: [], normalizer: null, pre_tokenizer: { type: 'WhitespaceSplit' }, post_processor: null, decoder: null });
  const m = JSON.stringify({ type: 'BPE', dropout: null, fuse_unk: false, byte_fallback: false, vocab, ...model });
  return `${head.slice(0, -1)}, "model": ${m.slice(0, -1)}, "merges": ${merges}}}`;
}

const VOCAB = { a: 0, b: 1, c: 2, d: 3, ab: 4, cd: 5, abcd: 6, bc: 7, '"': 8, 'a"': 9, 'é': 10, 'éa': 11, '😀': 12, '😀😀': 13, '\\': 14, '\\\\': 15, '/': 16, 'a/': 17, '\n': 18, '\n\n': 19 };
const TEXTS = ['abcd', 'abab cdcd', 'dcba', 'a" éa 😀😀😀', '\\\\\\ a/ ab', 'abcd bc'];

describe('BPE merges read from the text load as JSON.parse and the Rust library read them', () => {
  // [name, merges, the Rust library reads it too (it refuses a list mixing both forms; we take it)]
  const forms: [string, string, boolean?][] = [
    ['"left right" strings', '["a b", "c d", "ab cd", "b c", "a \\"", "é a", "😀 😀", "\\\\ \\\\", "a \\/", "\\n \\n"]'],
    ['[left, right] pairs', '[["a","b"],["c","d"],["ab","cd"],["b","c"],["a","\\""],["é","a"],["😀","😀"],["\\\\","\\\\"],["a","/"],["\\n","\\n"]]'],
    ['both forms mixed', '[["a", "b"], "c d", ["ab", "cd"], "b c"]', false],
    ['no whitespace, then tabs and CRLF', '[["a","b"],["c","d"],\t\r\n ["ab" ,\r\n"cd"] ,[ "b",\t"c" ]]'],
    ['escapes for plain characters (\\u0061, an escaped space, a surrogate pair)', '["\\u0061 b", "c\\u0020d", "a\\u0062 cd", "\\ud83d\\ude00 \\uD83D\\uDE00", "b c"]'],
    ['no merges', '[]'],
  ];
  for (const [name, merges, withRust = true] of forms) {
    it(name, async () => {
      const text = bpeText(VOCAB, merges);
      // The text reader really took these merges (else this would compare the general path with itself).
      assert.ok(deferred(text), 'merges were not read from the text');
      const file = write(text);
      const ours = await loadTokenizerFile(nodeFiles, file);
      const general = generalLoad(text, file);
      const rust = withRust ? rustTokenizer(text) : undefined;
      for (const t of TEXTS) {
        const mine = ourEncode(ours, t, false);
        assert.deepEqual(mine, ourEncode(general, t, false), t);
        if (rust) assertSameEncoding(`${name} on ${JSON.stringify(t)}`, t, mine, await rustEncode(rust, t, false));
      }
    });
  }

  it('a pair listed twice keeps its last rank, as in the general path', async () => {
    const text = bpeText({ a: 0, b: 1, c: 2, ab: 3, bc: 4, abc: 5 }, '["a b", "b c", "a b", "ab c"]');
    assert.ok(deferred(text));
    const file = write(text);
    for (const t of ['abc', 'bca', 'cab']) assert.deepEqual(ourEncode(await loadTokenizerFile(nodeFiles, file), t, false), ourEncode(generalLoad(text, file), t, false));
  });

  it('with a continuing-subword prefix (merges sliced, the right part losing its prefix)', async () => {
    const vocab = { a: 0, '##b': 1, '##c': 2, 'a##b': 3, ab: 4, '##bc': 5, abc: 6, '[UNK]': 7 };
    const text = bpeText(vocab, '["a ##b", "##b ##c", "ab ##c"]', { continuing_subword_prefix: '##', unk_token: '[UNK]' });
    assert.ok(deferred(text));
    const file = write(text);
    const rust = rustTokenizer(text);
    for (const t of ['abc', 'ab', 'a', 'abcab']) assertSameEncoding(t, t, ourEncode(await loadTokenizerFile(nodeFiles, file), t, false), await rustEncode(rust, t, false));
  });
});

describe('BPE merges read from the text keep the general path\'s errors', () => {
  const cases: [string, string, Record<string, unknown>?][] = [
    ['two spaces', '["a b", "a b c"]'],
    ['two spaces side by side', '["a b", "a  b"]'],
    ['no space', '["a b", "ab"]'],
    ['an escaped second space', '["a b", "a\\u0020b c"]'],
    ['a number', '["a b", 5]'],
    ['a pair of three', '["a b", ["a", "b", "c"]]'],
    ['a pair with a number', '[["a", 1]]'],
    ['a null', '[null]'],
    ['a left part not in the vocabulary', '["a b", "q b"]'],
    ['a right part not in the vocabulary', '["a b", ["a", "\\u0071"]]'],
    ['a merged token not in the vocabulary', '["a b", "b a"]'],
    ['a format error after a vocabulary error', '["q z", "a b c"]'],
    ['a trailing comma', '["a b",]'],
    ['a raw newline in a string', '["a\nb"]'],
    ['a raw tab in a pair', '[["a\t", "b"]]'],
    ['an unknown escape', '["a \\x"]'],
    ['a short \\u escape', '["a \\u00e"]'],
    ['an unterminated array', '["a b"'],
    ['a missing comma', '["a b" "c d"]'],
    ['an object', '{"a": "b"}'],
    ['a vocabulary error and a merge syntax error', '["a b",]', { vocab: { a: 'x' } }],
    ['dropout and good merges', '["a b"]', { dropout: 0.5 }],
    ['byte fallback with a prefix', '["a b"]', { byte_fallback: true, continuing_subword_prefix: '##' }],
  ];
  for (const [name, merges, model] of cases) {
    it(name, async () => {
      const text = bpeText({ a: 0, b: 1, ab: 2, c: 3 }, merges, model ?? {});
      const file = write(text);
      const want = await rejection(() => generalLoad(text, file));
      const got = await rejection(() => loadTokenizerFile(nodeFiles, file));
      assert.equal(got.message, want.message);
      assert.equal(got.reason, want.reason);
      assert.ok(got.message.startsWith(`${file}: `), got.message);
    });
  }

  it('a syntax error elsewhere is reported as JSON.parse reports it for the whole file', async () => {
    const text = `${bpeText({ a: 0, b: 1, ab: 2 }, '["a b"]').slice(0, -1)}, "x": tru}`;
    assert.ok(text.includes('"merges": ["a b"]'));
    const file = write(text);
    const got = await rejection(() => loadTokenizerFile(nodeFiles, file));
    assert.equal(got.message, (await rejection(() => parseJsonFile(text, file))).message);
    assert.match(got.message, /not valid JSON/);
  });

  it('nesting past the limit anywhere is still the nesting error', async () => {
    const deep = `${'['.repeat(200)}${']'.repeat(200)}`;
    const text = `${bpeText({ a: 0, b: 1, ab: 2 }, '["a b"]').slice(0, -1)}, "x": ${deep}}`;
    const file = write(text);
    assert.equal((await rejection(() => loadTokenizerFile(nodeFiles, file))).message, `${file}: JSON is nested more than 128 levels deep (the nesting limit); expected a flatter file`);
  });
});

describe('parseJsonFileDeferring steps aside when JSON.parse could keep another value', () => {
  const merges = '["a b"]';
  const cases: [string, string][] = [
    ['"model" twice', `{"model": {"merges": ${merges}}, "model": {"merges": ["c d"]}}`],
    ['"model" twice, the second without merges', `{"model": {"merges": ${merges}}, "model": {"type": "BPE"}}`],
    ['"merges" twice', `{"model": {"merges": ${merges}, "merges": ["c d"]}}`],
    ['an escaped "model" key', `{"model": {"merges": ${merges}}, "mod\\u0065l": {"merges": ["c d"]}}`],
    ['an escaped "merges" key', `{"model": {"merges": ${merges}, "m\\u0065rges": ["c d"]}}`],
    ['"merges" under another key', `{"normalizer": {"merges": ${merges}}, "model": {"type": "BPE"}}`],
    ['merges the reader does not take', '{"model": {"merges": [1, 2]}}'],
    ['a top-level array', `[{"model": {"merges": ${merges}}}]`],
  ];
  for (const [name, text] of cases) {
    it(name, () => {
      const got = parseJsonFileDeferring(text, 't.json', ['model', 'merges'], readMergeText);
      assert.equal(got.deferred, undefined);
      assert.deepEqual(got.json, JSON.parse(text));
    });
  }

  it('and takes the one "merges" of the one "model" otherwise, leaving null in its place', () => {
    const text = `{"merges": [], "x": {"model": {"merges": 1}}, "model": {"merges": ${merges}, "type": "BPE"}, "y": "model"}`;
    const got = parseJsonFileDeferring(text, 't.json', ['model', 'merges'], readMergeText);
    assert.ok(got.deferred);
    assert.equal(got.deferred.count, 1);
    assert.equal(got.deferred.value(0), 'a b');
    const want = JSON.parse(text) as { model: { merges: unknown } };
    want.model.merges = null;
    assert.deepEqual(got.json, want);
  });
});

describe('Vocab.spanIndex finds a token by its place in a text as Vocab.id finds it', () => {
  it('on dense and sparse (u32) vocabularies, with the empty token, surrogates and misses', () => {
    for (const obj of [
      { '': 0, a: 1, ab: 2, '😀': 3, '\ud83d': 4, 'é': 5, 'a b': 6 },
      { a: 0, far: 4294967295, mid: 100000, '': 7 },
    ] as Record<string, number>[]) {
      const vocab = Vocab.fromObject(obj, 'v.json');
      const index = vocab.spanIndex();
      const text = `xx${Object.keys(obj).join('|')}|zz`;
      let at = 2;
      for (const token of Object.keys(obj)) {
        assert.equal(index.find(text, at, at + token.length), obj[token], JSON.stringify(token));
        at += token.length + 1;
      }
      for (const [s, e] of [[0, 2], [0, 1], [text.length - 2, text.length], [2, 4]]) {
        const piece = text.slice(s, e);
        assert.equal(index.find(text, s!, e!), vocab.id(piece) ?? -1, JSON.stringify(piece));
      }
    }
  });
});
