// The tokenizer.json pipeline (added tokens → normalizer → pre-tokenizer → WordLevel → post-processor)
// against the Rust `tokenizers` library, over the whole reference corpus, with and without special
// tokens. Each configuration gets a WordLevel vocabulary made of the pieces the Rust library's own
// normalizer and pre-tokenizer produce on the corpus (every tenth left out, so [UNK] shows up too).
import * as assert from 'node:assert/strict';
import { referenceCorpus } from '../../corpus/corpus';
import { tokenizerFromJson } from '../../../src/core/tokenizers/loadTokenizer';
import { rejection } from '../helpers';
import { assertSameEncoding, ourEncode, rustEncode, rustTokenizer } from './reference';

type Json = Record<string, unknown>;

/** An added token entry as tokenizer.json writes it. */
function added(id: number, content: string, o: { special?: boolean; normalized?: boolean; lstrip?: boolean; rstrip?: boolean; single_word?: boolean } = {}): Json {
  const special = o.special ?? false;
  return { id, content, single_word: o.single_word ?? false, lstrip: o.lstrip ?? false, rstrip: o.rstrip ?? false, normalized: o.normalized ?? !special, special };
}

const SPECIALS = [added(0, '[UNK]', { special: true }), added(1, '[CLS]', { special: true }), added(2, '[SEP]', { special: true }), added(3, '[PAD]', { special: true })];

/** tokenizer.json around a WordLevel vocabulary built from the Rust library's pieces of the corpus. */
function pipelineJson(parts: { normalizer?: unknown; pre?: unknown; post?: unknown; added?: Json[] }): Json {
  const base = (vocab: Record<string, number>): Json => ({
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: parts.added ?? SPECIALS,
    normalizer: parts.normalizer ?? null,
    pre_tokenizer: parts.pre ?? null,
    post_processor: parts.post ?? null,
    decoder: null,
    model: { type: 'WordLevel', vocab, unk_token: '[UNK]' },
  });
  const vocab: Record<string, number> = { '[UNK]': 0, '[CLS]': 1, '[SEP]': 2, '[PAD]': 3 };
  const probe = rustTokenizer(base({ '[UNK]': 0 }));
  const normalizer = probe.getNormalizer();
  const pre = probe.getPreTokenizer();
  let seen = 0;
  let next = Object.keys(vocab).length;
  for (const doc of referenceCorpus()) {
    const text = normalizer ? normalizer.normalizeString(doc.text) : doc.text;
    const pieces = pre ? pre.preTokenizeString(text).map(p => p[0]) : [text];
    for (const p of pieces) {
      if (Object.hasOwn(vocab, p)) continue;
      if (seen++ % 10 === 9) continue;
      vocab[p] = next++;
    }
  }
  return base(vocab);
}

const BERT = { type: 'BertProcessing', sep: ['[SEP]', 2], cls: ['[CLS]', 1] };
const TEMPLATE = {
  type: 'TemplateProcessing',
  single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
  pair: [{ Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }],
  special_tokens: { '[CLS]': { id: '[CLS]', ids: [1], tokens: ['[CLS]'] }, '[SEP]': { id: '[SEP]', ids: [2, 3], tokens: ['[SEP]', '[PAD]'] } },
};
const ROBERTA = (addPrefixSpace: boolean) => ({ type: 'RobertaProcessing', sep: ['[SEP]', 2], cls: ['[CLS]', 1], trim_offsets: true, add_prefix_space: addPrefixSpace });
const WS = { type: 'Whitespace' };
const punct = (behavior: string) => ({ type: 'Punctuation', behavior });
const seq = (...normalizers: unknown[]) => ({ type: 'Sequence', normalizers });
const preSeq = (...pretokenizers: unknown[]) => ({ type: 'Sequence', pretokenizers });

/** Added tokens that occur in the corpus, with every option, overlapping candidates and duplicates; the ids written are wrong on purpose (the library recomputes them). */
const ADDED = [
  ...SPECIALS,
  added(900, 'function', { single_word: true }),
  added(900, 'the', { single_word: true, lstrip: true, rstrip: true }),
  added(900, ' of ', { normalized: false }),
  added(900, 'interface', { special: true, lstrip: true }),
  added(900, 'inter', { normalized: false }),
  added(900, 'face', { normalized: false, rstrip: true }),
  added(900, 'de', { single_word: true }),
  added(900, 'の', { normalized: false }),
  added(900, '👍', { normalized: false, lstrip: true, rstrip: true }),
  added(900, 'TYPE'),
  added(900, 'É', { lstrip: true }),
  added(900, 'ing'),
  added(900, 'ing', { rstrip: true }),
  added(900, 'ﬁ'),
  added(900, '\n\n', { normalized: false, rstrip: true }),
  added(900, ' ', { normalized: false, special: true, single_word: true }),
  added(900, 'string', { special: true, normalized: true }),
];

const CONFIGS: Record<string, Parameters<typeof pipelineJson>[0]> = {
  'Whitespace, BertProcessing': { pre: WS, post: BERT },
  'WhitespaceSplit, TemplateProcessing': { pre: { type: 'WhitespaceSplit' }, post: TEMPLATE },
  'NFKC + Lowercase, Whitespace': { normalizer: seq({ type: 'NFKC' }, { type: 'Lowercase' }), pre: WS, post: TEMPLATE },
  'NFD + StripAccents + Lowercase, WhitespaceSplit + Punctuation': { normalizer: seq({ type: 'NFD' }, { type: 'StripAccents' }, { type: 'Lowercase' }), pre: preSeq({ type: 'WhitespaceSplit' }, punct('Isolated')), post: BERT },
  'NFC, Punctuation Removed': { normalizer: { type: 'NFC' }, pre: punct('Removed') },
  'NFKD, Punctuation MergedWithPrevious': { normalizer: { type: 'NFKD' }, pre: punct('MergedWithPrevious') },
  'Punctuation MergedWithNext': { pre: punct('MergedWithNext') },
  'Punctuation Contiguous': { pre: punct('Contiguous') },
  'Punctuation (default behaviour) + Digits individual': { pre: preSeq({ type: 'Punctuation' }, { type: 'Digits', individual_digits: true }) },
  'WhitespaceSplit + Digits in runs': { pre: preSeq({ type: 'WhitespaceSplit' }, { type: 'Digits', individual_digits: false }) },
  'Strip + Replace + Prepend, Whitespace': {
    normalizer: seq({ type: 'Strip', strip_left: true, strip_right: true }, { type: 'Replace', pattern: { Regex: '\\s+' }, content: ' ' }, { type: 'Prepend', prepend: '▁' }),
    pre: WS,
    post: BERT,
  },
  'added tokens, no normalizer, WhitespaceSplit, BertProcessing': { pre: { type: 'WhitespaceSplit' }, post: BERT, added: ADDED },
  'added tokens, Lowercase, Whitespace, TemplateProcessing': { normalizer: { type: 'Lowercase' }, pre: WS, post: TEMPLATE, added: ADDED },
  'added tokens, NFKC + Strip + Prepend, Punctuation': {
    normalizer: seq({ type: 'NFKC' }, { type: 'Strip', strip_left: true, strip_right: false }, { type: 'Prepend', prepend: '▁' }),
    pre: punct('Isolated'),
    added: ADDED,
  },
  'RobertaProcessing trims (spaces as Ġ), add_prefix_space': {
    normalizer: { type: 'Replace', pattern: { String: ' ' }, content: 'Ġ' },
    pre: { type: 'Split', pattern: { Regex: 'Ġ*[^Ġ]+|Ġ+' }, behavior: 'Isolated', invert: false },
    post: ROBERTA(true),
    added: ADDED,
  },
  'RobertaProcessing trims, no add_prefix_space, lstrip/rstrip tokens': { pre: { type: 'WhitespaceSplit' }, post: ROBERTA(false), added: ADDED },
  'Sequence of post-processors: ByteLevel trim, then TemplateProcessing': {
    normalizer: { type: 'Replace', pattern: { String: ' ' }, content: 'Ġ' },
    pre: { type: 'Split', pattern: { Regex: 'Ġ*[^Ġ]+|Ġ+' }, behavior: 'Isolated', invert: false },
    post: { type: 'Sequence', processors: [{ type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true }, TEMPLATE] },
  },
  'no pre-tokenizer: whole runs between added tokens': { normalizer: { type: 'Lowercase' }, added: ADDED },
};

describe('the tokenizer.json pipeline agrees with the Rust tokenizers library over the corpus', function () {
  this.timeout(600_000);
  const corpus = referenceCorpus();
  for (const [name, cfg] of Object.entries(CONFIGS)) {
    it(`${name}: ids, tokens and offsets of all ${corpus.length} documents, with and without special tokens`, async () => {
      const json = pipelineJson(cfg);
      const ours = tokenizerFromJson(json, 'test/tokenizer.json');
      const rust = rustTokenizer(json);
      let compared = 0;
      for (const doc of corpus) {
        for (const special of [false, true]) {
          const ref = await rustEncode(rust, doc.text, special);
          assertSameEncoding(`${name} / ${doc.name}${special ? ' (special tokens)' : ''}`, doc.text, ourEncode(ours, doc.text, special), ref);
          compared += ref.ids.length;
        }
      }
      assert.ok(compared > 100_000, `compared ${compared} tokens`);
    });
  }
});

describe('added tokens', () => {
  const small = (addedTokens: Json[], extra: Json = {}) => ({
    version: '1.0',
    added_tokens: addedTokens,
    normalizer: null,
    pre_tokenizer: { type: 'WhitespaceSplit' },
    post_processor: null,
    decoder: null,
    model: { type: 'WordLevel', vocab: { '[UNK]': 0, a: 1, b: 2, '<mask>': 3 }, unk_token: '[UNK]' },
    ...extra,
  });
  async function same(json: Json, texts: readonly string[]): Promise<void> {
    const ours = tokenizerFromJson(json, 't.json');
    const rust = rustTokenizer(json);
    for (const text of texts) {
      for (const special of [false, true]) assertSameEncoding(JSON.stringify(text), text, ourEncode(ours, text, special), await rustEncode(rust, text, special));
    }
  }
  it('ids: the vocabulary id of the content, else the next free id (the ids in the file are ignored)', async () => {
    const json = small([added(7, '<m>'), added(0, 'b'), added(50, 'new1'), added(3, 'new2'), added(1, '<m>', { rstrip: true })]);
    const tok = tokenizerFromJson(json, 't.json');
    const rust = rustTokenizer(json);
    for (const t of ['<m>', 'b', 'new1', 'new2']) assert.equal(tok.tokenToId(t), rust.tokenToId(t), t);
    assert.equal(tok.vocabSize, rust.getVocabSize(true));
    await same(json, ['a<m> b new1new2', '<m>  x']);
  });
  it('leftmost-longest matching, overlapping candidates, and single_word discards without retrying', async () => {
    await same(small([added(9, 'ab'), added(10, 'abc'), added(11, 'bcd'), added(12, 'cd', { single_word: true })]), ['abcd xbcdx', 'xcd cd, cd_ é\u0301cd 猫cd']);
    await same(small([added(9, 'ab', { single_word: true }), added(10, 'b')]), ['xab ab, ab_ é\u0301ab ab']);
  });
  it('lstrip / rstrip take the whitespace beside them, even into the next token (overlapping spans)', async () => {
    await same(small([added(9, 'a', { rstrip: true, normalized: false }), added(10, ' b', { normalized: false })]), ['a b c', 'a  b']);
    await same(small([added(9, 'x', { rstrip: true }), added(10, 'y', { lstrip: true })]), ['x  y', '\u3000y\u00a0x\t\n']);
    await same(small([added(9, '<mask>', { lstrip: true, rstrip: true, special: true })], { post_processor: ROBERTA(true) }), ['a  <mask>  b', ' <mask> a', '<mask>']);
  });
  it('normalized tokens match the normalized text; raw ones the raw text', async () => {
    const lower = { normalizer: { type: 'Lowercase' } };
    await same(small([added(9, '<MASK>', { lstrip: true }), added(10, 'XY', { normalized: false })], lower), ['a  <MASK>  b <mask> XY xy']);
  });
  it('a normalized token whose content normalizes to nothing is an error naming it', async () => {
    const e = await rejection(() => tokenizerFromJson(small([added(9, ' ')], { normalizer: { type: 'Strip', strip_left: true, strip_right: true } }), 'x/t.json'));
    assert.equal(e.reason, 'unsupported');
    assert.match(e.message, /^x\/t\.json: added token " " normalizes to an empty string/);
  });
  it('every field is required, as in the Rust library', async () => {
    for (const field of ['single_word', 'lstrip', 'rstrip', 'normalized', 'special']) {
      const entry = added(9, 'x');
      delete entry[field];
      const json = small([entry]);
      assert.throws(() => rustTokenizer(json), field);
      const e = await rejection(() => tokenizerFromJson(json, 't.json'));
      assert.equal(e.reason, 'badFile');
      assert.match(e.message, new RegExp(`^t\\.json: added_tokens\\[0\\] \\("x"\\) needs "${field}": true or false, got undefined`));
    }
    const e = await rejection(() => tokenizerFromJson(small([{ content: 'x' }]), 't.json'));
    assert.match(e.message, /added_tokens\[0\] "x" has "id" null, expected an integer in \[0, 2\^32\)/);
    const e2 = await rejection(() => tokenizerFromJson(small({} as unknown as Json[]), 't.json'));
    assert.match(e2.message, /"added_tokens" should be a list/);
  });
});

describe('post-processors', () => {
  const json = (post: unknown) => ({ ...pipelineJsonSmall(), post_processor: post });
  function pipelineJsonSmall(): Json {
    return {
      version: '1.0',
      added_tokens: SPECIALS,
      normalizer: null,
      pre_tokenizer: WS,
      post_processor: null,
      decoder: null,
      model: { type: 'WordLevel', vocab: { '[UNK]': 0, '[CLS]': 1, '[SEP]': 2, '[PAD]': 3, a: 4 }, unk_token: '[UNK]' },
    };
  }
  it('special tokens have empty spans: at the start before the sequence, at the end after it', () => {
    const tok = tokenizerFromJson(json(TEMPLATE), 't.json');
    const text = 'a b';
    const toks = tok.addSpecialTokens(tok.encode(text), text);
    assert.deepEqual(
      toks.map(t => [t.text, t.start, t.end, t.special]),
      [['[CLS]', 0, 0, true], ['a', 0, 1, false], ['[UNK]', 2, 3, false], ['[SEP]', 3, 3, true], ['[PAD]', 3, 3, true]],
    );
    assert.equal(tok.numSpecialTokens(), 3);
  });
  it('RobertaProcessing without its two flags is read as BertProcessing, as the library does', async () => {
    const texts = ['a  a', ' a'];
    const pre = { type: 'Split', pattern: { Regex: '[^a]*a' }, behavior: 'Isolated', invert: false };
    for (const post of [{ type: 'RobertaProcessing', sep: ['[SEP]', 2], cls: ['[CLS]', 1] }, { type: 'BertProcessing', sep: ['[SEP]', 2], cls: ['[CLS]', 1], trim_offsets: true, add_prefix_space: false }]) {
      const j = { ...json(post), pre_tokenizer: pre, model: { type: 'WordLevel', vocab: { '[UNK]': 0, '  a': 5, ' a': 6 }, unk_token: '[UNK]' } };
      const tok = tokenizerFromJson(j, 't.json');
      const rust = rustTokenizer(j);
      for (const text of texts) assertSameEncoding(text, text, ourEncode(tok, text, false), await rustEncode(rust, text, false));
    }
  });
  it('unsupported or malformed post-processors are errors that name them', async () => {
    const S = (id: string) => ({ SpecialToken: { id, type_id: 0 } });
    const Q = (id: string) => ({ Sequence: { id, type_id: 0 } });
    const t = (single: unknown[], extra: Json = {}) => ({ ...TEMPLATE, single, ...extra });
    const cases: [unknown, string, RegExp][] = [
      [{ type: 'Shuffle' }, 'unsupported', /post_processor type "Shuffle" is not supported \(supported: .*Sequence\)/],
      [t([Q('B')]), 'unsupported', /single template uses sequence "B"; only \$A is supported/],
      [t([Q('A'), Q('A')]), 'unsupported', /single template has 2 \$A pieces/],
      [t([S('[CLS]')]), 'unsupported', /single template has 0 \$A pieces/],
      [t([S('[XX]'), Q('A')]), 'badFile', /special token "\[XX\]" of the template needs an entry in "special_tokens"/],
      [t([Q('A')], { pair: undefined }), 'badFile', /"pair" should be a list of pieces/],
      [t([Q('A')], { special_tokens: undefined }), 'badFile', /"special_tokens" should be an object/],
      [t([{ Other: {} }]), 'badFile', /template piece \{"Other":\{\}\} should be/],
      [{ ...TEMPLATE, single: '[CLS] $A' }, 'badFile', /"single" should be a list/],
      [{ type: 'BertProcessing', sep: ['[SEP]'], cls: ['[CLS]', 1] }, 'badFile', /post_processor BertProcessing: "sep" should be \[token, id\]/],
      [{ type: 'RobertaProcessing', sep: ['[SEP]', 2], cls: ['[CLS]', 1], trim_offsets: 'yes', add_prefix_space: true }, 'badFile', /"trim_offsets" and "add_prefix_space" should be true or false/],
      [{ type: 'Sequence' }, 'badFile', /post_processor Sequence: "processors" should be a list/],
      [{ type: 'Sequence', processors: [BERT, ROBERTA(true)] }, 'unsupported', /a processor that trims offsets after one that adds special tokens is not supported/],
    ];
    for (const [post, reason, re] of cases) {
      const e = await rejection(() => tokenizerFromJson(json(post), 'p/tokenizer.json'));
      assert.equal(e.reason, reason, JSON.stringify(post));
      assert.match(e.message, re);
      assert.match(e.message, /^p\/tokenizer\.json: /);
    }
  });
});

describe('pre-tokenizer errors', () => {
  const cases: [unknown, string, RegExp][] = [
    [{ type: 'Wiggle' }, 'unsupported', /pre_tokenizer type "Wiggle" is not supported \(supported: .*Punctuation, Digits, Sequence\)/],
    [{ type: 'Punctuation', behavior: 'Foo' }, 'badFile', /pre_tokenizer Punctuation: "behavior" is "Foo", expected one of Removed, Isolated/],
    [{ type: 'Digits' }, 'badFile', /pre_tokenizer Digits needs "individual_digits": true or false, got undefined/],
    [{ type: 'Sequence' }, 'badFile', /pre_tokenizer Sequence needs "pretokenizers": a list/],
  ];
  for (const [pre, reason, re] of cases) {
    it(`${JSON.stringify(pre)} → ${reason}`, async () => {
      const json = { version: '1.0', added_tokens: [], normalizer: null, pre_tokenizer: pre, post_processor: null, decoder: null, model: { type: 'WordLevel', vocab: { '[UNK]': 0 }, unk_token: '[UNK]' } };
      const e = await rejection(() => tokenizerFromJson(json, 'q/tokenizer.json'));
      assert.equal(e.reason, reason);
      assert.match(e.message, re);
      assert.match(e.message, /^q\/tokenizer\.json: /);
      assert.throws(() => rustTokenizer(json));
    });
  }
});
