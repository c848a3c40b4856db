// `embedding-lens models` as a user runs it: a real process whose HOME and HF_HUB_CACHE /
// OLLAMA_MODELS point at layouts built in temp folders with small real files and links.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
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
