// OpenAI's tiktoken encodings (r50k_base, p50k_base, cl100k_base, o200k_base) against tiktoken
// itself (its WASM build, npm `tiktoken`), run live over the whole reference corpus, with and
// without special tokens in the text; offsets and bytes checked token by token; the replay; and
// every error path. r50k_base is also compared with the Rust `tokenizers` library on GPT-2's
// tokenizer.json when the repository has that file.
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { get_encoding, type Tiktoken } from 'tiktoken';
import { nodeFiles } from '../../../src/core/nodeFiles';
import { createRng } from '../../../src/core/prng';
import { OPENAI_ENCODINGS, openAiAssetsDir, openAiTokenizer, openAiTokenizerFromRanks, type OpenAiEncodingName } from '../../../src/core/tokenizers/openai';
import { tiktokenPatternToJs } from '../../../src/core/tokenizers/openaiPatterns';
import type { Token, Tokenizer } from '../../../src/core/tokenizers/types';
import { referenceCorpus } from '../../corpus/corpus';
import { rejection, repoRoot } from '../helpers';
import { assertSameEncoding, rustEncode, rustTokenizer } from './reference';

const ASSETS = openAiAssetsDir(nodeFiles, path.join(repoRoot(), 'assets'));
const GPT2_JSON = path.join(repoRoot(), 'assets', 'tokenizers', 'gpt2', 'tokenizer.json');

/** tiktoken's special tokens per encoding (what encode(text, 'all') matches). */
const SPECIALS: Record<OpenAiEncodingName, string[]> = {
  r50k_base: ['<|endoftext|>'],
  p50k_base: ['<|endoftext|>'],
  cl100k_base: ['<|endoftext|>', '<|fim_prefix|>', '<|fim_middle|>', '<|fim_suffix|>', '<|endofprompt|>'],
  o200k_base: ['<|endoftext|>', '<|endofprompt|>'],
};
/** Strings that look special but are plain text for tiktoken (or for some of the encodings). */
const LOOKALIKES = ['<|im_start|>', '<|im_end|>', '<|endoftext', 'endoftext|>', '<|', '|>', '<<|endoftext|>|>', '<|fim_prefix|><|fim_suffix|>', '<|endofprompt|>'];

/** GPT-2's bytes → unicode table, as its encoder.py publishes it (a separate spelling of ours). */
const SPELL: string[] = (() => {
  const bs: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) bs.push(b);
  for (let b = 0xa1; b <= 0xac; b++) bs.push(b);
  for (let b = 0xae; b <= 0xff; b++) bs.push(b);
  const cs = [...bs];
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n++);
    }
  }
  const out: string[] = [];
  bs.forEach((b, i) => (out[b] = String.fromCharCode(cs[i]!)));
  return out;
})();

const spell = (bytes: Uint8Array): string => Array.from(bytes, b => SPELL[b]!).join('');

const tokenizers = new Map<string, Tokenizer>();
async function ours(name: OpenAiEncodingName): Promise<Tokenizer> {
  let t = tokenizers.get(name);
  if (!t) {
    if (!existsSync(path.join(ASSETS, `${name}.tiktoken`))) assert.fail(`${ASSETS}/${name}.tiktoken is missing: run node scripts/copy-encodings.js (the build does)`);
    t = await openAiTokenizer(name, nodeFiles, ASSETS);
    tokenizers.set(name, t);
  }
  return t;
}

/** Runs `f` with tiktoken's encoder for `name`, freeing its WASM memory after. */
async function withTiktoken<T>(name: OpenAiEncodingName, f: (enc: Tiktoken, bytesOf: (id: number) => Uint8Array) => Promise<T> | T): Promise<T> {
  const enc = get_encoding(name);
  const cache = new Map<number, Uint8Array>();
  const bytesOf = (id: number): Uint8Array => {
    let b = cache.get(id);
    if (!b) cache.set(id, (b = enc.decode_single_token_bytes(id)));
    return b;
  };
  try {
    return await f(enc, bytesOf);
  } finally {
    enc.free();
  }
}

function assertSameIds(doc: string, text: string, got: readonly Token[], want: Uint32Array): void {
  const n = Math.max(got.length, want.length);
  for (let i = 0; i < n; i++) {
    if (got[i]?.id !== want[i]) {
      const at = got[i]?.start ?? got[got.length - 1]?.end ?? 0;
      assert.fail(`${doc}: first different id at token ${i} of ${got.length} (tiktoken ${want.length}): ours ${JSON.stringify(got.slice(Math.max(0, i - 2), i + 3).map(t => [t.id, t.text, t.start, t.end]))}, tiktoken ${JSON.stringify(Array.from(want.slice(Math.max(0, i - 2), i + 3)))}; text there ${JSON.stringify(text.slice(Math.max(0, at - 20), at + 20))}`);
    }
  }
}

/**
 * Checks every token against the text: its bytes (tiktoken's for its id, or a special token's
 * own) are the next bytes of the text's UTF-8, its `text` is their byte-level spelling, and its
 * span is exactly the characters those bytes belong to (a token with part of a character gets
 * that character's span). So the spans cover the text in order and decoding gives it back.
 */
function assertOffsetsAndBytes(doc: string, text: string, tokens: readonly Token[], bytesOf: (id: number) => Uint8Array, specials: readonly string[]): void {
  const utf8 = Buffer.from(text, 'utf8');
  const charStart = new Int32Array(utf8.length);
  const charEnd = new Int32Array(utf8.length);
  let b = 0;
  for (let i = 0; i < text.length; ) {
    const cp = text.codePointAt(i)!;
    const units = cp > 0xffff ? 2 : 1;
    const len = Buffer.byteLength(String.fromCodePoint(cp), 'utf8');
    for (let k = 0; k < len; k++) {
      charStart[b + k] = i;
      charEnd[b + k] = i + units;
    }
    b += len;
    i += units;
  }
  let at = 0;
  let prev: Token | undefined;
  tokens.forEach((t, i) => {
    const where = `${doc}: token ${i} ${JSON.stringify([t.id, t.text, t.start, t.end])} near ${JSON.stringify(text.slice(Math.max(0, t.start - 10), t.end + 10))}`;
    const bytes = t.special ? Buffer.from(t.text, 'utf8') : bytesOf(t.id);
    if (t.special) assert.ok(specials.includes(t.text), `${where}: not a special token of this encoding`);
    else assert.equal(t.text, spell(bytes), `${where}: spelling`);
    assert.ok(bytes.length > 0 && Buffer.from(bytes).equals(utf8.subarray(at, at + bytes.length)), `${where}: its bytes are not the text's bytes at ${at}`);
    assert.deepEqual([t.start, t.end], [charStart[at], charEnd[at + bytes.length - 1]], `${where}: span`);
    // Contiguous: the next token starts where the previous ended, or inside the one character they share.
    if (prev) assert.ok(t.start === prev.end || (t.start < prev.end && text.codePointAt(t.start)! > 0x7f && t.start + (text.codePointAt(t.start)! > 0xffff ? 2 : 1) === prev.end), `${where}: not contiguous with the previous token ${JSON.stringify([prev.start, prev.end])}`);
    prev = t;
    at += bytes.length;
  });
  assert.equal(at, utf8.length, `${doc}: the tokens hold ${at} bytes of ${utf8.length}`);
}

/** `text` with special-token strings (and look-alikes) put in at seeded places, never inside a surrogate pair. */
function withSpecials(text: string, inserts: readonly string[], seed: number): string {
  const rng = createRng(seed);
  const parts: string[] = [];
  let from = 0;
  while (from < text.length) {
    let to = Math.min(text.length, from + 1 + Math.floor(rng.next() * 4000));
    if (to < text.length && text.charCodeAt(to) >= 0xdc00 && text.charCodeAt(to) < 0xe000) to++;
    parts.push(text.slice(from, to), inserts[Math.floor(rng.next() * inserts.length)]!);
    from = to;
  }
  return parts.join('');
}

/** Texts at the edges of the split patterns and the merges. */
const EDGE_TEXTS = [
  '', ' ', '\n', '  \n', 'Hello world', "it's IT'S it'ſ don'T we'LL they'Re I'm 'd", "''s '  's", 'a\u0085b \u0085 \ufeffx \u00a0y\u2028z',
  ' '.repeat(40) + 'x', ' '.repeat(20000), 'x' + ' '.repeat(300) + '\n' + ' '.repeat(300), '\t\t\tfoo\n\n\n  bar  \r\n\r\n', '-'.repeat(3000), '='.repeat(129) + '\n',
  '1234567890 12.5 ½ ² ٣٤٥ ໑໒', 'ǅemal ǈ ǋ ᾈ ΣΑΣ σας İ ß ẞ', 'CamelCaseWords HTTPServer iPhone xmlHTTPRequest', 'path/to/file.ts // comment\n/* x */',
  '漢字'.repeat(200), '🫠👨‍👩‍👧‍👦🏳️‍🌈 e\u0301 \u0915\u094d\u0937', '\u{1d400}\u{1d4ff} \u{20000}', 'ab'.repeat(3000), '<|endoftext|>', 'a<|endoftext|>b', '  <|endoftext|>  ', '\n<|endoftext|>\n',
  '<|endoftext|><|endoftext|>', '<|fim_prefix|>def f():<|fim_suffix|>\n<|fim_middle|>', 'x <|endofprompt|> y', '<|im_start|>user<|im_end|>', '<|endoftext',
];

describe('OpenAI encodings agree with tiktoken (WASM)', function () {
  this.timeout(300_000);
  const docs = referenceCorpus();

  for (const name of OPENAI_ENCODINGS) {
    it(`${name}: ids over the whole reference corpus (${docs.length} documents); every token's bytes, spelling and span`, async () => {
      const tok = await ours(name);
      let count = 0;
      await withTiktoken(name, (enc, bytesOf) => {
        for (const doc of docs) {
          const got = tok.encode(doc.text);
          assertSameIds(`${name} ${doc.name}`, doc.text, got, enc.encode(doc.text, 'all'));
          assertOffsetsAndBytes(`${name} ${doc.name}`, doc.text, got, bytesOf, SPECIALS[name]);
          count += got.length;
        }
      });
      assert.ok(count > 400_000, `${count} tokens compared`);
    });

    it(`${name}: ids with special tokens and look-alikes put into every document (allowed_special 'all')`, async () => {
      const tok = await ours(name);
      const inserts = [...new Set([...Object.values(SPECIALS).flat(), ...LOOKALIKES])];
      let specials = 0;
      await withTiktoken(name, (enc, bytesOf) => {
        docs.forEach((doc, k) => {
          const text = withSpecials(doc.text, inserts, 1000 + k);
          const got = tok.encode(text);
          assertSameIds(`${name} ${doc.name} (with special tokens)`, text, got, enc.encode(text, 'all'));
          assertOffsetsAndBytes(`${name} ${doc.name} (with special tokens)`, text, got, bytesOf, SPECIALS[name]);
          specials += got.filter(t => t.special).length;
        });
      });
      assert.ok(specials > 50, `${specials} special tokens matched`);
    });

    it(`${name}: edge texts (contractions with ſ, NEL/BOM/NBSP, long runs that take the heap merge, marks, astral letters)`, async () => {
      const tok = await ours(name);
      await withTiktoken(name, (enc, bytesOf) => {
        for (const text of EDGE_TEXTS) {
          const got = tok.encode(text);
          assertSameIds(`${name} ${JSON.stringify(text.slice(0, 40))}`, text, got, enc.encode(text, 'all'));
          assertOffsetsAndBytes(`${name} ${JSON.stringify(text.slice(0, 40))}`, text, got, bytesOf, SPECIALS[name]);
        }
      });
    });
  }

  it('a lone surrogate is encoded as U+FFFD, as tiktoken is given it, with the surrogate\'s span', async () => {
    const tok = await ours('cl100k_base');
    const text = 'a\ud800b \udc00';
    await withTiktoken('cl100k_base', enc => assertSameIds('lone surrogates', text, tok.encode(text), enc.encode(text, 'all')));
    const fffd = tok.encode('\ud800');
    assert.deepEqual(fffd.map(t => [t.start, t.end]), fffd.map(() => [0, 1]));
  });

  it('tokens are spelled as a byte-level tokenizer.json spells them; special tokens keep their span', async () => {
    const r50k = await ours('r50k_base');
    assert.deepEqual(
      r50k.encode('Hello world<|endoftext|> ok').map(t => [t.id, t.text, t.start, t.end, t.special]),
      [[15496, 'Hello', 0, 5, false], [995, 'Ġworld', 5, 11, false], [50256, '<|endoftext|>', 11, 24, true], [12876, 'Ġok', 24, 27, false]],
    );
    // An emoji split into byte tokens: each part gets the emoji's whole span.
    const parts = r50k.encode('x🫠');
    assert.ok(parts.length > 2);
    assert.deepEqual(parts.slice(1).map(t => [t.start, t.end]), parts.slice(1).map(() => [1, 3]));
  });
});

describe('OpenAI encodings: r50k_base against the Rust tokenizers library on GPT-2\'s tokenizer.json', function () {
  this.timeout(300_000);
  it('ids, tokens and offsets over the whole reference corpus, with and without <|endoftext|> in the text', async function () {
    const rust = rustTokenizer(readFileSync(GPT2_JSON, 'utf8'));
    const tok = await ours('r50k_base');
    for (const doc of referenceCorpus()) {
      for (const text of [doc.text, withSpecials(doc.text, ['<|endoftext|>', '<|endoftext', ' <|endoftext|> '], 7)]) {
        // That file keeps offsets untrimmed (as the Hub's gpt2), so a token's span is its bytes' span.
        assertSameEncoding(`r50k_base vs gpt2 tokenizer.json: ${doc.name}`, text, tok.encode(text), await rustEncode(rust, text, false), { ignoreOffsetsOfSpecial: false });
      }
    }
  });
});

describe('OpenAI encodings: vocabulary and interface', () => {
  it('vocabulary sizes, id ↔ token both ways, descriptions; no post-processor tokens', async () => {
    const sizes: Record<OpenAiEncodingName, number> = { r50k_base: 50257, p50k_base: 50281, cl100k_base: 100277, o200k_base: 200019 };
    for (const name of OPENAI_ENCODINGS) {
      const tok = await ours(name);
      assert.equal(tok.vocabSize, sizes[name], name);
      assert.match(tok.description, new RegExp(`^${name} \\(tiktoken`));
      assert.equal(tok.source, path.join(ASSETS, `${name}.tiktoken`));
      assert.equal(tok.numSpecialTokens(), 0);
      const content = tok.encode('a b');
      assert.deepEqual(tok.addSpecialTokens(content, 'a b'), content);
      for (const s of SPECIALS[name]) assert.equal(tok.idToToken(tok.tokenToId(s)!), s);
      assert.equal(tok.padToken, undefined);
    }
    const r50k = await ours('r50k_base');
    assert.equal(r50k.tokenToId('Ġthe'), 262);
    assert.equal(r50k.idToToken(262), 'Ġthe');
    assert.equal(r50k.tokenToId('Ċ'), 198);
    assert.equal(r50k.tokenToId('not a token!'), undefined);
    assert.equal(r50k.tokenToId('日本'), undefined); // not byte-level characters
    assert.equal(r50k.idToToken(50257), undefined);
    const cl100k = await ours('cl100k_base');
    assert.equal(cl100k.idToToken(100256), undefined); // a gap between the ranks and the special tokens
    assert.equal(cl100k.idToToken(100261), undefined);
    assert.equal(cl100k.tokenToId('<|im_start|>'), undefined); // not one of tiktoken's cl100k_base specials
  });

  it('reads from assets/tokenizers/openai; is loaded once per process: the same file gives the same tokenizer', async () => {
    assert.equal(ASSETS, path.join(repoRoot(), 'assets', 'tokenizers', 'openai'));
    const a = await openAiTokenizer('o200k_base', nodeFiles, ASSETS);
    const b = await openAiTokenizer('o200k_base', nodeFiles, ASSETS);
    assert.equal(a, b);
  });

  it('a cancelled encode stops with reason cancelled', async () => {
    const tok = await ours('cl100k_base');
    const e = await rejection(() => tok.encode('word '.repeat(5000), { cancel: { isCancellationRequested: true } }));
    assert.equal(e.reason, 'cancelled');
  });
});

describe('OpenAI encodings: replay', () => {
  it('shows the regex pieces, the selected piece\'s bytes and its direct look-up', async () => {
    const tok = await ours('r50k_base');
    const r = tok.explain!('Hello world', 6, 11);
    assert.equal(r.text, 'world');
    assert.deepEqual(r.segments, [{ original: 'Hello world', start: 0, end: 11, normalized: 'Hello world' }]);
    assert.deepEqual(r.preTokens, [{ text: 'Hello', start: 0, end: 5, selected: false }, { text: 'Ġworld', start: 5, end: 11, selected: true }]);
    assert.equal(r.pieces.length, 1);
    const piece = r.pieces[0]!;
    assert.deepEqual(piece.steps, [{ kind: 'symbols', parts: ['Ġ', 'w', 'o', 'r', 'l', 'd'] }, { kind: 'wholeWord', piece: 'Ġworld', id: 995 }]);
    assert.deepEqual(piece.tokens.map(t => [t.id, t.text, t.start, t.end]), [[995, 'Ġworld', 5, 11]]);
    assert.deepEqual(r.addedTokens, []);
  });

  it('replays every merge of a piece that is not one token: ranks, parts, and the tokens that encode gives', async () => {
    for (const name of OPENAI_ENCODINGS) {
      const tok = await ours(name);
      const text = 'The tokenizerification of naïve 東京タワー🫠 strings';
      const r = tok.explain!(text, 4, text.length);
      const encoded = tok.encode(text);
      assert.ok(r.pieces.length >= 4, name);
      let merges = 0;
      for (const piece of r.pieces) {
        const [first, ...rest] = piece.steps;
        assert.equal(first?.kind, 'symbols');
        const symbols = first!.kind === 'symbols' ? first!.parts : [];
        assert.equal(symbols.join(''), piece.text, `${name}: the symbols spell the piece`);
        let parts = symbols;
        for (const step of rest) {
          if (step.kind === 'wholeWord') {
            assert.equal(step.piece, piece.text);
            parts = [step.piece];
            continue;
          }
          assert.equal(step.kind, 'merge', `${name}: ${JSON.stringify(step)}`);
          if (step.kind !== 'merge') continue;
          merges++;
          assert.equal(step.merged, step.left + step.right);
          assert.equal(tok.tokenToId(step.merged), step.rank, `${name}: a merge's rank is the merged token's id`);
          assert.equal(step.parts.join(''), piece.text);
          assert.equal(step.parts.length, parts.length - 1);
          parts = step.parts;
        }
        assert.deepEqual(piece.tokens.map(t => t.text), parts, `${name}: the last parts are the tokens`);
        const fromEncode = encoded.filter(t => t.start >= piece.start && t.end <= piece.end);
        assert.deepEqual(piece.tokens, fromEncode, `${name}: the replay's tokens are encode's`);
      }
      assert.ok(merges > 5, `${name}: ${merges} merges replayed`);
      assert.equal(r.preTokens.filter(p => p.selected).length, r.pieces.length);
      assert.equal(r.preTokens.map(p => p.text).join(''), spell(Buffer.from(text, 'utf8')), `${name}: the pre-tokens are the whole text, spelled byte-level`);
    }
  });

  it('lists special tokens in the span as added tokens, and the runs around them as segments', async () => {
    const tok = await ours('cl100k_base');
    const text = 'a <|endoftext|>\n\nb';
    const r = tok.explain!(text, 0, text.length);
    assert.deepEqual(r.addedTokens.map(t => [t.id, t.text, t.start, t.end, t.special]), [[100257, '<|endoftext|>', 2, 15, true]]);
    assert.deepEqual(r.segments.map(s => [s.original, s.start, s.end]), [['a ', 0, 2], ['\n\nb', 15, 18]]);
    // tiktoken splits each run on its own: the space before the special token is its own piece.
    assert.deepEqual(r.preTokens.map(p => [p.text, p.start, p.end]), [['a', 0, 1], ['Ġ', 1, 2], ['ĊĊ', 15, 17], ['b', 17, 18]]);
    // A piece too long to replay merge by merge says so, and still gives its tokens.
    const spaces = ' '.repeat(1000) + 'x';
    const long = tok.explain!(spaces, 0, 1);
    assert.deepEqual(long.pieces[0]!.steps.slice(1), [{ kind: 'note', text: 'this piece has 999 bytes: merges are replayed one by one only for pieces of up to 256 bytes; the tokens are the result of all of them' }]);
    assert.deepEqual(long.pieces[0]!.tokens, tok.encode(spaces).slice(0, long.pieces[0]!.tokens.length));
    // An empty span at a place selects the piece there.
    const at = tok.explain!(text, 16, 16);
    assert.deepEqual(at.pieces.map(p => p.text), ['ĊĊ']);
    assert.deepEqual(at.addedTokens, []);
  });
});

describe('OpenAI encodings: errors', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lens-openai-'));

  it('an unknown encoding name is an option error listing the known ones', async () => {
    const e = await rejection(() => openAiTokenizer('p50k_edit', nodeFiles, ASSETS));
    assert.equal(e.reason, 'option');
    assert.equal(e.message, 'unknown OpenAI encoding "p50k_edit", expected one of r50k_base, p50k_base, cl100k_base, o200k_base');
    const e2 = await rejection(() => openAiTokenizerFromRanks('gpt-4', new Uint8Array(), 'x.tiktoken'));
    assert.equal(e2.reason, 'option');
  });

  it('a missing rank file names the path and how it gets there; a later call sees a file that appeared', async () => {
    const empty = path.join(dir, 'missing');
    mkdirSync(empty);
    const e = await rejection(() => openAiTokenizer('r50k_base', nodeFiles, empty));
    assert.equal(e.reason, 'badFile');
    assert.equal(e.message, `${path.join(empty, 'r50k_base.tiktoken')}: no such file; the r50k_base ranks are copied there from the gpt-tokenizer package by scripts/copy-encodings.js (part of the build)`);
    writeFileSync(path.join(empty, 'r50k_base.tiktoken'), readFileSync(path.join(ASSETS, 'r50k_base.tiktoken')));
    const tok = await openAiTokenizer('r50k_base', nodeFiles, empty);
    assert.deepEqual(tok.encode('Hello').map(t => t.id), [15496]);
  });

  it('another encoding\'s file is a badFile error that says so', async () => {
    const wrong = path.join(dir, 'wrong');
    mkdirSync(wrong);
    writeFileSync(path.join(wrong, 'cl100k_base.tiktoken'), readFileSync(path.join(ASSETS, 'r50k_base.tiktoken')));
    const e = await rejection(() => openAiTokenizer('cl100k_base', nodeFiles, wrong));
    assert.equal(e.reason, 'badFile');
    assert.equal(e.message, `${path.join(wrong, 'cl100k_base.tiktoken')}: 50256 ranks, expected 100256 for cl100k_base; is it another encoding's file?`);
    // p50k_base's ranks have the same count as a file whose rank 50256 is a token: the special id clashes.
    const p50k = readFileSync(path.join(ASSETS, 'p50k_base.tiktoken'), 'latin1').replace(/ 50280\n?$/, ' 50256\n');
    const e2 = await rejection(() => openAiTokenizerFromRanks('p50k_base', Buffer.from(p50k, 'latin1'), 'p.tiktoken'));
    assert.equal(e2.message, 'p.tiktoken: rank 50256 is a token, but p50k_base gives that id to <|endoftext|>; is it another encoding\'s file?');
  });

  it('malformed rank files are badFile errors naming the file and the line', async () => {
    const allBytes = Array.from({ length: 256 }, (_, b) => `${Buffer.from([b]).toString('base64')} ${b}`);
    const cases: [string, string, string][] = [
      ['bad base64', 'IQ== 0\nI?Q== 1\n', 'f.tiktoken: line 2: character "?" in the token, expected "<base64 token bytes> <rank>" per line (a tiktoken rank file)'],
      ['no rank', 'IQ== 0\nIg==', 'f.tiktoken: line 2: no rank, expected "<base64 token bytes> <rank>" per line (a tiktoken rank file)'],
      ['rank not a number', 'IQ== zero\n', 'f.tiktoken: line 1: the rank is not a number, expected "<base64 token bytes> <rank>" per line (a tiktoken rank file)'],
      ['empty token', ' 5\n', 'f.tiktoken: line 1: empty token, expected "<base64 token bytes> <rank>" per line (a tiktoken rank file)'],
      ['huge rank', 'IQ== 99999999999\n', 'f.tiktoken: line 1: rank 99999999999 is larger than 2097151, expected "<base64 token bytes> <rank>" per line (a tiktoken rank file)'],
      ['empty file', '\n', 'f.tiktoken: no tokens, expected "<base64 token bytes> <rank>" per line (a tiktoken rank file)'],
      ['rank twice', 'IQ== 0\nIg== 0\n', 'f.tiktoken: rank 0 is given twice'],
      ['token twice', [...allBytes, 'IQ== 300'].join('\n'), 'f.tiktoken: ranks 33 and 300 are the same token'],
      ['a byte without a rank', allBytes.slice(1).join('\n'), 'f.tiktoken: byte 0x00 has no rank; a byte-level encoding needs all 256 bytes'],
    ];
    for (const [what, content, message] of cases) {
      const e = await rejection(() => openAiTokenizerFromRanks('r50k_base', Buffer.from(content, 'latin1'), 'f.tiktoken'));
      assert.equal(e.reason, 'badFile', what);
      assert.equal(e.message, message, what);
    }
  });

  it('split patterns: tiktoken\'s constructs are translated; anything else is an unsupported error', () => {
    assert.equal(tiktokenPatternToJs(String.raw`(?i:'s|'ll)|\s+(?!\S)|[^\s\p{L}]`), String.raw`(?:'[sSſ]|'[lL][lL])|\p{White_Space}+(?!\P{White_Space})|[^\p{White_Space}\p{L}]`);
    const cases: [string, RegExp][] = [
      [String.raw`(?i:\d)`, /"\\\\" inside \(\?i:…\) is not supported/],
      ['(?i:ab', /unclosed \(\?i: group/],
      ['(?m:x)', /group \(\?m:… is not supported/],
      ['x\\', /ends with a lone backslash/],
    ];
    for (const [pattern, re] of cases) {
      assert.throws(() => tiktokenPatternToJs(pattern), (e: Error & { reason?: string }) => e.reason === 'unsupported' && re.test(e.message) && e.message.startsWith('split pattern '));
    }
  });
});
