// WordLevel tokenizers (tokenizer.json with Lowercase / Whitespace / WhitespaceSplit, added tokens,
// post-processors) against the reference: Hugging Face's Rust `tokenizers` library, run live.
import * as assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Tokenizer as RustTokenizer } from 'tokenizers';
import { nodeFiles } from '../../../src/core/nodeFiles';
import { loadTokenizerFile, tokenizerFromJson } from '../../../src/core/tokenizers/loadTokenizer';
import type { Token } from '../../../src/core/tokenizers/types';
import { rejection } from '../helpers';

const WORDS = ['white', 'refrigerator', 'is', 'evil', '.', ',', 'the', 'cat', 'é', 'über', 'σ', 'straße', '猫', 'كتاب', 'नमस्ते', '123', 'foo_bar', "'", 's', '!!', 'İ', 'ǅ'];

function tokenizerJson(opts: { normalizer?: unknown; pre?: unknown; post?: unknown; added?: boolean }): Record<string, unknown> {
  const vocab: Record<string, number> = { '[PAD]': 0, '[UNK]': 1, '[CLS]': 2, '[SEP]': 3 };
  WORDS.forEach((w, i) => (vocab[w] = i + 4));
  const special = (id: number, content: string) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: opts.added === false ? [] : [special(0, '[PAD]'), special(1, '[UNK]'), special(2, '[CLS]'), special(3, '[SEP]')],
    normalizer: opts.normalizer ?? null,
    pre_tokenizer: opts.pre ?? null,
    post_processor: opts.post ?? null,
    decoder: null,
    model: { type: 'WordLevel', vocab, unk_token: '[UNK]' },
  };
}

const TEXTS = [
  'White refrigerator is evil.',
  'the cat, the CAT!! über Straße',
  'ΣΑΣ σας İstanbul ǅemal',
  'e\u0301 é  tabs\tand\r\nCRLF\n\nnew   lines   ',
  '猫は可愛い。كتاب جميل. नमस्ते दुनिया',
  'emoji 👍🏽 family 👨‍👩‍👧 flag 🇩🇪 x',
  "it's foo_bar 123abc 4.5 ½ ²",
  '[CLS] inline [PAD] tokens[SEP]x',
  '',
  '   ',
];

const CONFIGS: Record<string, Parameters<typeof tokenizerJson>[0]> = {
  'Whitespace': { pre: { type: 'Whitespace' } },
  'WhitespaceSplit': { pre: { type: 'WhitespaceSplit' } },
  'Lowercase + Whitespace': { normalizer: { type: 'Lowercase' }, pre: { type: 'Whitespace' } },
  'Sequence normalizer + Sequence pre-tokenizer': { normalizer: { type: 'Sequence', normalizers: [{ type: 'Lowercase' }] }, pre: { type: 'Sequence', pretokenizers: [{ type: 'WhitespaceSplit' }, { type: 'Whitespace' }] } },
  'TemplateProcessing': {
    normalizer: { type: 'Lowercase' },
    pre: { type: 'Whitespace' },
    post: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
      pair: [{ Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }],
      special_tokens: { '[CLS]': { id: '[CLS]', ids: [2], tokens: ['[CLS]'] }, '[SEP]': { id: '[SEP]', ids: [3], tokens: ['[SEP]'] } },
    },
  },
  'BertProcessing': { pre: { type: 'Whitespace' }, post: { type: 'BertProcessing', sep: ['[SEP]', 3], cls: ['[CLS]', 2] } },
  'no pre-tokenizer, no added tokens': { added: false },
};

/** Rust reports offsets in code points; VS Code (and we) use UTF-16 code units. */
function cpToUtf16(text: string): number[] {
  const map: number[] = [];
  let u = 0;
  for (const ch of text) {
    map.push(u);
    u += ch.length;
  }
  map.push(u);
  return map;
}

async function reference(json: Record<string, unknown>, text: string, addSpecial: boolean) {
  const rust = RustTokenizer.fromString(JSON.stringify(json));
  const enc = await rust.encode(text, null, { addSpecialTokens: addSpecial });
  const map = cpToUtf16(text);
  return { ids: enc.getIds(), tokens: enc.getTokens(), offsets: enc.getOffsets().map(([s, e]) => [map[s!]!, map[e!]!]) };
}

function ours(tokens: readonly Token[]) {
  return { ids: tokens.map(t => t.id), tokens: tokens.map(t => t.text), offsets: tokens.map(t => [t.start, t.end]) };
}

describe('WordLevel tokenizers agree with the Rust tokenizers library', () => {
  for (const [name, cfg] of Object.entries(CONFIGS)) {
    it(`${name}: ids, tokens and offsets on ${TEXTS.length} texts, with and without special tokens`, async () => {
      const json = tokenizerJson(cfg);
      const tok = tokenizerFromJson(json, 'test.json');
      for (const text of TEXTS) {
        const content = tok.encode(text);
        for (const addSpecial of [false, true]) {
          const got = ours(addSpecial ? tok.addSpecialTokens(content, text) : content);
          const want = await reference(json, text, addSpecial);
          assert.deepEqual(got.ids, want.ids, `${name} ids for ${JSON.stringify(text)} (special ${addSpecial})`);
          assert.deepEqual(got.tokens, want.tokens, `${name} tokens for ${JSON.stringify(text)}`);
          // Rust gives special tokens added by the post-processor the span (0, 0); docs/ARCHITECTURE.md
          // says empty spans "at the place it was added": compare real tokens' spans only.
          const added = (i: number, n: number) => addSpecial && cfg.post !== undefined && (i === 0 || i === n - 1);
          const real = (o: number[][]) => o.filter((_, i) => !added(i, o.length));
          assert.deepEqual(real(got.offsets), real(want.offsets), `${name} offsets for ${JSON.stringify(text)}`);
        }
      }
    });
  }
});

describe('word-level vocabulary files', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lens-vocab-'));
  it('vocab.txt: id = line number; [UNK] for unknown words; [PAD] is the pad token', async () => {
    const p = path.join(dir, 'vocab.txt');
    writeFileSync(p, '[PAD]\n[UNK]\nhello\nworld\n.\n');
    const tok = await loadTokenizerFile(nodeFiles, p);
    assert.deepEqual(tok.encode('hello world.').map(t => t.id), [2, 3, 4]);
    assert.deepEqual(tok.encode('hello there').map(t => [t.id, t.text, t.start, t.end]), [[2, 'hello', 0, 5], [1, '[UNK]', 6, 11]]);
    assert.deepEqual(tok.padToken, { id: 0, text: '[PAD]' });
    assert.equal(tok.vocabSize, 5);
  });
  it('vocab.txt with do_lower_case lowercases; CRLF lines are read as tokens without \\r', async () => {
    const p = path.join(dir, 'crlf-vocab.txt');
    writeFileSync(p, '<pad>\r\n<unk>\r\nhello\r\n');
    const tok = await loadTokenizerFile(nodeFiles, p, { lowercase: true });
    assert.deepEqual(tok.encode('HeLLo you').map(t => t.id), [2, 1]);
    assert.deepEqual(tok.padToken, { id: 0, text: '<pad>' });
  });
  it('vocab.json: token → id', async () => {
    const p = path.join(dir, 'vocab.json');
    writeFileSync(p, JSON.stringify({ '<pad>': 0, '<unk>': 1, cat: 7, sat: 3 }));
    const tok = await loadTokenizerFile(nodeFiles, p);
    assert.deepEqual(tok.encode('cat sat mat').map(t => t.id), [7, 3, 1]);
    assert.equal(tok.vocabSize, 8);
  });
  it('an unknown word without an unknown token is an error naming the word and the file', async () => {
    const p = path.join(dir, 'nounk.json');
    writeFileSync(p, JSON.stringify({ cat: 0 }));
    const tok = await loadTokenizerFile(nodeFiles, p);
    const e = await rejection(() => tok.encode('dog'));
    assert.equal(e.reason, 'unknownToken');
    assert.match(e.message, /nounk\.json: "dog" is not in the vocabulary and it has no unknown token/);
  });
  it('bad vocabulary files give clear errors', async () => {
    const cases: [string, string, RegExp][] = [
      ['dup-vocab.txt', 'a\nb\na\n', /token "a" is on line 1 and again on line 3/],
      ['empty-vocab.txt', '', /empty vocabulary, expected one token per line/],
      ['bad.json', '{"a": "x"}', /token "a" maps to "x", expected an integer id/],
      ['notjson.json', '{oops', /not valid JSON/],
      ['clash.json', '{"a": 1, "b": 1}', /id 1 is given to both "a" and "b"/],
    ];
    for (const [name, content, re] of cases) {
      const p = path.join(dir, name);
      writeFileSync(p, content);
      const e = await rejection(() => loadTokenizerFile(nodeFiles, p));
      assert.equal(e.reason, 'badFile', name);
      assert.match(e.message, re);
      assert.ok(e.message.includes(p), `message names the file: ${e.message}`);
    }
  });
});

describe('tokenizer.json errors', () => {
  it('an unsupported component is an error that names it', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ ...tokenizerJson({}), normalizer: { type: 'Frobnicate' } }, /normalizer type "Frobnicate" is not supported/],
      [{ ...tokenizerJson({}), pre_tokenizer: { type: 'Wiggle' } }, /pre_tokenizer type "Wiggle" is not supported/],
      [{ ...tokenizerJson({}), post_processor: { type: 'Shuffle' } }, /post_processor type "Shuffle" is not supported/],
      [{ ...tokenizerJson({}), model: { type: 'Magic' } }, /model type "Magic" is not supported/],
    ];
    for (const [json, re] of cases) {
      const e = await rejection(() => tokenizerFromJson(json, 'x/tokenizer.json'));
      assert.equal(e.reason, 'unsupported');
      assert.match(e.message, re);
      assert.match(e.message, /^x\/tokenizer\.json: /);
    }
  });
  it('a malformed tokenizer.json is a badFile error', async () => {
    const e = await rejection(() => tokenizerFromJson({ model: { type: 'WordLevel' } }, 'm.json'));
    assert.equal(e.reason, 'badFile');
    assert.match(e.message, /WordLevel model needs "vocab"/);
    const e2 = await rejection(() => tokenizerFromJson({ ...tokenizerJson({}), added_tokens: [{ content: 5 }] }, 'm.json'));
    assert.match(e2.message, /added_tokens\[0\] has "content" 5, expected a string/);
  });
});
