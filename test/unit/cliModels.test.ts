// `embedding-lens models` as a user runs it: a real process whose HOME and HF_HUB_CACHE /
// OLLAMA_MODELS point at layouts built in temp folders with small real files and links.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { MODELS_OPTIONS } from '../../src/cli/models';
import { sizeText } from '../../src/core/format';
import { writeSafetensors } from '../../src/core/formats/safetensors';
import { fixture, repoRoot } from './helpers';

interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The CLI with only the variables given (plus PATH), so the machine's own caches never leak in. */
function cli(args: string[], env: Record<string, string>): CliResult {
  const r = spawnSync(process.execPath, [path.join(repoRoot(), 'bin', 'embedding-lens.js'), ...args], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function temp(tag: string): string {
  return mkdtempSync(path.join(tmpdir(), `el-cli-models-${tag}-`));
}

const REV = 'b'.repeat(40);
const GGUF = fixture('discovery', 'tiny-q8_0.gguf'); // written by the gguf package: Q8_0, llama

/** A machine with one model in each tool's folder and one broken entry of each kind. */
function machine(): { home: string; hub: string; ollama: string; snap: string; blob: string; lm: string; weights: number } {
  const home = temp('home');
  const hub = path.join(temp('hub'), 'hub');
  const repo = path.join(hub, 'models--org--tiny');
  const snap = path.join(repo, 'snapshots', REV);
  mkdirSync(path.join(repo, 'blobs'), { recursive: true });
  mkdirSync(snap, { recursive: true });
  mkdirSync(path.join(repo, 'refs'));
  writeFileSync(path.join(repo, 'refs', 'main'), REV);
  const weights = Buffer.from(writeSafetensors([{ name: 'embedding.weight', dtype: 'F32', shape: [3, 2], data: [1, 2, 3, 4, 5, 6] }]));
  writeFileSync(path.join(repo, 'blobs', 'w'.repeat(40)), weights);
  writeFileSync(path.join(repo, 'blobs', 'v'.repeat(40)), 'a\nb\nc\n');
  symlinkSync(path.join('..', '..', 'blobs', 'w'.repeat(40)), path.join(snap, 'model.safetensors'));
  symlinkSync(path.join('..', '..', 'blobs', 'v'.repeat(40)), path.join(snap, 'vocab.txt'));
  // A repo whose refs/main is missing: listed as a problem.
  mkdirSync(path.join(hub, 'models--org--norefs', 'snapshots', REV), { recursive: true });

  const ollama = temp('ollama');
  const hex = '1'.repeat(64);
  mkdirSync(path.join(ollama, 'blobs'));
  const blob = path.join(ollama, 'blobs', `sha256-${hex}`);
  symlinkSync(GGUF, blob); // a link: followed for the size
  const manifests = path.join(ollama, 'manifests', 'registry.ollama.ai', 'library');
  mkdirSync(path.join(manifests, 'tiny'), { recursive: true });
  mkdirSync(path.join(manifests, 'gone'), { recursive: true });
  const manifest = (h: string) => JSON.stringify({ schemaVersion: 2, layers: [{ mediaType: 'application/vnd.ollama.image.model', digest: `sha256:${h}` }] });
  writeFileSync(path.join(manifests, 'tiny', 'latest'), manifest(hex));
  writeFileSync(path.join(manifests, 'gone', 'latest'), manifest('2'.repeat(64)));

  const lm = path.join(home, '.lmstudio', 'models', 'pub', 'Tiny-GGUF');
  mkdirSync(lm, { recursive: true });
  writeFileSync(path.join(lm, 'tiny.gguf'), new Uint8Array(require('node:fs').readFileSync(GGUF)));
  return { home, hub, ollama, snap, blob, lm, weights: weights.length };
}

describe('CLI models', function () {
  this.timeout(60_000);

  it('json: every source\'s models with name, path, size, format and quantization, and the problems', () => {
    // Catches: env vars not passed to the worker, HOME not used, sizes of links, problems dropped.
    const m = machine();
    const r = cli(['models', '--format', 'json'], { HOME: m.home, HF_HUB_CACHE: m.hub, OLLAMA_MODELS: m.ollama });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    const out = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(out), ['locations', 'models', 'problems']);
    const gguf = require('node:fs').statSync(GGUF).size as number;
    assert.deepEqual(out.models.map((x: any) => [x.source, x.name, x.path, x.size, x.format, x.quant]), [
      ['hf', 'hf:org/tiny', m.snap, m.weights, 'safetensors', undefined],
      ['ollama', 'ollama:tiny:latest', m.blob, gguf, 'gguf', 'Q8_0'],
      ['lmstudio', 'lmstudio:pub/Tiny-GGUF/tiny.gguf', path.join(m.lm, 'tiny.gguf'), gguf, 'gguf', 'Q8_0'],
    ]);
    assert.deepEqual(out.problems.map((p: any) => [p.name, p.reason]), [['hf:org/norefs', 'noRefs'], ['ollama:gone:latest', 'missingBlob']]);
    assert.deepEqual(out.locations.map((l: any) => [l.source, l.from, l.exists]), [
      ['hf', 'HF_HUB_CACHE', true], ['ollama', 'OLLAMA_MODELS', true], ['lmstudio', 'default', true], ['lmstudio', 'default', false],
    ]);
  });

  it('the default is json; --folder adds a folder (relative to the working directory)', () => {
    const m = machine();
    const extra = temp('extra');
    writeFileSync(path.join(extra, 'x.gguf'), new Uint8Array(require('node:fs').readFileSync(GGUF)));
    const r = spawnSync(process.execPath, [path.join(repoRoot(), 'bin', 'embedding-lens.js'), 'models', '--folder', path.basename(extra)], {
      encoding: 'utf8', cwd: path.dirname(extra), env: { PATH: process.env.PATH ?? '', HOME: m.home },
    });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.models.map((x: any) => [x.source, x.name, x.path]), [
      ['lmstudio', 'lmstudio:pub/Tiny-GGUF/tiny.gguf', path.join(m.lm, 'tiny.gguf')],
      ['folder', 'x.gguf', path.join(extra, 'x.gguf')],
    ]);
  });

  it('table: grouped by source with sizes, then the problems', () => {
    const m = machine();
    const r = cli(['models', '--format', 'table'], { HOME: m.home, HF_HUB_CACHE: m.hub, OLLAMA_MODELS: m.ollama });
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.split('\n');
    const at = (s: string) => lines.findIndex(l => l.startsWith(s));
    assert.ok(at('Hugging Face cache (1)') >= 0 && at('Hugging Face cache (1)') < at('Ollama (1)') && at('Ollama (1)') < at('LM Studio (1)') && at('LM Studio (1)') < at('Problems (2)'), r.stdout);
    assert.match(r.stdout, new RegExp(`^  ${m.hub.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}  \\(HF_HUB_CACHE\\)$`, 'm'));
    assert.match(r.stdout, /^ {2}name +format +quant +size +path$/m);
    assert.match(r.stdout, /^ {2}hf:org\/tiny +safetensors +- +\d+ B +\S+$/m);
    assert.match(r.stdout, /^ {2}ollama:tiny:latest +gguf +Q8_0 +736 B +\S+sha256-1{64}$/m);
    assert.match(r.stdout, /^ {2}hf:org\/norefs: noRefs: .*refs[/\\]main: missing/m);
    assert.match(r.stdout, /^ {2}ollama:gone:latest: missingBlob: .* is missing$/m);
  });

  it('an empty machine: every location "not found", "No models found.", exit 0', () => {
    const home = temp('empty');
    const r = cli(['models', '--format', 'table'], { HOME: home });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /huggingface[/\\]hub {2}\(default\) {2}not found/);
    assert.match(r.stdout, /No models found\.\n$/);
  });

  it('usage errors are one line: an argument, an unknown option, a bad --format', () => {
    const home = temp('usage');
    for (const [args, re] of [
      [['models', 'x'], /^embedding-lens: models: unexpected argument "x"/],
      [['models', '--model', 'm'], /^embedding-lens: unknown option --model \(expected one of --folder, --format, --timeout\)/],
      [['models', '--format', 'csv'], /^embedding-lens: --format: "csv" is not valid, expected json or table/],
    ] as const) {
      const r = cli([...args], { HOME: home });
      assert.equal(r.status, 1);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, re);
      assert.equal(r.stderr.trim().split('\n').length, 1);
    }
  });

  it('is listed in --help, has its own --help, and its help names every option', () => {
    const home = temp('help');
    assert.match(cli(['--help'], { HOME: home }).stdout, /embedding-lens models \[--folder DIR\]\.\.\. \[--format json\|table\]/);
    const own = cli(['models', '--help'], { HOME: home }).stdout;
    assert.match(own, /^usage: embedding-lens models/);
    assert.equal(cli(['help', 'models'], { HOME: home }).stdout, own);
    for (const o of MODELS_OPTIONS) assert.ok(own.includes(`--${o.name}`), `--${o.name} missing from models --help`);
  });

  it('sizes in decimal units', () => {
    assert.deepEqual([0, 736, 1500, 4_920_000_000, 999_999].map(sizeText), ['0 B', '736 B', '1.5 kB', '4.92 GB', '1 MB']);
  });
});

// ---- --model hf:/ollama:/lmstudio: references, resolved in the CLI process by discovery ----

const HELD_OUT_BERT = fixture('gguf-heldout', 'bert-q4_1.gguf.gz'); // a real bert-base-uncased vocabulary, Q4_1 rows
/** bert-base-uncased ids of "Hello, World!" with [CLS] … [SEP] (the GGUF adds both). */
const HELLO_IDS = [101, 7592, 1010, 2088, 999, 102];

/**
 * A machine with one model reachable by each kind of reference: a Hugging Face repo
 * (refs/main → snapshot whose files are links into blobs: config.json, vocab.txt and
 * model.safetensors of the tiny BERT of test/fixtures/input-layer/bert_prefixed), an Ollama model
 * (manifest → sha256 blob, the held-out bert GGUF, no extension), an LM Studio file (the same GGUF).
 */
function referenceMachine(): { home: string; hub: string; ollama: string; snap: string; blob: string; lmFile: string } {
  const fs = require('node:fs') as typeof import('node:fs');
  const home = temp('ref-home');
  const hub = path.join(temp('ref-hub'), 'hub');
  const repo = path.join(hub, 'models--org--tiny-bert');
  const snap = path.join(repo, 'snapshots', REV);
  mkdirSync(path.join(repo, 'blobs'), { recursive: true });
  mkdirSync(snap, { recursive: true });
  mkdirSync(path.join(repo, 'refs'));
  writeFileSync(path.join(repo, 'refs', 'main'), REV);
  const bert = fixture('input-layer', 'bert_prefixed');
  // vocab.txt whose ids fit the 30-row table: [PAD] [UNK] [CLS] [SEP], t4 … t28, ##z (a WordPiece vocabulary).
  const vocab = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', ...Array.from({ length: 25 }, (_, i) => `t${i + 4}`), '##z'].join('\n') + '\n';
  const files: [string, Buffer | string][] = [
    ['config.json', fs.readFileSync(path.join(bert, 'config.json'))],
    ['model.safetensors', fs.readFileSync(path.join(bert, 'model.safetensors'))],
    ['vocab.txt', vocab],
  ];
  files.forEach(([name, data], i) => {
    const hash = String.fromCharCode(97 + i).repeat(40);
    writeFileSync(path.join(repo, 'blobs', hash), data);
    symlinkSync(path.join('..', '..', 'blobs', hash), path.join(snap, name));
  });

  const gguf = gunzipSync(fs.readFileSync(HELD_OUT_BERT));
  const ollama = temp('ref-ollama');
  const hex = 'c'.repeat(64);
  mkdirSync(path.join(ollama, 'blobs'));
  const blob = path.join(ollama, 'blobs', `sha256-${hex}`);
  writeFileSync(blob, gguf);
  const manifests = path.join(ollama, 'manifests', 'registry.ollama.ai', 'library', 'bert');
  mkdirSync(manifests, { recursive: true });
  writeFileSync(path.join(manifests, 'q4_1'), JSON.stringify({ schemaVersion: 2, layers: [{ mediaType: 'application/vnd.ollama.image.model', digest: `sha256:${hex}`, size: gguf.length }] }));

  const lm = path.join(home, '.lmstudio', 'models', 'pub', 'Bert-GGUF');
  mkdirSync(lm, { recursive: true });
  const lmFile = path.join(lm, 'bert-q4_1.gguf');
  writeFileSync(lmFile, gguf);
  return { home, hub, ollama, snap, blob, lmFile };
}

describe('CLI --model references (hf:, ollama:, lmstudio:)', function () {
  // Each case spawns the CLI, which reads a 1.2 MB GGUF or a small safetensors.
  this.timeout(120_000);
  let m: ReturnType<typeof referenceMachine>;
  let env: Record<string, string>;
  before(() => {
    m = referenceMachine();
    env = { HOME: m.home, HF_HUB_CACHE: m.hub, OLLAMA_MODELS: m.ollama };
  });

  const inspect = (ref: string, text: string) => {
    const r = cli(['inspect', text, '--model', ref, '--format', 'json'], env);
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout);
  };

  // Catches: HF_HUB_CACHE not read by the CLI process, refs/main or the snapshot links not
  // followed, the reference lost from model.origin, the input layer not found through a reference.
  it('inspect --model hf:org/name: the snapshot\'s files through their links, origin.reference, the input layer', () => {
    const out = inspect('hf:org/tiny-bert', 't17 t5 t9');
    assert.deepEqual(out.input_ids, [2, 17, 5, 9, 3]);
    assert.equal(out.model.id, 'hf:org/tiny-bert');
    assert.deepEqual(out.model.origin, { format: 'safetensors', path: m.snap, architecture: 'bert', reference: 'hf:org/tiny-bert', context_length: 12 });
    assert.equal(out.model.embedding.tensor, 'bert.embeddings.word_embeddings.weight');
    assert.deepEqual(out.input_layer.stages.map((s: any) => s.name), ['word', '+ position', '+ type', 'LayerNorm']);
  });

  // Catches: OLLAMA_MODELS not read, the manifest's digest not mapped to blobs/sha256-…, a blob
  // without an extension not recognised as GGUF by its magic, the default tag.
  it('inspect --model ollama:name:tag: the blob read as GGUF (tokenizer from its metadata), origin.reference', () => {
    const out = inspect('ollama:bert:q4_1', 'Hello, World!');
    assert.deepEqual(out.input_ids, HELLO_IDS);
    assert.equal(out.model.id, 'ollama:bert:q4_1');
    assert.deepEqual(out.model.origin, { format: 'gguf', path: m.blob, architecture: 'bert', quant: 'Q4_1', reference: 'ollama:bert:q4_1', context_length: 4096 });
    assert.equal(out.model.embedding.note, 'dequantized from Q4_1 as ggml does');
    assert.equal(out.embeddings.length, HELLO_IDS.length);
  });

  it('tokenize --model ollama:name:tag: the same ids', () => {
    const r = cli(['tokenize', 'Hello, World!', '--model', 'ollama:bert:q4_1', '--format', 'json'], env);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).tokens.map((t: any) => t.id), HELLO_IDS);
  });

  // Catches: HOME not used for LM Studio's folder, the publisher/repo/file path built wrongly.
  it('inspect --model lmstudio:publisher/repo/file.gguf: the file under ~/.lmstudio/models', () => {
    const out = inspect('lmstudio:pub/Bert-GGUF/bert-q4_1.gguf', 'Hello, World!');
    assert.deepEqual(out.input_ids, HELLO_IDS);
    assert.equal(out.model.origin.reference, 'lmstudio:pub/Bert-GGUF/bert-q4_1.gguf');
    assert.equal(out.model.origin.path, m.lmFile);
  });

  // Catches: `models` and `--model` disagreeing on names (each listed name must load as a reference).
  it('models --format json lists the three, and each listed name loads with --model', () => {
    const r = cli(['models', '--format', 'json'], env);
    assert.equal(r.status, 0, r.stderr);
    const names = JSON.parse(r.stdout).models.map((x: any) => x.name);
    assert.deepEqual(names, ['hf:org/tiny-bert', 'ollama:bert:q4_1', 'lmstudio:pub/Bert-GGUF/bert-q4_1.gguf']);
    for (const name of names) {
      const t = cli(['tokenize', '[SEP]', '--model', name, '--format', 'json'], env);
      assert.equal(t.status, 0, `${name}: ${t.stderr}`);
    }
  });

  // Catches: references and .gguf files working but not documented in inspect's --help.
  it('inspect --help names .gguf files and the three kinds of reference', () => {
    const help = cli(['inspect', '--help'], env).stdout;
    assert.match(help, /--model DIR\|FILE\|REF\|builtin:NAME/);
    for (const s of ['a .gguf file', 'hf:ORG/NAME', 'ollama:NAME[:TAG]', 'lmstudio:PUBLISHER/REPO/FILE']) assert.ok(help.includes(s), `${s} missing from inspect --help`);
  });

  // Catches: a multi-line or vague error, one that does not say which reference or where it looked.
  it('a reference that names nothing: one line naming it and where it looked', () => {
    const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const cases: [string, RegExp][] = [
      ['hf:org/missing', new RegExp(`^embedding-lens: hf:org/missing: not found in the Hugging Face cache ${esc(m.hub)}$`)],
      ['ollama:bert', new RegExp(`^embedding-lens: ollama:bert: not found in the Ollama models folder ${esc(m.ollama)} \\(no manifest .*bert[/\\\\]latest; tags there: q4_1\\)$`)],
      ['ollama:nope:7b', new RegExp(`^embedding-lens: ollama:nope:7b: not found in the Ollama models folder ${esc(m.ollama)} `)],
      ['lmstudio:pub/Bert-GGUF/other.gguf', new RegExp(`^embedding-lens: lmstudio:pub/Bert-GGUF/other\\.gguf: not found in ${esc(path.join(m.home, '.lmstudio', 'models'))}`)],
    ];
    for (const [ref, re] of cases) {
      for (const cmd of ['inspect', 'tokenize']) {
        const r = cli([cmd, 'x', '--model', ref], env);
        assert.equal(r.status, 1, `${cmd} ${ref}: ${r.stdout}`);
        assert.equal(r.stdout, '');
        assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
        assert.match(r.stderr.trim(), re);
      }
    }
  });
});
