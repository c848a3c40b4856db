#!/usr/bin/env node
// The held-out GGUF check: runs the built CLI as a user does (`inspect --model FILE --format json`
// and `tokenize --model FILE`, the text on stdin) over each GGUF file of a folder and checks
// - ids and offsets: identical to the Rust `tokenizers` library on the tokenizer.json the file was
//   converted from, plus the special tokens llama.cpp adds (the file's add_bos/add_eos, recorded in
//   its manifest), on lines of the reference corpus (minus the lines where llama.cpp differs from
//   Hugging Face by design: qwen2 texts not in NFC, BERT texts that are not ASCII or have a word
//   over 100 characters; see test/unit/ggufTokenizer.test.ts);
// - every embedding row: bit-identical to the row `gguf.quants.dequantize` gave (NAME.rows.npy).
//
//   node scripts/heldout-gguf.mjs DIR [--cli PATH/TO/dist/cli.js] [--text FILE] [--lines N] [--only NAME,...]
//
// DIR holds, per file, NAME.json (the manifest scripts/fixtures/heldout_gguf.py writes: "gguf",
// "rows", "tokenizer_json", "period", "special" {prefix, suffix}, "skip"), the GGUF (plain or
// .gz) and the rows (.npy, plain or .gz). "tokenizer_json" is looked up in DIR, then in the
// repository. Without --text, the lines come from the files test/corpus/corpus.ts reads (its
// seeded generated documents aside). --cli defaults to this checkout's dist/cli.js; pass main's to
// check it. Exit status 0 when every file passes, 1 otherwise. test/unit/ggufHeldOut.test.ts runs
// the same checks (checkHeldOutFile) over test/fixtures/gguf-heldout.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import tokenizers from 'tokenizers';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The manifests of DIR (NAME.json files with a "gguf" key), by name. */
export function heldOutManifests(dir) {
  return readdirSync(dir)
    .filter(f => f.endsWith('.json'))
    .sort()
    .map(f => ({ name: f.slice(0, -'.json'.length), ...JSON.parse(readFileSync(path.join(dir, f), 'utf8')) }))
    .filter(m => typeof m.gguf === 'string');
}

function maybeGunzip(file) {
  const buf = readFileSync(file);
  return file.endsWith('.gz') ? gunzipSync(buf) : buf;
}

/** A float32 (P, E) .npy as its bits, row-major. */
export function npyFloat32Bits(buf) {
  if (buf.readUInt32BE(0) !== 0x934e554d || buf.toString('latin1', 4, 6) !== 'PY') throw new Error('not a .npy file');
  const major = buf[6];
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = (major === 1 ? 10 : 12) + headerLen;
  const header = buf.toString('latin1', major === 1 ? 10 : 12, start);
  if (!/'descr':\s*'<f4'/.test(header) || !/'fortran_order':\s*False/.test(header)) throw new Error(`expected a C-order float32 .npy, header ${header.trim()}`);
  const shape = /'shape':\s*\((\d+),\s*(\d+)\)/.exec(header);
  if (!shape) throw new Error(`expected a 2-D .npy, header ${header.trim()}`);
  const [rows, cols] = [Number(shape[1]), Number(shape[2])];
  const data = new Uint8Array(buf.buffer.slice(buf.byteOffset + start, buf.byteOffset + start + rows * cols * 4));
  return { rows, cols, bits: new Uint32Array(data.buffer) };
}

/** The lines a file's manifest lets us compare, as llama.cpp and Hugging Face agree on them. */
export function keepLine(skip, line) {
  if (skip === 'nfc') return line === line.normalize('NFC');
  if (skip === 'bert-ascii') return /^[\x00-\x7f]*$/.test(line) && !/[^\s!-/:-@[-`{-~]{101}/.test(line);
  if (skip) throw new Error(`unknown "skip" ${JSON.stringify(skip)} (expected nfc or bert-ascii)`);
  return true;
}

/** Up to `perDoc` non-empty lines of each document (evenly spaced, at most 300 characters), kept by `skip`, joined with newlines. */
export function sampleText(docs, skip, perDoc = 12) {
  const out = [];
  for (const doc of docs) {
    const lines = doc.text.split('\n').filter(l => l.trim() && l.length <= 300 && keepLine(skip, l));
    const step = Math.max(1, Math.floor(lines.length / perDoc));
    for (let i = 0, n = 0; i < lines.length && n < perDoc; i += step, n++) out.push(lines[i]);
  }
  return out.join('\n');
}

/** Rust reports offsets in code points; we (and VS Code) use UTF-16 code units. */
function cpToUtf16(text) {
  const map = [];
  let u = 0;
  for (const ch of text) {
    map.push(u);
    u += ch.length;
  }
  map.push(u);
  return map;
}

function runCli(cli, args, input, timeoutMs) {
  const r = spawnSync(process.execPath, [cli, ...args, '--timeout', String(Math.ceil(timeoutMs / 1000))], { input, encoding: 'utf8', maxBuffer: 1 << 30, timeout: timeoutMs + 10_000 });
  if (r.status !== 0) throw new Error(`${path.basename(cli)} ${args.join(' ')}: exit ${r.status ?? r.signal}: ${(r.stderr || '').trim().slice(0, 500)}`);
  return r.stdout;
}

function fail(name, what) {
  throw new Error(`${name}: ${what}`);
}

/**
 * Checks one held-out file (its manifest `m` in `dir`) against the CLI at `cli` over `text`.
 * Returns counts; throws an Error naming the file and the first difference.
 */
export async function checkHeldOutFile(dir, m, text, { cli = path.join(REPO, 'dist', 'cli.js'), timeoutMs = 240_000 } = {}) {
  const name = m.name;
  const tmp = mkdtempSync(path.join(tmpdir(), 'el-heldout-'));
  try {
    const file = path.join(tmp, m.gguf.replace(/\.gz$/, ''));
    writeFileSync(file, maybeGunzip(path.join(dir, m.gguf)));
    const rows = npyFloat32Bits(maybeGunzip(path.join(dir, m.rows)));
    if (rows.rows !== m.period || rows.cols !== m.embedding_length) fail(name, `rows are (${rows.rows}, ${rows.cols}), the manifest says P ${m.period}, E ${m.embedding_length}`);
    const tokJson = [path.join(dir, m.tokenizer_json), path.join(REPO, m.tokenizer_json)].find(existsSync);
    if (!tokJson) fail(name, `${m.tokenizer_json} not found in ${dir} or ${REPO}`);

    // The reference: the Rust library on the content, and the special tokens llama.cpp adds.
    const rust = tokenizers.Tokenizer.fromString(readFileSync(tokJson, 'utf8'));
    const enc = await rust.encode(text, null, { addSpecialTokens: false });
    const map = cpToUtf16(text);
    const content = enc.getIds().map((id, i) => ({ id, start: map[enc.getOffsets()[i][0]], end: map[enc.getOffsets()[i][1]], special: null }));
    const expected = [
      ...m.special.prefix.map(id => ({ id, start: 0, end: 0, special: true })),
      ...content,
      ...m.special.suffix.map(id => ({ id, start: text.length, end: text.length, special: true })),
    ];

    const out = JSON.parse(runCli(cli, ['inspect', '--model', file, '--format', 'json'], text, timeoutMs));
    const emb = out.model.embedding;
    if (emb.dtype !== m.quant || emb.shape[0] !== m.vocab_size || emb.shape[1] !== m.embedding_length) fail(name, `embedding ${emb.dtype} ${JSON.stringify(emb.shape)}, expected ${m.quant} [${m.vocab_size}, ${m.embedding_length}]`);
    if (out.model.origin?.format !== 'gguf' || out.model.origin?.quant !== m.quant) fail(name, `model.origin ${JSON.stringify(out.model.origin)}`);
    const got = out.tokens;
    const n = Math.max(got.length, expected.length);
    for (let i = 0; i < n; i++) {
      const g = got[i];
      const e = expected[i];
      const same = g && e && g.id === e.id && g.start === e.start && g.end === e.end && (e.special === null || g.special === e.special);
      if (!same) {
        const at = e?.start ?? g?.start ?? 0;
        fail(name, `token ${i} of ${got.length} (reference ${expected.length}): ours ${JSON.stringify(g)}, reference ${JSON.stringify(e)}; text there ${JSON.stringify(text.slice(Math.max(0, at - 20), at + 20))}`);
      }
    }
    if (JSON.stringify(out.input_ids) !== JSON.stringify(got.map(t => t.id))) fail(name, 'input_ids differ from the tokens\' ids');
    if (out.embeddings.length !== got.length) fail(name, `${out.embeddings.length} embedding rows for ${got.length} tokens`);
    const f32 = new Float32Array(1);
    const u32 = new Uint32Array(f32.buffer);
    const E = m.embedding_length;
    const distinct = new Set();
    out.embeddings.forEach((row, i) => {
      const id = got[i].id;
      const r = id % m.period;
      distinct.add(r);
      if (row.length !== E) fail(name, `row ${i} (id ${id}) has ${row.length} values, expected ${E}`);
      for (let c = 0; c < E; c++) {
        f32[0] = row[c];
        // A value JSON cannot round-trip to the same float32 bits fails here (JSON has no NaN: null).
        if (typeof row[c] !== 'number' || u32[0] !== rows.bits[r * E + c]) {
          const want = new Float32Array(rows.bits.buffer, (r * E + c) * 4, 1)[0];
          fail(name, `row of id ${id} (token ${i}), column ${c}: ours ${row[c]} (bits ${u32[0].toString(16)}), gguf.quants.dequantize ${want} (bits ${rows.bits[r * E + c].toString(16)})`);
        }
      }
    });

    const tok = JSON.parse(runCli(cli, ['tokenize', '--model', file, '--format', 'json'], text, timeoutMs));
    const tokIds = tok.tokens.map(t => t.id);
    if (JSON.stringify(tokIds) !== JSON.stringify(expected.map(t => t.id))) fail(name, `tokenize --model: ids differ from inspect's (${tokIds.length} vs ${expected.length})`);
    return { name, tokens: got.length, rows: out.embeddings.length, distinctRows: distinct.size, chars: text.length };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * Lines every check includes whatever the sampling picks: tokens that a reader can lose (a
 * leading U+FEFF, which TextDecoder strips by default: llama's vocabularies have a "\uFEFF" token).
 */
export const HARD_LINES = { name: 'hard lines', text: 'BOM\uFEFFinside \uFEFF\uFEFFtwice\n\uFEFFat the start\nzero\u200bwidth\u00a0nbsp' };

/** The documents test/corpus/corpus.ts reads from disk (its seeded generated text aside). */
export function corpusFileDocs() {
  const read = rel => readFileSync(path.join(REPO, rel), 'utf8');
  const docs = [{ name: 'multilingual.txt', text: read('test/corpus/multilingual.txt') }];
  for (const rel of ['node_modules/typescript/lib/lib.es5.d.ts', 'node_modules/typescript/lib/lib.es2015.core.d.ts']) docs.push({ name: rel, text: read(rel) });
  for (const pkg of ['typescript', 'mocha', 'esbuild', 'tokenizers', 'js-yaml', 'glob', 'debug', 'chokidar']) {
    const rel = `node_modules/${pkg}/README.md`;
    if (existsSync(path.join(REPO, rel))) docs.push({ name: rel, text: read(rel) });
  }
  for (const lang of ['cs', 'de', 'es', 'fr', 'it', 'ja', 'ko', 'pl', 'pt-br', 'ru', 'tr', 'zh-cn', 'zh-tw']) {
    const json = JSON.parse(read(`node_modules/typescript/lib/${lang}/diagnosticMessages.generated.json`));
    docs.push({ name: `typescript diagnostics (${lang})`, text: Object.values(json).join('\n').slice(0, 40_000) });
  }
  return docs;
}

async function main(argv) {
  const args = [...argv];
  const opt = flag => {
    const i = args.indexOf(flag);
    if (i < 0) return undefined;
    const v = args[i + 1];
    if (v === undefined) throw new Error(`${flag} needs a value`);
    args.splice(i, 2);
    return v;
  };
  const cli = path.resolve(opt('--cli') ?? path.join(REPO, 'dist', 'cli.js'));
  const textFile = opt('--text');
  const perDoc = Number(opt('--lines') ?? 12);
  const only = opt('--only')?.split(',');
  if (args.length !== 1 || args[0].startsWith('-')) {
    console.error('usage: node scripts/heldout-gguf.mjs DIR [--cli PATH/TO/dist/cli.js] [--text FILE] [--lines N] [--only NAME,...]');
    return 2;
  }
  const dir = path.resolve(args[0]);
  const manifests = heldOutManifests(dir).filter(m => !only || only.includes(m.name));
  if (!manifests.length) {
    console.error(`${dir}: no held-out manifests (NAME.json with a "gguf" key)`);
    return 1;
  }
  const docs = [...(textFile ? [{ name: textFile, text: readFileSync(textFile, 'utf8') }] : corpusFileDocs()), HARD_LINES];
  let failed = 0;
  for (const m of manifests) {
    const text = sampleText(docs, m.skip, perDoc);
    try {
      const r = await checkHeldOutFile(dir, m, text, { cli });
      console.log(`ok    ${m.name}: ${m.quant}, ${r.tokens} tokens over ${r.chars} characters, ${r.rows} rows (${r.distinctRows} of ${m.period} distinct) bit-identical`);
    } catch (e) {
      failed++;
      console.log(`FAIL  ${m.name}: ${e.message}`);
    }
  }
  console.log(`${manifests.length - failed} of ${manifests.length} held-out files pass against ${cli}`);
  return failed ? 1 : 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(code => process.exit(code), e => {
    console.error(e.message);
    process.exit(2);
  });
}
