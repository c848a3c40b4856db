// BERT (BertNormalizer, BertPreTokenizer, WordPiece) against Hugging Face's Rust `tokenizers`
// library, run live: bert-base-uncased over the whole reference corpus, every BertNormalizer
// option, every code point through the normalizer and the pre-tokenizer, and the vocab.txt path.
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as rust from 'tokenizers';
import { bertNormalizer, bertPreTokenizer, type BertNormalizerOptions } from '../../../src/core/tokenizers/bert';
import { loadTokenizerFile, tokenizerFromJson } from '../../../src/core/tokenizers/loadTokenizer';
import { NormalizedString } from '../../../src/core/tokenizers/normalizedString';
import { createRng } from '../../../src/core/prng';
import { nodeFiles } from '../../../src/core/nodeFiles';
import type { Tokenizer } from '../../../src/core/tokenizers/types';
import { referenceCorpus } from '../../corpus/corpus';
import { fixture } from '../helpers';
import { assertSameEncoding, cpToUtf16Map, ourEncode, rustEncode, rustTokenizer } from './reference';

const BERT_DIR = fixture('tokenizers', 'bert-base-uncased');

function bertJson(): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(BERT_DIR, 'tokenizer.json'), 'utf8')) as Record<string, unknown>;
}

/** Every document of the corpus, with and without special tokens: ids, tokens and offsets as Rust's. */
async function assertSameOnCorpus(ours: Tokenizer, ref: rust.Tokenizer, label: string): Promise<number> {
  let tokens = 0;
  for (const doc of referenceCorpus()) {
    for (const special of [false, true]) {
      const want = await rustEncode(ref, doc.text, special);
      const got = ourEncode(ours, doc.text, special);
      assertSameEncoding(`${label}, ${doc.name}${special ? ', with special tokens' : ''}`, doc.text, got, want);
      tokens += got.length;
    }
  }
  return tokens;
}

describe('bert-base-uncased (WordPiece) agrees with the Rust tokenizers library', function () {
  // Each test runs the Rust library over up to 1.5 MB of text.
  this.timeout(120_000);
  it('the fixture is bert-base-uncased: vocab.txt ids, the Rust library loads its tokenizer.json', async () => {
    const vocab = readFileSync(path.join(BERT_DIR, 'vocab.txt'), 'utf8').split('\n');
    assert.equal(vocab.length, 30523); // the final newline
    for (const [token, id] of [['[PAD]', 0], ['[unused0]', 1], ['[UNK]', 100], ['[CLS]', 101], ['[SEP]', 102], ['[MASK]', 103], ['the', 1996], ['##s', 2015]] as const) {
      assert.equal(vocab[id], token);
    }
    const ref = rust.Tokenizer.fromFile(path.join(BERT_DIR, 'tokenizer.json'));
    assert.deepEqual((await ref.encode('i like strawberries')).getIds(), [101, 1045, 2066, 13137, 20968, 102]);
  });

  it('over the whole reference corpus, with and without special tokens', async () => {
    const json = bertJson();
    const tokens = await assertSameOnCorpus(tokenizerFromJson(json, 'bert-base-uncased/tokenizer.json'), rustTokenizer(json), 'bert-base-uncased');
    assert.ok(tokens > 500_000, `compared ${tokens} tokens`);
  });

  it('hand-picked cases: accents, NFD, Chinese characters, controls, punctuation, added tokens, long words', async () => {
    const json = bertJson();
    const ours = tokenizerFromJson(json, 'bert-base-uncased/tokenizer.json');
    const ref = rustTokenizer(json);
    const texts = [
      'Héllo, Wörld! Ｆｕｌｌｗｉｄｔｈ and façade naïve résumé',
      'e\u0301 a\u0301\u0323 e\u0323\u0302 \u1ec7\u0301 İstanbul ǅemal ΣΑΣ',
      '我爱北京天安门。漢字かなカナ 한국어 텍스트 𠀀𠀁 \uf900',
      'tab\there\u00a0nbsp\u3000ideo\u200bzwsp\u200dzwj\u00adshy\u0085nel\u0000nul\ufffdrepl\u000bvt',
      "don't stop-believing... (1,234.56) #hashtag @user ‘quotes’ «guillemets» ¿qué? ¡sí!",
      '[CLS] [MASK] is [SEP][PAD] [unused0] [UNK]x',
      'a'.repeat(100) + ' ' + 'a'.repeat(101) + ' ' + 'é'.repeat(101) + ' ' + '😀'.repeat(101),
      'unbelievably antidisestablishmentarianism pneumonoultramicroscopicsilicovolcanoconiosis',
      '👨‍👩‍👧 🇩🇪 🏴󠁧󠁢󠁳󠁣󠁴󠁿 ❤️ x\u20dd y\ufe0f',
      'क़ि नमस्ते ไทย العَرَبِيَّة עִבְרִית',
      '',
      ' \n\t ',
    ];
    for (const text of texts) {
      for (const special of [false, true]) assertSameEncoding(JSON.stringify(text), text, ourEncode(ours, text, special), await rustEncode(ref, text, special));
    }
  });
});

/** A vocabulary for normalizer options that keep capitals and accents: bert-base-uncased plus cased and accented words. */
function casedJson(normalizer: Partial<BertNormalizerJson>): Record<string, unknown> {
  const json = bertJson();
  const model = json.model as { vocab: Record<string, number> };
  const vocab = { ...model.vocab };
  let next = 30522;
  const add = (t: string) => {
    if (vocab[t] === undefined) vocab[t] = next++;
  };
  for (const [word, id] of Object.entries(model.vocab)) {
    if (id < 1996 || id > 6000 || word.startsWith('##')) continue;
    add(word[0]!.toUpperCase() + word.slice(1));
    add(word.toUpperCase());
  }
  for (const w of ['é', '##é', 'è', '##è', 'ü', '##ü', 'ö', '##ö', 'ñ', '##ñ', '##\u0301', '\u0301', 'caf', '##\u0323', 'İ', 'ǅ', '##ǅ', 'Σ', '##Σ', '##ς']) add(w);
  return { ...json, model: { ...(json.model as object), vocab }, normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true, ...normalizer } };
}

interface BertNormalizerJson {
  clean_text: boolean;
  handle_chinese_chars: boolean;
  strip_accents: boolean | null;
  lowercase: boolean;
}

const OPTION_CASES: [string, Partial<BertNormalizerJson>][] = [
  ['clean_text off', { clean_text: false }],
  ['handle_chinese_chars off', { handle_chinese_chars: false }],
  ['strip_accents true, lowercase off', { strip_accents: true, lowercase: false }],
  ['strip_accents false (lowercase on)', { strip_accents: false }],
  ['strip_accents null, lowercase off (no stripping)', { strip_accents: null, lowercase: false }],
  ['everything off', { clean_text: false, handle_chinese_chars: false, strip_accents: false, lowercase: false }],
];

describe('BertNormalizer options agree with the Rust tokenizers library', function () {
  // Each test runs the Rust library over up to 1.5 MB of text.
  this.timeout(120_000);
  for (const [name, options] of OPTION_CASES) {
    it(`${name}: the whole corpus, with and without special tokens`, async () => {
      const json = casedJson(options);
      await assertSameOnCorpus(tokenizerFromJson(json, 'cased.json'), rustTokenizer(json), name);
    });
  }

  it('NFD reordering of combining marks: strings and offsets as Rust gives them', async () => {
    // Marks the Rust library keeps after stripping (U+302E, U+1D165, U+1E944…) are sorted by
    // combining class with the stripped ones, and aligned by position afterwards.
    const marks = ['\u302e', '\u302f', '\u{1d165}', '\u{1d16d}', '\u{1e944}', '\u1b44', '\u0316', '\u0301', '\u0323', '\u05b0', '\u05bc', '\u0334', '\u08d4', '\u{11446}', '\u0f71'];
    const json = bertJson();
    const vocab = { ...(json.model as { vocab: Record<string, number> }).vocab };
    let next = 30522;
    for (const m of marks) for (const t of [m, `##${m}`]) vocab[t] ??= next++;
    const cases = ['a\u302e\u0316', 'a\u{1d165}\u302e', 'a\u302e\u{1d165}x', '\u1ec7\u302e\u0316', 'e\u0301\u0323\u302e\u0316\u{1d165}', '\u302e\u0316 a', 'x\u0f73\u302e', 'a\u{1e944}\u0334\u{11446}'];
    for (const stripAccents of [true, false, null]) {
      const j = { ...json, model: { ...(json.model as object), vocab }, normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: stripAccents, lowercase: true } };
      const ours = tokenizerFromJson(j, 'marks.json');
      const ref = rustTokenizer(j);
      const all = [...cases, cases.join(' '), marks.map(m => 'b' + marks.join('') + m).join(' '), ...randomMarkTexts(300)];
      for (const text of all) assertSameEncoding(`strip_accents ${stripAccents}: ${JSON.stringify(text)}`, text, ourEncode(ours, text, false), await rustEncode(ref, text, false));
    }
  });
});

/** Seeded random strings of letters, precomposed letters and combining marks (kept, stripped, reordered). */
function randomMarkTexts(count: number): string[] {
  const pool = ['a', 'e', 'A', 'é', '\u1ec7', 'İ', '가', '\u{1d15e}', '\u0f73', '\u0344', '\u0301', '\u0316', '\u0323', '\u0334', '\u05b0', '\u05bc', '\u302e', '\u302f', '\u{1d165}', '\u{1d16d}', '\u{1e944}', '\u1b44', '\u08d4', '\u{11446}', '\u0f71', '\u0f72', '\u093c', ' ', '.'];
  const rng = createRng(7);
  const texts: string[] = [];
  for (let k = 0; k < count; k++) {
    let t = '';
    const len = 1 + Math.floor(rng.next() * 12);
    for (let i = 0; i < len; i++) t += pool[Math.floor(rng.next() * pool.length)]!;
    texts.push(t);
  }
  return texts;
}

/** Every code point but the surrogates, in `chunk`-sized strings; `sep` goes after each. */
function* codePointTexts(sep: string, skip: number, chunk = 4000): Generator<string> {
  let parts: string[] = [];
  for (let cp = 0; cp <= 0x10ffff; cp++) {
    if ((cp >= 0xd800 && cp <= 0xdfff) || cp === skip) continue;
    parts.push(String.fromCodePoint(cp) + sep);
    if (parts.length === chunk) {
      yield parts.join('');
      parts = [];
    }
  }
  if (parts.length) yield parts.join('');
}

describe('BertNormalizer and BertPreTokenizer on every code point', function () {
  // Each test runs the Rust library over up to 1.5 MB of text.
  this.timeout(120_000);
  const combos: BertNormalizerOptions[] = [
    { cleanText: true, handleChineseChars: false, stripAccents: false, lowercase: false },
    { cleanText: false, handleChineseChars: true, stripAccents: false, lowercase: false },
    { cleanText: false, handleChineseChars: false, stripAccents: true, lowercase: false },
    { cleanText: false, handleChineseChars: false, stripAccents: false, lowercase: true },
    { cleanText: true, handleChineseChars: true, stripAccents: null, lowercase: true },
  ];
  for (const o of combos) {
    it(`normalizes like Rust: ${JSON.stringify(o)}`, () => {
      const ours = bertNormalizer(o);
      const ref = rust.bertNormalizer({ cleanText: o.cleanText, handleChineseChars: o.handleChineseChars, stripAccents: o.stripAccents ?? o.lowercase, lowercase: o.lowercase });
      // "x" stays "x" under clean_text; U+0001 (removed by clean_text) separates the others.
      const sep = o.cleanText ? 'x' : '\u0001';
      for (const text of codePointTexts(sep, sep.codePointAt(0)!)) {
        const got = ours(NormalizedString.fromOriginal(text)).normalized;
        const want = ref.normalizeString(text);
        if (got !== want) {
          const a = got.split(sep);
          const b = want.split(sep);
          const k = a.findIndex((p, i) => p !== b[i]);
          assert.fail(`first difference near ${JSON.stringify(text.split(sep)[k])}: ours ${JSON.stringify(a[k])}, Rust ${JSON.stringify(b[k])}`);
        }
      }
    });
  }

  it('pre-tokenizes like Rust: whitespace dropped, punctuation isolated, offsets', () => {
    const ref = rust.bertPreTokenizer();
    for (const text of codePointTexts('a', 0x61, 3000)) {
      const pieces = bertPreTokenizer(NormalizedString.fromOriginal(text));
      const map = cpToUtf16Map(text);
      const want = ref.preTokenizeString(text).map(([t, [s, e]]) => [t, map[s!]!, map[e!]!]);
      const got = pieces.map(p => [p.normalized, p.originalStart, p.originalEnd]);
      if (JSON.stringify(got) !== JSON.stringify(want)) {
        const k = got.findIndex((g, i) => JSON.stringify(g) !== JSON.stringify(want[i]));
        assert.fail(`piece ${k}: ours ${JSON.stringify(got[k])}, Rust ${JSON.stringify(want[k])}`);
      }
    }
  });
});

describe('a vocab.txt with ## entries is a BERT (WordPiece) vocabulary', function () {
  // Each test runs the Rust library over up to 1.5 MB of text.
  this.timeout(120_000);
  const dir = mkdtempSync(path.join(tmpdir(), 'lens-bert-'));

  it('bert-base-uncased/vocab.txt gives what the Rust library gives for BertWordPiece from that file', async () => {
    const file = path.join(BERT_DIR, 'vocab.txt');
    const ours = await loadTokenizerFile(nodeFiles, file, { lowercase: true });
    assert.match(ours.description, /WordPiece, BERT, lowercased/);
    assert.deepEqual(ours.padToken, { id: 0, text: '[PAD]' });
    assert.equal(ours.numSpecialTokens(), 2);
    const ref = new rust.Tokenizer(await rust.WordPiece.fromFile(file, { unkToken: '[UNK]', continuingSubwordPrefix: '##', maxInputCharsPerWord: 100 }));
    ref.setNormalizer(rust.bertNormalizer({ cleanText: true, handleChineseChars: true, stripAccents: true, lowercase: true }));
    ref.setPreTokenizer(rust.bertPreTokenizer());
    ref.setPostProcessor(rust.bertProcessing(['[SEP]', 102], ['[CLS]', 101]));
    ref.addSpecialTokens(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']);
    for (const doc of referenceCorpus().slice(0, 6)) {
      for (const special of [false, true]) assertSameEncoding(doc.name, doc.text, ourEncode(ours, doc.text, special), await rustEncode(ref, doc.text, special));
    }
  });

  it('lowercase follows do_lower_case; without [CLS]/[SEP] no special tokens are added; no ## stays word level', async () => {
    const p = path.join(dir, 'vocab.txt');
    writeFileSync(p, '[PAD]\n[UNK]\nhello\n##s\nHello\n,\n');
    const cased = await loadTokenizerFile(nodeFiles, p, { lowercase: false });
    assert.deepEqual(cased.encode('Hellos, hellos!').map(t => [t.text, t.start, t.end]), [['Hello', 0, 5], ['##s', 5, 6], [',', 6, 7], ['hello', 8, 13], ['##s', 13, 14], ['[UNK]', 14, 15]]);
    assert.equal(cased.numSpecialTokens(), 0);
    assert.deepEqual(cased.addSpecialTokens(cased.encode('hello'), 'hello').map(t => t.text), ['hello']);
    const lower = await loadTokenizerFile(nodeFiles, p);
    assert.deepEqual(lower.encode('HÉLLOS').map(t => t.text), ['hello', '##s']);
    const word = path.join(dir, 'words-vocab.txt');
    writeFileSync(word, '[UNK]\nhello\n#s\n');
    assert.match((await loadTokenizerFile(nodeFiles, word)).description, /word level/);
  });
});
