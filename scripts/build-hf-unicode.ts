/**
 * Generates src/core/tokenizers/hfUnicode.ts: the Unicode facts that Hugging Face's normalizers,
 * pre-tokenizers and added tokens use, exactly as the Rust `tokenizers` library has them, read by
 * asking the library itself about every code point:
 *
 * - the canonical combining classes that NFD/NFC reorder and block by (only their order matters,
 *   so the table holds ranks, read by comparing marks through the library's NFD);
 * - where the library's NFD / NFKD of one code point, or its canonical composition of a pair,
 *   differs from JavaScript's `String.prototype.normalize` (the library's tables are an older
 *   Unicode than Node's or Electron's: a few hundred recent characters);
 * - the marks `StripAccents` removes (an old Unicode: 450 fewer than JavaScript's \p{M});
 * - the characters the `Punctuation` pre-tokenizer isolates and the `Digits` one splits on;
 * - the word characters (\w) of the `regex` crate that `single_word` added tokens check.
 *
 * It also checks the assumptions the TypeScript side makes instead of tables (Lowercase per code
 * point = JavaScript's toLowerCase; Rust's char::is_whitespace and the regex crate's \s =
 * \p{White_Space}) and fails loudly if a new library version breaks one.
 *
 * Run from the repository root:
 *
 *   npx esbuild scripts/build-hf-unicode.ts --bundle --platform=node --format=cjs --target=node20 \
 *     --packages=external --outfile=dist/scripts/build-hf-unicode.js
 *   node dist/scripts/build-hf-unicode.js
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { Tokenizer as RustTokenizer } from 'tokenizers';
import { encodeRanges } from '../src/core/tokenizers/codePointSet';

const OUT = path.join(process.cwd(), 'src', 'core', 'tokenizers', 'hfUnicode.ts');

const codePoints: number[] = [];
for (let c = 0; c <= 0x10ffff; c++) if (c < 0xd800 || c > 0xdfff) codePoints.push(c);
const ch = (cp: number): string => String.fromCodePoint(cp);
const cps = (s: string): number[] => [...s].map(c => c.codePointAt(0)!);
const hex = (cp: number): string => `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;

function tokenizer(parts: { normalizer?: unknown; pre?: unknown; added?: unknown[] }): RustTokenizer {
  return RustTokenizer.fromString(
    JSON.stringify({
      version: '1.0',
      added_tokens: parts.added ?? [],
      normalizer: parts.normalizer ?? null,
      pre_tokenizer: parts.pre ?? null,
      post_processor: null,
      decoder: null,
      model: { type: 'WordLevel', vocab: { '[UNK]': 0 }, unk_token: '[UNK]' },
    }),
  );
}

function normalizer(type: string): (s: string) => string {
  const n = tokenizer({ normalizer: { type } }).getNormalizer();
  if (!n) throw new Error(`no ${type} normalizer`);
  return s => n.normalizeString(s);
}

/** Applies `fn` to many short strings at once: joined by "\n" (which every normalizer keeps as it is). */
function batch(inputs: readonly string[], fn: (s: string) => string): string[] {
  const out: string[] = [];
  for (let i = 0; i < inputs.length; i += 20_000) {
    const chunk = inputs.slice(i, i + 20_000);
    const parts = fn(chunk.join('\n')).split('\n');
    if (parts.length !== chunk.length) throw new Error(`batch: ${parts.length} outputs for ${chunk.length} inputs`);
    out.push(...parts);
  }
  return out;
}

const single = codePoints.filter(c => c !== 0x0a);
const t0 = Date.now();
const step = (what: string): void => console.log(`${((Date.now() - t0) / 1000).toFixed(1)}s ${what}`);

// --- Decompositions: where the library's single-code-point NFD / NFKD differs from JavaScript's.
const nfd = normalizer('NFD');
const nfkd = normalizer('NFKD');
const nfc = normalizer('NFC');
const decompExceptions = (rust: (s: string) => string, form: 'NFD' | 'NFKD'): [number, number[]][] => {
  const got = batch(single.map(ch), rust);
  const out: [number, number[]][] = [];
  single.forEach((cp, i) => {
    if (got[i] !== ch(cp).normalize(form)) out.push([cp, cps(got[i]!)]);
  });
  return out;
};
const canonicalExceptions = decompExceptions(nfd, 'NFD');
const compatExceptions = decompExceptions(nfkd, 'NFKD');
step('decomposition exceptions');
const rustDecomposes = new Set<number>();
const rustNfd = batch(single.map(ch), nfd);
single.forEach((cp, i) => {
  if (rustNfd[i] !== ch(cp)) rustDecomposes.add(cp);
});

// --- Combining classes: non-starters are the marks that reorder around U+0334 (class 1) or
// U+0345 (class 240, the largest); their order is read by comparing pairs through NFD.
const candidates = single.filter(cp => !rustDecomposes.has(cp));
const afterLow = batch(candidates.map(c => `a${ch(c)}\u0334`), nfd);
const afterHigh = batch(candidates.map(c => `a\u0345${ch(c)}`), nfd);
const marks = candidates.filter((c, i) => afterLow[i] !== `a${ch(c)}\u0334` || afterHigh[i] !== `a\u0345${ch(c)}`);
/** Sign of ccc(x) - ccc(y), as the library's NFD orders them. */
const compare = (x: number, y: number): number => {
  if (x === y) return 0;
  if (nfd(`a${ch(x)}${ch(y)}`) !== `a${ch(x)}${ch(y)}`) return 1;
  if (nfd(`a${ch(y)}${ch(x)}`) !== `a${ch(y)}${ch(x)}`) return -1;
  return 0;
};
step(`${marks.length} non-starters found`);
const sorted = [...marks].sort(compare);
const rank = new Map<number, number>();
let r = 1;
sorted.forEach((cp, i) => {
  if (i > 0 && compare(sorted[i - 1]!, cp) !== 0) r++;
  rank.set(cp, r);
});
// The sort must be a total preorder: check it against neighbours once more, both ways.
for (let i = 1; i < sorted.length; i++) {
  const a = sorted[i - 1]!;
  const b = sorted[i]!;
  if (compare(b, a) < 0) throw new Error(`combining classes are not ordered at ${hex(a)} ${hex(b)}`);
}
step('non-starters ranked');
const cccRuns: string[] = [];
{
  let prev = -1;
  const byCp = [...rank.entries()].sort((a, b) => a[0] - b[0]);
  for (let i = 0; i < byCp.length; ) {
    const [start, value] = byCp[i]!;
    let end = start;
    while (i + 1 < byCp.length && byCp[i + 1]![0] === end + 1 && byCp[i + 1]![1] === value) end = byCp[++i]![0];
    i++;
    cccRuns.push(`${(start - prev - 1).toString(36)}.${(end - start).toString(36)}.${value.toString(36)}`);
    prev = end;
  }
}

// --- Canonical compositions: every primary composite P = (A, b) that JavaScript or the library
// knows (A = P's decomposition minus its last code point, composed again).
const composeJs = (a: number, b: number): number | undefined => {
  // A primary composite: NFC gives one code point whose decomposition is exactly a's then b's.
  const c = cps((ch(a) + ch(b)).normalize('NFC'));
  return c.length === 1 && ch(c[0]!).normalize('NFD') === ch(a).normalize('NFD') + ch(b).normalize('NFD') ? c[0] : undefined;
};
const pairs = new Map<string, [number, number]>();
single.forEach((cp, i) => {
  const ways: [number[], (s: string) => string][] = [
    [cps(ch(cp).normalize('NFD')), s => s.normalize('NFC')],
    [cps(rustNfd[i]!), nfc],
  ];
  for (const [full, compose] of ways) {
    if (full.length < 2) continue;
    const head = cps(compose(full.slice(0, -1).map(ch).join('')));
    if (head.length === 1) pairs.set(`${head[0]},${full[full.length - 1]}`, [head[0]!, full[full.length - 1]!]);
  }
});
step(`${pairs.size} composition pairs`);
const composeExceptions: [number, number, number][] = [];
for (const [a, b] of pairs.values()) {
  const js = composeJs(a, b);
  const got = cps(nfc(ch(a) + ch(b)));
  const rust = got.length === 1 && nfd(ch(got[0]!)) === nfd(ch(a)) + nfd(ch(b)) ? got[0] : undefined;
  if (js !== rust) composeExceptions.push([a, b, rust ?? -1]);
}

// --- Character classes.
function removedBy(pre: unknown): Set<number> {
  // Pre-tokenize a string of every code point; what is not in any piece was removed.
  const p = tokenizer({ pre }).getPreTokenizer();
  if (!p) throw new Error('no pre-tokenizer');
  const kept = new Uint8Array(codePoints.length);
  for (let i = 0; i < codePoints.length; i += 50_000) {
    const chunk = codePoints.slice(i, i + 50_000);
    for (const [, [s, e]] of p.preTokenizeString(chunk.map(ch).join(''))) for (let k = s!; k < e!; k++) kept[i + k] = 1;
  }
  return new Set(codePoints.filter((_, k) => !kept[k]));
}
/** Code points that the pre-tokenizer puts in a piece of their own between two 'a's. */
function isolatedBy(pre: unknown): Set<number> {
  const p = tokenizer({ pre }).getPreTokenizer();
  if (!p) throw new Error('no pre-tokenizer');
  const out = new Set<number>();
  const inputs = codePoints.filter(c => c !== 0x61);
  for (let i = 0; i < inputs.length; i += 50_000) {
    const chunk = inputs.slice(i, i + 50_000);
    const text = chunk.map(c => `a${ch(c)}`).join('') + 'a';
    for (const [piece, [s, e]] of p.preTokenizeString(text)) {
      if (e! - s! === 1 && s! % 2 === 1) out.add(cps(piece)[0]!);
    }
  }
  return out;
}

step('compositions checked');
const stripped = new Set<number>();
const afterStrip = batch(single.map(c => `a${ch(c)}`), (() => {
  const n = tokenizer({ normalizer: { type: 'StripAccents' } }).getNormalizer()!;
  return (s: string) => n.normalizeString(s);
})());
single.forEach((cp, i) => {
  if (afterStrip[i] === 'a') stripped.add(cp);
  else if (afterStrip[i] !== `a${ch(cp)}`) throw new Error(`StripAccents changed ${hex(cp)} into ${JSON.stringify(afterStrip[i])}`);
});
step('marks');
const punctuation = isolatedBy({ type: 'Punctuation', behavior: 'Isolated' });
const numeric = isolatedBy({ type: 'Digits', individual_digits: true });

step('punctuation and digits');
// Rust's char::is_whitespace (WhitespaceSplit, Strip) must be \p{White_Space}.
const whitespace = removedBy({ type: 'WhitespaceSplit' });
for (const cp of codePoints) {
  if (whitespace.has(cp) !== /\p{White_Space}/u.test(ch(cp))) throw new Error(`char::is_whitespace differs from \\p{White_Space} at ${hex(cp)}`);
}
// Lowercase per code point must be JavaScript's toLowerCase of that code point alone.
{
  const lower = batch(single.map(ch), (() => {
    const n = tokenizer({ normalizer: { type: 'Lowercase' } }).getNormalizer()!;
    return (s: string) => n.normalizeString(s);
  })());
  single.forEach((cp, i) => {
    if (lower[i] !== ch(cp).toLowerCase()) throw new Error(`Lowercase of ${hex(cp)} is ${JSON.stringify(lower[i])}, JavaScript says ${JSON.stringify(ch(cp).toLowerCase())}`);
  });
}

// The regex crate's \w (single_word added tokens): a single_word token after c matches iff c is not \w.
// And its \s (lstrip): an lstrip token after c starts at c iff c is \s.
async function regexClasses(): Promise<{ word: number[] }> {
  const T = '\u{F0000}';
  const added = (o: Record<string, boolean>) => [{ id: 1, content: T, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true, ...o }];
  const word: number[] = [];
  const inputs = codePoints.filter(c => c !== 0xf0000 && c !== 0x20);
  const tw = tokenizer({ added: added({ single_word: true }) });
  const ts = tokenizer({ added: added({ lstrip: true }) });
  // Small chunks: the library looks for \w$ and \s*$ in the whole text before each match.
  for (let i = 0; i < inputs.length; i += 500) {
    const chunk = inputs.slice(i, i + 500);
    // "c T " per code point: the token's single_word check sees c before it and a space after.
    const enc = await tw.encode(chunk.map(c => `${ch(c)}${T} `).join(''), null, { addSpecialTokens: false });
    const matched = new Set<number>();
    const offsets = enc.getOffsets();
    enc.getIds().forEach((id, k) => {
      if (id === 1) matched.add(offsets[k]![0]!);
    });
    chunk.forEach((c, k) => {
      if (!matched.has(3 * k + 1)) word.push(c);
    });
    // "a c T" per code point: the lstrip token absorbs c iff c is \s.
    const enc2 = await ts.encode(chunk.map(c => `a${ch(c)}${T}`).join(''), null, { addSpecialTokens: false });
    const starts = new Set<number>();
    const offsets2 = enc2.getOffsets();
    enc2.getIds().forEach((id, k) => {
      if (id === 1) starts.add(offsets2[k]![0]!);
    });
    chunk.forEach((c, k) => {
      const space = starts.has(3 * k + 1);
      if (space !== /\p{White_Space}/u.test(ch(c))) throw new Error(`regex \\s differs from \\p{White_Space} at ${hex(c)}`);
    });
  }
  return { word };
}

void (async () => {
  step('whitespace and lowercase checked');
  const { word } = await regexClasses();
  step('regex classes');
  const version = (JSON.parse(readFileSync(path.join(process.cwd(), 'node_modules', 'tokenizers', 'package.json'), 'utf8')) as { version: string }).version;
  const pairsText = (list: [number, number[]][]) => list.map(([cp, d]) => [cp, ...d].map(x => x.toString(36)).join(' ')).join(',');
  const source = `// GENERATED by scripts/build-hf-unicode.ts from the Rust \`tokenizers\` library ${version}. Do not edit.
// The Unicode facts of Hugging Face's normalizers, pre-tokenizers and added tokens, read from the
// library itself, so that our results match it whatever Unicode the JavaScript engine has.
// Ranges are "base-36 gap from the previous end . base-36 length - 1", comma-separated.

/**
 * Canonical combining classes of the non-starters, as ranks (only their order matters to
 * normalization): "gap.length-1.rank" base 36. Code points not listed are starters (class 0).
 */
export const CCC_RUNS =
  ${JSON.stringify(cccRuns.join(','))};

/** Code points whose canonical decomposition in the library differs from JavaScript's NFD: "cp d1 d2 …" base 36. */
export const NFD_EXCEPTIONS = ${JSON.stringify(pairsText(canonicalExceptions))};

/** Code points whose compatibility decomposition in the library differs from JavaScript's NFKD. */
export const NFKD_EXCEPTIONS =
  ${JSON.stringify(pairsText(compatExceptions))};

/** Every code point that is the second part of some canonical composition (others never compose with what precedes them). */
export const COMPOSE_SECOND_RANGES =
  ${JSON.stringify(encodeRanges([...new Set([...pairs.values()].map(([, b]) => b))]))};

/** Pairs whose canonical composition in the library differs from JavaScript's: "a b composite" base 36 (composite -1: none). */
export const COMPOSE_EXCEPTIONS = ${JSON.stringify(composeExceptions.map(t => t.map(x => (x < 0 ? '-1' : x.toString(36))).join(' ')).join(','))};

/** The marks the \`StripAccents\` normalizer removes (all of Mn, Mc and Me, old Unicode; BertNormalizer strips only Mn). */
export const STRIP_ACCENTS_RANGES =
  ${JSON.stringify(encodeRanges([...stripped]))};

/** What the \`Punctuation\` pre-tokenizer splits on (ASCII punctuation or Unicode P*, old Unicode). */
export const PUNCTUATION_RANGES =
  ${JSON.stringify(encodeRanges([...punctuation]))};

/** What the \`Digits\` pre-tokenizer splits on (Rust's char::is_numeric). */
export const NUMERIC_RANGES =
  ${JSON.stringify(encodeRanges([...numeric]))};

/** The regex crate's \\w, which \`single_word\` added tokens check on both sides. */
export const REGEX_WORD_RANGES =
  ${JSON.stringify(encodeRanges(word))};
`;
  writeFileSync(OUT, source);
  console.log(
    `wrote ${OUT}: ${marks.length} non-starters in ${r} classes, ${canonicalExceptions.length} NFD and ${compatExceptions.length} NFKD exceptions, ` +
      `${pairs.size} composition pairs (${composeExceptions.length} exceptions), ${stripped.size} marks, ${punctuation.size} punctuation, ${numeric.size} numeric, ${word.length} word`,
  );
})();
