// The WordPiece model on its own: synthetic tokenizer.json files against Hugging Face's Rust
// `tokenizers` library (max_input_chars_per_word, other continuing-subword prefixes, characters
// outside the BMP), the replay of its longest-match search, and its errors.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { tokenizerFromJson } from '../../../src/core/tokenizers/loadTokenizer';
import { WordPieceModel } from '../../../src/core/tokenizers/models/wordPiece';
import { Vocab } from '../../../src/core/tokenizers/models/vocab';
import type { ModelStep } from '../../../src/core/tokenizers/replay';
import { referenceCorpus } from '../../corpus/corpus';
import { fixture, rejection } from '../helpers';
import { assertSameEncoding, ourEncode, rustEncode, rustTokenizer } from './reference';

function wordPieceJson(vocab: readonly string[], model: Record<string, unknown> = {}, pre: unknown = { type: 'BertPreTokenizer' }): Record<string, unknown> {
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [],
    normalizer: null,
    pre_tokenizer: pre,
    post_processor: null,
    decoder: null,
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(vocab.map((t, i) => [t, i])),
      ...model,
    },
  };
}

const SMALL = ['[UNK]', 'un', 'unbeliev', '##believ', '##able', '##ly', 'a', '##a', 'ab', '##b', '##', '##ab', 'é', '##é', '😀', '##😀', '😀😀', '#', '##x', 'x', '.', 'straße', '##ß'];
const SMALL_TEXTS = [
  'unbelievably unbelievable unable unbelievablex',
  'a aa aaa ab abab aba ba b',
  '## ##a a##a #a x##x',
  'é éé éa ée e\u0301',
  '😀 😀😀 😀😀😀 a😀 😀a',
  'straße straßeß STRASSE',
  'a.a.a . ..',
  'aaaaa aaaaaa 😀😀😀😀😀 😀😀😀😀😀😀 éééééé',
  '',
];

describe('WordPiece agrees with the Rust tokenizers library on synthetic tokenizers', function () {
  // The corpus cases run the Rust library over 1.5 MB of text.
  this.timeout(120_000);

  const cases: [string, Record<string, unknown>][] = [
    ['defaults (##, 100 characters)', wordPieceJson(SMALL)],
    ['max_input_chars_per_word 5 (counted in characters, not UTF-16 units)', wordPieceJson(SMALL, { max_input_chars_per_word: 5 })],
    ['max_input_chars_per_word 0', wordPieceJson(SMALL, { max_input_chars_per_word: 0 })],
    ['continuing_subword_prefix "@@"', wordPieceJson(SMALL.map(t => t.replace(/^##/, '@@')), { continuing_subword_prefix: '@@' })],
    ['continuing_subword_prefix "" (continuations are plain entries)', wordPieceJson(SMALL.filter(t => !t.startsWith('##')), { continuing_subword_prefix: '' })],
    ['continuing_subword_prefix "##" with WhitespaceSplit', wordPieceJson(SMALL, {}, { type: 'WhitespaceSplit' })],
  ];
  for (const [name, json] of cases) {
    it(`${name}: ids, tokens and offsets`, async () => {
      const ours = tokenizerFromJson(json, 'small.json');
      const ref = rustTokenizer(json);
      for (const text of SMALL_TEXTS) assertSameEncoding(`${name}: ${JSON.stringify(text)}`, text, ourEncode(ours, text, false), await rustEncode(ref, text, false));
    });
  }

  it('bert-base-uncased re-prefixed with "@@" and max_input_chars_per_word 8, over the whole corpus', async () => {
    const bert = JSON.parse(readFileSync(fixture('tokenizers', 'bert-base-uncased', 'tokenizer.json'), 'utf8')) as { model: { vocab: Record<string, number> } };
    const vocab = Object.fromEntries(Object.entries(bert.model.vocab).map(([t, id]) => [t.replace(/^##/, '@@'), id]));
    const json = { ...bert, model: { ...bert.model, vocab, continuing_subword_prefix: '@@', max_input_chars_per_word: 8 } };
    const ours = tokenizerFromJson(json, 'at.json');
    const ref = rustTokenizer(json);
    for (const doc of referenceCorpus()) {
      for (const special of [false, true]) assertSameEncoding(doc.name, doc.text, ourEncode(ours, doc.text, special), await rustEncode(ref, doc.text, special));
    }
  });
});

describe('WordPiece replay', () => {
  const tok = tokenizerFromJson(wordPieceJson(SMALL, { max_input_chars_per_word: 12 }), 'small.json');
  const steps = (text: string, at = 0): ModelStep[] => {
    const replay = tok.explain!(text, at, at + 1);
    assert.equal(replay.pieces.length, 1);
    return replay.pieces[0]!.steps as ModelStep[];
  };

  it('lists every candidate Hugging Face tries, longest first, with the id of the one found', () => {
    const tried = (s: ModelStep[]) => s.map(x => (x.kind === 'wordpiece' ? `${x.start}:${x.candidate}${x.found ? `=${x.id}` : ''}` : x.kind));
    assert.deepEqual(tried(steps('unbelievably')), [
      '0:unbelievably', '0:unbelievabl', '0:unbelievab', '0:unbelieva', '0:unbeliev=2',
      '8:##ably', '8:##abl', '8:##ab=11',
      '10:##ly=5',
    ]);
    const replay = tok.explain!('unbelievably', 0, 1);
    assert.deepEqual(replay.pieces[0]!.tokens.map(t => [t.text, t.start, t.end]), [['unbeliev', 0, 8], ['##ab', 8, 10], ['##ly', 10, 12]]);
  });

  it('a word that cannot be cut all the way is the unknown token, and says where it failed', () => {
    const s = steps('abz');
    assert.deepEqual(s.slice(0, 3).map(x => x.kind === 'wordpiece' && [x.candidate, x.found]), [['abz', false], ['ab', true], ['##z', false]]);
    const last = s[s.length - 1]!;
    assert.equal(last.kind, 'unknown');
    assert.ok(last.kind === 'unknown' && last.token === '[UNK]' && /"##z"… at 2/.test(last.reason), JSON.stringify(last));
    assert.deepEqual(tok.explain!('abz', 0, 1).pieces[0]!.tokens.map(t => [t.text, t.start, t.end]), [['[UNK]', 0, 3]]);
  });

  it('a word longer than max_input_chars_per_word is not searched: a note, then the unknown token', () => {
    const s = steps('a'.repeat(13));
    assert.equal(s.length, 2);
    assert.ok(s[0]!.kind === 'note' && /13 characters, more than max_input_chars_per_word \(12\)/.test(s[0]!.text));
    assert.equal(s[1]!.kind, 'unknown');
    // Characters, not UTF-16 units: twelve emoji are 24 units but fit.
    assert.ok(steps('😀'.repeat(12)).every(x => x.kind === 'wordpiece'));
  });

  it('on bert-base-uncased, the replay finds the same tokens as the tokenizer for every word of a document', () => {
    const json = JSON.parse(readFileSync(fixture('tokenizers', 'bert-base-uncased', 'tokenizer.json'), 'utf8')) as Record<string, unknown>;
    const bert = tokenizerFromJson(json, 'bert.json');
    const doc = referenceCorpus().find(d => d.name === 'multilingual.txt')!.text;
    const replay = bert.explain!(doc, 0, doc.length);
    assert.ok(replay.pieces.length > 300);
    for (const piece of replay.pieces) {
      const found = piece.steps.flatMap(s => (s.kind === 'wordpiece' && s.found ? [s.candidate] : s.kind === 'unknown' ? [s.token] : []));
      const unknown = piece.steps.some(s => s.kind === 'unknown');
      assert.deepEqual(unknown ? ['[UNK]'] : found, piece.tokens.map(t => t.text), `replay of ${JSON.stringify(piece.text)}`);
    }
  });
});

describe('WordPiece errors', () => {
  it('a malformed WordPiece model is a badFile error naming the field', async () => {
    const base = wordPieceJson(SMALL).model as Record<string, unknown>;
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ ...base, vocab: undefined }, /WordPiece model needs "vocab": \{ token: id \}/],
      [{ ...base, vocab: ['a'] }, /WordPiece model needs "vocab"/],
      [{ ...base, unk_token: undefined }, /WordPiece model needs "unk_token" \(a string\), got undefined/],
      [{ ...base, unk_token: 5 }, /"unk_token" \(a string\), got 5/],
      [{ ...base, continuing_subword_prefix: null }, /"continuing_subword_prefix" \(a string\), got null/],
      [{ ...base, max_input_chars_per_word: -1 }, /"max_input_chars_per_word" \(a non-negative integer\), got -1/],
      [{ ...base, max_input_chars_per_word: 2.5 }, /got 2\.5/],
      [{ ...base, vocab: { a: 1, b: 1 } }, /id 1 is given to both "a" and "b"/],
    ];
    for (const [model, re] of cases) {
      const e = await rejection(() => tokenizerFromJson({ ...wordPieceJson(SMALL), model }, 'dir/tokenizer.json'));
      assert.equal(e.reason, 'badFile', e.message);
      assert.match(e.message, re);
      assert.match(e.message, /^dir\/tokenizer\.json: /);
    }
  });

  it('a malformed BertNormalizer is a badFile error naming the option', async () => {
    const bert = { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true };
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ ...bert, clean_text: undefined }, /BertNormalizer needs "clean_text" \(true or false\), got undefined/],
      [{ ...bert, handle_chinese_chars: 'yes' }, /BertNormalizer needs "handle_chinese_chars" \(true or false\), got "yes"/],
      [{ ...bert, lowercase: 1 }, /BertNormalizer needs "lowercase" \(true or false\), got 1/],
      [{ ...bert, strip_accents: 'no' }, /BertNormalizer "strip_accents" should be true, false or null, got "no"/],
    ];
    for (const [normalizer, re] of cases) {
      const e = await rejection(() => tokenizerFromJson({ ...wordPieceJson(SMALL), normalizer }, 'n.json'));
      assert.equal(e.reason, 'badFile');
      assert.match(e.message, re);
      assert.match(e.message, /^n\.json: /);
    }
  });

  it('a word the vocabulary cannot spell, when the unknown token is not in the vocabulary, is an unknownToken error', async () => {
    const tok = tokenizerFromJson(wordPieceJson(['a', '##b'], { unk_token: '[UNK]' }), 'nounk.json');
    assert.deepEqual(tok.encode('ab').map(t => t.text), ['a', '##b']);
    for (const text of ['abc', 'a'.repeat(101)]) {
      const e = await rejection(() => tok.encode(text));
      assert.equal(e.reason, 'unknownToken');
      assert.match(e.message, /^nounk\.json: "a[bc]*a*" cannot be cut into WordPiece tokens of the vocabulary, and the unknown token "\[UNK\]" is not in the vocabulary$/);
    }
  });

  it('the model on its own: an empty word has no tokens; ids and tokens both ways', () => {
    const model = new WordPieceModel(new Vocab([['[UNK]', 0], ['a', 1], ['##b', 2]], 'v'), { unkToken: '[UNK]', continuingSubwordPrefix: '##', maxInputCharsPerWord: 100 }, 'v');
    assert.deepEqual(model.tokenize(''), []);
    assert.deepEqual(model.tokenize('abb'), [{ id: 1, text: 'a', start: 0, end: 1 }, { id: 2, text: '##b', start: 1, end: 2 }, { id: 2, text: '##b', start: 2, end: 3 }]);
    assert.equal(model.idToToken(2), '##b');
    assert.equal(model.tokenToId('##b'), 2);
    assert.equal(model.vocabSize, 3);
  });
});
