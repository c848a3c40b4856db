// Hostile tokenizer files and configs (issue 8): ids are Rust's u32 and never wrap, deep JSON and
// deep Sequences are clean errors, regexes that nest unbounded repetition are refused up front,
// a file's regex names itself for the watchdog, and every message names the file and the key.
// Files are real (written to a temp folder); the Rust `tokenizers` library is the reference for
// which files are valid and for the ids of the valid ones.
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { isMainThread, Worker, workerData } from 'node:worker_threads';
import { ACTIVITY_BYTES, installActivityBuffer, readActivity } from '../../src/core/activity';
import { writeSafetensors, type TensorToWrite } from '../../src/core/formats/safetensors';
import { LIMITS } from '../../src/core/limits';
import { loadModel } from '../../src/core/model/loadModel';
import { parseModelConfig } from '../../src/core/model/modelConfig';
import { nodeFiles } from '../../src/core/nodeFiles';
import { inspectText, MAX_RANDOM_ENCODER_WEIGHTS, MAX_RANDOM_HIDDEN_SIZE } from '../../src/core/pipeline';
import { GPT2_PATTERN } from '../../src/core/tokenizers/byteLevel';
import { loadTokenizerFile, tokenizerFromJson } from '../../src/core/tokenizers/loadTokenizer';
import { NormalizedString } from '../../src/core/tokenizers/normalizedString';
import { normalizerFromJson } from '../../src/core/tokenizers/normalizers';
import { MAX_REGEX_NESTING, onigToJsSource } from '../../src/core/tokenizers/onigRegex';
import { OPENAI_ENCODINGS, openAiSplitPattern } from '../../src/core/tokenizers/openai';
import { postProcessorFromJson } from '../../src/core/tokenizers/postProcessors';
import { preTokenizerFromJson } from '../../src/core/tokenizers/preTokenizers';
import { rejection, repoRoot } from './helpers';
import { rustTokenizer } from './tokenizers/reference';

/**
 * In a worker thread (started by the watchdog test below from this same file): run a tokenizer
 * whose pattern backtracks for ever, as a hostile file would. It never returns, so the tests
 * below are never declared here.
 */
if (!isMainThread) {
  const { buffer, file } = workerData as { buffer: SharedArrayBuffer; file: string };
  installActivityBuffer(buffer);
  const tokenizer = tokenizerFromJson(JSON.parse(readFileSync(file, 'utf8')), file);
  tokenizer.encode('a'.repeat(80) + 'b');
  throw new Error('the catastrophic pattern returned');
}

const root = mkdtempSync(path.join(tmpdir(), 'lens-toksafety-'));
let n = 0;

/** Writes `content` (JSON unless a string) to a fresh temp folder as `name`; returns its path. */
function write(name: string, content: unknown): string {
  const dir = path.join(root, `d${n++}`);
  mkdirSync(dir);
  const file = path.join(dir, name);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

/** The Rust library's verdict on a tokenizer.json: undefined when it loads, else its error message. */
function rustRefuses(json: unknown): string | undefined {
  try {
    rustTokenizer(typeof json === 'string' ? json : JSON.stringify(json));
    return undefined;
  } catch (e) {
    return String((e as Error).message ?? e);
  }
}

const u32Message = (file: string, what: string, value: string): RegExp =>
  new RegExp(`^${esc(file)}: ${esc(what)} has id ${esc(value)}, expected an integer in \\[0, 2\\^32\\) \\(a u32, as the tokenizers library reads ids\\)$`);

function esc(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A WordLevel tokenizer.json over `vocab`, splitting on whitespace. */
function wordLevel(vocab: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [],
    normalizer: null,
    pre_tokenizer: { type: 'WhitespaceSplit' },
    post_processor: null,
    decoder: null,
    model: { type: 'WordLevel', vocab, unk_token: '[UNK]' },
    ...extra,
  };
}

function wordPiece(vocab: Record<string, unknown>): Record<string, unknown> {
  return { ...wordLevel({}), model: { type: 'WordPiece', vocab, unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100 } };
}

function bpe(vocab: Record<string, unknown>, merges: string[]): Record<string, unknown> {
  return { ...wordLevel({}), model: { type: 'BPE', vocab, merges, unk_token: '[UNK]', dropout: null, fuse_unk: false, byte_fallback: false } };
}

/** Values written as JSON text, so that 2^53 + 2 and 1e300 reach both readers as the file says. */
const BAD_IDS: [string, string][] = [
  ['2^32', '4294967296'],
  ['2^32 + 2', '4294967298'],
  ['1e12', '1000000000000'],
  ['2^53', '9007199254740992'],
  ['1e300', '1e+300'],
  ['-1', '-1'],
  ['1.5', '1.5'],
];

/** `json` as text with the placeholder string "@ID@" replaced by a raw number. */
function withRawId(json: unknown, raw: string): string {
  return JSON.stringify(json).replace('"@ID@"', raw);
}

describe('token ids are u32, as the Rust library reads them', function () {
  // The Rust library is built and run alongside ours: slower than the default 2 s on a busy machine.
  this.timeout(15_000);

  it('vocab.json: an id outside [0, 2^32) names the file, the token and the value as written (never wrapped)', async () => {
    for (const [label, raw] of BAD_IDS) {
      const file = write('vocab.json', `{"hello": 0, "zebra": ${raw === '1e+300' ? '1e300' : raw}}`);
      const e = await rejection(() => loadTokenizerFile(nodeFiles, file));
      assert.equal(e.reason, 'badFile', label);
      assert.match(e.message, u32Message(file, '"zebra"', raw), label);
      assert.doesNotMatch(e.message, /-727379968/);
    }
  });

  it('tokenizer.json: WordLevel, WordPiece and BPE vocabularies refuse what Rust refuses, naming the token', async () => {
    const models: [string, (id: unknown) => Record<string, unknown>][] = [
      ['WordLevel', id => wordLevel({ '[UNK]': 0, hello: 1, zebra: id })],
      ['WordPiece', id => wordPiece({ '[UNK]': 0, hello: 1, zebra: id })],
      ['BPE', id => bpe({ '[UNK]': 0, h: 1, zebra: id }, [])],
    ];
    for (const [type, make] of models) {
      for (const [label, raw] of BAD_IDS) {
        const text = withRawId(make('@ID@'), raw === '1e+300' ? '1e300' : raw);
        assert.ok(rustRefuses(text) !== undefined, `${type} ${label}: the Rust library accepts it, so we should too`);
        const file = write('tokenizer.json', text);
        const e = await rejection(() => loadTokenizerFile(nodeFiles, file));
        assert.equal(e.reason, 'badFile', `${type} ${label}: ${e.message}`);
        assert.match(e.message, u32Message(file, '"zebra"', raw), `${type} ${label}`);
      }
    }
  });

  it('ids up to 2^32 - 1 are kept exactly (no wrap to another row) and sparse ids allocate nothing per id', async () => {
    const big = 2 ** 32 - 1;
    const mid = 2 ** 31 + 5; // past int32: an Int32Array would make it negative
    const cases: [string, Record<string, unknown>, string][] = [
      ['WordLevel', wordLevel({ '[UNK]': 0, hello: 1, zebra: big, yak: mid }), 'hello zebra yak cow'],
      ['WordPiece', wordPiece({ '[UNK]': 0, hello: 1, zebra: big, '##ra': mid, zeb: 7 }), 'hello zebra zebra zebra'],
      ['BPE', bpe({ '[UNK]': 0, z: 1, e: 2, b: mid, r: 3, a: big, ze: 4, zeb: 5, zebr: 6, zebra: 2 ** 32 - 2 }, ['z e', 'ze b', 'zeb r', 'zebr a']), 'zebra ab zzz'],
    ];
    for (const [type, json, text] of cases) {
      const rust = rustTokenizer(json);
      const expected = (await rust.encode(text, null, { addSpecialTokens: false })).getIds();
      const tok = tokenizerFromJson(json, `${type}.json`);
      assert.deepEqual(tok.encode(text).map(t => t.id), expected, type);
      assert.ok(expected.some(id => id > 2 ** 31), `${type}: the reference should use an id past int32`);
      const maxId = Math.max(...Object.values((json.model as { vocab: Record<string, number> }).vocab));
      assert.equal(tok.vocabSize, maxId + 1, `${type}: vocabSize is the largest id + 1 (loadModel checks it against the table)`);
      assert.equal(tok.idToToken(big) !== undefined || type === 'BPE', true);
    }
  });

  it('added_tokens, post-processor special tokens and padding.pad_id are u32 too', async () => {
    const special = (id: unknown) => ({ id, content: '[X]', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
    const base = wordLevel({ '[UNK]': 0, '[CLS]': 1, '[SEP]': 2, hello: 3 });
    const cases: [string, string, string][] = [
      ['added_tokens', withRawId({ ...base, added_tokens: [special('@ID@')] }, '4294967296'), 'added_tokens[0] "[X]" has id 4294967296'],
      ['BertProcessing', withRawId({ ...base, post_processor: { type: 'BertProcessing', sep: ['[SEP]', '@ID@'], cls: ['[CLS]', 1] } }, '4294967296'), 'post_processor BertProcessing "sep" "[SEP]" has id 4294967296'],
      ['RobertaProcessing', withRawId({ ...base, post_processor: { type: 'RobertaProcessing', sep: ['[SEP]', 2], cls: ['[CLS]', '@ID@'], trim_offsets: true, add_prefix_space: false } }, '1000000000000'), 'post_processor RobertaProcessing "cls" "[CLS]" has id 1000000000000'],
      [
        'TemplateProcessing',
        withRawId(
          {
            ...base,
            post_processor: {
              type: 'TemplateProcessing',
              single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
              pair: [{ Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }],
              special_tokens: { '[CLS]': { id: '[CLS]', ids: ['@ID@'], tokens: ['[CLS]'] } },
            },
          },
          '9007199254740992',
        ),
        'post_processor TemplateProcessing special_tokens "[CLS]" token "[CLS]" has id 9007199254740992',
      ],
      [
        'TemplateProcessing (an entry the template does not use)',
        withRawId(
          {
            ...base,
            post_processor: {
              type: 'TemplateProcessing',
              single: [{ Sequence: { id: 'A', type_id: 0 } }],
              pair: [{ Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }],
              special_tokens: { '[SEP]': { id: '[SEP]', ids: ['@ID@'], tokens: ['[SEP]'] } },
            },
          },
          '-1',
        ),
        'post_processor TemplateProcessing special_tokens "[SEP]" token "[SEP]" has id -1',
      ],
      [
        'padding',
        withRawId({ ...base, padding: { strategy: 'BatchLongest', direction: 'Right', pad_to_multiple_of: null, pad_id: '@ID@', pad_type_id: 0, pad_token: '[PAD]' } }, '4294967296'),
        '"padding" "pad_id" is 4294967296',
      ],
    ];
    for (const [label, text, message] of cases) {
      assert.ok(rustRefuses(text) !== undefined, `${label}: the Rust library accepts it`);
      const file = write('tokenizer.json', text);
      const e = await rejection(() => loadTokenizerFile(nodeFiles, file));
      assert.equal(e.reason, 'badFile', label);
      assert.equal(e.message, `${file}: ${message}, expected an integer in [0, 2^32) (a u32, as the tokenizers library reads ids)`, label);
    }
  });

  it('many added tokens get the ids Rust gives them, in time linear in their number', () => {
    const count = 60_000;
    const added = Array.from({ length: count }, (_, i) => ({ id: i, content: `<t${i}>`, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }));
    const json = { ...wordLevel({ '[UNK]': 0, hello: 1 }), added_tokens: added };
    const tok = tokenizerFromJson(json, 'many.json');
    const rust = rustTokenizer(json);
    for (const i of [0, 1, count >> 1, count - 1]) assert.equal(tok.tokenToId(`<t${i}>`), rust.tokenToId(`<t${i}>`), `<t${i}>`);
    assert.equal(tok.vocabSize, count + 2);
  });

  it('a Unigram unk_id is reported as written', async () => {
    const json = { ...wordLevel({}), model: { type: 'Unigram', vocab: [['<unk>', 0], ['a', -1]], unk_id: 1e12, byte_fallback: false } };
    const e = await rejection(() => tokenizerFromJson(json, 'u.json'));
    assert.match(e.message, /^u\.json: Unigram unk_id 1000000000000 is outside the vocabulary \(2 pieces\)$/);
  });

  it('a model whose id has no embedding row is refused by the pipeline, not wrapped onto another row', async () => {
    const dir = path.join(root, `m${n++}`);
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'vocab.json'), JSON.stringify({ '[PAD]': 0, hello: 1, zebra: 2 ** 31 + 1 }));
    writeFileSync(path.join(dir, 'model.safetensors'), writeSafetensors([table(3, 2)]));
    // loadModel checks vocabSize against the table (another part); whichever refuses, it must be a clean error.
    const e = await rejection(async () => inspectText(await loadModel(ctx, dir), 'zebra'));
    assert.equal(e.reason, 'vocabMismatch', e.message);
    assert.match(e.message, /2147483649/);
  });
});

const ctx = { files: nodeFiles, assetsDir: path.join(repoRoot(), 'assets') };

function table(rows: number, cols: number, name = 'embedding.weight'): TensorToWrite {
  return { name, dtype: 'F32', shape: [rows, cols], data: new Float32Array(rows * cols).map((_, i) => i / 10) };
}

describe('nesting limits: deep JSON and deep Sequences are clean errors', () => {
  const deep = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);

  it('a 100k-deep tokenizer.json, vocab.json or config.json names the file and the JSON nesting limit', async () => {
    for (const name of ['tokenizer.json', 'vocab.json']) {
      const file = write(name, `{"model": ${deep(100_000)}}`);
      const e = await rejection(() => loadTokenizerFile(nodeFiles, file));
      assert.equal(e.reason, 'badFile');
      assert.equal(e.message, `${file}: JSON is nested more than ${LIMITS.jsonDepth} levels deep (the nesting limit); expected a flatter file`);
    }
    const e = await rejection(() => parseModelConfig(`{"hidden_size": ${deep(100_000)}}`, '/m/config.json'));
    assert.equal(e.message, `/m/config.json: JSON is nested more than ${LIMITS.jsonDepth} levels deep (the nesting limit); expected a flatter file`);
  });

  /** `levels` Sequences, each holding the next, around `leaf`. */
  function nested(levels: number, key: string, leaf: unknown): unknown {
    let j = leaf;
    for (let i = 0; i < levels; i++) j = { type: 'Sequence', [key]: [j] };
    return j;
  }

  const components: [string, string, unknown, (j: unknown) => unknown][] = [
    ['normalizer', 'normalizers', { type: 'Lowercase' }, j => normalizerFromJson(j, 't.json')],
    ['pre_tokenizer', 'pretokenizers', { type: 'Whitespace' }, j => preTokenizerFromJson(j, 't.json')],
    ['post_processor', 'processors', { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false }, j => postProcessorFromJson(j, 't.json')],
  ];

  it(`Sequences nested ${LIMITS.sequenceDepth} deep work; one more is a badFile error naming the component and the limit`, () => {
    for (const [component, key, leaf, build] of components) {
      assert.doesNotThrow(() => build(nested(LIMITS.sequenceDepth, key, leaf)), component);
      let e: { reason?: string; message: string } | undefined;
      try {
        build(nested(LIMITS.sequenceDepth + 1, key, leaf));
      } catch (err) {
        e = err as { reason?: string; message: string };
      }
      assert.ok(e, `${component}: no error`);
      assert.equal(e.reason, 'badFile');
      assert.equal(e.message, `t.json: ${component} Sequence is nested more than ${LIMITS.sequenceDepth} levels deep (the Sequence nesting limit); expected a flatter ${component}`);
    }
  });

  it('20k-deep Sequences built in memory (past the JSON check) are the same clean error, not a stack overflow', () => {
    for (const [component, key, leaf, build] of components) {
      assert.throws(() => build(nested(20_000, key, leaf)), (e: Error & { reason?: string }) => e.reason === 'badFile' && e.message.includes(`${component} Sequence is nested more than`));
    }
  });

  it(`regex groups nested deeper than ${MAX_REGEX_NESTING} are refused by name; ${MAX_REGEX_NESTING} levels translate`, () => {
    const group = (d: number): string => '(?:'.repeat(d) + 'a' + ')'.repeat(d);
    assert.doesNotThrow(() => onigToJsSource(group(MAX_REGEX_NESTING), 't.json: pre_tokenizer Split pattern'));
    for (const p of [group(MAX_REGEX_NESTING + 1), '('.repeat(100_000) + 'a' + ')'.repeat(100_000), '['.repeat(100_000) + 'a' + ']'.repeat(100_000), '(?i)'.repeat(100_000) + 'a']) {
      assert.throws(
        () => onigToJsSource(p, 't.json: pre_tokenizer Split pattern'),
        (e: Error & { reason?: string }) => e.reason === 'unsupported' && e.message.startsWith('t.json: pre_tokenizer Split pattern "') && e.message.includes(`nested more than ${MAX_REGEX_NESTING} levels deep (the nesting limit)`),
      );
    }
  });
});

/** A tokenizer.json whose pre-tokenizer splits on `pattern` (Oniguruma syntax). */
function splitOn(pattern: string): Record<string, unknown> {
  return { ...wordLevel({ '[UNK]': 0 }), pre_tokenizer: { type: 'Split', pattern: { Regex: pattern }, behavior: 'Isolated', invert: false } };
}

/** A tokenizer.json whose normalizer replaces `pattern` (Oniguruma syntax). */
function replaceOn(pattern: string): Record<string, unknown> {
  return { ...wordLevel({ '[UNK]': 0 }), normalizer: { type: 'Replace', pattern: { Regex: pattern }, content: 'x' } };
}

/** The Split pre-tokenizer patterns of well-known tokenizer.json files, as those files write them. */
const REAL_PATTERNS: Record<string, string[]> = {
  gpt2: [GPT2_PATTERN],
  llama3: [String.raw`(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`],
  qwen2: [String.raw`(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`],
  deepseekLlm: [
    String.raw`[\r\n]`,
    // Written with escapes where the file has characters that NFC would change (U+1F7D ώ, U+1FBE ι, U+1FD3 ΐ, U+1FDB Ί, U+2126 Ω, U+212A K).
    '\\s?[A-Za-zµÀ-ÖØ-öø-ƺƼ-ƿǄ-ʓʕ-ʯͰ-ͳͶͷͻ-ͽͿΆΈ-ΊΌΎ-ΡΣ-ϵϷ-ҁҊ-ԯԱ-ՖႠ-ჅᎠ-Ᏽᏸ-ᏽᲐ-ᲺᲽ-Ჿᴀ-ᴫᵫ-ᵷᵹ-ᶚḀ-ἕἘ-Ἕἠ-ὅὈ-Ὅὐ-ὗὙὛὝὟ-\u{1F7D}ᾀ-ᾴᾶ-ᾼ\u{1FBE}ῂ-ῄῆ-ῌῐ-\u{1FD3}ῖ-\u{1FDB}ῠ-Ῥῲ-ῴῶ-ῼℂℇℊ-ℓℕℙ-ℝℤ\u{2126}ℨ\u{212A}-ℭℯ-ℴℹℼ-ℿⅅ-ⅉⅎↃↄⰀ-ⱻⱾ-ⳤⳫ-ⳮⳲⳳꙀ-ꙭꚀ-ꚛꜢ-ꝯꝱ-ꞇꞋ-ꞎꭰ-ꮿﬀ-ﬆﬓ-ﬗＡ-Ｚａ-ｚ𐐀-𐑏𐒰-𐓓𐓘-𐓻𐲀-𐲲𐳀-𐳲𑢠-𑣟𞤀-𞥃]+',
    String.raw`\s?[!-/:-~！-／：-～‘-‟　-。]+`,
    String.raw`\s+$`,
    String.raw`[一-龥ࠀ-一가-퟿]+`,
    String.raw`\p{N}+`,
  ],
  deepseekCoder: [String.raw`[\r\n]`, String.raw`\s?\p{L}+`, String.raw`\s?\p{P}+`, String.raw`[一-龥ࠀ-一가-퟿]+`, String.raw`\p{N}`],
  deepseekV3: [
    String.raw`\p{N}{1,3}`,
    String.raw`[一-龥぀-ゟ゠-ヿ]+`,
    String.raw`[!"#$%&'()*+,\-./:;<=>?@\[\\\]^_` + '`' + String.raw`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`,
  ],
  starcoder: [String.raw`\p{N}`, String.raw`'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)`],
  falcon: [String.raw`[\p{P}\$\+<=>\^~\|` + '`' + ']+', String.raw`'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)`, '[0-9][0-9][0-9]'],
  gemma: [' '],
  bloom: [String.raw` ?[^(\s|[.,!?…。，、।۔،])]+`],
  tekken: [String.raw`[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+`],
  bailingMoe: [String.raw`'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]++[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+`],
  superBpe: [String.raw`\p{N}+`, String.raw`(?=(\d{3})+(?!\d))`],
  chameleon: ['<sentinel:[0-9]+>', '(IMGIMG)((A|B|C|D|E|F|G|H|I){1,4})Z', String.raw`([\t\n]|    |  )`],
};

/** Every Split regex in a tokenizer.json's pre-tokenizer (and Replace regex in its normalizer). */
function regexesOf(json: unknown): string[] {
  const out: string[] = [];
  const walk = (j: unknown): void => {
    if (Array.isArray(j)) j.forEach(walk);
    else if (j && typeof j === 'object') {
      const o = j as Record<string, unknown>;
      if ((o.type === 'Split' || o.type === 'Replace') && typeof (o.pattern as { Regex?: unknown })?.Regex === 'string') out.push((o.pattern as { Regex: string }).Regex);
      Object.values(o).forEach(walk);
    }
  };
  walk({ n: (json as Record<string, unknown>).normalizer, p: (json as Record<string, unknown>).pre_tokenizer });
  return out;
}

describe('regexes that nest unbounded repetition are refused up front', function () {
  // The Rust library is built and run alongside ours: slower than the default 2 s on a busy machine.
  this.timeout(15_000);

  const HANGS = [String.raw`(a+)+$`, String.raw`(\w+\s?)*$`, String.raw`(x+x+)+y`, String.raw`(a*)*b`, String.raw`(?:a+){2,}$`, String.raw`((a+)b?)+$`, String.raw`(?:(?i)a+)+$`, String.raw`(a+?)+$`];

  it('in a Split pre-tokenizer or a Replace normalizer: unsupported, naming the file, the component and the pattern', async () => {
    for (const pattern of HANGS) {
      for (const [component, json] of [['pre_tokenizer Split', splitOn(pattern)], ['normalizer Replace', replaceOn(pattern)]] as const) {
        const file = write('tokenizer.json', json);
        const e = await rejection(() => loadTokenizerFile(nodeFiles, file));
        assert.equal(e.reason, 'unsupported', `${pattern}: ${e.message}`);
        assert.ok(e.message.startsWith(`${file}: ${component} pattern ${JSON.stringify(pattern)}: `), e.message);
        assert.match(e.message, /can take exponential time/);
        assert.doesNotMatch(e.message, /\n/);
      }
    }
  });

  it('the same shapes without nested unbounded repetition are accepted and match as Rust does', async () => {
    // Possessive and atomic forms do not backtrack; a bounded outer repetition is polynomial;
    // chained quantifiers on one item are one quantifier to Oniguruma.
    const fine = [String.raw`(?>a+)+$`, String.raw`(a++)+$`, String.raw`(a+)++`, String.raw`(a+){2}$`, String.raw`a**$`, String.raw`a+*b`, String.raw`a?*$`];
    // Alternatives or bounded bodies that overlap are not caught by this rule (the watchdog stops
    // them; Rust's Oniguruma gives up at its retry limit): they load, and are not run here.
    for (const pattern of [String.raw`(a|aa)*$`, String.raw`(a{1,3})+$`]) assert.doesNotThrow(() => tokenizerFromJson(splitOn(pattern), 'slow.json'), pattern);
    const text = 'a'.repeat(40) + 'b ' + 'aaa';
    for (const pattern of fine) {
      const json = splitOn(pattern);
      const rust = rustTokenizer(json);
      const tok = tokenizerFromJson(json, 'fine.json');
      const ours = tok.encode(text).map(t => [t.start, t.end]);
      const theirs = (await rust.encode(text, null, { addSpecialTokens: false })).getOffsets();
      assert.deepEqual(ours, theirs, pattern);
    }
  });

  it('an interval past Oniguruma\'s repeat limit is refused, as the Rust library refuses it', () => {
    assert.doesNotThrow(() => tokenizerFromJson(splitOn('a{100000}'), 'r.json'));
    assert.equal(rustRefuses(splitOn('a{100000}')), undefined);
    for (const pattern of ['a{100001}', 'a{1,100001}', 'a{100001,}']) {
      assert.ok(rustRefuses(splitOn(pattern)) !== undefined, `Rust accepts ${pattern}`);
      assert.throws(() => tokenizerFromJson(splitOn(pattern), 'r.json'), (e: Error & { reason?: string }) => e.reason === 'unsupported' && e.message.startsWith(`r.json: pre_tokenizer Split pattern ${JSON.stringify(pattern)}: interval`));
    }
  });

  it('no pattern that real tokenizers use is refused', () => {
    const gpt4o = JSON.parse(readFileSync(path.join(repoRoot(), 'node_modules', '@lenml', 'tokenizer-gpt4o', 'models', 'tokenizer.json'), 'utf8'));
    const gpt2 = JSON.parse(readFileSync(path.join(repoRoot(), 'assets', 'tokenizers', 'gpt2', 'tokenizer.json'), 'utf8'));
    const all: [string, string][] = [
      ...regexesOf(gpt4o).map(p => ['gpt-4o tokenizer.json', p] as [string, string]),
      ...regexesOf(gpt2).map(p => ['assets gpt2 tokenizer.json', p] as [string, string]),
      ...OPENAI_ENCODINGS.map(name => [`tiktoken ${name}`, openAiSplitPattern(name)] as [string, string]),
      ...Object.entries(REAL_PATTERNS).flatMap(([name, ps]) => ps.map(p => [name, p] as [string, string])),
    ];
    assert.ok(regexesOf(gpt4o).length > 0, 'the gpt-4o tokenizer.json should have a Split regex');
    for (const [name, pattern] of all) {
      assert.doesNotThrow(() => tokenizerFromJson(splitOn(pattern), `${name}.json`), `${name}: ${pattern}`);
      assert.ok(rustRefuses(splitOn(pattern)) === undefined, `${name}: the Rust library refuses ${pattern}`);
    }
  });
});

describe('the watchdog is told which pattern runs', () => {
  afterEach(() => installActivityBuffer(undefined));

  it('a Split pre-tokenizer and a Replace normalizer note file, component and pattern when they run', () => {
    const buffer = new SharedArrayBuffer(ACTIVITY_BYTES);
    installActivityBuffer(buffer);
    const split = preTokenizerFromJson({ type: 'Split', pattern: { Regex: String.raw`\s+` }, behavior: 'Isolated', invert: false }, '/m/tokenizer.json')!;
    const replace = normalizerFromJson({ type: 'Replace', pattern: { Regex: '[0-9]' }, content: 'x' }, '/m/tokenizer.json')!;
    assert.equal(readActivity(buffer), undefined, 'nothing runs while building');
    split(NormalizedString.fromOriginal('a b'));
    assert.equal(readActivity(buffer), String.raw`/m/tokenizer.json: pre_tokenizer Split pattern "\\s+"`);
    replace(NormalizedString.fromOriginal('a 1'));
    assert.equal(readActivity(buffer), '/m/tokenizer.json: normalizer Replace pattern "[0-9]"');
  });

  it('a pattern the up-front rule lets through, stuck in a worker, is named to the thread that watches it', async function () {
    this.timeout(30_000);
    const pattern = '(a|aa)*$';
    const file = write('tokenizer.json', splitOn(pattern));
    const buffer = new SharedArrayBuffer(ACTIVITY_BYTES);
    const worker = new Worker(__filename, { workerData: { buffer, file } });
    const failed = new Promise<Error>(resolve => worker.once('error', resolve));
    // The watchdog's deadline: by then the worker is deep in the pattern (fib(80) ways to split the a's).
    const outcome = await Promise.race([failed, new Promise<undefined>(resolve => setTimeout(() => resolve(undefined), 2000))]);
    const noted = readActivity(buffer);
    await worker.terminate();
    assert.equal(outcome, undefined, `the worker ended: ${String(outcome)}`);
    assert.equal(noted, `${file}: pre_tokenizer Split pattern ${JSON.stringify(pattern)}`);
  });

  it('the steps after them note themselves too, so a slow model or added-token match is not blamed on a pattern', () => {
    const buffer = new SharedArrayBuffer(ACTIVITY_BYTES);
    installActivityBuffer(buffer);
    const json = { ...splitOn(String.raw`\s+`), model: { type: 'WordLevel', vocab: { '[UNK]': 0 }, unk_token: '[UNK]' } };
    const tok = tokenizerFromJson(json, '/m/tokenizer.json');
    tok.encode('a b 1');
    assert.equal(readActivity(buffer), '/m/tokenizer.json: model WordLevel');
    const withAdded = tokenizerFromJson({ ...json, added_tokens: [{ id: 0, content: '[UNK]', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }] }, '/m/t2.json');
    installActivityBuffer(buffer);
    withAdded.encode('');
    assert.equal(readActivity(buffer), '/m/tokenizer.json: model WordLevel', 'an empty text runs nothing');
    withAdded.encode('x [UNK] y');
    assert.equal(readActivity(buffer), '/m/t2.json: model WordLevel');
  });
});

describe('messages', () => {
  it('"model type … is not supported" lists exactly the types that load', () => {
    const e = (() => {
      try {
        tokenizerFromJson({ model: { type: 'Nope' } }, 't.json');
      } catch (err) {
        return err as Error;
      }
      return assert.fail('no error');
    })();
    const listed = /\(supported: ([^)]*)\)/.exec(e.message)![1]!.split(', ');
    assert.deepEqual([...listed].sort(), ['BPE', 'Unigram', 'WordLevel', 'WordPiece']);
    const minimal: Record<string, Record<string, unknown>> = {
      BPE: bpe({ '[UNK]': 0, a: 1 }, []).model as Record<string, unknown>,
      WordPiece: wordPiece({ '[UNK]': 0, a: 1 }).model as Record<string, unknown>,
      Unigram: { type: 'Unigram', vocab: [['<unk>', 0], ['a', -1]], unk_id: 0 },
      WordLevel: { type: 'WordLevel', vocab: { '[UNK]': 0, a: 1 }, unk_token: '[UNK]' },
    };
    for (const type of listed) assert.doesNotThrow(() => tokenizerFromJson({ ...wordLevel({}), model: minimal[type] }, 't.json'), type);
  });

  it('every "supported:" list of the component builders names only types they build', () => {
    const builders: [string, (j: unknown) => unknown][] = [
      ['normalizer', j => normalizerFromJson(j, 't.json')],
      ['pre_tokenizer', j => preTokenizerFromJson(j, 't.json')],
      ['post_processor', j => postProcessorFromJson(j, 't.json')],
    ];
    for (const [component, build] of builders) {
      let message = '';
      try {
        build({ type: 'Nope' });
      } catch (err) {
        message = (err as Error).message;
      }
      const listed = /\(supported: ([^)]*)\)/.exec(message)?.[1]?.split(', ');
      assert.ok(listed && listed.length > 0, `${component}: ${message}`);
      for (const type of listed) {
        // Missing fields are other errors; what matters is that the type itself is known.
        try {
          build({ type });
        } catch (err) {
          assert.doesNotMatch((err as Error).message, /is not supported \(supported:/, `${component} ${type}`);
        }
      }
    }
  });
});

describe('config.json values and the random encoder', function () {
  // Models are written, loaded and run (and an 8M-character text built): slow on a busy machine.
  this.timeout(15_000);

  function modelDir(config?: Record<string, unknown>): string {
    const dir = path.join(root, `m${n++}`);
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'vocab.json'), JSON.stringify({ '[PAD]': 0, hello: 1, world: 2 }));
    writeFileSync(path.join(dir, 'model.safetensors'), writeSafetensors([table(3, 4)]));
    if (config) writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
    return dir;
  }

  it('config.json\'s hidden_size / num_layers for a random encoder are blamed on config.json\'s key, never on a flag', async () => {
    for (const [key, value] of [['hidden_size', 1e9], ['hidden_size', MAX_RANDOM_HIDDEN_SIZE + 1], ['num_layers', 1000]] as const) {
      const dir = modelDir({ [key]: value });
      const e = await rejection(async () => inspectText(await loadModel(ctx, dir), 'hello'));
      assert.equal(e.reason, 'config', e.message);
      assert.ok(e.message.startsWith(`${path.join(dir, 'config.json')}: "${key}": ${value} is not valid, expected a whole number from 1 to `), e.message);
      assert.doesNotMatch(e.message, /--hidden-size|--layers/);
    }
  });

  it('the caller\'s values are blamed on its flags (or the names it gives), and the weight count has a limit naming both sources', async () => {
    const model = await loadModel(ctx, modelDir({ num_layers: 16 }));
    let e = await rejection(() => inspectText(model, 'hello', { random: { hiddenSize: 5000 } }));
    assert.equal(e.reason, 'option');
    assert.equal(e.message, `--hidden-size: 5000 is not valid, expected a whole number from 1 to ${MAX_RANDOM_HIDDEN_SIZE}`);
    e = await rejection(() => inspectText(model, 'hello', { random: { hiddenSize: 5000, names: { hiddenSize: 'embeddingLens.randomEncoder.hiddenSize' } } }));
    assert.match(e.message, /^embeddingLens\.randomEncoder\.hiddenSize: 5000 is not valid/);
    e = await rejection(() => inspectText(model, 'hello', { random: { hiddenSize: 4096, cell: 'lstm', bidirectional: true } }));
    // 16 bidirectional LSTM layers of H = 4096: far past the weight limit.
    assert.match(e.message, new RegExp(`hidden size 4096 \\(--hidden-size\\), 16 layers \\(${esc(model.config.file!)}: "num_layers"\\).* more than the limit of ${MAX_RANDOM_ENCODER_WEIGHTS}`));
    assert.doesNotMatch(e.message, /--layers/);
    // Within the limits it runs.
    const ok = await inspectText(model, 'hello', { random: { hiddenSize: 8, numLayers: 2 } });
    assert.equal(ok.encoder.spec.hiddenSize, 8);
  });

  it('config.json\'s max_length is blamed on its key when it pads past the token limit or leaves no room', async () => {
    const model = await loadModel(ctx, modelDir({ max_length: 1e9 }));
    const e = await rejection(() => inspectText(model, 'hello'));
    assert.equal(e.reason, 'config');
    assert.equal(e.message, `${model.config.file}: "max_length": padding to 1000000000 tokens is more than the limit of 65536; expected a max length of at most 65536`);
    const flag = await rejection(() => inspectText(model, 'hello', { maxLength: 70_000 }));
    assert.equal(flag.reason, 'option');
    assert.match(flag.message, /^--max-length: padding to 70000 tokens/);
  });

  it(`a text longer than LIMITS.textChars (${LIMITS.textChars}) is refused, naming the limit`, async () => {
    const model = await loadModel(ctx, 'builtin:seed');
    const e = await rejection(() => inspectText(model, 'a'.repeat(LIMITS.textChars + 1)));
    assert.equal(e.reason, 'option');
    assert.equal(e.message, `the text has ${LIMITS.textChars + 1} characters, more than the limit of ${LIMITS.textChars} (the text limit); select or pass less text`);
  });
});
