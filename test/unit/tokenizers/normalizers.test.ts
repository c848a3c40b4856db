// Normalizers (NFC/NFD/NFKC/NFKD, Lowercase, Strip, StripAccents, Replace, Prepend, Sequence)
// against the Rust `tokenizers` library: the normalized text AND where every normalized character
// points in the original, over the whole reference corpus and over hand-picked hard cases.
import * as assert from 'node:assert/strict';
import { referenceCorpus } from '../../corpus/corpus';
import { NormalizedString } from '../../../src/core/tokenizers/normalizedString';
import { normalizerFromJson, type Normalizer } from '../../../src/core/tokenizers/normalizers';
import { tokenizerFromJson } from '../../../src/core/tokenizers/loadTokenizer';
import { rejection } from '../helpers';
import { cpToUtf16Map, rustTokenizer } from './reference';

/** A tokenizer.json whose pre-tokenizer isolates every character: Rust's offsets are then the alignment. */
function perCharJson(normalizer: unknown): Record<string, unknown> {
  return {
    version: '1.0',
    added_tokens: [],
    normalizer,
    pre_tokenizer: { type: 'Split', pattern: { Regex: '[\\s\\S]' }, behavior: 'Isolated', invert: false },
    post_processor: null,
    decoder: null,
    model: { type: 'WordLevel', vocab: { '[UNK]': 0 }, unk_token: '[UNK]' },
  };
}

/** The Rust library's normalized text and, per normalized character, its original span (UTF-16). */
async function rustAlignment(json: Record<string, unknown>, text: string): Promise<{ normalized: string; spans: [number, number][] }> {
  const rust = rustTokenizer(json);
  const normalized = rust.getNormalizer()?.normalizeString(text) ?? text;
  const enc = await rust.encode(text, null, { addSpecialTokens: false });
  const map = cpToUtf16Map(text);
  return { normalized, spans: enc.getOffsets().map(([s, e]) => [map[s!]!, map[e!]!]) };
}

/** Ours: the normalized text and, per normalized character, its original span. */
function ourAlignment(n: Normalizer, text: string): { normalized: string; spans: [number, number][] } {
  const s = n(NormalizedString.fromOriginal(text));
  const spans: [number, number][] = [];
  for (let i = 0; i < s.length; ) {
    const w = s.normalized.codePointAt(i)! > 0xffff ? 2 : 1;
    spans.push(s.originalRange(i, i + w));
    i += w;
  }
  return { normalized: s.normalized, spans };
}

async function assertSameAlignment(name: string, json: unknown, text: string): Promise<void> {
  const n = normalizerFromJson(json, 'test.json')!;
  const want = await rustAlignment(perCharJson(json), text);
  const got = ourAlignment(n, text);
  if (got.normalized !== want.normalized) {
    let i = 0;
    while (got.normalized[i] === want.normalized[i]) i++;
    assert.fail(`${name}: normalized text differs at ${i}: ours ${JSON.stringify(got.normalized.slice(i, i + 20))} ref ${JSON.stringify(want.normalized.slice(i, i + 20))}`);
  }
  // Rust drops characters that normalize to nothing (e.g. "" pieces); both lists are per character.
  for (let k = 0; k < Math.max(got.spans.length, want.spans.length); k++) {
    const a = got.spans[k];
    const b = want.spans[k];
    if (!a || !b || a[0] !== b[0] || a[1] !== b[1]) {
      const at = a?.[0] ?? b?.[0] ?? 0;
      assert.fail(`${name}: character ${k} of the normalized text aligns to ${JSON.stringify(a)}, Rust says ${JSON.stringify(b)}; original there ${JSON.stringify(text.slice(Math.max(0, at - 10), at + 10))}`);
    }
  }
}

const NORMALIZERS: Record<string, unknown> = {
  NFC: { type: 'NFC' },
  NFD: { type: 'NFD' },
  NFKC: { type: 'NFKC' },
  NFKD: { type: 'NFKD' },
  Lowercase: { type: 'Lowercase' },
  StripAccents: { type: 'StripAccents' },
  'Strip both': { type: 'Strip', strip_left: true, strip_right: true },
  'Strip left': { type: 'Strip', strip_left: true, strip_right: false },
  'Replace string': { type: 'Replace', pattern: { String: ' ' }, content: '▁▁' },
  'Replace to nothing': { type: 'Replace', pattern: { String: 'e' }, content: '' },
  'Replace regex': { type: 'Replace', pattern: { Regex: '\\s+' }, content: ' ' },
  'Replace empty matches': { type: 'Replace', pattern: { Regex: 'x*' }, content: '<>' },
  Prepend: { type: 'Prepend', prepend: '▁' },
  'Prepend nothing': { type: 'Prepend', prepend: '' },
  'Sequence NFD StripAccents Lowercase': { type: 'Sequence', normalizers: [{ type: 'NFD' }, { type: 'StripAccents' }, { type: 'Lowercase' }] },
  'Sequence NFKC Replace Prepend': {
    type: 'Sequence',
    normalizers: [{ type: 'NFKC' }, { type: 'Replace', pattern: { String: ' ' }, content: '▁' }, { type: 'Prepend', prepend: '▁' }],
  },
};

/** Hard cases: reordering, composition, compatibility characters, Hangul, final sigma, İ, astral characters. */
const HARD = [
  'e\u0301 é ñ n\u0303 Å \u212b \u2126 ﬁ ½ ㎏ ⅷ ¹ ² ｆｕｌｌ\u3000ｗｉｄｔｈ',
  'x\u01d8\u0323y xu\u0308\u0301\u0323y xa\u0301\u0323y a\u0323\u0302 \u1ea5\u0323 q\u0307\u0323',
  '\u1100\u1161\u11a8 각 \u1100\u1161 가\u11a8 \uac00\u11a8 한국어 \u1112\u1161\u11ab',
  'ΣΑΣ σας ΟΔΟΣ İstanbul I\u0307 ǅemal ẞ ß Ǆ',
  '𝐀𝐁𝐂 🄀 🅐 𝔘𝔫𝔦 \u{1D15E} \u{1D160} 😀 👍🏽 \u{2F800}',
  '\u0915\u093c \u0958 \u09dc \u0b47\u0b3e \u0dd9\u0dcf \u1b05\u1b35 \u0344 \u0f73 \u0f75 \u0f81',
  '\u0301start \u0301\u0300 \u0345\u0334 a\u0345\u0301\u0334\u0323',
  '  leading and trailing \t\n',
  '\u00a0\u2002\u3000',
  '',
  'ǘ\u0323 ệ ộ̃ ự ṩ',
];

describe('normalizers agree with the Rust tokenizers library, text and alignment', function () {
  this.timeout(300_000);
  const corpus = referenceCorpus();
  for (const [name, json] of Object.entries(NORMALIZERS)) {
    it(`${name}: hard cases and all ${corpus.length} corpus documents`, async () => {
      for (const text of HARD) await assertSameAlignment(`${name} on ${JSON.stringify(text)}`, json, text);
      for (const doc of corpus) await assertSameAlignment(`${name} on ${doc.name}`, json, doc.text);
    });
  }
});

describe('normalizers: identity fast paths', () => {
  it('text already in the form keeps no alignment arrays', () => {
    for (const form of ['NFC', 'NFD', 'NFKC', 'NFKD']) {
      const n = normalizerFromJson({ type: form }, 't.json')!;
      const s = NormalizedString.fromOriginal('plain ascii and ß 猫', 3);
      assert.equal(n(s), s, form);
    }
    const lower = normalizerFromJson({ type: 'Lowercase' }, 't.json')!;
    const s = lower(NormalizedString.fromOriginal('Hello World 猫', 0));
    assert.equal(s.normalized, 'hello world 猫');
    assert.ok(s.isIdentity, 'a length-preserving lowercase stays identity');
  });
});

describe('normalizer errors', () => {
  const cases: [unknown, string, RegExp][] = [
    [{ type: 'Frobnicate' }, 'unsupported', /normalizer type "Frobnicate" is not supported \(supported: .*NFC.*Replace.*\)/],
    [{ type: 'Strip', strip_left: true }, 'badFile', /normalizer Strip needs "strip_right": true or false, got undefined/],
    [{ type: 'Strip', strip_left: 'yes', strip_right: true }, 'badFile', /normalizer Strip needs "strip_left": true or false, got "yes"/],
    [{ type: 'Prepend' }, 'badFile', /normalizer Prepend needs "prepend": a string/],
    [{ type: 'Replace', pattern: { String: 'a' } }, 'badFile', /normalizer Replace: "content" should be a string/],
    [{ type: 'Replace', pattern: { String: 'a', Regex: 'b' }, content: 'x' }, 'badFile', /normalizer Replace: "pattern" should have exactly one of "String" or "Regex"/],
    [{ type: 'Replace', pattern: 'a', content: 'x' }, 'badFile', /normalizer Replace: "pattern" should be \{"String": text\} or \{"Regex": pattern\}/],
    [{ type: 'Sequence' }, 'badFile', /normalizer Sequence needs "normalizers": a list/],
    [{ type: 'Sequence', normalizers: [{ type: 'Nope' }] }, 'unsupported', /normalizer type "Nope" is not supported/],
  ];
  for (const [json, reason, re] of cases) {
    it(`${JSON.stringify(json)} → ${reason}`, async () => {
      const e = await rejection(() => normalizerFromJson(json, 'dir/tokenizer.json'));
      assert.equal(e.reason, reason);
      assert.match(e.message, re);
      assert.match(e.message, /^dir\/tokenizer\.json: /);
    });
  }
  it('the Rust library refuses the same files', () => {
    for (const [json] of cases) {
      assert.throws(() => rustTokenizer(perCharJson(json)), JSON.stringify(json));
    }
  });
  it('a tokenizer.json with an unsupported normalizer fails to load, naming it', async () => {
    const e = await rejection(() => tokenizerFromJson({ ...perCharJson({ type: 'Nmt' }) }, 'm/tokenizer.json'));
    assert.equal(e.reason, 'unsupported');
    assert.match(e.message, /^m\/tokenizer\.json: normalizer type "Nmt" is not supported/);
  });
});
