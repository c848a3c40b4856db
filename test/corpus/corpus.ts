// The reference corpus for tokenizer tests and benchmarks: ≥ 1 MB of mixed prose, source code and
// non-Latin text. It is built, deterministically, from files the dev dependencies install (pinned
// by package-lock.json) plus multilingual.txt beside this file and seeded generated text —
// so nothing third-party is committed, and the same lockfile gives the same corpus.
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { createRng } from '../../src/core/prng';

export interface CorpusDoc {
  /** Where the text comes from (for failure messages). */
  readonly name: string;
  readonly text: string;
}

/** The repository root: the first folder with package.json above this bundle, else above the cwd. */
function root(): string {
  for (const start of [__dirname, process.cwd()]) {
    for (let dir = start; ; dir = path.dirname(dir)) {
      if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'test', 'corpus'))) return dir;
      if (path.dirname(dir) === dir) break;
    }
  }
  throw new Error('corpus: cannot find the repository root');
}

function read(rel: string): string {
  return readFileSync(path.join(root(), rel), 'utf8');
}

/** Prose in 13 languages: TypeScript's translated diagnostic messages (Apache-2.0). */
const DIAGNOSTIC_LANGS = ['cs', 'de', 'es', 'fr', 'it', 'ja', 'ko', 'pl', 'pt-br', 'ru', 'tr', 'zh-cn', 'zh-tw'];

/** Up to `bytes` characters of `text`, cut at a line end. */
function head(text: string, chars: number): string {
  if (text.length <= chars) return text;
  const cut = text.lastIndexOf('\n', chars);
  return text.slice(0, cut > 0 ? cut + 1 : chars);
}

const SCRIPTS: readonly [number, number][] = [
  [0x41, 0x5a], [0x61, 0x7a], [0xc0, 0x24f], [0x370, 0x3ff], [0x400, 0x4ff], [0x531, 0x587], [0x5d0, 0x5ea],
  [0x620, 0x64a], [0x660, 0x669], [0x900, 0x97f], [0x980, 0x9ff], [0xb80, 0xbff], [0xe01, 0xe5b], [0x10a0, 0x10ff],
  [0x1100, 0x11ff], [0x3041, 0x3096], [0x30a1, 0x30fa], [0x4e00, 0x4fff], [0xac00, 0xad00], [0xff01, 0xff5e],
  [0x1d400, 0x1d4ff], [0x20000, 0x200ff],
];
const MARKS: readonly number[] = [0x300, 0x301, 0x302, 0x303, 0x308, 0x30a, 0x323, 0x327, 0x331, 0x93c, 0x94d, 0x64b, 0x651, 0x5b8, 0x20dd, 0xfe0f];
const EMOJI: readonly string[] = ['👍', '👍🏽', '👩‍💻', '👨‍👩‍👧‍👦', '🏳️‍🌈', '🇩🇪', '❤️', '🧑🏿‍🤝‍🧑🏻', '😀', '🦀', '#️⃣', '✌🏾', '🫠'];
const SEPARATORS: readonly string[] = [' ', ' ', ' ', ' ', '  ', '   ', '\t', '\n', '\r\n', '\n\n', ', ', '. ', '! ', '? ', ' — ', '\u00a0', '\u3000', ' '.repeat(17), '\u200b', "'s ", "'t ", '...', '(', ')', '"', ' 123 ', '4.5', '_'];

/** Seeded random "text" mixing scripts, marks, emoji, digits and every kind of separator. */
function generated(seed: number, chars: number): string {
  const rng = createRng(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rng.next() * a.length)]!;
  const parts: string[] = [];
  let n = 0;
  while (n < chars) {
    let word = '';
    const r = rng.next();
    if (r < 0.08) word = pick(EMOJI);
    else {
      const [lo, hi] = pick(SCRIPTS);
      const len = 1 + Math.floor(rng.next() * 9);
      for (let i = 0; i < len; i++) {
        word += String.fromCodePoint(lo + Math.floor(rng.next() * (hi - lo + 1)));
        if (rng.next() < 0.07) word += String.fromCodePoint(pick(MARKS));
      }
      if (rng.next() < 0.1) word = word.toUpperCase();
    }
    const sep = pick(SEPARATORS);
    parts.push(word, sep);
    n += word.length + sep.length;
  }
  return parts.join('');
}

let cached: CorpusDoc[] | undefined;

/** The corpus as separate documents (each tokenized on its own). */
export function referenceCorpus(): CorpusDoc[] {
  if (cached) return cached;
  const docs: CorpusDoc[] = [];
  const multilingual = read('test/corpus/multilingual.txt');
  docs.push({ name: 'multilingual.txt', text: multilingual });
  docs.push({ name: 'multilingual.txt (CRLF)', text: multilingual.replace(/\r?\n/g, '\r\n') });
  docs.push({ name: 'typescript/lib/lib.es5.d.ts', text: read('node_modules/typescript/lib/lib.es5.d.ts') });
  docs.push({ name: 'typescript/lib/lib.es2015.core.d.ts', text: read('node_modules/typescript/lib/lib.es2015.core.d.ts') });
  for (const pkg of ['typescript', 'mocha', 'esbuild', 'tokenizers', 'js-yaml', 'glob', 'debug', 'chokidar']) {
    try {
      docs.push({ name: `${pkg}/README.md`, text: read(`node_modules/${pkg}/README.md`) });
    } catch {
      // A README that a future version drops just leaves the corpus a little smaller.
    }
  }
  for (const lang of DIAGNOSTIC_LANGS) {
    const json = JSON.parse(read(`node_modules/typescript/lib/${lang}/diagnosticMessages.generated.json`)) as Record<string, string>;
    docs.push({ name: `typescript diagnostics (${lang})`, text: head(Object.values(json).join('\n'), 40_000) });
  }
  docs.push({ name: 'generated mixed scripts (seed 1)', text: generated(1, 150_000) });
  docs.push({ name: 'generated mixed scripts (seed 2)', text: generated(2, 60_000) });
  docs.push({ name: 'empty', text: '' });
  docs.push({ name: 'spaces only', text: '     ' });
  docs.push({ name: 'one newline', text: '\n' });
  cached = docs;
  return docs;
}

/** The whole corpus as one string (for benchmarks). */
export function corpusText(): string {
  return referenceCorpus().map(d => d.text).join('\n');
}

/** Size in UTF-8 bytes. */
export function utf8Bytes(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}
