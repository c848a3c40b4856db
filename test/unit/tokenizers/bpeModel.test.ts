// The BPE model's options, each against the Rust `tokenizers` library on small synthetic
// tokenizer.json files; its replay (explain); and its errors.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { createRng } from '../../../src/core/prng';
import { tokenizerFromJson } from '../../../src/core/tokenizers/loadTokenizer';
import { bpeModelFromJson } from '../../../src/core/tokenizers/models/bpe';
import type { ModelStep } from '../../../src/core/tokenizers/replay';
import { repoRoot, rejection } from '../helpers';
import { assertSameEncoding, ourEncode, rustEncode, rustTokenizer } from './reference';

type Json = Record<string, unknown>;

/** A tokenizer.json around a BPE model; words are split on whitespace so each text holds many words. */
function bpeJson(model: Json, pre: Json | null = { type: 'WhitespaceSplit' }): Json {
  return { version: '1.0', truncation: null, padding: null, added_tokens: [], normalizer: null, pre_tokenizer: pre, post_processor: null, decoder: null, model: { type: 'BPE', ...model } };
}

/** Asserts our encoding of every text equals Rust's (ids, tokens, UTF-16 offsets). */
async function sameAsRust(name: string, json: Json, texts: readonly string[]): Promise<void> {
  const ours = tokenizerFromJson(json, `${name}.json`);
  const rust = rustTokenizer(json);
  for (const text of texts) {
    assertSameEncoding(`${name} on ${JSON.stringify(text)}`, text, ourEncode(ours, text, false), await rustEncode(rust, text, false));
  }
}

const V = { a: 0, b: 1, c: 2, ab: 3, bc: 4, abc: 5, '[UNK]': 6, d: 7, cd: 8, abcd: 9, é: 10, aé: 11 };

describe('BPE model options agree with the Rust tokenizers library', () => {
  it('merges as "left right" strings and as [left, right] pairs give the same tokens; lower rank merges first', async () => {
    const texts = ['abc', 'abcd cab bcd', 'aaa bbb', 'éa aé', 'abcabcd'];
    await sameAsRust('strings', bpeJson({ vocab: V, merges: ['b c', 'a b', 'ab c', 'c d', 'abc d', 'a é'] }), texts);
    await sameAsRust('pairs', bpeJson({ vocab: V, merges: [['b', 'c'], ['a', 'b'], ['ab', 'c'], ['c', 'd'], ['abc', 'd'], ['a', 'é']] }), texts);
    const ours = tokenizerFromJson(bpeJson({ vocab: V, merges: ['b c', 'a b'] }), 'm.json');
    assert.deepEqual(ours.encode('abc').map(t => t.text), ['a', 'bc']);
  });

  it('a pair listed twice keeps the rank of its last line, as in the Rust library', async () => {
    await sameAsRust('duplicate', bpeJson({ vocab: V, merges: ['a b', 'b c', 'a b'] }), ['abc', 'ab bc']);
    const ours = tokenizerFromJson(bpeJson({ vocab: V, merges: ['a b', 'b c', 'a b'] }), 'm.json');
    assert.deepEqual(ours.encode('abc').map(t => t.text), ['a', 'bc']);
  });

  it('unk_token: each unknown character is the unknown token; fuse_unk joins runs of them; without unk_token they are dropped', async () => {
    const texts = ['xyab', 'axyzb', 'éa', 'zz', 'a👍b', 'abx', '👍ab', 'yé', 'q👍q é ab'];
    await sameAsRust('unk', bpeJson({ vocab: V, merges: ['a b'], unk_token: '[UNK]' }), texts);
    await sameAsRust('fuse_unk', bpeJson({ vocab: V, merges: ['a b'], unk_token: '[UNK]', fuse_unk: true }), texts);
    await sameAsRust('no unk', bpeJson({ vocab: V, merges: ['a b'] }), texts);
    const fused = tokenizerFromJson(bpeJson({ vocab: V, merges: ['a b'], unk_token: '[UNK]', fuse_unk: true }), 'm.json');
    assert.deepEqual(fused.encode('a👍xb').map(t => [t.text, t.start, t.end]), [['a', 0, 1], ['[UNK]', 1, 4], ['b', 4, 5]]);
  });

  it('byte_fallback: a character not in the vocabulary becomes its <0xNN> bytes, each with the character’s span (and the Rust ordering quirk with a pending unknown token)', async () => {
    const vocab = { ...V, '<0x78>': 20, '<0xC3>': 21, '<0xA9>': 22, '<0xF0>': 23, '<0x9F>': 24, '<0x91>': 25, '<0x8D>': 26 };
    const texts = ['xab', 'a👍b', 'yé', 'y👍x', 'qq👍', 'zab', '👍ab', 'ñé', 'ñx ñ'];
    await sameAsRust('byte_fallback + unk', bpeJson({ vocab, merges: ['a b'], byte_fallback: true, unk_token: '[UNK]' }), texts);
    await sameAsRust('byte_fallback + fused unk', bpeJson({ vocab, merges: ['a b'], byte_fallback: true, unk_token: '[UNK]', fuse_unk: true }), texts);
    await sameAsRust('byte_fallback, no unk', bpeJson({ vocab, merges: ['a b'], byte_fallback: true }), texts);
    const ours = tokenizerFromJson(bpeJson({ vocab, merges: ['a b'], byte_fallback: true }), 'm.json');
    assert.deepEqual(ours.encode('a👍b').map(t => [t.text, t.start, t.end]), [['a', 0, 1], ['<0xF0>', 1, 3], ['<0x9F>', 1, 3], ['<0x91>', 1, 3], ['<0x8D>', 1, 3], ['b', 3, 4]]);
  });

  it('continuing_subword_prefix and end_of_word_suffix decorate the symbols; merges drop the prefix of their right part', async () => {
    const vocab = { a: 0, '##b': 1, '##c': 2, ab: 3, abc: 4, '##bc': 5, b: 6, c: 7, 'c</w>': 8, '##c</w>': 9, 'ab##c</w>': 10, 'abc</w>': 11, 'bc</w>': 12, '##b</w>': 13, 'ab</w>': 14, '[UNK]': 15 };
    const texts = ['abc', 'ab', 'c', 'bc', 'cab', 'abcabc', 'xab'];
    await sameAsRust('prefix', bpeJson({ vocab, merges: ['a ##b', 'ab ##c', '##b ##c'], continuing_subword_prefix: '##', unk_token: '[UNK]' }), texts);
    await sameAsRust('suffix', bpeJson({ vocab, merges: [['b', 'c</w>'], ['a', 'b']], end_of_word_suffix: '</w>', unk_token: '[UNK]' }), texts);
    await sameAsRust('both', bpeJson({ vocab, merges: ['a ##b', 'ab ##c</w>', 'a ##b</w>'], continuing_subword_prefix: '##', end_of_word_suffix: '</w>', unk_token: '[UNK]' }), texts);
  });

  it('ignore_merges: a piece found whole in the vocabulary is one token, whatever the merges would make', async () => {
    const vocab = { ...V, xyz: 30, x: 31, y: 32, z: 33, xy: 34, yz: 35 };
    const model = { vocab, merges: ['y z', 'x y'] };
    const texts = ['xyz', 'xyzx', 'abc', 'yz'];
    await sameAsRust('ignore_merges', bpeJson({ ...model, ignore_merges: true }), texts);
    await sameAsRust('merges', bpeJson({ ...model, ignore_merges: false }), texts);
    assert.deepEqual(tokenizerFromJson(bpeJson({ ...model, ignore_merges: true }), 'm.json').encode('xyz').map(t => t.text), ['xyz']);
    assert.deepEqual(tokenizerFromJson(bpeJson(model), 'm.json').encode('xyz').map(t => t.text), ['x', 'yz']);
  });

  it('dropout null or 0 is deterministic BPE', async () => {
    await sameAsRust('dropout 0', bpeJson({ vocab: V, merges: ['a b', 'ab c'], dropout: 0 }), ['abc ab']);
    await sameAsRust('dropout null', bpeJson({ vocab: V, merges: ['a b', 'ab c'], dropout: null }), ['abc ab']);
  });

  it('random vocabularies, merges and words (short words merge by scanning, long ones with a heap) match Rust', async function () {
    this.timeout(60_000);
    const rng = createRng(20240611);
    const pick = <T>(a: readonly T[]): T => a[Math.floor(rng.next() * a.length)]!;
    for (let round = 0; round < 12; round++) {
      const alphabet = ['a', 'b', 'c', 'd', 'é', '👍', 'ß'];
      const vocab: Record<string, number> = { '[UNK]': 0 };
      alphabet.forEach(ch => (vocab[ch] = Object.keys(vocab).length));
      const tokens = [...alphabet];
      const merges: [string, string][] = [];
      for (let k = 0; k < 60; k++) {
        const left = pick(tokens);
        const right = pick(tokens);
        if (left.length + right.length > 12) continue;
        merges.push([left, right]);
        if (vocab[left + right] === undefined) {
          vocab[left + right] = Object.keys(vocab).length;
          tokens.push(left + right);
        }
      }
      const words: string[] = [];
      for (let w = 0; w < 40; w++) {
        const len = 1 + Math.floor(rng.next() ** 3 * 160);
        let word = '';
        for (let i = 0; i < len; i++) word += rng.next() < 0.03 ? pick(['z', 'ж', '😀']) : pick(alphabet);
        words.push(word);
      }
      // Rounds 0, 3, 6…: no unk_token, so unknown characters are dropped (offsets then count bytes).
      const json = bpeJson(round % 3 === 0 ? { vocab, merges } : { vocab, merges, unk_token: '[UNK]', fuse_unk: round % 2 === 0 });
      await sameAsRust(`random round ${round}`, json, [words.join(' '), words.slice(0, 5).join('\n')]);
    }
  });
});

describe('BPE replay (explain)', () => {
  const gpt2File = path.join(repoRoot(), 'assets', 'tokenizers', 'gpt2', 'tokenizer.json');
  const gpt2Json = JSON.parse(readFileSync(gpt2File, 'utf8')) as { model: { merges: [string, string][] } };
  const gpt2 = tokenizerFromJson(gpt2Json, gpt2File);

  /** Applies the replay's merges to its initial symbols, checking each step's parts; returns the final parts. */
  function replayMerges(steps: readonly ModelStep[]): string[] {
    const first = steps.find(s => s.kind === 'symbols');
    assert.ok(first && first.kind === 'symbols', 'a symbols step comes first');
    let parts = [...first.parts];
    for (const step of steps) {
      if (step.kind !== 'merge') continue;
      const at = parts.findIndex((p, i) => p === step.left && parts[i + 1] === step.right);
      assert.ok(at >= 0, `merge ${step.left} + ${step.right} has a pair to merge in ${JSON.stringify(parts)}`);
      assert.equal(step.merged, step.left + step.right);
      parts = [...parts.slice(0, at), step.merged, ...parts.slice(at + 2)];
      assert.deepEqual(step.parts, parts, 'parts after the merge');
    }
    return parts;
  }

  it('GPT-2 words: merges applied in the replay’s order, with ranks that are the merges’ line numbers, give the encoder’s tokens', () => {
    const text = ' tokenization internationalization naïve 東京 👍🏽 lowest';
    const replay = gpt2.explain!(text, 0, text.length);
    assert.ok(replay.pieces.length >= 6);
    for (const piece of replay.pieces) {
      const steps = piece.steps;
      const ranks = steps.flatMap(s => (s.kind === 'merge' ? [s.rank] : []));
      for (const step of steps) if (step.kind === 'merge') assert.deepEqual(gpt2Json.model.merges[step.rank], [step.left, step.right], `rank ${step.rank} is line ${step.rank} of merges`);
      // Trained BPE: a merge that uses a token comes after the merge that made it, so ranks never
      // go down (the same merge can apply twice in a row: "at" in "internationalization").
      for (let k = 1; k < ranks.length; k++) assert.ok(ranks[k]! >= ranks[k - 1]!, `ranks never decrease in ${piece.text}: ${ranks.join(', ')}`);
      assert.deepEqual(replayMerges(steps), piece.tokens.map(t => t.text), piece.text);
    }
    const tokenization = replay.pieces.find(p => p.text === 'Ġtokenization')!;
    assert.deepEqual(tokenization.steps[0], { kind: 'symbols', parts: [...'Ġtokenization'] });
    assert.deepEqual(tokenization.tokens.map(t => t.text), ['Ġtoken', 'ization']);
  });

  it('ignore_merges hits are one wholeWord step; unknown characters and byte fallback are named', () => {
    const vocab = { ...V, xyz: 30, x: 31, y: 32, z: 33, '<0xC3>': 34, '<0xA9>': 35 };
    const whole = bpeModelFromJson({ type: 'BPE', vocab, merges: [], ignore_merges: true }, 'm.json');
    assert.deepEqual(whole.explain('xyz'), [{ kind: 'wholeWord', piece: 'xyz', id: 30 }]);
    const noAccent = Object.fromEntries(Object.entries(vocab).filter(([t]) => !t.includes('é')));
    const fallback = bpeModelFromJson({ type: 'BPE', vocab: noAccent, merges: ['a b'], byte_fallback: true, unk_token: '[UNK]' }, 'm.json');
    assert.deepEqual(fallback.explain('aéq'), [
      { kind: 'byteFallback', symbol: 'é', bytes: ['<0xC3>', '<0xA9>'] },
      { kind: 'unknown', piece: 'q', token: '[UNK]', reason: 'not in the vocabulary, and not all of its <0xNN> byte tokens are' },
      { kind: 'symbols', parts: ['a', '<0xC3>', '<0xA9>', '[UNK]'] },
    ]);
    const dropping = bpeModelFromJson({ type: 'BPE', vocab: V, merges: ['a b'] }, 'm.json');
    const steps = dropping.explain('aqb');
    assert.equal(steps[0]!.kind, 'unknown');
    assert.match((steps[0] as { reason: string }).reason, /no unk_token: dropped/);
    assert.deepEqual(steps.slice(1), [
      { kind: 'symbols', parts: ['a', 'b'] },
      { kind: 'merge', rank: 0, left: 'a', right: 'b', merged: 'ab', parts: ['ab'] },
    ]);
  });
});

describe('BPE errors', () => {
  it('dropout other than null/0 is unsupported (its random merges cannot be reproduced)', async () => {
    const e = await rejection(() => tokenizerFromJson(bpeJson({ vocab: V, merges: [], dropout: 0.1 }), 'x/tokenizer.json'));
    assert.equal(e.reason, 'unsupported');
    assert.match(e.message, /^x\/tokenizer\.json: BPE dropout 0\.1 is not supported \(random merges cannot be reproduced; only null or 0\)$/);
  });

  it('byte_fallback with a continuing_subword_prefix or end_of_word_suffix is unsupported', async () => {
    const e = await rejection(() => tokenizerFromJson(bpeJson({ vocab: V, merges: [], byte_fallback: true, continuing_subword_prefix: '##' }), 'm.json'));
    assert.equal(e.reason, 'unsupported');
    assert.match(e.message, /m\.json: BPE with byte_fallback and a continuing_subword_prefix or end_of_word_suffix is not supported/);
  });

  it('malformed merges are badFile errors naming the merge (the Rust library rejects them too)', async () => {
    for (const bad of ['a b c', 'ab', 'a  b', ['a'], ['a', 'b', 'c'], 7]) {
      const json = bpeJson({ vocab: V, merges: ['a b', bad] });
      assert.throws(() => rustTokenizer(json), `Rust rejects ${JSON.stringify(bad)}`);
      const e = await rejection(() => tokenizerFromJson(json, 'm.json'));
      assert.equal(e.reason, 'badFile');
      assert.equal(e.message, `m.json: BPE merges[1] is ${JSON.stringify(bad)}, expected "left right" (one space) or ["left", "right"]`);
    }
  });

  it('a merge of a token not in the vocabulary, or into one, is a badFile error naming both', async () => {
    const cases: [unknown, RegExp][] = [
      ['a x', /m\.json: BPE merges\[0\] "a x": "x" is not in the vocabulary/],
      ['q b', /m\.json: BPE merges\[0\] "q b": "q" is not in the vocabulary/],
      ['c a', /m\.json: BPE merges\[0\] "c a": the merged token "ca" is not in the vocabulary/],
    ];
    for (const [merge, re] of cases) {
      const json = bpeJson({ vocab: V, merges: [merge] });
      assert.throws(() => rustTokenizer(json), /out of vocabulary/);
      const e = await rejection(() => tokenizerFromJson(json, 'm.json'));
      assert.equal(e.reason, 'badFile');
      assert.match(e.message, re);
    }
  });

  it('a missing vocab or merges, or a non-integer id, is a badFile error', async () => {
    for (const model of [{ vocab: V }, { merges: [] }, { vocab: [], merges: [] }]) {
      const e = await rejection(() => tokenizerFromJson(bpeJson(model), 'm.json'));
      assert.equal(e.reason, 'badFile');
      assert.match(e.message, /m\.json: BPE model needs "vocab": \{ token: id \} and "merges": \[\.\.\.\]/);
    }
    const e = await rejection(() => tokenizerFromJson(bpeJson({ vocab: { a: 'x' }, merges: [] }), 'm.json'));
    assert.match(e.message, /m\.json: BPE vocab token "a" maps to "x", expected an integer id/);
    const e2 = await rejection(() => tokenizerFromJson(bpeJson({ vocab: V, merges: [], fuse_unk: 'yes' }), 'm.json'));
    assert.match(e2.message, /m\.json: BPE "fuse_unk" should be true or false, got "yes"/);
  });

  it('an unk_token missing from the vocabulary fails when it is needed, as in the Rust library', async () => {
    const json = bpeJson({ vocab: V, merges: ['a b'], unk_token: '<nope>' });
    const ours = tokenizerFromJson(json, 'm.json');
    assert.deepEqual(ours.encode('ab').map(t => t.text), ['ab']);
    await assert.rejects(rustTokenizer(json).encode('xab'), /Unk token `<nope>` not found/);
    const e = await rejection(() => ours.encode('xab'));
    assert.equal(e.reason, 'badFile');
    assert.match(e.message, /m\.json: BPE unk_token "<nope>" is not in the vocabulary \(needed for "x"\)/);
  });
});
