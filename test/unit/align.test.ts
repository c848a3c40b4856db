// Aligning two tokenizations by span (src/core/align.ts), with real tokenizers (GPT-2's
// tokenizer.json, tiktoken's cl100k_base and o200k_base, BERT's WordPiece with [CLS]/[SEP], and
// the built-in models' word-level tokenizers) on tricky text, plus property checks over the
// multilingual corpus: the groups cover the text in order, every token is in exactly one group,
// each side's order is kept, no group could be split further, and `same` means what it says.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { alignSummary, alignTokens, type AlignGroup, type SpanToken } from '../../src/core/align';
import { loadModel, loadTokenizerSpec } from '../../src/core/model/loadModel';
import { nodeFiles } from '../../src/core/nodeFiles';
import type { Token, Tokenizer } from '../../src/core/tokenizers/types';
import { fixture, rejection, repoRoot } from './helpers';

const ctx = { files: nodeFiles, assetsDir: path.join(repoRoot(), 'assets') };
const cache = new Map<string, Promise<Tokenizer>>();

function tokenizer(spec: string): Promise<Tokenizer> {
  let t = cache.get(spec);
  if (!t) {
    t = spec.startsWith('builtin:') ? loadModel(ctx, spec).then(m => m.tokenizer) : loadTokenizerSpec(ctx, spec);
    cache.set(spec, t);
  }
  return t;
}

/** The tokens a side shows: content tokens plus the post-processor's specials. */
async function tokens(spec: string, text: string): Promise<Token[]> {
  const t = await tokenizer(spec);
  return t.addSpecialTokens(t.encode(text), text);
}

const BERT = fixture('tokenizers', 'bert-base-uncased');

/** Every property the alignment promises; the message names the pair and the text. */
function checkProperties(groups: readonly AlignGroup[], text: string, a: readonly SpanToken[], b: readonly SpanToken[], what: string): void {
  // Would catch: a gap or an overlap between groups, a group out of order, a lost end of the text.
  assert.ok(groups.length > 0 || text.length === 0, `${what}: no groups`);
  if (groups.length) {
    assert.equal(groups[0]!.start, 0, `${what}: the first group starts at 0`);
    assert.equal(groups[groups.length - 1]!.end, text.length, `${what}: the last group ends at the text's end`);
  }
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i]!;
    assert.ok(g.start <= g.end, `${what}: group ${i} ${g.start}:${g.end}`);
    if (i > 0) assert.equal(g.start, groups[i - 1]!.end, `${what}: group ${i} starts where group ${i - 1} ends`);
  }
  assert.equal(groups.map(g => text.slice(g.start, g.end)).join(''), text, `${what}: the groups' text concatenated is the text`);
  // Would catch: a token lost, duplicated, or moved out of its side's order.
  assert.deepEqual(groups.flatMap(g => g.a), a.map((_, i) => i), `${what}: side a's indices in order`);
  assert.deepEqual(groups.flatMap(g => g.b), b.map((_, i) => i), `${what}: side b's indices in order`);
  for (const g of groups) {
    for (const [side, ix] of [[a, g.a], [b, g.b]] as const) {
      for (const i of ix) {
        const t = side[i]!;
        assert.ok(g.start <= t.start && t.end <= g.end, `${what}: token ${i} ${t.start}:${t.end} lies inside its group ${g.start}:${g.end}`);
      }
    }
    // Would catch: groups coarser than needed (a common boundary inside a group not used).
    if (g.end > g.start) {
      for (let p = g.start + 1; p < g.end; p++) {
        const edge = [...a, ...b].some(t => t.start === p || t.end === p);
        const straddled = [...a, ...b].some(t => t.start < p && p < t.end);
        assert.ok(!edge || straddled, `${what}: group ${g.start}:${g.end} could be cut at ${p}`);
      }
    }
    // Would catch: `same` claimed for different cuts (or denied for identical ones).
    const spansA = g.a.map(i => `${a[i]!.start}:${a[i]!.end}:${a[i]!.text}`);
    const spansB = g.b.map(i => `${b[i]!.start}:${b[i]!.end}:${b[i]!.text}`);
    const spanOnlyA = g.a.map(i => `${a[i]!.start}:${a[i]!.end}`);
    const spanOnlyB = g.b.map(i => `${b[i]!.start}:${b[i]!.end}`);
    if (g.same) assert.deepEqual(spanOnlyA, spanOnlyB, `${what}: group ${g.start}:${g.end} is "same" with different spans`);
    if (!g.same && JSON.stringify(spansA) === JSON.stringify(spansB)) assert.fail(`${what}: group ${g.start}:${g.end} is not "same" though spans and spellings agree`);
  }
}

async function align(specA: string, specB: string, text: string): Promise<{ groups: AlignGroup[]; a: Token[]; b: Token[] }> {
  const a = await tokens(specA, text);
  const b = await tokens(specB, text);
  const groups = alignTokens(text.length, a, b);
  checkProperties(groups, text, a, b, `${specA} vs ${specB} on ${JSON.stringify(text.slice(0, 40))}`);
  return { groups, a, b };
}

/** The group holding text[start:end] exactly (fails when there is none). */
function groupAt(groups: readonly AlignGroup[], start: number, end: number): AlignGroup {
  const g = groups.find(x => x.start === start && x.end === end);
  assert.ok(g, `no group ${start}:${end}; groups: ${groups.map(x => `${x.start}:${x.end}`).join(' ')}`);
  return g;
}

const TRICKY = [
  '日本語のテキスト、中文文本和한국어 텍스트.',
  'emoji 🙂👍🏽 family 👨‍👩‍👧‍👦 flags 🇯🇵🇫🇷 and ❤️‍🔥',
  'function add(a, b) {\n    return a + b; // sum\n}\n\tconst x = [1, 2, 3];',
  'spaces   and\ttabs\t\tand\n\n\nnewlines     end   ',
  'numbers 1234567 3.14159 1e-9 0xFF',
  'Ἀρχὴ ἥμισυ παντός — « Où est-il ? » Größe',
  '<|endoftext|> is text here',
  '',
  ' ',
];

describe('alignTokens: real tokenizers on tricky text', function () {
  this.timeout(60_000);
  const PAIRS: [string, string][] = [
    ['gpt2', 'o200k_base'],
    ['gpt2', 'cl100k_base'],
    ['cl100k_base', 'o200k_base'],
    ['gpt2', BERT],
    ['o200k_base', 'builtin:seed'],
    ['builtin:glove-100d', 'cl100k_base'],
  ];
  for (const [x, y] of PAIRS) {
    it(`${path.basename(x)} vs ${path.basename(y)}: the properties hold on CJK, emoji, code, whitespace runs`, async () => {
      for (const text of TRICKY) {
        await align(x, y, text);
        await align(y, x, text);
      }
    });
  }

  it('CJK: gpt2 splits 日 into two byte pieces sharing its span; o200k_base has 日本 whole: one group 0:2, not same', async () => {
    const text = '日本語';
    const { groups, a, b } = await align('gpt2', 'o200k_base', text);
    // Would catch: pieces of one character split across groups, or 日 and 本 cut apart on the side that holds them together.
    const g = groupAt(groups, 0, 2);
    assert.ok(g.a.length >= 2 && g.a.every(i => a[i]!.end <= 2), 'gpt2 has several tokens inside 日本');
    assert.deepEqual(g.b.map(i => b[i]!.text), [b[g.b[0]!]!.text]);
    assert.equal(g.b.length, 1, 'o200k_base has one token for 日本');
    assert.equal(g.same, false);
  });

  it('emoji: identical byte pieces on both sides are "same"; different splits of one emoji are not', async () => {
    const text = 'a 🙂';
    const { groups } = await align('cl100k_base', 'o200k_base', text);
    const { groups: self } = await align('o200k_base', 'o200k_base', text);
    // Would catch: a tokenizer compared with itself reported as different.
    assert.ok(self.every(g => g.same), 'o200k_base vs itself: every group is the same');
    assert.ok(groups.length >= 1);
    const gpt = await align('gpt2', 'o200k_base', '👍🏽');
    // gpt2 spells 🏽 as three byte pieces, o200k_base as two: same span 2:4, different cut.
    const skin = groupAt(gpt.groups, 2, 4);
    assert.notEqual(skin.a.length, skin.b.length);
    assert.equal(skin.same, false);
  });

  it('code and whitespace runs: common words align as "same" groups; a tokenizer vs itself is all "same"', async () => {
    const text = 'function add(a, b) {\n    return a + b;\n}';
    const { groups, a } = await align('gpt2', 'cl100k_base', text);
    const fn = groupAt(groups, 0, 8);
    assert.equal(fn.same, true, '"function" is one token in both');
    assert.equal(a[fn.a[0]!]!.text, 'function');
    const summary = alignSummary(groups);
    assert.ok(summary.differ > 0, 'gpt2 and cl100k_base cut the indentation differently');
    const self = await align('cl100k_base', 'cl100k_base', text);
    assert.equal(alignSummary(self.groups).differ, 0);
  });

  it('BERT: [CLS] and [SEP] are zero-width groups at 0 and at the end; dropped spaces are outside tokens', async () => {
    const text = 'Hello   world';
    const { groups, a, b } = await align(BERT, 'gpt2', text);
    const first = groups[0]!;
    // Would catch: a zero-width special merged into the first word's group or placed after it.
    assert.deepEqual([first.start, first.end, first.a.map(i => a[i]!.text), first.b], [0, 0, ['[CLS]'], []]);
    assert.equal(first.same, false);
    const last = groups[groups.length - 1]!;
    assert.deepEqual([last.start, last.end, last.a.map(i => a[i]!.text), last.b], [text.length, text.length, ['[SEP]'], []]);
    // gpt2's "Ġworld" starts in the spaces BERT drops: the group runs from the end of "Hello" to the end.
    const world = groups.find(g => g.b.some(i => b[i]!.text === 'Ġworld'))!;
    assert.equal(world.end, text.length);
    assert.ok(world.a.some(i => a[i]!.text === 'world'));
  });

  it('word-level vocabularies: text neither side tokenizes is a group with no tokens', async () => {
    const text = 'white   fridge';
    const { groups } = await align('builtin:glove-100d', 'builtin:glove-100d', text);
    const gap = groupAt(groups, 5, 8);
    // Would catch: dropped text missing from the groups (they would not cover the text).
    assert.deepEqual([gap.a, gap.b, gap.same], [[], [], true]);
  });
});

describe('alignTokens: synthetic spans (rules stated in align.ts)', () => {
  const t = (start: number, end: number, text = ''): SpanToken => ({ start, end, text });

  it('overlapping spans chain into one group', () => {
    // Side a: a byte-level token holding the end of one character and the start of the next.
    const a = [t(0, 2, 'x'), t(1, 4, 'y'), t(3, 5, 'z'), t(5, 6, 'w')];
    const b = [t(0, 1), t(1, 3), t(3, 5), t(5, 6)];
    const groups = alignTokens(6, a, b);
    assert.deepEqual(groups.map(g => [g.start, g.end, g.a, g.b]), [[0, 5, [0, 1, 2], [0, 1, 2]], [5, 6, [3], [3]]]);
  });

  it('zero-width tokens at a common cut between groups sit between them, both sides together', () => {
    const a = [t(0, 2, 'ab'), t(2, 2, '<sep>'), t(2, 4, 'cd')];
    const b = [t(0, 2, 'ab'), t(2, 2, '<sep>'), t(2, 4, 'cd')];
    const groups = alignTokens(4, a, b);
    assert.deepEqual(groups.map(g => [g.start, g.end, g.a, g.b, g.same]), [[0, 2, [0], [0], true], [2, 2, [1], [1], true], [2, 4, [2], [2], true]]);
    // Different specials at the same place differ.
    const c = [t(0, 2, 'ab'), t(2, 2, '</s>'), t(2, 4, 'cd')];
    assert.equal(alignTokens(4, a, c)[1]!.same, false);
  });

  it('a zero-width token inside the other side\'s token joins that group', () => {
    const a = [t(0, 1), t(1, 1, '<x>'), t(1, 2)];
    const b = [t(0, 2)];
    assert.deepEqual(alignTokens(2, a, b).map(g => [g.start, g.end, g.a, g.b]), [[0, 2, [0, 1, 2], [0]]]);
  });

  it('tokens out of span order: groups merge until each side reads in order', () => {
    const a = [t(2, 3), t(0, 1), t(1, 2)];
    const b = [t(0, 1), t(1, 2), t(2, 3)];
    const groups = alignTokens(3, a, b);
    assert.deepEqual(groups.map(g => [g.start, g.end, g.a, g.b]), [[0, 3, [0, 1, 2], [0, 1, 2]]]);
  });

  it('an empty text: only zero-width groups, or none', () => {
    assert.deepEqual(alignTokens(0, [], []), []);
    assert.deepEqual(alignTokens(0, [t(0, 0, '<s>')], []).map(g => [g.start, g.end, g.a, g.b]), [[0, 0, [0], []]]);
  });

  it('a span outside the text is refused with a message naming the token and side', async () => {
    const e = await rejection(() => alignTokens(3, [t(0, 4)], []));
    assert.equal(e.reason, 'option');
    assert.equal(e.message, 'alignTokens: token 0 of side a has span 0:4, expected 0 <= start <= end <= 3');
  });
});

describe('alignTokens: properties over the multilingual corpus', function () {
  this.timeout(120_000);
  const lines = readFileSync(path.join(repoRoot(), 'test', 'corpus', 'multilingual.txt'), 'utf8').split('\n').filter(l => l.length);
  for (const [x, y] of [['gpt2', 'o200k_base'], ['cl100k_base', 'gpt2'], [BERT, 'o200k_base']] as const) {
    it(`${path.basename(x)} vs ${path.basename(y)}: every line of multilingual.txt, and the whole file`, async () => {
      for (const line of lines) await align(x, y, line);
      const whole = lines.join('\n');
      const a = await tokens(x, whole);
      const b = await tokens(y, whole);
      // The whole file: cover and order (the per-position minimality check is quadratic).
      const groups = alignTokens(whole.length, a, b);
      assert.equal(groups.map(g => whole.slice(g.start, g.end)).join(''), whole);
      assert.deepEqual(groups.flatMap(g => g.a), a.map((_, i) => i));
      assert.deepEqual(groups.flatMap(g => g.b), b.map((_, i) => i));
    });
  }
});
