// Discovery (src/core/discovery.ts) over each tool's layout, built in a temp folder with small
// real files: safetensors written by our writer, GGUF headers written byte by byte here (and
// one written by the ggml authors' `gguf` package, test/fixtures/discovery), real symlinks.
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { discoverModels, discoveryLocations, ggufGroups, hfRepoId, readGgufSummary, resolveModelReference, type DiscoveryEnv } from '../../src/core/discovery';
import { writeSafetensors } from '../../src/core/formats/safetensors';
import { loadModel } from '../../src/core/model/loadModel';
import { nodeFiles } from '../../src/core/nodeFiles';
import { fixture, rejection } from './helpers';

// ------------------------------------------------------------------ GGUF bytes

type KV = [key: string, kind: 'string', value: string] | [key: string, kind: 'u32', value: number] | [key: string, kind: 'strings', value: string[]];

/** GGUF type ids (gguf 0.19.0's GGMLQuantizationType). */
export const GGML = { F32: 0, F16: 1, Q8_0: 8, Q4_K: 12, Q6_K: 14 } as const;

/**
 * A GGUF file, little-endian unless `bigEndian`: the header, metadata `kvs`, tensor infos (each
 * [name, dims, ggml type]) and `dataBytes` of zero tensor data after 32-byte alignment.
 */
export function ggufBytes(opts: { version?: number; kvs?: KV[]; tensors?: [string, number[], number][]; bigEndian?: boolean; dataBytes?: number; magic?: string } = {}): Buffer {
  const parts: Buffer[] = [];
  const le = !opts.bigEndian;
  const u32 = (v: number): void => {
    const b = Buffer.alloc(4);
    le ? b.writeUInt32LE(v) : b.writeUInt32BE(v);
    parts.push(b);
  };
  const u64 = (v: number): void => {
    const b = Buffer.alloc(8);
    le ? b.writeBigUInt64LE(BigInt(v)) : b.writeBigUInt64BE(BigInt(v));
    parts.push(b);
  };
  const str = (s: string): void => {
    const b = Buffer.from(s, 'utf8');
    u64(b.length);
    parts.push(b);
  };
  parts.push(Buffer.from(opts.magic ?? 'GGUF', 'latin1'));
  const kvs = opts.kvs ?? [];
  const tensors = opts.tensors ?? [];
  u32(opts.version ?? 3);
  u64(tensors.length);
  u64(kvs.length);
  for (const [key, kind, value] of kvs) {
    str(key);
    if (kind === 'string') (u32(8), str(value));
    else if (kind === 'u32') (u32(4), u32(value));
    else {
      u32(9);
      u32(8);
      u64(value.length);
      for (const s of value) str(s);
    }
  }
  let offset = 0;
  for (const [name, dims, type] of tensors) {
    str(name);
    u32(dims.length);
    for (const d of dims) u64(d);
    u32(type);
    u64(offset);
    offset += 32;
  }
  const head = Buffer.concat(parts);
  const aligned = Math.ceil(head.length / 32) * 32;
  return Buffer.concat([head, Buffer.alloc(aligned - head.length), Buffer.alloc(opts.dataBytes ?? offset)]);
}

/** A llama-like GGUF header whose token_embd.weight has `type`, after a tokens array (skipped by the reader). */
function llamaGguf(type: number, arch = 'llama'): Buffer {
  return ggufBytes({
    kvs: [
      ['general.architecture', 'string', arch],
      ['general.alignment', 'u32', 32],
      ['tokenizer.ggml.tokens', 'strings', ['<s>', '</s>', 'a', 'b', 'é']],
    ],
    tensors: [
      ['output_norm.weight', [8], GGML.F32],
      ['token_embd.weight', [8, 5], type],
    ],
  });
}

// ------------------------------------------------------------------ layouts

function temp(tag: string): string {
  return mkdtempSync(path.join(tmpdir(), `el-disc-${tag}-`));
}

const REV = 'a'.repeat(40);
const REV2 = '0123456789abcdef0123456789abcdef01234567';

/** A tiny model's files: vocab.txt and a (5 × 4) F32 table. */
function tinyModelFiles(): Record<string, Buffer> {
  return {
    'vocab.txt': Buffer.from('[PAD]\n[UNK]\nhello\nworld\n!\n'),
    'model.safetensors': Buffer.from(writeSafetensors([{ name: 'embedding.weight', dtype: 'F32', shape: [5, 4], data: Array.from({ length: 20 }, (_, i) => i / 4) }])),
  };
}

/**
 * A HF cache repo as huggingface_hub writes it: blobs named by (here, made-up) hashes, a
 * snapshot of symlinks into them (relative, ../../blobs/…), refs/main naming the snapshot.
 * `dangling`: links whose blob is not written.
 */
function hfRepo(hub: string, repo: string, filesIn: Record<string, Buffer>, opts: { rev?: string; ref?: string | null; dangling?: string[] } = {}): string {
  const dir = path.join(hub, 'models--' + repo.replace(/\//g, '--'));
  const rev = opts.rev ?? REV;
  mkdirSync(path.join(dir, 'blobs'), { recursive: true });
  mkdirSync(path.join(dir, 'snapshots', rev), { recursive: true });
  let n = 0;
  for (const [name, bytes] of Object.entries(filesIn)) {
    const blob = `blob${n++}`.padEnd(40, '0');
    writeFileSync(path.join(dir, 'blobs', blob), bytes);
    symlinkSync(path.join('..', '..', 'blobs', blob), path.join(dir, 'snapshots', rev, name));
  }
  for (const name of opts.dangling ?? []) symlinkSync(path.join('..', '..', 'blobs', 'gone'.padEnd(40, '0')), path.join(dir, 'snapshots', rev, name));
  if (opts.ref !== null) {
    mkdirSync(path.join(dir, 'refs'), { recursive: true });
    writeFileSync(path.join(dir, 'refs', 'main'), opts.ref ?? rev);
  }
  return path.join(dir, 'snapshots', rev);
}

/** An Ollama model: the blob and a manifest naming it, as `ollama pull` writes them. */
function ollamaModel(root: string, [host, ns, name, tag]: [string, string, string, string], blob: Buffer | undefined, opts: { manifest?: string; hex?: string; size?: number } = {}): string {
  const hex = opts.hex ?? (name + tag).split('').map(c => c.charCodeAt(0).toString(16)).join('').padEnd(64, '0').slice(0, 64);
  mkdirSync(path.join(root, 'blobs'), { recursive: true });
  if (blob) writeFileSync(path.join(root, 'blobs', `sha256-${hex}`), blob);
  const dir = path.join(root, 'manifests', host, ns, name);
  mkdirSync(dir, { recursive: true });
  const manifest = opts.manifest ?? JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: 'sha256:' + 'c'.repeat(64), size: 10 },
    layers: [
      { mediaType: 'application/vnd.ollama.image.model', digest: `sha256:${hex}`, size: opts.size ?? blob?.length ?? 100 },
      { mediaType: 'application/vnd.ollama.image.template', digest: 'sha256:' + 'd'.repeat(64), size: 20 },
    ],
  });
  writeFileSync(path.join(dir, tag), manifest);
  return path.join(root, 'blobs', `sha256-${hex}`);
}

/** An environment with only what a test sets: the home is a fresh empty folder. */
function envWith(vars: Record<string, string>, extra: Partial<DiscoveryEnv> = {}): DiscoveryEnv {
  return { env: vars, home: temp('home'), ...extra };
}

// ------------------------------------------------------------------ tests

describe('discovery: locations', () => {
  it('HF_HUB_CACHE wins over HF_HOME/hub, which wins over ~/.cache/huggingface/hub; OLLAMA_MODELS over ~/.ollama/models', () => {
    // Catches a wrong precedence order or a wrong default path.
    const hf = (vars: Record<string, string>) => discoveryLocations({ env: vars, home: '/h' }, path).filter(l => l.source === 'hf');
    assert.deepEqual(hf({ HF_HUB_CACHE: '/c', HF_HOME: '/x' }), [{ source: 'hf', path: '/c', from: 'HF_HUB_CACHE' }]);
    assert.deepEqual(hf({ HF_HOME: '/x' }), [{ source: 'hf', path: '/x/hub', from: 'HF_HOME' }]);
    assert.deepEqual(hf({ HF_HUB_CACHE: '' }), [{ source: 'hf', path: '/h/.cache/huggingface/hub', from: 'default' }]);
    const all = discoveryLocations({ env: { OLLAMA_MODELS: '/o' }, home: '/h', folders: ['/f'] }, path);
    assert.deepEqual(all.map(l => [l.source, l.path]), [
      ['hf', '/h/.cache/huggingface/hub'], ['ollama', '/o'], ['lmstudio', '/h/.lmstudio/models'], ['lmstudio', '/h/.cache/lm-studio/models'], ['folder', '/f'],
    ]);
    assert.deepEqual(discoveryLocations({ env: {}, home: '/h' }, path).find(l => l.source === 'ollama')?.path, '/h/.ollama/models');
  });

  it('hidden: a source name or a location path leaves it out', () => {
    const all = discoveryLocations({ env: {}, home: '/h', hidden: ['ollama', '/h/.cache/lm-studio/models'] }, path);
    assert.deepEqual(all.map(l => l.path), ['/h/.cache/huggingface/hub', '/h/.lmstudio/models']);
  });

  it('repo folder names: models--org--name → org/name, models--gpt2 → gpt2, others skipped', () => {
    assert.equal(hfRepoId('models--Qwen--Qwen3-0.6B'), 'Qwen/Qwen3-0.6B');
    assert.equal(hfRepoId('models--gpt2'), 'gpt2');
    assert.equal(hfRepoId('datasets--org--x'), undefined);
    assert.equal(hfRepoId('models--org----x'), undefined);
  });
});

describe('discovery: the Hugging Face cache', () => {
  it('lists refs/main\'s snapshot (links into blobs/) with its tokenizer and size, and the entry loads', async () => {
    // Catches: links into blobs/ refused, sizes of the links instead of the blobs, the wrong snapshot.
    const hub = temp('hub');
    const files = tinyModelFiles();
    const snap = hfRepo(hub, 'org/tiny', files);
    hfRepo(hub, 'org/tiny', {}, { rev: REV2, ref: null }); // an older snapshot beside it: not refs/main
    const found = await discoverModels(nodeFiles, envWith({ HF_HUB_CACHE: hub }));
    assert.deepEqual(found.problems, []);
    assert.deepEqual(found.models, [{
      source: 'hf', name: 'hf:org/tiny', path: snap, format: 'safetensors', location: hub, revision: REV, tokenizer: 'vocab.txt', shards: 1,
      size: files['model.safetensors']!.length,
    }]);
    assert.deepEqual(found.locations.filter(l => l.exists).map(l => l.path), [hub]);
    const model = await loadModel({ files: nodeFiles, assetsDir: '/nonexistent' }, found.models[0]!.path);
    assert.equal(model.tokenizer.vocabSize, 5);
    assert.deepEqual(model.embedding.info.shape, [5, 4]);
  });

  it('HF_HOME/hub is searched when HF_HUB_CACHE is unset', async () => {
    const home = temp('hfhome');
    hfRepo(path.join(home, 'hub'), 'org/a', tinyModelFiles());
    const found = await discoverModels(nodeFiles, envWith({ HF_HOME: home }));
    assert.deepEqual(found.models.map(m => m.name), ['hf:org/a']);
  });

  it('sharded weights: the index\'s shards, summed; a missing shard is a problem', async () => {
    // Catches: the index ignored (a half-downloaded model listed as loadable).
    const hub = temp('hub');
    const shard = (i: number): Buffer => Buffer.from(writeSafetensors([{ name: `layer${i}.weight`, dtype: 'F32', shape: [2, 2], data: [i, i, i, i] }]));
    const index = (names: string[]): Buffer => Buffer.from(JSON.stringify({ metadata: {}, weight_map: Object.fromEntries(names.map((n, i) => [`layer${i}.weight`, n])) }));
    const names = ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors'];
    hfRepo(hub, 'org/sharded', { 'tokenizer.json': Buffer.from('{}'), 'model.safetensors.index.json': index(names), [names[0]!]: shard(0), [names[1]!]: shard(1) });
    hfRepo(hub, 'org/half', { 'model.safetensors.index.json': index(names), [names[0]!]: shard(0) });
    const found = await discoverModels(nodeFiles, envWith({ HF_HUB_CACHE: hub }));
    assert.deepEqual(found.models.map(m => [m.name, m.shards, m.size, m.tokenizer]), [['hf:org/sharded', 2, shard(0).length + shard(1).length, 'tokenizer.json']]);
    assert.deepEqual(found.problems.map(p => [p.name, p.reason]), [['hf:org/half', 'missingShard']]);
    assert.match(found.problems[0]!.message, /model\.safetensors\.index\.json: names shard model-00002-of-00002\.safetensors, which is missing from the snapshot/);
  });

  it('broken repos are problems, not errors: no refs/main, a bad ref, a dangling link, no weights', async () => {
    // Catches: one broken repo throwing and hiding the good ones, or broken ones listed as models.
    const hub = temp('hub');
    hfRepo(hub, 'org/good', tinyModelFiles());
    hfRepo(hub, 'org/norefs', tinyModelFiles(), { ref: null });
    hfRepo(hub, 'org/badref', tinyModelFiles(), { ref: '../../../etc' });
    hfRepo(hub, 'org/otherref', tinyModelFiles(), { ref: REV2 });
    hfRepo(hub, 'org/dangling', { 'vocab.txt': Buffer.from('a\n') }, { dangling: ['model.safetensors'] });
    hfRepo(hub, 'org/tokonly', { 'tokenizer.json': Buffer.from('{}') });
    mkdirSync(path.join(hub, 'datasets--org--data'));
    writeFileSync(path.join(hub, 'version.txt'), '1');
    const found = await discoverModels(nodeFiles, envWith({ HF_HUB_CACHE: hub }));
    assert.deepEqual(found.models.map(m => m.name), ['hf:org/good']);
    const byName = new Map(found.problems.map(p => [p.name, p]));
    assert.deepEqual([...byName.keys()].sort(), ['hf:org/badref', 'hf:org/dangling', 'hf:org/norefs', 'hf:org/otherref', 'hf:org/tokonly']);
    assert.equal(byName.get('hf:org/norefs')!.reason, 'noRefs');
    assert.match(byName.get('hf:org/norefs')!.message, /refs\/main: missing, expected the commit hash of the snapshot to use \(snapshots there: a{40}; open one with its path\)/);
    assert.equal(byName.get('hf:org/badref')!.reason, 'badRef');
    assert.match(byName.get('hf:org/badref')!.message, /holds "\.\.\/\.\.\/\.\.\/etc", expected a 40-digit hex commit hash/);
    assert.match(byName.get('hf:org/otherref')!.message, /names snapshot 0123456789abcdef0123456789abcdef01234567, but .* is not a folder/);
    assert.equal(byName.get('hf:org/dangling')!.reason, 'danglingLink');
    assert.match(byName.get('hf:org/dangling')!.message, /model\.safetensors: a link whose target is missing/);
    assert.equal(byName.get('hf:org/tokonly')!.reason, 'noWeights');
  });

  it('a snapshot link that leaves the repo (not into its blobs/) is refused as a problem', async () => {
    // Catches: containment dropped for discovery (a cache entry pointing at any file on disk).
    const hub = temp('hub');
    const snap = hfRepo(hub, 'org/escape', { 'vocab.txt': Buffer.from('a\n') });
    const elsewhere = path.join(temp('else'), 'model.safetensors');
    writeFileSync(elsewhere, tinyModelFiles()['model.safetensors']!);
    symlinkSync(elsewhere, path.join(snap, 'model.safetensors'));
    const found = await discoverModels(nodeFiles, envWith({ HF_HUB_CACHE: hub }));
    assert.deepEqual(found.models, []);
    assert.deepEqual(found.problems.map(p => p.reason), ['outside']);
    assert.match(found.problems[0]!.message, /is a link to .*, outside the model folder/);
  });

  it('GGUF files in a cached repo are entries of their own, with their quantization', async () => {
    const hub = temp('hub');
    const snap = hfRepo(hub, 'org/Tiny-GGUF', { 'tiny.Q4_K_M.gguf': llamaGguf(GGML.Q4_K), 'README.md': Buffer.from('#') });
    const found = await discoverModels(nodeFiles, envWith({ HF_HUB_CACHE: hub }));
    assert.deepEqual(found.problems, []);
    assert.deepEqual(found.models.map(m => [m.name, m.format, m.quant, m.architecture, m.path]), [['hf:org/Tiny-GGUF/tiny.Q4_K_M.gguf', 'gguf', 'Q4_K', 'llama', path.join(snap, 'tiny.Q4_K_M.gguf')]]);
  });
});

describe('discovery: Ollama', () => {
  it('a manifest names its model layer\'s blob: a GGUF listed as ollama:name:tag with size and quantization', async () => {
    // Catches: the wrong layer (template, params), the digest's ":" not turned into "-", ns/host naming.
    const root = temp('ollama');
    const blob = ollamaModel(root, ['registry.ollama.ai', 'library', 'tiny', 'latest'], llamaGguf(GGML.Q6_K));
    const blob2 = ollamaModel(root, ['registry.ollama.ai', 'someone', 'coder', '1b'], llamaGguf(GGML.F16, 'qwen2'));
    ollamaModel(root, ['hf.co', 'org', 'repo', 'Q8_0'], llamaGguf(GGML.Q8_0));
    const found = await discoverModels(nodeFiles, envWith({ OLLAMA_MODELS: root }));
    assert.deepEqual(found.problems, []);
    assert.deepEqual(found.models.map(m => [m.name, m.quant, m.architecture]), [
      ['ollama:hf.co/org/repo:Q8_0', 'Q8_0', 'llama'], ['ollama:someone/coder:1b', 'F16', 'qwen2'], ['ollama:tiny:latest', 'Q6_K', 'llama'],
    ]);
    const tiny = found.models.find(m => m.name === 'ollama:tiny:latest')!;
    assert.deepEqual({ ...tiny }, { source: 'ollama', name: 'ollama:tiny:latest', path: blob, size: llamaGguf(GGML.Q6_K).length, format: 'gguf', location: root, quant: 'Q6_K', architecture: 'llama' });
    assert.equal(found.models.find(m => m.name === 'ollama:someone/coder:1b')!.path, blob2);
  });

  it('~/.ollama/models by default', async () => {
    const env = envWith({});
    ollamaModel(path.join(env.home, '.ollama', 'models'), ['registry.ollama.ai', 'library', 'tiny', 'latest'], llamaGguf(GGML.Q4_K));
    assert.deepEqual((await discoverModels(nodeFiles, env)).models.map(m => m.name), ['ollama:tiny:latest']);
  });

  it('a missing blob, a partial blob, a bad manifest, no model layer, a blob that is not GGUF: problems', async () => {
    const root = temp('ollama');
    ollamaModel(root, ['registry.ollama.ai', 'library', 'good', 'latest'], llamaGguf(GGML.Q4_K));
    ollamaModel(root, ['registry.ollama.ai', 'library', 'gone', 'latest'], undefined);
    ollamaModel(root, ['registry.ollama.ai', 'library', 'partial', 'latest'], llamaGguf(GGML.Q4_K), { size: 1_000_000 });
    ollamaModel(root, ['registry.ollama.ai', 'library', 'notjson', 'latest'], undefined, { manifest: '{"layers": [' });
    ollamaModel(root, ['registry.ollama.ai', 'library', 'nolayer', 'latest'], undefined, { manifest: JSON.stringify({ layers: [{ mediaType: 'application/vnd.ollama.image.license', digest: 'sha256:' + 'e'.repeat(64) }] }) });
    ollamaModel(root, ['registry.ollama.ai', 'library', 'baddigest', 'latest'], undefined, { manifest: JSON.stringify({ layers: [{ mediaType: 'application/vnd.ollama.image.model', digest: 'sha256:../../x' }] }) });
    ollamaModel(root, ['registry.ollama.ai', 'library', 'notgguf', 'latest'], Buffer.from('PK\x03\x04 a zip, not a GGUF file at all'));
    const found = await discoverModels(nodeFiles, envWith({ OLLAMA_MODELS: root }));
    assert.deepEqual(found.models.map(m => m.name), ['ollama:good:latest']);
    const got = Object.fromEntries(found.problems.map(p => [p.name, [p.reason, p.message]]));
    assert.deepEqual(Object.keys(got).sort(), ['ollama:baddigest:latest', 'ollama:gone:latest', 'ollama:nolayer:latest', 'ollama:notgguf:latest', 'ollama:notjson:latest', 'ollama:partial:latest']);
    assert.equal(got['ollama:gone:latest']![0], 'missingBlob');
    assert.match(got['ollama:gone:latest']![1], /gone[/\\]latest: names blob sha256-676f6e656c61…, but .*blobs[/\\]sha256-676f6e656c61\w+ is missing/);
    assert.equal(got['ollama:partial:latest']![0], 'missingBlob');
    assert.match(got['ollama:partial:latest']![1], /is \d+ bytes, but .* says 1000000 \(an interrupted pull\?\)/);
    assert.equal(got['ollama:notjson:latest']![0], 'badManifest');
    assert.match(got['ollama:notjson:latest']![1], /not valid JSON/);
    assert.match(got['ollama:nolayer:latest']![1], /no layer of mediaType application\/vnd\.ollama\.image\.model/);
    assert.match(got['ollama:baddigest:latest']![1], /the model layer's digest is "sha256:\.\.\/\.\.\/x", expected "sha256:" and 64 hex digits/);
    assert.equal(got['ollama:notgguf:latest']![0], 'notGguf');
    assert.match(got['ollama:notgguf:latest']![1], /starts with "PK\\u0003\\u0004", expected the GGUF magic "GGUF"/);
  });
});

describe('discovery: LM Studio and added folders', () => {
  it('~/.lmstudio/models and ~/.cache/lm-studio/models: publisher/repo/*.gguf', async () => {
    const env = envWith({});
    const a = path.join(env.home, '.lmstudio', 'models', 'lmstudio-community', 'Tiny-GGUF');
    const b = path.join(env.home, '.cache', 'lm-studio', 'models', 'TheBloke', 'Old-GGUF');
    mkdirSync(a, { recursive: true });
    mkdirSync(b, { recursive: true });
    writeFileSync(path.join(a, 'Tiny-Q4_K_M.gguf'), llamaGguf(GGML.Q4_K));
    writeFileSync(path.join(a, 'README.md'), '#');
    writeFileSync(path.join(b, 'old.Q8_0.gguf'), llamaGguf(GGML.Q8_0));
    symlinkSync(path.join(b, 'nowhere.gguf'), path.join(b, 'broken.gguf'));
    const found = await discoverModels(nodeFiles, env);
    assert.deepEqual(found.models.map(m => [m.name, m.quant, m.path]), [
      ['lmstudio:TheBloke/Old-GGUF/old.Q8_0.gguf', 'Q8_0', path.join(b, 'old.Q8_0.gguf')],
      ['lmstudio:lmstudio-community/Tiny-GGUF/Tiny-Q4_K_M.gguf', 'Q4_K', path.join(a, 'Tiny-Q4_K_M.gguf')],
    ]);
    assert.deepEqual(found.problems.map(p => [p.name, p.reason]), [['lmstudio:TheBloke/Old-GGUF/broken.gguf', 'danglingLink']]);
  });

  it('a split GGUF (gguf-split\'s -00001-of-0000N) is one entry, its parts summed; a missing part is a problem', async () => {
    // Catches: every part listed as a model of its own, or a model with a part missing listed as loadable.
    const env = envWith({});
    const d = path.join(env.home, '.lmstudio', 'models', 'p', 'Big-GGUF');
    mkdirSync(d, { recursive: true });
    const first = llamaGguf(GGML.Q4_K);
    const second = ggufBytes({ tensors: [['blk.0.attn_q.weight', [8, 8], GGML.Q4_K]] });
    writeFileSync(path.join(d, 'big-Q4_K_M-00001-of-00002.gguf'), first);
    writeFileSync(path.join(d, 'big-Q4_K_M-00002-of-00002.gguf'), second);
    writeFileSync(path.join(d, 'half-00001-of-00003.gguf'), first);
    writeFileSync(path.join(d, 'half-00003-of-00003.gguf'), second);
    const found = await discoverModels(nodeFiles, env);
    assert.deepEqual(found.models.map(m => [m.name, m.shards, m.size, m.quant]), [['lmstudio:p/Big-GGUF/big-Q4_K_M-00001-of-00002.gguf', 2, first.length + second.length, 'Q4_K']]);
    assert.deepEqual(found.problems.map(p => [p.name, p.reason]), [['lmstudio:p/Big-GGUF/half-00001-of-00003.gguf', 'missingShard']]);
    assert.match(found.problems[0]!.message, /half-00001-of-00003\.gguf: the first part of a split GGUF, but part half-00002-of-00003\.gguf is missing beside it$/);
    assert.deepEqual(ggufGroups(['a.gguf', 'x-00002-of-00002.gguf', 'notes.txt']), [{ file: 'a.gguf', others: [], missing: [] }]);
  });

  it('added folders: the folder and its subfolders as model folders, .gguf files; hidden sources are skipped', async () => {
    const dir = temp('folder');
    for (const [n, b] of Object.entries(tinyModelFiles())) writeFileSync(path.join(dir, n), b);
    mkdirSync(path.join(dir, 'sub'));
    writeFileSync(path.join(dir, 'sub', 'x.gguf'), llamaGguf(GGML.F32));
    const env = envWith({}, { folders: [dir], hidden: ['lmstudio'] });
    mkdirSync(path.join(env.home, '.lmstudio', 'models', 'p', 'r'), { recursive: true });
    writeFileSync(path.join(env.home, '.lmstudio', 'models', 'p', 'r', 'y.gguf'), llamaGguf(GGML.F32));
    const found = await discoverModels(nodeFiles, env);
    assert.deepEqual(found.models.map(m => [m.source, m.name, m.format, m.quant, m.tokenizer]), [
      ['folder', path.basename(dir), 'safetensors', undefined, 'vocab.txt'],
      ['folder', 'sub/x.gguf', 'gguf', 'F32', undefined],
    ]);
    assert.ok(!found.locations.some(l => l.source === 'lmstudio'));
  });

  it('a location that is a file, not a folder, is a problem; a missing one is not', async () => {
    const f = path.join(temp('file'), 'hub');
    writeFileSync(f, 'x');
    const found = await discoverModels(nodeFiles, envWith({ HF_HUB_CACHE: f }));
    assert.deepEqual(found.problems.map(p => p.reason), ['unreadable']);
    assert.match(found.problems[0]!.message, /hub: is not a folder, expected the Hugging Face cache models folder \(from HF_HUB_CACHE\)/);
    assert.deepEqual((await discoverModels(nodeFiles, envWith({}))).problems, []);
  });
});

describe('discovery: the GGUF header reader', () => {
  it('reads the type of token_embd.weight after the metadata (skipping a string array)', async () => {
    const dir = temp('gguf');
    for (const [name, type] of Object.entries({ F32: 0, F16: 1, Q8_0: 8, Q4_K: 12, BF16: 30 })) {
      writeFileSync(path.join(dir, 'm.gguf'), llamaGguf(type));
      const s = await readGgufSummary(nodeFiles, path.join(dir, 'm.gguf'));
      assert.deepEqual(s, { version: 3, tensorCount: 2, architecture: 'llama', quant: name });
    }
    writeFileSync(path.join(dir, 'v2.gguf'), ggufBytes({ version: 2, tensors: [['token_embd.weight', [4, 4], 14]] }));
    assert.deepEqual(await readGgufSummary(nodeFiles, path.join(dir, 'v2.gguf')), { version: 2, tensorCount: 1, architecture: undefined, quant: 'Q6_K' });
  });

  it('the file the gguf package (0.19.0) wrote: Q8_0 token_embd.weight, architecture llama', async () => {
    // A reference writer, not ours: catches a layout we read only because we also wrote it.
    const s = await readGgufSummary(nodeFiles, fixture('discovery', 'tiny-q8_0.gguf'));
    assert.equal(s.quant, 'Q8_0');
    assert.equal(s.architecture, 'llama');
    assert.equal(s.tensorCount, 2);
  });

  it('past the header budget the quantization is left undefined, not guessed', async () => {
    const dir = temp('gguf');
    writeFileSync(path.join(dir, 'm.gguf'), llamaGguf(GGML.Q4_K));
    const s = await readGgufSummary(nodeFiles, path.join(dir, 'm.gguf'), 64);
    assert.equal(s.quant, undefined);
  });

  it('refuses by name: big-endian, another version, another magic, a header cut short', async () => {
    const dir = temp('gguf');
    const cases: [Buffer, RegExp][] = [
      [ggufBytes({ bigEndian: true, tensors: [['token_embd.weight', [2, 2], 0]] }), /a big-endian GGUF \(version 3\), expected a little-endian one/],
      [ggufBytes({ version: 1 }), /GGUF version 1, expected version 2 or 3/],
      [ggufBytes({ magic: 'GGML' }), /starts with "GGML", expected the GGUF magic "GGUF"/],
      [llamaGguf(GGML.Q4_K).subarray(0, 60), /the GGUF header runs past the end of the file \(60 bytes\)/],
    ];
    for (const [bytes, re] of cases) {
      writeFileSync(path.join(dir, 'x.gguf'), bytes);
      const e = await rejection(() => readGgufSummary(nodeFiles, path.join(dir, 'x.gguf')));
      assert.match(e.message, re);
    }
  });
});

describe('discovery: references', () => {
  it('hf:org/name → the refs/main snapshot; hf:org/name/file.gguf → the file', async () => {
    // Catches: a reference resolving to another snapshot than the one listed.
    const hub = temp('hub');
    const snap = hfRepo(hub, 'org/tiny', tinyModelFiles());
    const gsnap = hfRepo(hub, 'org/g', { 'a.gguf': llamaGguf(GGML.Q4_K) });
    const env = envWith({ HF_HUB_CACHE: hub });
    assert.equal((await resolveModelReference(nodeFiles, env, 'hf:org/tiny')).path, snap);
    assert.equal((await resolveModelReference(nodeFiles, env, 'hf:org/g/a.gguf')).path, path.join(gsnap, 'a.gguf'));
    assert.match((await rejection(() => resolveModelReference(nodeFiles, env, 'hf:org/nope'))).message, /^hf:org\/nope: not found in the Hugging Face cache .*el-disc-hub-/);
    assert.match((await rejection(() => resolveModelReference(nodeFiles, env, 'hf:org/g'))).message, /^hf:org\/g: the snapshot in .* has no \.safetensors weights; it has hf:org\/g\/a\.gguf/);
    assert.match((await rejection(() => resolveModelReference(nodeFiles, env, 'hf:../x'))).message, /^hf:\.\.\/x: not a model reference, expected hf:ORG\/NAME or hf:ORG\/NAME\/FILE\.gguf/);
  });

  it('a broken HF entry: the reference fails with discovery\'s problem', async () => {
    const hub = temp('hub');
    hfRepo(hub, 'org/norefs', tinyModelFiles(), { ref: null });
    const e = await rejection(() => resolveModelReference(nodeFiles, envWith({ HF_HUB_CACHE: hub }), 'hf:org/norefs'));
    assert.equal(e.reason, 'badFile');
    assert.match(e.message, /^hf:org\/norefs: .*refs[/\\]main: missing, expected the commit hash/);
  });

  it('ollama:name → :latest; ns/name:tag; a missing tag and a missing blob name what is wrong', async () => {
    const root = temp('ollama');
    const blob = ollamaModel(root, ['registry.ollama.ai', 'library', 'tiny', 'latest'], llamaGguf(GGML.Q4_K));
    const blob2 = ollamaModel(root, ['registry.ollama.ai', 'me', 'tiny', '1b'], llamaGguf(GGML.Q4_K));
    ollamaModel(root, ['registry.ollama.ai', 'library', 'gone', 'latest'], undefined);
    const env = envWith({ OLLAMA_MODELS: root });
    assert.equal((await resolveModelReference(nodeFiles, env, 'ollama:tiny')).path, blob);
    assert.equal((await resolveModelReference(nodeFiles, env, 'ollama:tiny:latest')).path, blob);
    assert.equal((await resolveModelReference(nodeFiles, env, 'ollama:me/tiny:1b')).path, blob2);
    assert.match((await rejection(() => resolveModelReference(nodeFiles, env, 'ollama:tiny:7b'))).message, /^ollama:tiny:7b: not found in the Ollama models folder .* \(no manifest .*manifests[/\\]registry\.ollama\.ai[/\\]library[/\\]tiny[/\\]7b; tags there: latest\)$/);
    assert.match((await rejection(() => resolveModelReference(nodeFiles, env, 'ollama:nope'))).message, /^ollama:nope: not found in the Ollama models folder .*\(no manifest [^;]*\)$/);
    assert.match((await rejection(() => resolveModelReference(nodeFiles, env, 'ollama:gone'))).message, /^ollama:gone: .*names blob sha256-.* is missing/);
    assert.match((await rejection(() => resolveModelReference(nodeFiles, env, 'ollama:a/b/c/d:1'))).message, /not a model reference, expected ollama:NAME\[:TAG\]/);
  });

  it('lmstudio:publisher/repo/file in either LM Studio folder', async () => {
    const env = envWith({});
    const b = path.join(env.home, '.cache', 'lm-studio', 'models', 'p', 'r');
    mkdirSync(b, { recursive: true });
    writeFileSync(path.join(b, 'm.gguf'), llamaGguf(GGML.Q4_K));
    assert.equal((await resolveModelReference(nodeFiles, env, 'lmstudio:p/r/m.gguf')).path, path.join(b, 'm.gguf'));
    assert.match((await rejection(() => resolveModelReference(nodeFiles, env, 'lmstudio:p/r/n.gguf'))).message, /^lmstudio:p\/r\/n\.gguf: not found in .*\.lmstudio[/\\]models or .*lm-studio[/\\]models/);
  });
});
