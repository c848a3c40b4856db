// Unigram tokenizers against the reference, Hugging Face's Rust `tokenizers` library, run live:
// clean_30k (ALBERT's SentencePiece model as transformers' converter writes it, built by
// scripts/build-unigram-tokenizer.ts) over the whole reference corpus, and synthetic models for
// byte fallback, unknown fusion and ties; then the replay and the errors.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { tokenizerFromJson } from '../../../src/core/tokenizers/loadTokenizer';
import { UnigramModel } from '../../../src/core/tokenizers/models/unigram';
import type { ModelStep } from '../../../src/core/tokenizers/replay';
import { createRng } from '../../../src/core/prng';
import { referenceCorpus } from '../../corpus/corpus';
import { fixture, rejection } from '../helpers';
import { assertSameEncoding, ourEncode, rustEncode, rustTokenizer } from './reference';

type Json = Record<string, unknown>;

function clean30k(): Json {
  return JSON.parse(readFileSync(fixture('tokenizers', 'clean-30k', 'tokenizer.json'), 'utf8')) as Json;
}

/** clean_30k with its normalizer replaced (to test our parts apart from the other normalizers). */
function clean30kWith(normalizer: (full: { type: string; normalizers: Json[] }) => unknown): Json {
  const json = clean30k();
  json.normalizer = normalizer(json.normalizer as { type: string; normalizers: Json[] });
  return json;
}

async function compareOverCorpus(json: Json, name: string): Promise<number> {
  const rust = rustTokenizer(json);
  const ours = tokenizerFromJson(json, name);
  let tokens = 0;
  for (const doc of referenceCorpus()) {
    for (const special of [false, true]) {
      const ref = await rustEncode(rust, doc.text, special);
      assertSameEncoding(`${name} ${doc.name} (special tokens ${special ? 'on' : 'off'})`, doc.text, ourEncode(ours, doc.text, special), ref);
      tokens += ref.ids.length;
    }
  }
  return tokens;
}

describe('clean_30k (ALBERT SentencePiece Unigram) agrees with the Rust tokenizers library over the reference corpus', function () {
  this.timeout(300_000);

  it('the converted tokenizer.json as it is (Replace, NFKD, StripAccents, Lowercase, Precompiled, Replace; Metaspace; [CLS] $A [SEP])', async () => {
    const tokens = await compareOverCorpus(clean30k(), 'clean-30k/tokenizer.json');
    assert.ok(tokens > 500_000, `compared ${tokens} tokens`);
  });

  it('with the Precompiled normalizer alone (nmt_nfkc on cased, accented text)', async () => {
    const json = clean30kWith(n => n.normalizers.find(p => p.type === 'Precompiled'));
    assert.ok((await compareOverCorpus(json, 'clean-30k precompiled-only')) > 500_000);
  });

  it('with no normalizer (the raw pieces, unknown characters fused)', async () => {
    const json = clean30kWith(() => null);
    assert.ok((await compareOverCorpus(json, 'clean-30k no-normalizer')) > 500_000);
  });

  it('knows its vocabulary, added tokens and special tokens', () => {
    const tok = tokenizerFromJson(clean30kWith(n => n.normalizers.find(p => p.type === 'Precompiled')), 'clean-30k/tokenizer.json');
    assert.equal(tok.vocabSize, 30_000);
    assert.equal(tok.description, 'tokenizer.json (Unigram)');
    assert.equal(tok.tokenToId('▁the'), 14);
    assert.equal(tok.idToToken(1), '<unk>');
    assert.equal(tok.numSpecialTokens(), 2);
    assert.deepEqual(tok.padToken, { id: 0, text: '<pad>' });
  });
});

// ---------------------------------------------------------------------------------------------
// Synthetic models

const SPECIAL = (id: number, content: string, special = true) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special });

function unigramJson(vocab: [string, number][], opts: { unkId?: number | null; byteFallback?: boolean; pre?: unknown; normalizer?: unknown; added?: unknown[] } = {}): Json {
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: opts.added ?? [],
    normalizer: opts.normalizer ?? null,
    pre_tokenizer: opts.pre === undefined ? { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true } : opts.pre,
    post_processor: null,
    decoder: null,
    model: { type: 'Unigram', unk_id: opts.unkId === undefined ? 0 : opts.unkId, vocab, ...(opts.byteFallback === undefined ? {} : { byte_fallback: opts.byteFallback }) },
  };
}

const WORDS: [string, number][] = [
  ['<unk>', 0],
  ['[SEP]', 0],
  ['▁', -3.5],
  ['▁the', -2.25],
  ['the', -4.5],
  ['t', -5.5],
  ['h', -5.25],
  ['e', -5.125],
  ['▁c', -4.75],
  ['cat', -5],
  ['at', -4.25],
  ['c', -6],
  ['a', -5.5],
  ['s', -6.5],
  ['▁s', -5.75],
  ['e▁c', -1.5],
  ['é', -7],
  ['<unk>x', -1],
];
const BYTES: [string, number][] = Array.from({ length: 256 }, (_, b) => [`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`, -20] as [string, number]);

const TEXTS = [
  'the cat sat',
  '  the  cat  ',
  'thecats é e\u0301',
  'unknown 猫犬 xyz q',
  '<unk> <unk>x x<unk>q',
  'emoji 👍🏽 🇩🇪 done',
  'the[SEP]cat [SEP] the',
  '',
  ' ',
  '▁the ▁▁cat',
];

const CASES: Record<string, Json> = {
  'Metaspace always': unigramJson(WORDS, { added: [SPECIAL(1, '[SEP]')] }),
  'Metaspace first': unigramJson(WORDS, { added: [SPECIAL(1, '[SEP]')], pre: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: true } }),
  'Metaspace never': unigramJson(WORDS, { added: [SPECIAL(1, '[SEP]')], pre: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'never', split: true } }),
  'Metaspace split false (pieces across spaces, e▁c)': unigramJson(WORDS, { added: [SPECIAL(1, '[SEP]')], pre: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: false } }),
  'no pre-tokenizer': unigramJson(WORDS, { pre: null }),
  'byte_fallback (all 256 byte pieces)': unigramJson([...WORDS, ...BYTES], { byteFallback: true }),
  'byte_fallback with some byte pieces missing': unigramJson([...WORDS, ...BYTES.filter((_, b) => b < 0xe0 || b > 0xef)], { byteFallback: true }),
  'byte_fallback false with byte pieces': unigramJson([...WORDS, ...BYTES], { byteFallback: false }),
  'unk_id not 0, duplicate piece (last id wins), empty piece': unigramJson([['a', -1], ['▁', -2], ['', -1], ['[UNK]', -3], ['t', -2], ['a', -0.5], ['he', -2]], { unkId: 3 }),
};

describe('synthetic Unigram tokenizers agree with the Rust tokenizers library', () => {
  for (const [name, json] of Object.entries(CASES)) {
    it(`${name}: ids, tokens and offsets on ${TEXTS.length} texts`, async () => {
      const rust = rustTokenizer(json);
      const ours = tokenizerFromJson(json, 'synthetic.json');
      for (const text of TEXTS) assertSameEncoding(`${name} ${JSON.stringify(text)}`, text, ourEncode(ours, text, false), await rustEncode(rust, text, false));
    });
  }

  it('ties keep the first candidate found (left to right, shorter first), like Rust', async () => {
    const json = unigramJson([['<unk>', 0], ['a', -1], ['b', -1], ['ab', -2], ['bc', -2], ['c', -1], ['abc', -3]], { pre: null });
    const rust = rustTokenizer(json);
    const ours = tokenizerFromJson(json, 'ties.json');
    for (const text of ['ab', 'abc', 'bc', 'abcabc', 'cab']) assertSameEncoding(`ties ${text}`, text, ourEncode(ours, text, false), await rustEncode(rust, text, false));
  });

  it('random vocabularies over a small alphabet: same ids as Rust on random strings', async () => {
    const rng = createRng(7);
    for (let round = 0; round < 20; round++) {
      const vocab = smallVocab(rng);
      const json = unigramJson(vocab, { pre: null });
      const rust = rustTokenizer(json);
      const ours = tokenizerFromJson(json, 'random.json');
      for (let k = 0; k < 20; k++) {
        const text = randomText(rng, 1 + Math.floor(rng.next() * 12));
        assertSameEncoding(`round ${round} ${JSON.stringify(text)}`, text, ourEncode(ours, text, false), await rustEncode(rust, text, false));
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Replay

const ALPHABET = ['a', 'b', 'c', 'é', '😀'];

/** <unk>, then every string over ALPHABET up to length 3 with probability 0.6, with random scores. */
function smallVocab(rng: { next(): number }): [string, number][] {
  const vocab: [string, number][] = [['<unk>', 0]];
  const add = (s: string) => {
    if (s.length > 0 && rng.next() < 0.6) vocab.push([s, -Math.round((0.5 + rng.next() * 9) * 1000) / 1000]);
  };
  for (const a of ALPHABET) {
    add(a);
    for (const b of ALPHABET) {
      add(a + b);
      for (const c of ALPHABET) add(a + b + c);
    }
  }
  return vocab;
}

function randomText(rng: { next(): number }, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += ALPHABET[Math.floor(rng.next() * ALPHABET.length)];
  return s;
}

/**
 * The best total score over every segmentation the lattice allows, by brute force: each piece a
 * vocabulary entry, or the unknown piece for a character no single-character entry covers.
 */
function bruteForceBest(vocab: readonly [string, number][], piece: string): number {
  const scores = new Map<string, number>();
  let min = Infinity;
  for (const [p, s] of vocab) {
    scores.set(p, s);
    min = Math.min(min, s);
  }
  const chars = [...piece];
  let best = -Infinity;
  const walk = (i: number, total: number): void => {
    if (i === chars.length) {
      best = Math.max(best, total);
      return;
    }
    let s = '';
    for (let j = i; j < chars.length; j++) {
      s += chars[j];
      const sc = scores.get(s);
      if (sc !== undefined) walk(j + 1, total + sc);
    }
    if (!scores.has(chars[i]!)) walk(i + 1, total + min - 10);
  };
  walk(0, 0);
  return best;
}

describe('Unigram replay', () => {
  it("explain(): the best path's pieces, ids and scores; its total is the maximum over all segmentations", () => {
    const rng = createRng(11);
    for (let round = 0; round < 10; round++) {
      const vocab = smallVocab(rng);
      const model = new UnigramModel({ vocab, unkId: 0, file: 'small.json' });
      for (let k = 0; k < 25; k++) {
        const piece = randomText(rng, 1 + Math.floor(rng.next() * 7));
        const steps = model.explain(piece);
        const step = steps[0] as Extract<ModelStep, { kind: 'unigram' }>;
        assert.equal(step.kind, 'unigram');
        assert.equal(step.pieces.map(p => p.piece).join(''), piece);
        // Equal up to rounding: two segmentations with the same exact total may round apart.
        const best = bruteForceBest(vocab, piece);
        assert.ok(Math.abs(step.score - best) < 1e-9, `best total for ${JSON.stringify(piece)}: ${step.score}, brute force ${best}`);
        let sum = 0;
        for (const p of step.pieces) {
          sum += p.score;
          if (p.id !== 0) assert.deepEqual([p.piece, p.score], [vocab[p.id]![0], vocab[p.id]![1]]);
        }
        assert.equal(sum, step.score);
        // The tokens follow the path (unknown runs fused).
        const tokens = model.tokenize(piece);
        assert.equal(tokens.map(t => t.text).join(''), piece);
        assert.ok(tokens.length <= step.pieces.length);
      }
    }
  });

  it('explain() says which characters were unknown (fused) and which fell back to bytes', () => {
    const model = new UnigramModel({ vocab: [['<unk>', 0], ['a', -1], ['<0xE7>', -5], ['<0x8C>', -5], ['<0xAB>', -5]], unkId: 0, byteFallback: true, file: 'bf.json' });
    const steps = model.explain('a猫a犬x');
    assert.deepEqual(steps[0], {
      kind: 'unigram',
      pieces: [
        { piece: 'a', id: 1, score: -1 },
        { piece: '猫', id: 0, score: -15 },
        { piece: 'a', id: 1, score: -1 },
        { piece: '犬', id: 0, score: -15 },
        { piece: 'x', id: 0, score: -15 },
      ],
      score: -47,
    });
    assert.deepEqual(steps[1], { kind: 'byteFallback', symbol: '猫', bytes: ['<0xE7>', '<0x8C>', '<0xAB>'] });
    assert.equal(steps[2]!.kind, 'unknown');
    assert.equal((steps[2] as Extract<ModelStep, { kind: 'unknown' }>).piece, '犬x');
    assert.equal((steps[2] as Extract<ModelStep, { kind: 'unknown' }>).token, '<unk>');
    assert.match((steps[2] as Extract<ModelStep, { kind: 'unknown' }>).reason, /these 2 characters.*fuse into one token \(id 0\).*not all of its <0xNN> byte tokens/);
    assert.deepEqual(
      model.tokenize('a猫a犬x').map(t => [t.id, t.text, t.start, t.end]),
      [[1, 'a', 0, 1], [2, '<0xE7>', 1, 2], [3, '<0x8C>', 1, 2], [4, '<0xAB>', 1, 2], [1, 'a', 2, 3], [0, '犬x', 3, 5]],
    );
  });

  it("the tokenizer's explain() runs the Metaspace pieces through the model", () => {
    const tok = tokenizerFromJson(unigramJson(WORDS), 'w.json');
    const replay = tok.explain!('the cats', 4, 8);
    assert.deepEqual(replay.preTokens.map(p => [p.text, p.start, p.end, p.selected]), [['▁the', 0, 3, false], ['▁cats', 3, 8, true]]);
    const piece = replay.pieces[0]!;
    // ▁ + cat + s (-15) beats ▁c + at + s (-15.5).
    assert.deepEqual(piece.tokens.map(t => [t.text, t.start, t.end]), [['▁', 3, 4], ['cat', 4, 7], ['s', 7, 8]]);
    const step = piece.steps[0] as Extract<ModelStep, { kind: 'unigram' }>;
    assert.deepEqual(step.pieces.map(p => p.piece), ['▁', 'cat', 's']);
    assert.equal(step.score, -3.5 + -5 + -6.5);
  });
});

// ---------------------------------------------------------------------------------------------
// Errors

describe('Unigram errors', () => {
  const model = (m: Json) => ({ ...unigramJson([]), model: { type: 'Unigram', ...m } });

  it('malformed models are badFile errors naming the field (and Rust rejects them too)', async () => {
    const cases: [Json, RegExp][] = [
      [{ unk_id: 0 }, /Unigram model needs "vocab": \[\[piece, score\], \.\.\.\]/],
      [{ vocab: { a: 0 } }, /Unigram model needs "vocab"/],
      [{ vocab: [['a']] }, /Unigram vocab\[0\] is \["a"\], expected \[piece, score\] with a string and a finite number/],
      [{ vocab: [['a', 0], ['b', '1']] }, /Unigram vocab\[1\] is \["b","1"\]/],
      [{ vocab: [['a', 0, 1]] }, /Unigram vocab\[0\] is \["a",0,1\]/],
      [{ vocab: [['a', 0]], unk_id: -1 }, /Unigram unk_id is -1, expected a non-negative integer or null/],
      [{ vocab: [['a', 0]], unk_id: 0.5 }, /Unigram unk_id is 0\.5/],
      [{ vocab: [['a', 0]], unk_id: 1 }, /Unigram unk_id 1 is outside the vocabulary \(1 pieces\)/],
      [{ vocab: [], unk_id: 0 }, /Unigram model has unk_id 0 but an empty vocabulary/],
      [{ vocab: [['a', 0]], byte_fallback: 'x' }, /Unigram byte_fallback is "x", expected true or false/],
      [{ vocab: [['a', 0]], byte_fallback: null }, /Unigram byte_fallback is null/],
    ];
    for (const [m, re] of cases) {
      const json = model(m);
      const e = await rejection(() => tokenizerFromJson(json, 'u.json'));
      assert.equal(e.reason, 'badFile', String(re));
      assert.match(e.message, re);
      assert.match(e.message, /^u\.json: /);
      assert.throws(() => rustTokenizer(json), Error, `Rust accepts ${JSON.stringify(m)}`);
    }
  });

  it('a piece that is not valid Unicode is a badFile error', async () => {
    const e = await rejection(() => tokenizerFromJson(model({ vocab: [['a\ud800', 0]], unk_id: 0 }), 'u.json'));
    assert.equal(e.reason, 'badFile');
    assert.match(e.message, /^u\.json: Unigram vocab\[0\] "a\\ud800" is not valid Unicode \(a lone surrogate\)/);
  });

  it('an uncovered character without unk_id is an unknownToken error (Rust fails too)', async () => {
    const json = unigramJson([['a', -1], ['▁', -1]], { unkId: null });
    const tok = tokenizerFromJson(json, 'u.json');
    assert.deepEqual(tok.encode('a a').map(t => t.text), ['▁', 'a', '▁', 'a']);
    const e = await rejection(() => tok.encode('a b'));
    assert.equal(e.reason, 'unknownToken');
    assert.match(e.message, /^u\.json: "b" is not in the Unigram vocabulary and the model has no unk_id/);
    await assert.rejects(rustEncode(rustTokenizer(json), 'a b', false));
  });
});
