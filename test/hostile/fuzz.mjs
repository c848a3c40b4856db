#!/usr/bin/env node
// `npm run fuzz`: seeded mutations of valid model files, loaded by the real core in a small pool
// of long-lived workers (test/hostile/fuzzTarget.ts), each iteration under a deadline (the
// worker is killed and replaced on a hang), a heap limit (--max-old-space-size) and an RSS cap.
// The workers are child processes rather than worker threads: a thread over its resourceLimits
// can die of V8's fatal OOM and take the fuzzer down with it.
//   node test/hostile/fuzz.mjs [--iterations N] [--seed S] [--time-limit SECONDS] [--workers 2]
//        [--deadline SECONDS] [--heap-mb 512] [--mem-gib 4] [--save-dir DIR | --no-save]
//        [--replay ITERATION] [--quiet]
// A LensError or success is fine; any other exception, a hang or an out-of-memory is a finding.
// Each finding (one per distinct signature) is saved as a suite case under test/hostile/found/
// (case.json + files/), so `node test/hostile/run.mjs` replays it through the CLI.
// Iteration i's mutation depends only on (seed, i): `--seed S --replay i` redoes it.
import { fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import esbuild from 'esbuild';
import { REPO } from './cases.mjs';
import {
  configJson, deepJson, gloveText, modelTensors, npyTable, safetensors, TOKENIZER_ROWS, TOKENIZERS, vocabJson, vocabTxt, word2vecBin, WORDS, writeTree,
} from './lib.mjs';

const FOUND = path.join(REPO, 'test', 'hostile', 'found');

// ---------------------------------------------------------------- randomness
/** mulberry32: a small seeded PRNG; fine for choosing mutations. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const iterationSeed = (seed, i) => (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(i + 1, 0xc2b2ae35)) >>> 0;

// ---------------------------------------------------------------- valid seeds
const TEXTS = ['hello zebra the cat.', 'Hello, WORLD! héllo  123 the\tcat', 'a'.repeat(64), '', 'zebra [MASK] hello', '\u202eolleh 😀 cat\u0000'];

function tokFolder(tok, rows) {
  return { 'tokenizer.json': JSON.stringify(tok, null, 1), 'model.safetensors': safetensors(modelTensors({ rows })), 'config.json': configJson() };
}

/** Valid model folders: name → { files, spec (relative), modes }. */
function seeds() {
  const bert = TOKENIZERS.WordPiece();
  bert.normalizer = { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true };
  bert.pre_tokenizer = { type: 'BertPreTokenizer' };
  bert.added_tokens = [{ id: 1, content: '[UNK]', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }, { id: 0, content: '[PAD]', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }];
  bert.post_processor = { type: 'TemplateProcessing', single: [{ SpecialToken: { id: '[PAD]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[UNK]', type_id: 0 } }], pair: [{ Sequence: { id: 'A', type_id: 0 } }], special_tokens: { '[PAD]': { id: '[PAD]', ids: [0], tokens: ['[PAD]'] }, '[UNK]': { id: '[UNK]', ids: [1], tokens: ['[UNK]'] } } };
  const seq = TOKENIZERS.WordLevel();
  seq.normalizer = { type: 'Sequence', normalizers: [{ type: 'NFKC' }, { type: 'Replace', pattern: { Regex: '\\s+' }, content: ' ' }, { type: 'Lowercase' }] };
  seq.pre_tokenizer = { type: 'Sequence', pretokenizers: [{ type: 'Split', pattern: { Regex: "'s|'t|[a-z]+|[0-9]{1,3}" }, behavior: 'Isolated', invert: false }, { type: 'Whitespace' }, { type: 'Digits', individual_digits: true }] };
  const bl = TOKENIZERS.BPE();
  bl.pre_tokenizer = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
  bl.model.vocab = Object.fromEntries([...Array.from({ length: 256 }, (_, i) => String.fromCodePoint(i < 33 || (i > 126 && i < 161) || i === 173 ? 256 + i : i)).map((c, i) => [c, i])].slice(0, 256));
  bl.model.merges = [];
  bl.model.unk_token = null;
  const shardA = safetensors(modelTensors({ rnn: false }));
  const shardB = safetensors(modelTensors().slice(1));
  const rnnMap = Object.fromEntries(['rnn.weight_ih_l0', 'rnn.weight_hh_l0', 'rnn.bias_ih_l0', 'rnn.bias_hh_l0'].map(n => [n, 'model-00002.safetensors']));
  const w2vWords = WORDS.slice(2);
  const tsvRows = w2vWords.map((_, r) => [0, 1, 2, 3].map(c => r + c / 10).join('\t')).join('\n') + '\n';
  return {
    wordlevel: { files: tokFolder(TOKENIZERS.WordLevel(), TOKENIZER_ROWS.WordLevel), spec: '.', modes: ['inspect', 'tokenize:tokenizer.json'] },
    bpe: { files: tokFolder(TOKENIZERS.BPE(), TOKENIZER_ROWS.BPE), spec: '.', modes: ['inspect', 'tokenize:tokenizer.json'] },
    wordpiece: { files: tokFolder(TOKENIZERS.WordPiece(), TOKENIZER_ROWS.WordPiece), spec: '.', modes: ['inspect', 'tokenize:tokenizer.json'] },
    unigram: { files: tokFolder(TOKENIZERS.Unigram(), TOKENIZER_ROWS.Unigram), spec: '.', modes: ['inspect', 'tokenize:tokenizer.json'] },
    bert: { files: tokFolder(bert, TOKENIZER_ROWS.WordPiece), spec: '.', modes: ['inspect', 'tokenize:tokenizer.json'] },
    sequences: { files: tokFolder(seq, TOKENIZER_ROWS.WordLevel), spec: '.', modes: ['inspect', 'tokenize:tokenizer.json'] },
    bytelevel: { files: tokFolder(bl, 256), spec: '.', modes: ['inspect', 'tokenize:tokenizer.json'] },
    vocabjson: { files: { 'vocab.json': vocabJson(), 'model.safetensors': safetensors(modelTensors()), 'config.json': configJson() }, spec: '.', modes: ['inspect'] },
    vocabtxt: { files: { 'vocab.txt': vocabTxt(), 'model.safetensors': safetensors(modelTensors()) }, spec: '.', modes: ['inspect', 'tokenize:vocab.txt'] },
    sharded: { files: { 'vocab.json': vocabJson(), 'model-00001.safetensors': shardA, 'model-00002.safetensors': shardB, 'model.safetensors.index.json': JSON.stringify({ metadata: { total_size: 0 }, weight_map: { 'embedding.weight': 'model-00001.safetensors', ...rnnMap } }, null, 1) }, spec: '.', modes: ['inspect'] },
    npy: { files: { 'vocab.json': vocabJson(), 'emb.npy': npyTable() }, spec: 'emb.npy', modes: ['inspect'] },
    glove: { files: { 'vectors.txt': gloveText() }, spec: 'vectors.txt', modes: ['inspect'] },
    w2vtext: { files: { 'vectors.vec': `${w2vWords.length} 4\n` + gloveText() }, spec: 'vectors.vec', modes: ['inspect'] },
    w2vbin: { files: { 'vectors.bin': word2vecBin(w2vWords, 4) }, spec: 'vectors.bin', modes: ['inspect'] },
    tsv: { files: { 'vectors.tsv': tsvRows, 'metadata.tsv': w2vWords.join('\n') + '\n' }, spec: 'vectors.tsv', modes: ['inspect'] },
  };
}

// ---------------------------------------------------------------- mutations
const INTERESTING_NUMBERS = ['4294967296', '4294967298', '-1', '1e300', '9007199254740992', '0', '1.5', '"7"', '2147483648', '1000000000', '-0', 'null', '1e-300', '65536'];
const INTERESTING_STRINGS = ['"Sequence"', '"Split"', '"(a+)+$"', '""', '"../outside/x.safetensors"', '"/dev/zero"', '"F64"', '"I32"', '"WordPiece"', '"BPE"', '"Unigram"', '"\\u0000"', '"\\ud800"'];

/** Returns [bytes, description] for one mutation of `buf`. */
function mutateOnce(buf, r, pieces) {
  const pick = (n) => Math.floor(r() * n);
  const pos = () => pick(buf.length + 1);
  const text = () => buf.toString('latin1');
  const kinds = ['bitflip', 'insert', 'delete', 'splice', 'truncate', 'number', 'number', 'deepen', 'string', 'offsets', 'repeat', 'byte'];
  const kind = kinds[pick(kinds.length)];
  switch (kind) {
    case 'bitflip': {
      if (!buf.length) return [buf, 'bitflip(empty)'];
      const b = Buffer.from(buf);
      const n = 1 + pick(4);
      for (let k = 0; k < n; k++) {
        const i = pick(b.length);
        b[i] ^= 1 << pick(8);
      }
      return [b, `bitflip×${n}`];
    }
    case 'byte': {
      if (!buf.length) return [buf, 'byte(empty)'];
      const b = Buffer.from(buf);
      const i = pick(b.length);
      b[i] = [0, 0xff, 0x7f, 0x80, 0x22, 0x5c, 0x7b, 0x5b, 0x0a][pick(9)];
      return [b, `byte@${i}`];
    }
    case 'insert': {
      const i = pos();
      const n = 1 + pick(16);
      const ins = Buffer.from(Array.from({ length: n }, () => pick(256)));
      return [Buffer.concat([buf.subarray(0, i), ins, buf.subarray(i)]), `insert ${n}@${i}`];
    }
    case 'delete': {
      const i = pos();
      const n = 1 + pick(32);
      return [Buffer.concat([buf.subarray(0, i), buf.subarray(i + n)]), `delete ${n}@${i}`];
    }
    case 'splice': {
      const src = pieces[pick(pieces.length)];
      const a = pick(src.length + 1);
      const b = Math.min(src.length, a + 1 + pick(200));
      const i = pos();
      return [Buffer.concat([buf.subarray(0, i), src.subarray(a, b), buf.subarray(i)]), `splice ${b - a}@${i}`];
    }
    case 'truncate': {
      const i = pick(buf.length + 1);
      return [buf.subarray(0, i), `truncate@${i}`];
    }
    case 'number':
    case 'deepen':
    case 'string': {
      const t = text();
      const re = kind === 'string' ? /"(?:[^"\\]|\\.)*"/g : /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;
      const spots = [];
      let m;
      while ((m = re.exec(t)) && spots.length < 4000) spots.push([m.index, m[0].length]);
      if (!spots.length) return [buf, `${kind}(none)`];
      const [at, len] = spots[pick(spots.length)];
      const rep = kind === 'number' ? INTERESTING_NUMBERS[pick(INTERESTING_NUMBERS.length)]
        : kind === 'string' ? INTERESTING_STRINGS[pick(INTERESTING_STRINGS.length)]
          : deepJson([64, 130, 1000, 20_000, 100_000][pick(5)], r() < 0.5 ? 'k' : undefined);
      const out = Buffer.concat([buf.subarray(0, at), Buffer.from(rep, 'latin1'), buf.subarray(at + len)]);
      return [fixSafetensorsLength(out, buf), `${kind} ${t.slice(at, at + Math.min(len, 20))}→${rep.slice(0, 20)}@${at}`];
    }
    case 'offsets': {
      // Safetensors: swap or shift data_offsets of tensors and rewrite the header.
      const h = readSafetensorsHeader(buf);
      if (!h) return [buf, 'offsets(no header)'];
      const names = Object.keys(h.json).filter(k => k !== '__metadata__');
      if (!names.length) return [buf, 'offsets(no tensors)'];
      const a = names[pick(names.length)];
      const b = names[pick(names.length)];
      const how = pick(4);
      if (how === 0) [h.json[a].data_offsets, h.json[b].data_offsets] = [h.json[b].data_offsets, h.json[a].data_offsets];
      else if (how === 1) h.json[a].data_offsets = [...h.json[b].data_offsets];
      else if (how === 2) h.json[a].data_offsets = h.json[a].data_offsets.map(x => x + [-8, 4, 8, 1000][pick(4)]);
      else h.json[a].shape = h.json[a].shape.map(d => (r() < 0.5 ? d : [0, 1, d * 2, 2 ** 32, -1][pick(5)]));
      return [writeSafetensorsHeader(h.json, buf.subarray(h.dataStart)), `offsets#${how} ${a}/${b}`];
    }
    case 'repeat': {
      const i = pick(buf.length + 1);
      const n = 1 + pick(Math.max(1, buf.length - i));
      const chunk = buf.subarray(i, i + Math.min(n, 64));
      const times = 2 + pick(2000);
      return [Buffer.concat([buf.subarray(0, i), Buffer.alloc(chunk.length * times, chunk.length ? chunk : Buffer.from(' ')), buf.subarray(i)]), `repeat ${chunk.length}×${times}@${i}`];
    }
  }
  return [buf, 'none'];
}

function readSafetensorsHeader(buf) {
  if (buf.length < 8) return undefined;
  const n = Number(buf.readBigUInt64LE(0));
  if (n > buf.length - 8) return undefined;
  try {
    const json = JSON.parse(buf.subarray(8, 8 + n).toString('utf8'));
    return typeof json === 'object' && json && !Array.isArray(json) ? { json, dataStart: 8 + n } : undefined;
  } catch {
    return undefined;
  }
}

function writeSafetensorsHeader(json, data) {
  const text = JSON.stringify(json);
  const h = Buffer.from(text + ' '.repeat((8 - (Buffer.byteLength(text) % 8)) % 8));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(h.length));
  return Buffer.concat([len, h, data]);
}

/** A text edit inside a safetensors header keeps the length field right half of the time (so the JSON gets parsed). */
function fixSafetensorsLength(out, before) {
  const h = before.length >= 8 ? Number(before.readBigUInt64LE(0)) : -1;
  if (h <= 0 || h > before.length - 8 || before[8] !== 0x7b) return out;
  const delta = out.length - before.length;
  const fixed = Buffer.from(out);
  fixed.writeBigUInt64LE(BigInt(Math.max(0, h + delta)));
  return fixed;
}

/** The whole mutation of iteration i: which seed, which file, which edits. Deterministic in (seed, i). */
function makeIteration(seedList, pieces, seed, i) {
  const r = rng(iterationSeed(seed, i));
  const pick = (n) => Math.floor(r() * n);
  const [seedName, s] = seedList[pick(seedList.length)];
  const mode = s.modes[pick(s.modes.length)];
  const names = Object.keys(s.files);
  const target = names[pick(names.length)];
  let bytes = Buffer.from(s.files[target]);
  const edits = [];
  const n = 1 + pick(3);
  for (let k = 0; k < n; k++) {
    let b;
    let what;
    try {
      [b, what] = mutateOnce(bytes, r, pieces);
    } catch (e) {
      // e.g. re-serialising a header that an earlier edit made 100k deep: skip this edit
      [b, what] = [bytes, `skipped (${e.name})`];
    }
    bytes = b;
    edits.push(what);
  }
  const files = { ...s.files, [target]: bytes };
  const text = TEXTS[pick(TEXTS.length)];
  const [kind, tokFile] = mode.split(':');
  return { iteration: i, seedName, target, edits, files, kind, spec: kind === 'tokenize' ? tokFile : s.spec, text };
}

// ---------------------------------------------------------------- running
function parseCli(argv) {
  const o = { iterations: 10_000, seed: 1, timeLimit: 0, workers: 2, deadline: 5, save: FOUND, replay: undefined, quiet: false, heapMb: 512, memGib: 4 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--iterations') o.iterations = Number(val());
    else if (a === '--seed') o.seed = Number(val());
    else if (a === '--time-limit') o.timeLimit = Number(val());
    else if (a === '--workers') o.workers = Number(val());
    else if (a === '--deadline') o.deadline = Number(val());
    else if (a === '--heap-mb') o.heapMb = Number(val());
    else if (a === '--mem-gib') o.memGib = Number(val());
    else if (a === '--save-dir') o.save = path.resolve(val());
    else if (a === '--no-save') o.save = undefined;
    else if (a === '--replay') o.replay = Number(val());
    else if (a === '--quiet') o.quiet = true;
    else throw new Error(`unknown option ${a}`);
  }
  for (const k of ['iterations', 'seed', 'timeLimit', 'workers', 'deadline', 'heapMb', 'memGib']) {
    if (!Number.isFinite(o[k]) || o[k] < 0) throw new Error(`--${k}: expected a number ≥ 0`);
  }
  return o;
}

async function bundleTarget() {
  const outfile = path.join(REPO, 'dist', 'hostile', 'fuzzTarget.js');
  await esbuild.build({ entryPoints: [path.join(REPO, 'test', 'hostile', 'fuzzTarget.ts')], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile, logLevel: 'warning', sourcemap: true });
  return outfile;
}

/** A short signature of a finding, so one bug is saved once (numbers and paths blurred). */
function signature(kind, message, stack) {
  const frame = (stack ?? '').split('\n').find(l => /^\s+at /.test(l)) ?? '';
  const fn = /at (\S+)/.exec(frame)?.[1] ?? '';
  return `${kind}|${message.replace(/\/[^\s'"]+/g, 'PATH').replace(/-?\d+(\.\d+)?(e[+-]?\d+)?/gi, 'N').slice(0, 120)}|${fn}`;
}

function saveFinding(dir, seed, it, cls, detail) {
  const name = `s${seed}-i${it.iteration}-${cls}`;
  const caseDir = path.join(dir, name);
  rmSync(caseDir, { recursive: true, force: true });
  const filesDir = path.join(caseDir, 'files', 'm');
  mkdirSync(filesDir, { recursive: true });
  for (const [rel, bytes] of Object.entries(it.files)) writeFileSync(path.join(filesDir, rel), bytes);
  const spec = it.spec === '.' ? '{dir}/m' : `{dir}/m/${it.spec}`;
  // A process argument cannot hold NUL: such a text goes in a file beside the model.
  let textArgs = [it.text];
  if (it.text.includes('\0')) {
    writeFileSync(path.join(caseDir, 'files', 'text.txt'), it.text);
    textArgs = ['--file', '{dir}/text.txt'];
  }
  const args = it.kind === 'tokenize' ? ['tokenize', '--tokenizer', spec, ...textArgs] : ['inspect', '--model', spec, ...textArgs];
  const c = {
    name, category: 'found', args,
    mention: [it.target],
    accept: it.kind === 'tokenize' ? '"tokens"' : '"input_ids"',
    seed, iteration: it.iteration, source: it.seedName, mutated: it.target, edits: it.edits,
    finding: { class: cls, detail: detail.slice(0, 1500) },
    replay: `node test/hostile/fuzz.mjs --seed ${seed} --replay ${it.iteration}`,
  };
  writeFileSync(path.join(caseDir, 'case.json'), JSON.stringify(c, null, 2) + '\n');
  return name;
}

async function main() {
  const o = parseCli(process.argv.slice(2));
  const target = await bundleTarget();
  const seedList = Object.entries(seeds());
  const pieces = seedList.flatMap(([, s]) => Object.values(s.files).map(v => Buffer.from(v)));
  const work = mkdtempSync(path.join(tmpdir(), 'lens-fuzz-'));
  const counts = { ok: 0, lens: 0, exception: 0, hang: 0, memory: 0 };
  const bySeed = {};
  const signatures = new Map();
  const saved = [];
  const first = o.replay ?? 0;
  const last = o.replay === undefined ? o.iterations : o.replay + 1;
  const stopAt = o.timeLimit > 0 ? Date.now() + o.timeLimit * 1000 : Infinity;
  const t0 = Date.now();
  let next = first;
  let done = 0;

  const finding = (it, cls, message, stack = '') => {
    const sig = signature(cls, message, stack);
    const entry = signatures.get(sig) ?? { count: 0, example: it.iteration, message, cls };
    entry.count++;
    signatures.set(sig, entry);
    if (o.replay !== undefined) console.log(`${cls}: ${message}\n${stack}`);
    if (entry.count === 1 && o.save && saved.length < 200) saved.push(saveFinding(o.save, o.seed, it, cls, `${message}\n${stack}`));
  };

  const newWorker = () => {
    const child = fork(target, [], {
      execArgv: [`--max-old-space-size=${o.heapMb}`],
      env: { ...process.env, EMBEDDING_LENS_ASSETS: path.join(REPO, 'assets') },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    child.stderrTail = '';
    child.stderr.on('data', d => {
      child.stderrTail = (child.stderrTail + d.toString()).slice(-4000);
    });
    return child;
  };
  const rssKiB = (pid) => {
    try {
      return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      return 0;
    }
  };
  // Native buffers live outside the heap limit: watch each worker's RSS too.
  const active = new Map(); // settle → worker
  const memCapKiB = o.memGib * 1024 * 1024;
  const memPoll = setInterval(() => {
    for (const [settle, w] of [...active]) if (rssKiB(w.pid) > memCapKiB) settle({ kind: 'memory', message: `worker RSS over ${o.memGib} GiB`, dead: true });
  }, 50);

  async function lane(id) {
    let worker = newWorker();
    const dir = path.join(work, `w${id}`);
    while (next < last && Date.now() < stopAt) {
      const it = makeIteration(seedList, pieces, o.seed, next++);
      rmSync(dir, { recursive: true, force: true });
      writeTree(dir, it.files);
      const spec = it.spec === '.' ? dir : path.join(dir, it.spec);
      const w = worker;
      const outcome = await new Promise(resolve => {
        let settled = false;
        const settle = (v) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          active.delete(settle);
          w.off('message', onMessage);
          w.off('exit', onExit);
          resolve(v);
        };
        const onMessage = (m) => settle(m);
        const onExit = (code, signal) => {
          // Give the stderr pipe a moment to deliver V8's last words.
          setTimeout(() => {
            const oom = /heap out of memory|Allocation failed/i.test(w.stderrTail);
            settle({ kind: oom ? 'memory' : 'exception', message: oom ? 'JavaScript heap out of memory' : `worker died (exit ${code}, signal ${signal})`, stack: w.stderrTail.slice(-1500), dead: true });
          }, 20);
        };
        const timer = setTimeout(() => settle({ kind: 'hang', message: `no answer after ${o.deadline}s`, dead: true }), o.deadline * 1000);
        active.set(settle, w);
        w.on('message', onMessage);
        w.on('exit', onExit);
        w.send({ iteration: it.iteration, mode: it.kind, spec, text: it.text });
      });
      if (outcome.dead) {
        w.kill('SIGKILL');
        worker = newWorker();
      }
      counts[outcome.kind]++;
      const per = (bySeed[it.seedName] ??= { ok: 0, lens: 0, findings: 0 });
      if (outcome.kind === 'ok' || outcome.kind === 'lens') per[outcome.kind]++;
      else {
        per.findings++;
        finding(it, outcome.kind, outcome.message, outcome.stack);
      }
      if (o.replay !== undefined) console.log(`iteration ${it.iteration}: ${it.seedName}/${it.target} ${it.edits.join(', ')} → ${outcome.kind}${outcome.message ? `: ${outcome.message}` : ''}`);
      done++;
      if (!o.quiet && process.stderr.isTTY && done % 250 === 0) process.stderr.write(`\r${done} iterations, ${counts.exception + counts.hang + counts.memory} findings`);
    }
    worker.kill('SIGKILL');
  }

  await Promise.all(Array.from({ length: Math.max(1, o.workers) }, (_, i) => lane(i)));
  clearInterval(memPoll);
  rmSync(work, { recursive: true, force: true });
  if (!o.quiet && process.stderr.isTTY) process.stderr.write('\r' + ' '.repeat(60) + '\r');
  const secs = (Date.now() - t0) / 1000;
  const findings = counts.exception + counts.hang + counts.memory;
  console.log(`fuzz: seed ${o.seed}, ${done} iterations in ${secs.toFixed(1)} s (${Math.round(done / Math.max(secs, 0.001))}/s, ${o.workers} workers, deadline ${o.deadline} s, heap ${o.heapMb} MiB)`);
  console.log(`  ok ${counts.ok}, LensError ${counts.lens}, exception ${counts.exception}, hang ${counts.hang}, memory ${counts.memory}`);
  console.log('  per seed file: ' + Object.entries(bySeed).sort().map(([k, v]) => `${k} ${v.ok}/${v.lens}/${v.findings}`).join(', ') + '  (ok/LensError/finding)');
  if (signatures.size) {
    console.log(`  ${signatures.size} distinct findings:`);
    for (const [, e] of [...signatures].sort((a, b) => b[1].count - a[1].count)) console.log(`    ${String(e.count).padStart(5)}× ${e.cls}: ${e.message.slice(0, 160)} (e.g. iteration ${e.example})`);
  }
  if (saved.length) console.log(`  saved ${saved.length} new case(s) under ${path.relative(process.cwd(), o.save) || o.save}`);
  console.log(`${done - findings} fine, ${findings} findings`);
  process.exitCode = findings ? 1 : 0;
}

main().catch(e => {
  console.error(`fuzz: ${e.stack ?? e}`);
  process.exit(2);
});
