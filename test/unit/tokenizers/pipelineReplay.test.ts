// PipelineTokenizer.explain: the replay of how a span of the input became tokens — added tokens
// (with the whitespace lstrip/rstrip took, and those matched in the normalized text), segments,
// pre-tokens, the model's steps, and what the post-processor did — always consistent with encode.
import * as assert from 'node:assert/strict';
import { referenceCorpus } from '../../corpus/corpus';
import { tokenizerFromJson } from '../../../src/core/tokenizers/loadTokenizer';
import type { Token, Tokenizer } from '../../../src/core/tokenizers/types';

const at = (id: number, content: string, o: Record<string, boolean> = {}) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: false, ...o });

function tokenizer(parts: { normalizer?: unknown; post?: unknown; added?: unknown[] } = {}): Tokenizer {
  return tokenizerFromJson(
    {
      version: '1.0',
      added_tokens: parts.added ?? [at(0, '[UNK]', { special: true }), at(1, '[CLS]', { special: true }), at(2, '[SEP]', { special: true })],
      normalizer: parts.normalizer ?? null,
      pre_tokenizer: { type: 'Whitespace' },
      post_processor: parts.post ?? null,
      decoder: null,
      model: { type: 'WordLevel', vocab: { '[UNK]': 0, '[CLS]': 1, '[SEP]': 2, hello: 3, world: 4, '!': 5, cafe: 6 }, unk_token: '[UNK]' },
    },
    'r.json',
  );
}

const brief = (t: Token) => [t.id, t.text, t.start, t.end];

describe('explain (replay)', function () {
  this.timeout(120_000);
  it('an lstrip/rstrip added token is shown with the whitespace it took, as encode gives it', () => {
    const tok = tokenizer({ added: [at(0, '[UNK]', { special: true }), at(9, '<mask>', { lstrip: true, rstrip: true, special: true })] });
    const text = 'hello  <mask>  world';
    const r = tok.explain!(text, 8, 9);
    assert.deepEqual(r.addedTokens.map(brief), [[7, '  <mask>  ', 5, 15]]);
    assert.deepEqual(r.segments, []);
    assert.deepEqual(r.pieces, []);
    assert.deepEqual(tok.encode(text).map(brief), [[3, 'hello', 0, 5], [7, '  <mask>  ', 5, 15], [4, 'world', 15, 20]]);
  });
  it('a normalized added token appears among the added tokens, inside its normalized segment', () => {
    const tok = tokenizer({ normalizer: { type: 'Lowercase' }, added: [at(0, '[UNK]', { special: true }), at(9, 'WoRlD!', { normalized: true })] });
    const text = 'Hello WORLD! Café';
    const r = tok.explain!(text, 0, text.length);
    assert.deepEqual(r.addedTokens.map(brief), [[7, 'world!', 6, 12]]);
    assert.deepEqual(r.segments, [{ original: text, start: 0, end: text.length, normalized: 'hello world! café' }]);
    assert.deepEqual(r.preTokens.map(p => [p.text, p.start, p.end, p.selected]), [['hello', 0, 5, true], ['café', 13, 17, true]]);
    assert.deepEqual(r.pieces.map(p => [p.text, p.steps, p.tokens.map(brief)]), [
      ['hello', [{ kind: 'lookup', piece: 'hello', id: 3, result: 'hello' }], [[3, 'hello', 0, 5]]],
      ['café', [{ kind: 'lookup', piece: 'café', id: null, result: '[UNK]' }], [[0, '[UNK]', 13, 17]]],
    ]);
  });
  it('says what the post-processor does, and shows trimmed spans', () => {
    assert.equal(tokenizer().explain!('hello', 0, 5).postProcessor, undefined);
    const bert = tokenizer({ post: { type: 'BertProcessing', sep: ['[SEP]', 2], cls: ['[CLS]', 1] } });
    assert.equal(bert.explain!('hello', 0, 5).postProcessor, 'BertProcessing adds [CLS] before and [SEP] after the sequence');
    const roberta = tokenizer({
      post: { type: 'RobertaProcessing', sep: ['[SEP]', 2], cls: ['[CLS]', 1], trim_offsets: true, add_prefix_space: false },
      added: [at(0, '[UNK]', { special: true }), at(9, '<mask>', { lstrip: true, rstrip: true, special: true })],
    });
    const r = roberta.explain!('hello  <mask>  world', 8, 9);
    assert.equal(r.postProcessor, 'RobertaProcessing adds [CLS] before and [SEP] after the sequence, and trims whitespace off token spans (trim_offsets)');
    assert.deepEqual(r.addedTokens.map(brief), [[7, '  <mask>  ', 7, 13]]);
    const template = tokenizer({
      post: {
        type: 'TemplateProcessing',
        single: [{ Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
        pair: [],
        special_tokens: { '[SEP]': { id: '[SEP]', ids: [2], tokens: ['[SEP]'] } },
      },
    });
    assert.equal(template.explain!('hello', 0, 1).postProcessor, 'TemplateProcessing adds [SEP] after the sequence');
  });
  it('over the corpus, the replayed tokens of any span are exactly the encoded tokens that overlap it', () => {
    const tok = tokenizer({
      normalizer: { type: 'Sequence', normalizers: [{ type: 'NFKC' }, { type: 'Lowercase' }] },
      added: [at(0, '[UNK]', { special: true }), at(9, 'the', { lstrip: true, rstrip: true, normalized: true }), at(10, ' of ', { normalized: false })],
    });
    for (const doc of referenceCorpus()) {
      const tokens = tok.encode(doc.text);
      for (let k = 0; k < 20 && doc.text.length > 0; k++) {
        const start = Math.floor(((k * 7919) % 1000) / 1000 * doc.text.length);
        const end = Math.min(doc.text.length, start + (k % 4) * 13);
        const r = tok.explain!(doc.text, start, end);
        const replayed = [...r.addedTokens, ...r.pieces.flatMap(p => p.tokens)].sort((a, b) => a.start - b.start || a.end - b.end);
        const overlapping = tokens.filter(t => (t.start < end && t.end > start) || (start === end && t.start <= start && start < t.end));
        for (const t of overlapping) assert.ok(replayed.some(u => brief(u).join() === brief(t).join()), `${doc.name} [${start}, ${end}): ${JSON.stringify(brief(t))} missing from the replay`);
        for (const u of replayed) assert.ok(tokens.some(t => brief(u).join() === brief(t).join()), `${doc.name} [${start}, ${end}): replay has ${JSON.stringify(brief(u))}, encode does not`);
      }
    }
  });
});
