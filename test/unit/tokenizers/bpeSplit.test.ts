// The Split pre-tokenizer and the translation of Oniguruma patterns (as tokenizer.json Split
// patterns are compiled by the Rust library) to JavaScript RegExps, against the Rust library's
// own pre-tokenizer, run live.
import * as assert from 'node:assert/strict';
import { NormalizedString } from '../../../src/core/tokenizers/normalizedString';
import { onigToRegExp } from '../../../src/core/tokenizers/onigRegex';
import { preTokenizerFromJson } from '../../../src/core/tokenizers/preTokenizers';
import { rejection } from '../helpers';
import { cpToUtf16Map, rustTokenizer } from './reference';

type Json = Record<string, unknown>;
type Piece = [string, number, number];

function json(pre: Json): Json {
  return { version: '1.0', added_tokens: [], normalizer: null, pre_tokenizer: pre, post_processor: null, decoder: null, model: { type: 'BPE', vocab: { a: 0 }, merges: [] } };
}

/** Rust's pre-tokenization: [text, start, end] in UTF-16 offsets. */
function rustPieces(pre: Json, text: string): Piece[] {
  const p = rustTokenizer(json(pre)).getPreTokenizer()!;
  const map = cpToUtf16Map(text);
  return p.preTokenizeString(text).map(([t, [s, e]]) => [t, map[s!]!, map[e!]!]);
}

function ourPieces(pre: Json, text: string): Piece[] {
  const p = preTokenizerFromJson(pre, 'test.json')!;
  return p(NormalizedString.fromOriginal(text)).map(s => [s.normalized, s.originalStart, s.originalEnd]);
}

function sameAsRust(pre: Json, texts: readonly string[]): void {
  for (const text of texts) assert.deepEqual(ourPieces(pre, text), rustPieces(pre, text), `${JSON.stringify(pre)} on ${JSON.stringify(text)}`);
}

const split = (pattern: Json, behavior: string, invert: boolean): Json => ({ type: 'Split', pattern, behavior, invert });
const BEHAVIORS = ['Removed', 'Isolated', 'MergedWithPrevious', 'MergedWithNext', 'Contiguous'];
const TEXTS = ['xbxxcdx', 'bxxcd', 'x', '', 'abc', 'xx', 'a xx b x', 'é x😀xx ß', 'x\r\nx'];

describe('Split pre-tokenizer agrees with the Rust tokenizers library', () => {
  for (const behavior of BEHAVIORS) {
    it(`${behavior}, with and without invert, for string and regex patterns (empty matches included)`, () => {
      for (const invert of [false, true]) {
        sameAsRust(split({ String: 'x' }, behavior, invert), TEXTS);
        sameAsRust(split({ String: 'xx' }, behavior, invert), TEXTS);
        sameAsRust(split({ Regex: 'x+' }, behavior, invert), TEXTS);
        sameAsRust(split({ Regex: 'x*' }, behavior, invert), TEXTS); // empty matches between characters
        sameAsRust(split({ Regex: '\\s+' }, behavior, invert), TEXTS);
        sameAsRust(split({ String: '' }, behavior, invert), TEXTS);
      }
    });
  }

  it('a String pattern is literal text, regex characters included', () => {
    sameAsRust(split({ String: 'a.' }, 'Isolated', false), ['a.bab', 'a.a.', 'ab']);
    sameAsRust(split({ String: '(?i:x)[' }, 'Removed', false), ['a(?i:x)[b', 'aXb']);
  });

  it('pieces keep their original offsets after a normalizer (Sequence inside a pipeline)', () => {
    const pre = { type: 'Sequence', pretokenizers: [split({ Regex: '\\p{L}+' }, 'Isolated', false), split({ String: 'b' }, 'MergedWithNext', false)] };
    sameAsRust(pre, ['aba cbd', '😀ab😀b']);
  });
});

/** Patterns in Oniguruma syntax that our translation must match exactly as Rust does. */
const PATTERNS = [
  // gpt-4o, Llama 3 / Qwen 2 and GPT-2 as tokenizer.json files write them
  String.raw`[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+`,
  String.raw`(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`,
  String.raw`'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`,
  // classes and properties
  String.raw`\w+`, String.raw`\W+`, String.raw`\s+`, String.raw`\S+`, String.raw`\d+`, String.raw`\D+`, String.raw`\h+`, String.raw`\H+`,
  String.raw`\p{L}+`, String.raw`\P{L}+`, String.raw`\p{^L}+`, String.raw`[^\p{L}]+`, String.raw`\p{Letter}+`, String.raw`\p{Uppercase_Letter}+`, String.raw`\p{lowercaseletter}+`,
  String.raw`\p{LC}+`, String.raw`\p{Cased_Letter}+`, String.raw`\p{Mn}\p{Mc}?`, String.raw`\p{Nd}|\p{Nl}|\p{No}`, String.raw`\p{Punctuation}+`, String.raw`\p{Sc}|\p{Sk}|\p{Sm}|\p{So}`,
  String.raw`\p{Zs}|\p{Zl}|\p{Zp}`, String.raw`\p{Cc}+|\p{Cf}+`, String.raw`\p{Co}|\p{Cn}`, String.raw`\p{Any}`, String.raw`\p{Assigned}+`, String.raw`\p{ASCII}+`, String.raw`\p{Combining_Mark}+`,
  // inside brackets \w loses the Latin-1 extras (² ½ …) that a bare \w has
  String.raw`[\w]+`, String.raw`[^\w]+`, String.raw`[\W]+`, String.raw`.\b`,
  String.raw`[a-c[x-z]]+`, String.raw`[\w&&[^a]]+`, String.raw`[^a-z&&[^m-p]]+`, String.raw`[]a]+`, String.raw`[a-]+`, String.raw`[\-\]\\]+`, String.raw`[\x{1F600}-\x{1F64F}]`, String.raw`[\b]`,
  // anchors, dot, boundaries
  String.raw`^.`, String.raw`.$`, String.raw`\A.`, String.raw`.\z`, String.raw`.\Z`, String.raw`.`, String.raw`(?m:.)`, String.raw`(?m).+`, String.raw`\b\w`, String.raw`\B.`,
  // quantifiers: lazy, possessive, intervals (Ruby: "{n,m}+" repeats, it is not possessive), stacked
  String.raw`a+?`, String.raw`a*?b`, String.raw`a??`, String.raw`a?+a`, String.raw`a*+a`, String.raw`a++`, String.raw`\s++(?!\S)`, String.raw`a{2}`, String.raw`a{2,}`, String.raw`a{,2}`, String.raw`a{1,2}+`, String.raw`a{2}+`, String.raw`a{1,2}?`, String.raw`a**`, String.raw`a{x}`, String.raw`a{`,
  // groups
  String.raw`(?>a+)b`, String.raw`(?>a|ab)c`, String.raw`(a|b)+`, String.raw`(?<name>a)+`, String.raw`(?'q'b)`, String.raw`(?#comment)a`, String.raw`(?=a)\w`, String.raw`(?!a)\w`, String.raw`(?<=a)b`, String.raw`(?<!a)b`,
  // case-insensitive parts (ASCII letters, with Oniguruma's K → Kelvin sign and s → long s)
  String.raw`(?i:'s|'t)`, String.raw`(?i:k)`, String.raw`(?i)ab|c`, String.raw`a(?i)b|c`, String.raw`x(?i:b)c|C`, String.raw`(?i:[a-c])+`, String.raw`(?i:[^a])`, String.raw`(?i:\p{Lu})+`, String.raw`(?i:x(?-i:y))`,
  // escapes
  String.raw`\x{41}\u0042\x43`, String.raw`\t|\n|\r|\f|\v|\a|\e`, String.raw`\0`, String.raw`\.\-\/\:`, '😀+', String.raw`\x{10FFFF}`,
];

const PROBE_TEXTS = [
  "Hello, World! It's 2024: naïve café — ΣΑΣ σας İstanbul ǅemal 'S 'ſ 'K 'k KELVIN",
  'ab aab abab aaab bbb abc c aXyC xbc xBC ABC a-b ]a] xyz',
  "don't I'M we'LL they've\r\nline\n\nnext  \t  spaces\u00a0nbsp\u3000ideographic\u2028ls\u0085nel",
  '猫は可愛い。كتاب جميل. नमस्ते दुनिया ١٢٣ ½ ² ① Ⅻ 𝟘𝟙 👍🏽 👨‍👩‍👧 🇩🇪 e\u0301 \u200b\u200d\ufeff',
  '\u0000\u0001\t\u000b\u000c\r\u001b\u007f\u0080\u00ad 0x1F ff 12345 1.5e3 $€£¥ +-=<> ^`|~ _ \b',
];

describe('Oniguruma patterns translate exactly (compared with Rust on mixed text)', () => {
  for (const pattern of PATTERNS) {
    it(pattern.length > 60 ? `${pattern.slice(0, 60)}…` : pattern, () => {
      // Isolated keeps both matches and gaps; Removed+invert keeps only matches: together they pin every match.
      sameAsRust(split({ Regex: pattern }, 'Isolated', false), PROBE_TEXTS);
      sameAsRust(split({ Regex: pattern }, 'Removed', true), PROBE_TEXTS);
    });
  }

  it('every class matches exactly Oniguruma’s code points (sampled across all of Unicode, every category boundary included)', function () {
    this.timeout(60_000);
    // Every 61st code point plus both sides of every change of (JavaScript's) general category.
    const cps = new Set<number>();
    for (let c = 0; c <= 0x10ffff; c += 61) cps.add(c);
    const category = /(\p{Lu})|(\p{Ll})|(\p{Lt})|(\p{Lm})|(\p{Lo})|(\p{M})|(\p{Nd})|(\p{N})|(\p{P})|(\p{S})|(\p{Z})|(\p{Cn})/u;
    let prev = -1;
    for (let c = 0; c <= 0x10ffff; c++) {
      const m = category.exec(String.fromCodePoint(c));
      const kind = m ? m.findIndex((g, i) => i > 0 && g !== undefined) : 0;
      if (kind !== prev && c > 0) cps.add(c - 1).add(c);
      prev = kind;
    }
    const text = [...cps].filter(c => c < 0xd800 || c > 0xdfff).sort((a, b) => a - b).map(c => String.fromCodePoint(c)).join('');
    const classes = ['\\w', '[\\w]', '\\W', '\\s', '\\d', '\\h', '\\p{L}', '\\p{Lu}', '\\p{Ll}', '\\p{Lt}', '\\p{Lm}', '\\p{Lo}', '\\p{M}', '\\p{Mn}', '\\p{Mc}', '\\p{Me}', '\\p{N}', '\\p{Nd}', '\\p{Nl}', '\\p{No}', '\\p{P}', '\\p{S}', '\\p{Sm}', '\\p{So}', '\\p{Z}', '\\p{C}', '\\p{Cf}', '\\p{Cn}', '\\p{Co}', '[^\\s\\p{L}\\p{N}]'];
    for (const c of classes) {
      // Removed: what is left is every run of code points outside the class.
      const pre = split({ Regex: c }, 'Removed', false);
      assert.deepEqual(ourPieces(pre, text), rustPieces(pre, text), c);
    }
  });
});

describe('Oniguruma constructs we cannot translate exactly are errors naming the pattern', () => {
  const cases: [string, RegExp][] = [
    [String.raw`(?i:ss)`, /"ss" under \(\?i\) also matches a ligature or ß/],
    [String.raw`(?i:fi)`, /"fi" under \(\?i\) also matches a ligature or ß/],
    [String.raw`(?i:é)`, /U\+00E9 under \(\?i\) needs Unicode case folding/],
    [String.raw`(?i:[\p{L}])`, /a class escape inside a bracket class under \(\?i\) is not supported/],
    [String.raw`\p{Han}+`, /property \\p\{Han\} is not supported/],
    [String.raw`[[:alpha:]]`, /POSIX bracket classes such as \[:alpha:\] are not supported/],
    [String.raw`(a)\1`, /escape "\\1" is not supported/],
    [String.raw`(?<n>a)\k<n>`, /escape "\\k" is not supported/],
    [String.raw`(?x) a`, /option \(\?x\) is not supported/],
    [String.raw`\R`, /escape "\\R" is not supported/],
    [String.raw`\X`, /escape "\\X" is not supported/],
    [String.raw`a{2,1}`, /interval \{2,1\} has its bounds reversed/],
    [String.raw`(?<=a++)b`, /an atomic group or possessive quantifier inside a lookbehind is not supported/],
    [String.raw`(?~abc)`, /group "\(\?~" is not supported/],
    [String.raw`*a`, /target of repeat operator is missing/],
    [String.raw`(a`, /missing "\)"/],
    [String.raw`[a`, /missing "\]"/],
    [String.raw`a)`, /unbalanced "\)"/],
  ];
  for (const [pattern, re] of cases) {
    it(pattern, async () => {
      const e = await rejection(() => preTokenizerFromJson(split({ Regex: pattern }, 'Isolated', false), 'm/tokenizer.json'));
      assert.equal(e.reason, 'unsupported');
      assert.match(e.message, re);
      assert.ok(e.message.startsWith(`m/tokenizer.json: pre_tokenizer Split pattern ${JSON.stringify(pattern)}: `), e.message);
    });
  }

  it('the translation is what JavaScript can run: a direct call names its caller', async () => {
    const e = await rejection(() => onigToRegExp('\\y', 'somewhere'));
    assert.equal(e.reason, 'unsupported');
    assert.match(e.message, /^somewhere "\\\\y": escape "\\y" is not supported/);
  });

  it('a malformed Split is a badFile error naming the field (the Rust library requires all three)', async () => {
    const cases: [Json, RegExp][] = [
      [{ type: 'Split', pattern: 'a', behavior: 'Isolated', invert: false }, /"pattern" should be \{"String": text\} or \{"Regex": pattern\}, got "a"/],
      [{ type: 'Split', pattern: { Regex: 'a' }, behavior: 'isolated', invert: false }, /"behavior" is "isolated", expected one of Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous/],
      [{ type: 'Split', pattern: { Regex: 'a' }, behavior: 'Isolated' }, /"invert" should be true or false, got undefined/],
    ];
    for (const [pre, re] of cases) {
      assert.throws(() => rustTokenizer(json(pre)));
      const e = await rejection(() => preTokenizerFromJson(pre, 'm.json'));
      assert.equal(e.reason, 'badFile');
      assert.match(e.message, re);
      assert.match(e.message, /^m\.json: pre_tokenizer Split/);
    }
  });
});
