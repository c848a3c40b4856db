/**
 * Generates src/core/tokenizers/onigUnicode.ts: the Unicode classes that tokenizer.json Split
 * patterns use, exactly as the Rust `tokenizers` library's regex engine (Oniguruma, through the
 * `onig` crate) defines them — every general category (\p{Lu} … \p{Cn}), \w, \s, \d and \h —
 * read by asking the library itself about every code point.
 *
 * Why not JavaScript's own \p{…}: Node and VS Code's Electron ship a newer Unicode than the
 * Oniguruma inside the Rust library (thousands of letters differ, a few code points changed
 * category), and Oniguruma's \w is not UTS #18's. Explicit tables make the translated regexes
 * match Rust's on every code point, whatever Unicode the JavaScript engine has.
 *
 * Run from the repository root (no npm script needed):
 *
 *   npx esbuild scripts/build-onig-unicode.ts --bundle --platform=node --format=cjs --target=node20 \
 *     --packages=external --outfile=dist/scripts/build-onig-unicode.js
 *   node dist/scripts/build-onig-unicode.js
 *
 * Method: for each class, a tokenizer.json whose pre-tokenizer is Split(pattern = the class,
 * behavior Removed) pre-tokenizes a string of every code point; the code points it removed are
 * the class. The general categories must partition the code points (checked), and the one-letter
 * categories must be the unions of theirs (checked); inside brackets the classes are the same,
 * except \w (checked; both kept). The output is deterministic.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { Tokenizer as RustTokenizer } from 'tokenizers';
import { encodeRuns } from '../src/core/tokenizers/codePointSet';

const OUT = path.join(process.cwd(), 'src', 'core', 'tokenizers', 'onigUnicode.ts');

/** The general categories, in the order the generated table numbers them. */
const CATEGORIES = ['Cc', 'Cf', 'Cn', 'Co', 'Cs', 'Ll', 'Lm', 'Lo', 'Lt', 'Lu', 'Mc', 'Me', 'Mn', 'Nd', 'Nl', 'No', 'Pc', 'Pd', 'Pe', 'Pf', 'Pi', 'Po', 'Ps', 'Sc', 'Sk', 'Sm', 'So', 'Zl', 'Zp', 'Zs'];
const ONE_LETTER = ['C', 'L', 'M', 'N', 'P', 'S', 'Z'];

const codePoints: number[] = [];
for (let c = 0; c <= 0x10ffff; c++) if (c < 0xd800 || c > 0xdfff) codePoints.push(c);
let allText = '';
for (let i = 0; i < codePoints.length; i += 40_000) allText += String.fromCodePoint(...codePoints.slice(i, i + 40_000));

/** The code points (indices into codePoints) Oniguruma's `pattern` matches, one at a time. */
function members(pattern: string): Uint8Array {
  const json = {
    version: '1.0',
    added_tokens: [],
    normalizer: null,
    pre_tokenizer: { type: 'Split', pattern: { Regex: pattern }, behavior: 'Removed', invert: false },
    post_processor: null,
    decoder: null,
    model: { type: 'BPE', vocab: { a: 0 }, merges: [] },
  };
  const pre = RustTokenizer.fromString(JSON.stringify(json)).getPreTokenizer();
  if (!pre) throw new Error('no pre-tokenizer');
  const inClass = new Uint8Array(codePoints.length).fill(1);
  // Offsets are in code points: what is left after Removed is outside the class.
  for (const [, [s, e]] of pre.preTokenizeString(allText)) for (let k = s!; k < e!; k++) inClass[k] = 0;
  return inClass;
}

/** [start, end] runs (inclusive, code points) of a membership array. */
function ranges(inClass: Uint8Array): [number, number][] {
  const out: [number, number][] = [];
  for (let k = 0; k < codePoints.length; k++) {
    if (!inClass[k]) continue;
    const cp = codePoints[k]!;
    const last = out[out.length - 1];
    if (last && last[1] === cp - 1) last[1] = cp;
    // Surrogates are not in the string: a run may continue across them when both sides are in.
    else if (last && last[1] === 0xd7ff && cp === 0xe000 && inClass[k - 1]) last[1] = cp;
    else out.push([cp, cp]);
  }
  return out;
}

const gc = new Uint8Array(codePoints.length).fill(255);
const byCategory = new Map<string, Uint8Array>();
for (const [i, cat] of CATEGORIES.entries()) {
  if (cat === 'Cs') continue; // surrogates cannot be in a Rust string; the table gives them Cs
  const m = members(String.raw`\p{${cat}}`);
  byCategory.set(cat, m);
  for (let k = 0; k < m.length; k++) {
    if (!m[k]) continue;
    if (gc[k] !== 255) throw new Error(`U+${codePoints[k]!.toString(16)} is in both ${CATEGORIES[gc[k]!]} and ${cat}`);
    gc[k] = i;
  }
}
for (let k = 0; k < gc.length; k++) if (gc[k] === 255) throw new Error(`U+${codePoints[k]!.toString(16)} has no general category`);
for (const one of ONE_LETTER) {
  const m = members(String.raw`\p{${one}}`);
  for (let k = 0; k < m.length; k++) {
    const union = CATEGORIES.some(c => c[0] === one && byCategory.get(c)?.[k]);
    if (!!m[k] !== union) throw new Error(`\\p{${one}} differs from the union of its categories at U+${codePoints[k]!.toString(16)}`);
  }
}
const digit = members(String.raw`\d`);
for (let k = 0; k < digit.length; k++) if (!!digit[k] !== !!byCategory.get('Nd')![k]) throw new Error(`\\d differs from \\p{Nd} at U+${codePoints[k]!.toString(16)}`);

// The category table as runs over every code point, surrogates included (as Cs).
const CS = CATEGORIES.indexOf('Cs');
const full = new Uint8Array(0x110000).fill(CS);
codePoints.forEach((cp, k) => (full[cp] = gc[k]!));
const runs: string[] = [];
let prevStart = 0;
for (let cp = 0; cp < full.length; cp++) {
  if (cp > 0 && full[cp] === full[cp - 1]) continue;
  runs.push(`${(cp - prevStart).toString(36).toUpperCase()}${String.fromCharCode(97 + full[cp]!)}`);
  prevStart = cp;
}

const word = ranges(members(String.raw`\w`));
// Inside a bracket class Oniguruma's \w is the Unicode one, without the Latin-1 quirk (² ½ …).
const wordInClass = ranges(members(String.raw`[\w]`));
const space = ranges(members(String.raw`\s`));
const hex = ranges(members(String.raw`\h`));
const same = (a: [number, number][], b: [number, number][]): boolean => JSON.stringify(a) === JSON.stringify(b);
if (!same(space, ranges(members(String.raw`[\s]`)))) throw new Error('[\\s] differs from \\s');
if (!same(hex, ranges(members(String.raw`[\h]`)))) throw new Error('[\\h] differs from \\h');
if (!same(ranges(digit), ranges(members(String.raw`[\d]`)))) throw new Error('[\\d] differs from \\d');
for (const cat of [...CATEGORIES.filter(c => c !== 'Cs'), ...ONE_LETTER]) {
  if (!same(ranges(members(String.raw`\p{${cat}}`)), ranges(members(String.raw`[\p{${cat}}]`)))) throw new Error(`[\\p{${cat}}] differs from \\p{${cat}}`);
}

const source = `// GENERATED by scripts/build-onig-unicode.ts from the Rust \`tokenizers\` library ${
  (JSON.parse(readFileSync(path.join(process.cwd(), 'node_modules', 'tokenizers', 'package.json'), 'utf8')) as { version: string }).version
} (Oniguruma). Do not edit.
// Oniguruma's Unicode classes, so that translated Split patterns match exactly what Rust matches.

/** The general categories; GC_RUNS names them by index as a character ('a' = first, up to '~'). */
export const GC_NAMES: readonly string[] = ${JSON.stringify(CATEGORIES)};

/**
 * The general category of every code point (surrogates D800–DFFF as Cs): runs of "upper-case
 * base-36 distance from the previous run's start" + "category character", the first at U+0000.
 */
export const GC_RUNS =
  ${JSON.stringify(runs.join(''))};

/** Oniguruma's \\w outside brackets (it also has ² ³ ¹ ¼ ½ ¾, from its Latin-1 table), as ranges: "gap.length-1" base 36. */
export const WORD_RANGES =
  ${JSON.stringify(encodeRuns(word))};

/** Oniguruma's \\w inside a bracket class ([\\w], [^\\w], [\\w&&…]), same encoding. */
export const WORD_IN_CLASS_RANGES =
  ${JSON.stringify(encodeRuns(wordInClass))};

/** Oniguruma's \\s (Unicode White_Space), same encoding. */
export const SPACE_RANGES = ${JSON.stringify(encodeRuns(space))};

/** Oniguruma's \\h (hexadecimal digit, Ruby syntax), same encoding. */
export const HEX_RANGES = ${JSON.stringify(encodeRuns(hex))};
`;
writeFileSync(OUT, source);
console.log(`wrote ${OUT}: ${runs.length} category runs, \\w ${word.length} ranges, \\s ${space.length}, \\h ${hex.length}`);
