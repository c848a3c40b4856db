// The Precompiled normalizer (SentencePiece's compiled charsmap, here clean_30k's nmt_nfkc) against
// the Rust tokenizers library: the normalized text, and — through a character-level Unigram model
// whose tokens are single characters — the original span of every normalized character.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { tokenizerFromJson } from '../../../src/core/tokenizers/loadTokenizer';
import { NormalizedString } from '../../../src/core/tokenizers/normalizedString';
import { applyPrecompiled, PrecompiledCharsmap } from '../../../src/core/tokenizers/precompiled';
import { fixture, rejection } from '../helpers';
import { assertSameEncoding, ourEncode, rustEncode, rustTokenizer } from './reference';

const CLEAN_30K = JSON.parse(readFileSync(fixture('tokenizers', 'clean-30k', 'tokenizer.json'), 'utf8')) as { normalizer: { normalizers: { type: string; precompiled_charsmap?: string }[] } };
const CHARSMAP = CLEAN_30K.normalizer.normalizers.find(n => n.type === 'Precompiled')!.precompiled_charsmap!;

/** Text where Rust's grapheme-by-grapheme application and its alignments show. */
const TRICKY: readonly string[] = [
  'plain ascii, nothing to do',
  '\u00aa\u0300 \u00aa\u0301x', // a short cluster whose first character is itself a key: the mark is dropped
  '\uff41\u0301 \uff21\u0308\u0304', // fullwidth letter + marks (5 and 7 bytes)
  'A\u030a \u00c5 \u212b \u2126 \u00b5', // composition, singletons
  '\ufb01 \ufb03 \u337f \u3392 \u2460 \u216b \u01c5 \u0149', // expansions
  '\u0001abc', // a deletion at the very start: Rust's alignment lags from there on
  '\u0001\u0002\ufb01 x\u0003', // deletions, then an expansion, then a deletion at the end
  'ab\u0001c\u007f\u008fd', // deletions after other characters
  'crlf\r\nlf\ncr\rtab\tff\u000cvt\u000bend',
  '\u3000ideographic\u00a0nbsp\u200bzwsp\ufefffeff\u2028ls',
  'emoji \u{1f468}\u200d\u{1f469}\u200d\u{1f467} \u{1f3f3}\ufe0f\u200d\u{1f308} \u{1f44d}\u{1f3fd} #\ufe0f\u20e3 \u00a9\ufe0f \u2764\ufe0f',
  'flags \u{1f1e9}\u{1f1ea}\u{1f1eb}\u{1f1f7}\u{1f1ec}', // regional indicators pair up, the odd one stands alone
  'a\u{1f3fd} a\u200d b\u200c c\ufe0f', // short clusters ending in an emoji modifier, ZWJ, ZWNJ, VS16
  'hangul \u1100\u1161\u11a8 \uac01 \u1100\u1100\u1161', // conjoining jamo
  'devanagari \u0915\u094d\u0937\u093f \u0928\u092e\u0938\u094d\u0924\u0947',
  'thai \u0e01\u0e33 lao \u0e81\u0eb3',
  'halfwidth \uff76\uff9e\uff8a\uff9f\uff71',
  'prepend \u0600\u0661\u0662 \u06dd\u0663 \u0d4e\u0d15',
  'marks \u732b\u0301 e\u0301\u0302\u0303\u0304 \u0340\u0301 a\u0340\u0301 \u0344',
  'vietnamese \u1ec7 e\u0323\u0302 e\u0302\u0323',
  'greek \u0390 \u03b9\u0308\u0301 \u1fbe',
  'fullwidth \uff21\uff22\uff23\uff01\uff1f\uff08x\uff09 \uff10\uff11',
  'math \u{1d400}\u{1d41a}\u{1d7ce} superscripts \u00b2\u00b3\u2074 fractions \u00bd\u2153',
  'compat \u2002en\u2003em\u2009thin\u3000 \u2026 \u2015 \u301c \uff5e',
  'cjk \u732b\u306f\u53ef\u611b\u3044\u3002 \ud55c\uad6d\uc5b4',
  '\u0000nul\u0000',
  '',
  '   ',
];

/** A tokenizer.json: Precompiled (after `before`), no pre-tokenizer, a Unigram model with one piece per character. */
function charLevelJson(chars: Iterable<string>, before: Record<string, unknown>[] = []): Record<string, unknown> {
  const vocab: [string, number][] = [['<unk>', 0]];
  for (const c of chars) vocab.push([c, -1]);
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [],
    normalizer: before.length === 0 ? { type: 'Precompiled', precompiled_charsmap: CHARSMAP } : { type: 'Sequence', normalizers: [...before, { type: 'Precompiled', precompiled_charsmap: CHARSMAP }] },
    pre_tokenizer: null,
    post_processor: null,
    decoder: null,
    model: { type: 'Unigram', unk_id: 0, vocab, byte_fallback: false },
  };
}

describe('Precompiled normalizer (clean_30k nmt_nfkc) agrees with the Rust tokenizers library', () => {
  const rustNormalizer = rustTokenizer(charLevelJson([])).getNormalizer()!;
  const map = PrecompiledCharsmap.fromBase64(CHARSMAP, 'clean-30k');

  it(`gives the same normalized text on ${TRICKY.length} tricky texts`, () => {
    for (const text of TRICKY) {
      const ours = applyPrecompiled(map, NormalizedString.fromOriginal(text)).normalized;
      assert.equal(JSON.stringify(ours), JSON.stringify(rustNormalizer.normalizeString(text)), `normalized ${JSON.stringify(text)}`);
    }
  });

  it('maps every normalized character back to the same original span', async () => {
    const chars = new Set<string>();
    for (const text of TRICKY) for (const c of rustNormalizer.normalizeString(text)) chars.add(c);
    const json = charLevelJson(chars);
    const rust = rustTokenizer(json);
    const ours = tokenizerFromJson(json, 'char-level.json');
    for (const text of TRICKY) {
      assertSameEncoding(JSON.stringify(text), text, ourEncode(ours, text, false), await rustEncode(rust, text, false));
    }
  });

  it('keeps the alignment of text another normalizer already changed (Lowercase first)', async () => {
    const lower = [{ type: 'Lowercase' }];
    const texts = TRICKY.map(t => `ÀB ${t} ĲK`);
    const rustLower = rustTokenizer(charLevelJson([], lower)).getNormalizer()!;
    const chars = new Set<string>();
    for (const text of texts) for (const c of rustLower.normalizeString(text)) chars.add(c);
    const json = charLevelJson(chars, lower);
    const rust = rustTokenizer(json);
    const ours = tokenizerFromJson(json, 'char-level.json');
    for (const text of texts) {
      assertSameEncoding(JSON.stringify(text), text, ourEncode(ours, text, false), await rustEncode(rust, text, false));
    }
  });

  it('leaves text it does not change as it is (same object, identity alignment)', () => {
    const s = NormalizedString.fromOriginal('plain text, 123', 7);
    assert.equal(applyPrecompiled(map, s), s);
    // Same-width replacements (newline → space, fullwidth → ASCII) keep the identity alignment too.
    const t = applyPrecompiled(map, NormalizedString.fromOriginal('a\nＡ\t\u{1d400}', 3));
    assert.equal(t.normalized, 'a A A');
    assert.equal(t.isIdentity, false); // 𝐀 (2 units) → A (1 unit) changes the shape
    const u = applyPrecompiled(map, NormalizedString.fromOriginal('a\nＡ\tb', 3));
    assert.equal(u.normalized, 'a A b');
    assert.equal(u.isIdentity, true);
    assert.deepEqual(u.originalRange(2, 3), [5, 6]);
  });
});

describe('Precompiled normalizer errors', () => {
  const bytes = Buffer.from(CHARSMAP, 'base64');
  const trieBytes = bytes.readUInt32LE(0);
  const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
  const json = (normalizer: Record<string, unknown>) => ({ ...charLevelJson(['a', 'b']), normalizer });

  it('a missing or non-string precompiled_charsmap is a badFile error', async () => {
    for (const normalizer of [{ type: 'Precompiled' }, { type: 'Precompiled', precompiled_charsmap: null }]) {
      const e = await rejection(() => tokenizerFromJson(json(normalizer), 'p.json'));
      assert.equal(e.reason, 'badFile');
      assert.match(e.message, /^p\.json: Precompiled normalizer needs "precompiled_charsmap" \(a base64 string\)/);
    }
  });

  it('invalid base64 is a badFile error', async () => {
    for (const bad of ['A!==', 'AAAAA', 'AB==']) {
      const e = await rejection(() => tokenizerFromJson(json({ type: 'Precompiled', precompiled_charsmap: bad }), 'p.json'));
      assert.equal(e.reason, 'badFile', bad);
      assert.match(e.message, /^p\.json: Precompiled normalizer: precompiled_charsmap is not valid base64/);
    }
  });

  it('a charsmap we cannot read is an unsupported error saying why', async () => {
    const sized = (size: number, rest: number[]) => {
      const b = Buffer.alloc(4 + rest.length);
      b.writeUInt32LE(size, 0);
      Buffer.from(rest).copy(b, 4);
      return b;
    };
    const cases: [Uint8Array, RegExp][] = [
      [new Uint8Array([1, 2, 3]), /3 bytes, too short for the trie size/],
      [new Uint8Array(0), /0 bytes, too short for the trie size/],
      [sized(0, [65, 0]), /the trie is empty/],
      [sized(8, [0, 0, 0, 0]), /the trie size says 8 bytes but only 4 follow/],
      [Buffer.concat([bytes.subarray(0, 4 + trieBytes), Buffer.from([0xff, 0xfe, 0])]), /the pool of normalized strings is not valid UTF-8/],
    ];
    for (const [b, re] of cases) {
      const e = await rejection(() => tokenizerFromJson(json({ type: 'Precompiled', precompiled_charsmap: b64(b) }), 'p.json'));
      assert.equal(e.reason, 'unsupported', String(re));
      assert.match(e.message, re);
      assert.match(e.message, /^p\.json: Precompiled normalizer: cannot read precompiled_charsmap .*expected SentencePiece's layout/);
    }
  });

  it('a trie that points outside itself or its pool is an unsupported error when it is used', async () => {
    // The trie cut to 1024 units: walks run past its end.
    const cut = Buffer.concat([Buffer.from([0, 16, 0, 0]), bytes.subarray(4, 4 + 4096), bytes.subarray(4 + trieBytes)]);
    const tok = tokenizerFromJson(json({ type: 'Precompiled', precompiled_charsmap: b64(cut) }), 'p.json');
    const e = await rejection(() => tok.encode('\uff21\uff22\u{1d400}\u2126'));
    assert.equal(e.reason, 'unsupported');
    assert.match(e.message, /^p\.json: Precompiled normalizer: the precompiled_charsmap trie is malformed \(an index runs past its 1024 units\)/);
    // The pool cut to 2 bytes: replacements point past it.
    const noPool = Buffer.concat([bytes.subarray(0, 4 + trieBytes), Buffer.from([97, 0])]);
    const tok2 = tokenizerFromJson(json({ type: 'Precompiled', precompiled_charsmap: b64(noPool) }), 'p.json');
    const e2 = await rejection(() => tok2.encode('\ufb01'));
    assert.equal(e2.reason, 'unsupported');
    assert.match(e2.message, /^p\.json: Precompiled normalizer: a trie value points at byte \d+, which is not the start of a string in the 2-byte pool/);
  });
});
