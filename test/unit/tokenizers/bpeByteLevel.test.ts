// The ByteLevel pre-tokenizer and post-processor, each option against the Rust `tokenizers`
// library: GPT-2's vocabulary and merges under every combination of add_prefix_space, use_regex
// and trim_offsets, after normalizers that move text around, and with added tokens.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { BYTE_LEVEL_CHARS } from '../../../src/core/tokenizers/byteLevel';
import { tokenizerFromJson } from '../../../src/core/tokenizers/loadTokenizer';
import { NormalizedString } from '../../../src/core/tokenizers/normalizedString';
import { preTokenizerFromJson } from '../../../src/core/tokenizers/preTokenizers';
import { referenceCorpus } from '../../corpus/corpus';
import { repoRoot, rejection } from '../helpers';
import { assertSameEncoding, cpToUtf16Map, ourEncode, rustEncode, rustTokenizer } from './reference';

type Json = Record<string, any>;

const GPT2 = JSON.parse(readFileSync(path.join(repoRoot(), 'assets', 'tokenizers', 'gpt2', 'tokenizer.json'), 'utf8')) as Json;

const TEXTS = [
  'Hello world',
  ' leading space',
  '  two leading spaces and trailing  ',
  "It's 2024; they'll say \"naïve café\" — ok?",
  'tabs\tand\r\nCRLF\n\nnew   lines   ',
  '猫は可愛い。كتاب جميل. नमस्ते',
  'emoji 👍🏽 family 👨‍👩‍👧 flag 🇩🇪x',
  'e\u0301 combining, \u00a0nbsp,\u3000ideographic space,\u2028line sep',
  'İstanbul ǅemal ΣΑΣ ß ﬁ',
  '<|endoftext|>after the special token<|endoftext|> and between',
  'x<|endoftext|> y',
  'lone surrogates a\ud800b \udc00 x\ud83d', // the Rust library receives U+FFFD for each
  '',
  ' ',
  '\n',
];

/** GPT-2's model with other ByteLevel options (and optionally a normalizer / more added tokens). */
function variant(opts: { prefix?: boolean; regex?: boolean; trim?: boolean | null; postPrefix?: boolean; normalizer?: Json; added?: Json[] }): Json {
  return {
    ...GPT2,
    added_tokens: [...GPT2.added_tokens, ...(opts.added ?? [])],
    normalizer: opts.normalizer ?? null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: opts.prefix ?? false, trim_offsets: true, use_regex: opts.regex ?? true },
    post_processor: opts.trim === null ? null : { type: 'ByteLevel', add_prefix_space: opts.postPrefix ?? false, trim_offsets: opts.trim ?? true, use_regex: true },
  };
}

async function sameAsRust(name: string, json: Json, texts: readonly string[]): Promise<void> {
  const ours = tokenizerFromJson(json, `${name}.json`);
  const rust = rustTokenizer(json);
  for (const text of texts) {
    for (const special of [false, true]) {
      assertSameEncoding(`${name} on ${JSON.stringify(text.slice(0, 40))}`, text, ourEncode(ours, text, special), await rustEncode(rust, text, special), { ignoreOffsetsOfSpecial: false });
    }
  }
}

const SOME_CORPUS = referenceCorpus()
  .filter(d => d.name.startsWith('generated') || d.name.includes('(ja)') || d.name === 'multilingual.txt')
  .map(d => d.text.slice(0, 20_000));

describe('ByteLevel pre-tokenizer and post-processor agree with the Rust tokenizers library', function () {
  this.timeout(120_000);

  for (const prefix of [false, true]) {
    for (const regex of [true, false]) {
      it(`add_prefix_space ${prefix}, use_regex ${regex}: ids, tokens, offsets`, async () => {
        await sameAsRust(`prefix ${prefix} regex ${regex}`, variant({ prefix, regex }), [...TEXTS, ...SOME_CORPUS]);
      });
    }
  }

  it('post-processor trim_offsets true/false and its add_prefix_space (the first token keeps one added space)', async () => {
    for (const trim of [true, false, null]) {
      for (const postPrefix of [false, true]) {
        for (const prefix of [false, true]) await sameAsRust(`trim ${trim} post-prefix ${postPrefix} prefix ${prefix}`, variant({ prefix, trim, postPrefix }), TEXTS);
      }
    }
  });

  it('after normalizers that change the text (Lowercase, NFKC, Replace): every byte still maps to its source character', async () => {
    const normalizers: Json[] = [
      { type: 'Lowercase' },
      { type: 'NFKC' },
      { type: 'Replace', pattern: { String: '\u3000' }, content: ' ' },
      { type: 'Sequence', normalizers: [{ type: 'NFKC' }, { type: 'Lowercase' }] },
    ];
    for (const normalizer of normalizers) {
      for (const prefix of [false, true]) {
        await sameAsRust(`${JSON.stringify(normalizer)} prefix ${prefix}`, variant({ normalizer, prefix }), [...TEXTS, 'ＡＢＣ\u3000ｄｅｆ\u3000\u3000x', '\u3000lead', 'ﬁve ㎏ ½ İİ']);
      }
    }
  });

  it('added tokens with spaces: trim_offsets counts UTF-8 bytes of the original text, as the Rust library does', async () => {
    const added = (id: number, content: string) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: false });
    const json = variant({ added: [added(50257, '\u3000x'), added(50258, 'y\u3000'), added(50259, '  z '), added(50260, '\u2028')] });
    await sameAsRust('spaced added tokens', json, ['a\u3000xb', 'by\u3000c', 'w  z w', '\u3000x', 'y\u3000', 'a\u2028b', '  z ']);
  });

  it('Sequence [Split, ByteLevel without regex] (gpt-4o style) and Split after ByteLevel', async () => {
    const split = { type: 'Split', pattern: { Regex: String.raw` ?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+|\s+` }, behavior: 'Isolated', invert: false };
    const seq = { ...variant({}), pre_tokenizer: { type: 'Sequence', pretokenizers: [split, { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false }] } };
    await sameAsRust('split then byte level', seq, [...TEXTS, ...SOME_CORPUS]);
    const after = { ...variant({}), pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: false }, { type: 'Split', pattern: { String: 'Ġ' }, behavior: 'MergedWithNext', invert: false }] } };
    await sameAsRust('byte level then split', after, TEXTS);
  });

  it('pre-tokens: the byte-level spelling and the source span of each piece, as Rust pre-tokenizes', () => {
    for (const options of [{ add_prefix_space: false, trim_offsets: true }, { add_prefix_space: true, trim_offsets: false, use_regex: false }]) {
      const pre = { type: 'ByteLevel', ...options };
      const rust = rustTokenizer({ ...GPT2, pre_tokenizer: pre }).getPreTokenizer()!;
      const ours = preTokenizerFromJson(pre, 'p.json')!;
      for (const text of TEXTS.filter(t => t !== '')) {
        const map = cpToUtf16Map(text);
        const want = rust.preTokenizeString(text).map(([t, [s, e]]) => [t, map[s!], map[e!]]);
        const got = ours(NormalizedString.fromOriginal(text)).map(p => [p.normalized, p.originalStart, p.originalEnd]);
        assert.deepEqual(got, want, `${JSON.stringify(pre)} on ${JSON.stringify(text)}`);
      }
    }
  });

  it('the byte table is GPT-2’s: printable bytes stand for themselves, space is Ġ, newline Ċ, and all 256 differ', () => {
    assert.equal(BYTE_LEVEL_CHARS[0x41], 'A');
    assert.equal(BYTE_LEVEL_CHARS[0x20], 'Ġ');
    assert.equal(BYTE_LEVEL_CHARS[0x0a], 'Ċ');
    assert.equal(BYTE_LEVEL_CHARS[0xad], 'Ń'); // the last of the 68 remapped bytes: U+0100 + 67
    assert.equal(new Set(BYTE_LEVEL_CHARS).size, 256);
    // Every byte-level character is a GPT-2 token.
    for (const ch of BYTE_LEVEL_CHARS) assert.ok(GPT2.model.vocab[ch] !== undefined, ch);
  });
});

describe('ByteLevel errors', () => {
  it('missing add_prefix_space or trim_offsets, or a non-boolean, is a badFile error naming it (the Rust library requires them)', async () => {
    const cases: [Json, string, RegExp][] = [
      [{ type: 'ByteLevel', trim_offsets: true }, 'pre_tokenizer', /m\.json: pre_tokenizer ByteLevel: "add_prefix_space" should be true or false, got undefined/],
      [{ type: 'ByteLevel', add_prefix_space: true }, 'pre_tokenizer', /m\.json: pre_tokenizer ByteLevel: "trim_offsets" should be true or false, got undefined/],
      [{ type: 'ByteLevel', add_prefix_space: 'x', trim_offsets: true }, 'pre_tokenizer', /"add_prefix_space" should be true or false, got "x"/],
      [{ type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: 1 }, 'pre_tokenizer', /"use_regex" should be true or false, got 1/],
      [{ type: 'ByteLevel', add_prefix_space: true }, 'post_processor', /m\.json: post_processor ByteLevel: "trim_offsets" should be true or false, got undefined/],
    ];
    for (const [component, where, re] of cases) {
      const json = { ...GPT2, [where]: component };
      assert.throws(() => rustTokenizer(json), `Rust rejects ${JSON.stringify(component)}`);
      const e = await rejection(() => tokenizerFromJson(json, 'm.json'));
      assert.equal(e.reason, 'badFile');
      assert.match(e.message, re);
    }
  });
});
