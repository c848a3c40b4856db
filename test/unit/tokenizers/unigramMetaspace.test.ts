// The Metaspace pre-tokenizer against the Rust tokenizers library: prepend schemes (with added
// tokens cutting the text, and after another pre-tokenizer), split on/off, legacy
// add_prefix_space, other replacement characters; then its errors.
import * as assert from 'node:assert/strict';
import { tokenizerFromJson } from '../../../src/core/tokenizers/loadTokenizer';
import { metaspacePreTokenizer } from '../../../src/core/tokenizers/metaspace';
import { NormalizedString } from '../../../src/core/tokenizers/normalizedString';
import { rejection } from '../helpers';
import { assertSameEncoding, ourEncode, rustEncode, rustTokenizer } from './reference';

type Json = Record<string, unknown>;

/** Every character the texts use is a piece, plus a few longer ones, so the pieces show in the tokens. */
function metaspaceJson(pre: unknown, replacement = '▁'): Json {
  const chars = new Set<string>(replacement);
  for (const t of TEXTS) for (const c of t.replace(/ /g, replacement)) chars.add(c);
  const vocab: [string, number][] = [['<unk>', 0], ['[X]', 0]];
  for (const c of chars) if (c !== '[') vocab.push([c, -10]);
  for (const w of ['hello', 'world', 'ab']) vocab.push([replacement + w, -1], [w, -2]);
  vocab.push([replacement + replacement, -1]);
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [{ id: 1, content: '[X]', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }],
    normalizer: null,
    pre_tokenizer: pre,
    post_processor: null,
    decoder: null,
    model: { type: 'Unigram', unk_id: 0, vocab },
  };
}

const TEXTS = ['hello world', '  hello   world  ', '[X]hello world', 'ab[X] ab [X]', 'hello\tworld\nab\u00a0ab\u3000ab', '👍 ab 🇩🇪', '', ' ', '▁hello ▁▁world', 'x[X]'];

const CASES: Record<string, unknown> = {
  'always, split': { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
  'first, split': { type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: true },
  'never, split': { type: 'Metaspace', replacement: '▁', prepend_scheme: 'never', split: true },
  'always, no split': { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: false },
  'first, no split': { type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: false },
  'never, no split': { type: 'Metaspace', replacement: '▁', prepend_scheme: 'never', split: false },
  'defaults (always, split)': { type: 'Metaspace', replacement: '▁' },
  'legacy add_prefix_space true': { type: 'Metaspace', replacement: '▁', add_prefix_space: true },
  'legacy add_prefix_space false + never': { type: 'Metaspace', replacement: '▁', add_prefix_space: false, prepend_scheme: 'never' },
  'legacy add_prefix_space true + first (the scheme wins)': { type: 'Metaspace', replacement: '▁', add_prefix_space: true, prepend_scheme: 'first' },
  'split null (default true), str_rep ignored': { type: 'Metaspace', replacement: '▁', split: null, str_rep: 'x' },
  'WhitespaceSplit then Metaspace first': { type: 'Sequence', pretokenizers: [{ type: 'WhitespaceSplit' }, { type: 'Metaspace', replacement: '▁', prepend_scheme: 'first' }] },
};

describe('Metaspace agrees with the Rust tokenizers library', () => {
  for (const [name, pre] of Object.entries(CASES)) {
    it(`${name}: ids, tokens and offsets on ${TEXTS.length} texts`, async () => {
      const json = metaspaceJson(pre);
      const rust = rustTokenizer(json);
      const ours = tokenizerFromJson(json, 'metaspace.json');
      for (const text of TEXTS) assertSameEncoding(`${name} ${JSON.stringify(text)}`, text, ourEncode(ours, text, false), await rustEncode(rust, text, false));
    });
  }
  for (const replacement of ['_', '😀']) {
    it(`replacement ${JSON.stringify(replacement)}`, async () => {
      const json = metaspaceJson({ type: 'Metaspace', replacement, prepend_scheme: 'always', split: true }, replacement);
      const rust = rustTokenizer(json);
      const ours = tokenizerFromJson(json, 'metaspace.json');
      for (const text of TEXTS) assertSameEncoding(`${replacement} ${JSON.stringify(text)}`, text, ourEncode(ours, text, false), await rustEncode(rust, text, false));
    });
  }

  it('pieces: each starts at a replacement; the prefix shares the first character’s span', () => {
    const pre = metaspacePreTokenizer({ replacement: '▁', prependScheme: 'always', split: true });
    const pieces = pre(NormalizedString.fromOriginal('ab  cd', 10));
    assert.deepEqual(
      pieces.map(p => [p.normalized, p.originalStart, p.originalEnd]),
      [['▁ab', 10, 12], ['▁', 12, 13], ['▁cd', 13, 16]],
    );
    assert.deepEqual(pieces[0]!.originalRange(0, 1), [10, 11]);
  });
});

describe('Metaspace errors', () => {
  it('options Rust rejects are badFile errors naming the option', async () => {
    const cases: [Json, RegExp][] = [
      [{ type: 'Metaspace' }, /pre_tokenizer Metaspace needs "replacement": one character, got undefined/],
      [{ type: 'Metaspace', replacement: 'ab' }, /needs "replacement": one character, got "ab"/],
      [{ type: 'Metaspace', replacement: '' }, /needs "replacement": one character, got ""/],
      [{ type: 'Metaspace', replacement: '▁', prepend_scheme: 'sometimes' }, /Metaspace prepend_scheme is "sometimes", expected "always", "first" or "never"/],
      [{ type: 'Metaspace', replacement: '▁', prepend_scheme: null }, /Metaspace prepend_scheme is null/],
      [{ type: 'Metaspace', replacement: '▁', add_prefix_space: false }, /Metaspace add_prefix_space false contradicts prepend_scheme "always" \(the default\)/],
      [{ type: 'Metaspace', replacement: '▁', add_prefix_space: false, prepend_scheme: 'first' }, /add_prefix_space false contradicts prepend_scheme "first"$/],
      [{ type: 'Metaspace', replacement: '▁', add_prefix_space: 'x' }, /Metaspace add_prefix_space is "x", expected true or false/],
      [{ type: 'Metaspace', replacement: '▁', split: 'yes' }, /Metaspace split is "yes", expected true or false/],
    ];
    for (const [pre, re] of cases) {
      const json = metaspaceJson(pre);
      const e = await rejection(() => tokenizerFromJson(json, 'm.json'));
      assert.equal(e.reason, 'badFile', String(re));
      assert.match(e.message, re);
      assert.match(e.message, /^m\.json: pre_tokenizer Metaspace /);
      assert.throws(() => rustTokenizer(json), Error, `Rust accepts ${JSON.stringify(pre)}`);
    }
  });
});
