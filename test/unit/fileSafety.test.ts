// Hostile and careless files (issue 8): special files, paths out of a model folder, headers
// that claim more than the file holds, layouts the reference readers refuse, pickles, and the
// messages for each. Every case is a real file in a temp folder (FIFOs, sockets, symlinks,
// sparse files) or a real device; nothing is mocked.
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, cpSync, mkdirSync, mkdtempSync, openSync, rmSync, symlinkSync, writeFileSync, ftruncateSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { LIMITS } from '../../src/core/limits';
import { NPY_HEADER_NESTING, openNpy, writeNpy } from '../../src/core/formats/npy';
import { openSafetensors, openShardedSafetensors, writeSafetensors, type TensorToWrite } from '../../src/core/formats/safetensors';
import { openWordVectors } from '../../src/core/formats/wordVectors';
import { loadModel } from '../../src/core/model/loadModel';
import { nodeFiles } from '../../src/core/nodeFiles';
import { fixture, rejection, repoRoot, skipBecause } from './helpers';

const ctx = { files: nodeFiles, assetsDir: path.join(repoRoot(), 'assets') };
const root = mkdtempSync(path.join(tmpdir(), 'lens-safety-'));
let counter = 0;
const fresh = (label: string): string => {
  const dir = path.join(root, `${label}-${counter++}`);
  mkdirSync(dir, { recursive: true });
  return dir;
};
const PYTHON = '/usr/bin/python3';
const hasTorch = spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
const PICKLE_MESSAGE =
  ': pickled PyTorch checkpoint: not loaded, since loading runs code; convert it to safetensors (`safetensors.torch.save_file(model.state_dict(), …)`)';

after(() => rmSync(root, { recursive: true, force: true }));

/** Asserts a LensError with `reason` whose message is one line and contains every fragment. */
async function assertError(fn: () => unknown, reason: string, ...fragments: (string | RegExp)[]): Promise<string> {
  const e = await rejection(fn);
  assert.equal(e.name, 'LensError', `expected a LensError, got ${e.name}: ${e.message}`);
  assert.equal(e.reason, reason, `reason of: ${e.message}`);
  assert.ok(!e.message.includes('\n'), `one line: ${JSON.stringify(e.message)}`);
  for (const f of fragments) {
    if (typeof f === 'string') assert.ok(e.message.includes(f), `message ${JSON.stringify(e.message)} should contain ${JSON.stringify(f)}`);
    else assert.match(e.message, f);
  }
  return e.message;
}

function mkfifo(p: string): void {
  execFileSync('mkfifo', [p]);
}

async function listenOn(p: string): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(p, resolve);
  });
  return server;
}

function table(rows: number, cols: number, name = 'embedding.weight'): TensorToWrite {
  const data = new Float32Array(rows * cols).map((_, i) => (i % 5) - 2 + i / 100);
  return { name, dtype: 'F32', shape: [rows, cols], data };
}

const VOCAB = { '[PAD]': 0, '[UNK]': 1, a: 2, b: 3 };

/** A loadable model folder: vocab.json + model.safetensors (4 × 3). */
function modelFolder(dir: string, tensors: TensorToWrite[] = [table(4, 3)]): string {
  writeFileSync(path.join(dir, 'vocab.json'), JSON.stringify(VOCAB));
  writeFileSync(path.join(dir, 'model.safetensors'), writeSafetensors(tensors));
  return dir;
}

/** A folder with a sharded checkpoint whose weight_map sends embedding.weight to `shard`. */
function shardedFolder(dir: string, shard: string): string {
  writeFileSync(path.join(dir, 'vocab.json'), JSON.stringify(VOCAB));
  writeFileSync(path.join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: { 'embedding.weight': shard } }));
  return dir;
}

/** A safetensors file with a hand-written header (text, spaces-padded to 8) and `dataBytes` data bytes. */
function rawSafetensors(header: string, dataBytes: number): Uint8Array {
  const json = Buffer.from(header, 'utf8');
  const padded = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + padded + dataBytes).fill(0x20, 8, 8 + padded);
  new DataView(out.buffer).setUint32(0, padded, true);
  out.set(json, 8);
  return out;
}

function writeTemp(name: string, bytes: Uint8Array | string): string {
  const p = path.join(fresh('file'), name);
  writeFileSync(p, bytes);
  return p;
}

describe('file safety: only regular files are read', () => {
  it('/dev/zero and /dev/null are character devices, refused before any read', async () => {
    await assertError(() => nodeFiles.readAll('/dev/zero'), 'badFile', '/dev/zero: is a character device, expected a regular file');
    await assertError(() => nodeFiles.readRanges('/dev/null', [{ offset: 0, length: 8 }]), 'badFile', '/dev/null: is a character device, expected a regular file');
    await assertError(() => loadModel(ctx, '/dev/zero'), 'badFile', '/dev/zero: is a character device, expected a model folder or a model file');
    await assertError(() => loadModel(ctx, modelFolder(fresh('tok-dev')), { tokenizer: '/dev/zero' }), 'badFile', '/dev/zero: is a character device');
    await assertError(() => openWordVectors(nodeFiles, '/dev/zero'), 'badFile', '/dev/zero: is a character device');
  });

  it('a FIFO with no writer is refused at once, not waited on', async function () {
    this.timeout(10_000);
    const fifo = path.join(fresh('fifo'), 'model.txt');
    mkfifo(fifo);
    await assertError(() => nodeFiles.readAll(fifo), 'badFile', `${fifo}: is a FIFO, expected a regular file`);
    await assertError(() => nodeFiles.readRanges(fifo, [{ offset: 0, length: 8 }]), 'badFile', `${fifo}: is a FIFO`);
    await assertError(() => loadModel(ctx, fifo), 'badFile', `${fifo}: is a FIFO, expected a model folder or a model file`);
    // Through a symlink (the user's own path may be one): still refused.
    const link = path.join(fresh('fifo-link'), 'vectors.txt');
    symlinkSync(fifo, link);
    await assertError(() => loadModel(ctx, link), 'badFile', `${link}: is a FIFO`);
  });

  it('a unix socket is refused as a socket', async () => {
    const sock = path.join(fresh('sock'), 's.vec');
    const server = await listenOn(sock);
    try {
      await assertError(() => nodeFiles.readAll(sock), 'badFile', `${sock}: is a socket, expected a regular file`);
      await assertError(() => loadModel(ctx, sock), 'badFile', `${sock}: is a socket`);
    } finally {
      server.close();
    }
  });

  it('a directory is not read as a file', async () => {
    const dir = fresh('dir');
    await assertError(() => nodeFiles.readAll(dir), 'badFile', `${dir}: is a directory, expected a regular file`);
    await assertError(() => openSafetensors(nodeFiles, dir), 'badFile', `${dir}: is a directory, expected a .safetensors file`);
  });

  it('a file over the size cap is refused before it is read, naming the limit', async function () {
    this.timeout(10_000);
    const small = writeTemp('small.txt', 'x'.repeat(100));
    await assertError(() => nodeFiles.readAll(small, 50), 'badFile', `${small}: file is 100 bytes`, '(50 bytes)');
    assert.equal((await nodeFiles.readAll(small, 100)).length, 100);
    // A sparse file one byte over the default cap: refused without reading 2 GiB.
    const big = path.join(fresh('big'), 'huge.txt');
    const fd = openSync(big, 'w');
    ftruncateSync(fd, LIMITS.wholeFileBytes + 1);
    closeSync(fd);
    await assertError(() => nodeFiles.readAll(big), 'badFile', `${big}: file is ${LIMITS.wholeFileBytes + 1} bytes`, `the limit for files read whole (${LIMITS.wholeFileBytes} bytes)`);
  });

  it('a symlink given by the user that ends at a regular file works', async () => {
    const dir = fresh('user-link');
    const real = path.join(dir, 'glove.txt');
    writeFileSync(real, 'hello 1 2\nworld 3 4\n');
    const link = path.join(fresh('user-link-2'), 'mine.txt');
    symlinkSync(real, link);
    const m = await loadModel(ctx, link);
    assert.deepEqual([...(await m.embedding.readRows([m.tokenizer.tokenToId('world')!]))], [3, 4]);
  });
});

describe('file safety: a model folder names only files inside it', () => {
  const outsideDir = fresh('outside');
  writeFileSync(path.join(outsideDir, 'e.safetensors'), writeSafetensors([table(4, 3)]));
  writeFileSync(path.join(outsideDir, 'tokenizer.json'), '{}');

  const indexOf = (dir: string) => path.join(dir, 'model.safetensors.index.json');

  it('weight_map with "../outside/…" is refused naming the index and the entry', async () => {
    const parent = fresh('escape');
    mkdirSync(path.join(parent, 'outside'));
    writeFileSync(path.join(parent, 'outside', 'e.safetensors'), writeSafetensors([table(4, 3)]));
    mkdirSync(path.join(parent, 'model'));
    const dir = shardedFolder(path.join(parent, 'model'), '../outside/e.safetensors');
    await assertError(
      () => loadModel(ctx, dir),
      'badFile',
      `${indexOf(dir)}: weight_map["embedding.weight"] names "../outside/e.safetensors", which is outside the model folder (".." climbs out of it)`,
      'expected a shard file inside the model folder',
    );
  });

  for (const [label, entry, why] of [
    ['an absolute path', path.join(outsideDir, 'e.safetensors'), 'is an absolute path'],
    ['/dev/zero', '/dev/zero', 'is an absolute path'],
    ['/etc/passwd via ..', '../../../../etc/passwd', 'is outside the model folder'],
    ['a NUL', 'model\0.safetensors', 'contains a NUL character'],
    ['an empty name', '', 'is empty'],
    ['a Windows drive path', 'C:\\models\\e.safetensors', 'is an absolute path'],
    ['a missing shard', 'model-00002-of-00002.safetensors', 'does not exist'],
  ] as const) {
    it(`weight_map naming ${label} is refused`, async () => {
      const dir = shardedFolder(fresh('idx'), entry);
      await assertError(() => openShardedSafetensors(nodeFiles, indexOf(dir)), 'badFile', `${indexOf(dir)}: weight_map["embedding.weight"] names ${JSON.stringify(entry)}, which ${why}`);
      await assertError(() => loadModel(ctx, dir), 'badFile', indexOf(dir), 'weight_map["embedding.weight"]');
    });
  }

  it('a shard that is a symlink out of the folder is refused with where it leads', async () => {
    const dir = shardedFolder(fresh('idx-link'), 'model-00001.safetensors');
    symlinkSync(path.join(outsideDir, 'e.safetensors'), path.join(dir, 'model-00001.safetensors'));
    await assertError(
      () => loadModel(ctx, dir),
      'badFile',
      `${indexOf(dir)}: weight_map["embedding.weight"] names "model-00001.safetensors", which resolves to ${path.join(outsideDir, 'e.safetensors')}, outside the model folder`,
    );
  });

  it('a shard that is a FIFO, a directory, a socket or a link to /dev/zero is refused by kind', async function () {
    this.timeout(10_000);
    const fifoDir = shardedFolder(fresh('idx-fifo'), 's.safetensors');
    mkfifo(path.join(fifoDir, 's.safetensors'));
    await assertError(() => loadModel(ctx, fifoDir), 'badFile', `names "s.safetensors", which is a FIFO; expected a shard file (a regular file)`);
    const dirDir = shardedFolder(fresh('idx-dir'), 's.safetensors');
    mkdirSync(path.join(dirDir, 's.safetensors'));
    await assertError(() => loadModel(ctx, dirDir), 'badFile', 'which is a directory');
    const devDir = shardedFolder(fresh('idx-dev'), 's.safetensors');
    symlinkSync('/dev/zero', path.join(devDir, 's.safetensors'));
    await assertError(() => loadModel(ctx, devDir), 'badFile', `${indexOf(devDir)}: weight_map["embedding.weight"] names "s.safetensors", which is a character device`);
    const sockDir = shardedFolder(fresh('idx-sock'), 's.safetensors');
    const server = await listenOn(path.join(sockDir, 's.safetensors'));
    try {
      await assertError(() => loadModel(ctx, sockDir), 'badFile', 'which is a socket');
    } finally {
      server.close();
    }
  });

  it('a shard in a subfolder, or named through a harmless "..", still loads', async () => {
    const dir = shardedFolder(fresh('idx-sub'), 'shards/../shards/e.safetensors');
    mkdirSync(path.join(dir, 'shards'));
    writeFileSync(path.join(dir, 'shards', 'e.safetensors'), writeSafetensors([table(4, 3)]));
    const m = await loadModel(ctx, dir);
    assert.deepEqual(m.embeddingLabel.shape, [4, 3]);
    assert.equal(m.embedding.info.file, path.join(dir, 'shards', 'e.safetensors'));
  });

  it('files picked from a folder (tokenizer, config, weights) must not link out of it', async () => {
    const tok = modelFolder(fresh('pick-tok'));
    rmSync(path.join(tok, 'vocab.json'));
    symlinkSync(path.join(outsideDir, 'tokenizer.json'), path.join(tok, 'tokenizer.json'));
    await assertError(() => loadModel(ctx, tok), 'badFile', `${path.join(tok, 'tokenizer.json')}: is a link to ${path.join(outsideDir, 'tokenizer.json')}, outside the model folder`);

    const cfg = modelFolder(fresh('pick-cfg'));
    symlinkSync('/etc/passwd', path.join(cfg, 'config.json'));
    await assertError(() => loadModel(ctx, cfg), 'badFile', `${path.join(cfg, 'config.json')}: is a link to /etc/passwd, outside the model folder`);

    const weights = fresh('pick-weights');
    writeFileSync(path.join(weights, 'vocab.json'), JSON.stringify(VOCAB));
    symlinkSync(path.join(outsideDir, 'e.safetensors'), path.join(weights, 'model.safetensors'));
    await assertError(() => loadModel(ctx, weights), 'badFile', `${path.join(weights, 'model.safetensors')}: is a link to`, 'outside the model folder');

    const npy = fresh('pick-npy');
    writeFileSync(path.join(npy, 'vocab.json'), JSON.stringify(VOCAB));
    writeFileSync(path.join(outsideDir, 'e.npy'), writeNpy([4, 3], new Float32Array(12)));
    symlinkSync(path.join(outsideDir, 'e.npy'), path.join(npy, 'emb.npy'));
    await assertError(() => loadModel(ctx, npy), 'badFile', `${path.join(npy, 'emb.npy')}: is a link to`, 'outside the model folder');

    const tsv = fresh('pick-tsv');
    writeFileSync(path.join(tsv, 'vectors.tsv'), '1\t2\n3\t4\n');
    writeFileSync(path.join(outsideDir, 'metadata.tsv'), 'cat\ndog\n');
    symlinkSync(path.join(outsideDir, 'metadata.tsv'), path.join(tsv, 'metadata.tsv'));
    await assertError(() => loadModel(ctx, tsv), 'badFile', `${path.join(tsv, 'metadata.tsv')}: is a link to`, 'outside the model folder');
    rmSync(path.join(tsv, 'metadata.tsv'));
    writeFileSync(path.join(tsv, 'metadata.tsv'), 'cat\ndog\n');
    const m = await loadModel(ctx, tsv);
    assert.deepEqual([...(await m.embedding.readRows([m.tokenizer.tokenToId('dog')!]))], [3, 4]);
  });

  it('a config.json or tokenizer.json that is a FIFO is refused and the load finishes', async function () {
    this.timeout(10_000);
    const cfg = modelFolder(fresh('fifo-cfg'));
    mkfifo(path.join(cfg, 'config.json'));
    await assertError(() => loadModel(ctx, cfg), 'badFile', `${path.join(cfg, 'config.json')}: is a FIFO, expected a config.json file (a regular file)`);
    const tok = modelFolder(fresh('fifo-tok'));
    mkfifo(path.join(tok, 'tokenizer.json'));
    await assertError(() => loadModel(ctx, tok), 'badFile', `${path.join(tok, 'tokenizer.json')}: is a FIFO`);
  });

  it('links inside the folder are fine, and so is a model folder that is itself a link', async () => {
    const dir = modelFolder(fresh('inner-link'));
    rmSync(path.join(dir, 'vocab.json'));
    writeFileSync(path.join(dir, 'real-vocab.json'), JSON.stringify(VOCAB));
    symlinkSync('real-vocab.json', path.join(dir, 'vocab.json'));
    const link = path.join(fresh('folder-link'), 'model');
    symlinkSync(dir, link);
    const m = await loadModel(ctx, link);
    assert.deepEqual(m.embeddingLabel.shape, [4, 3]);
  });

  it('a Hugging Face cache snapshot whose files link into blobs/ loads', async () => {
    const repo = path.join(fresh('hf'), 'models--org--tiny');
    const snap = path.join(repo, 'snapshots', 'abc123');
    mkdirSync(path.join(repo, 'blobs'), { recursive: true });
    mkdirSync(snap, { recursive: true });
    const blob = (hash: string, bytes: Uint8Array | string, name: string) => {
      writeFileSync(path.join(repo, 'blobs', hash), bytes);
      symlinkSync(`../../blobs/${hash}`, path.join(snap, name));
    };
    blob('b1', JSON.stringify(VOCAB), 'vocab.json');
    blob('b2', writeSafetensors([table(4, 3, 'emb.weight')]), 'model-00001-of-00001.safetensors');
    blob('b3', JSON.stringify({ weight_map: { 'emb.weight': 'model-00001-of-00001.safetensors' } }), 'model.safetensors.index.json');
    const m = await loadModel(ctx, snap);
    assert.deepEqual(m.embeddingLabel.shape, [4, 3]);
    assert.equal(m.embedding.info.name, 'emb.weight');
    // …but a snapshot link that leaves the repository is still refused.
    symlinkSync(path.join(outsideDir, 'tokenizer.json'), path.join(snap, 'tokenizer.json'));
    await assertError(() => loadModel(ctx, snap), 'badFile', 'tokenizer.json: is a link to', 'outside the model folder');
  });
});

describe('file safety: safetensors layouts the Rust crate refuses', () => {
  // The rules (safetensors/src/tensor.rs): header ≤ 100 MB, UTF-8 JSON; tensors sorted by
  // data_offsets must each start where the previous ended (from 0), span exactly
  // numel × dtype size, and the last must end at the end of the file.
  const f32 = (shape: number[], begin: number, end: number) => ({ dtype: 'F32', shape, data_offsets: [begin, end] });
  const cases: [string, string, number, string[]][] = [
    ['duplicate tensor names', '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}', 16, ['names "a" twice']],
    ['a repeated key inside a tensor', '{"a":{"dtype":"F32","shape":[2],"shape":[2],"data_offsets":[0,8]}}', 8, ['in "a" the key "shape" twice']],
    ['a shape written as a float', '{"a":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}}', 8, ['tensor "a" has 2.0 in its shape, expected a non-negative integer']],
    ['an offset written with an exponent', '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8e0]}}', 8, ['tensor "a" has 8e0 in its data_offsets']],
    ['overlapping offsets', JSON.stringify({ a: f32([4], 0, 16), b: f32([4], 8, 24) }), 24, ['tensor "b" has data_offsets [8, 24], an overlap', 'start at byte 16, where "a" ends']],
    ['identical offsets', JSON.stringify({ a: f32([4], 0, 16), b: f32([4], 0, 16) }), 32, ['data_offsets [0, 16], an overlap', 'start at byte 16']],
    ['a gap between tensors', JSON.stringify({ a: f32([4], 0, 16), b: f32([4], 20, 36) }), 36, ['tensor "b" has data_offsets [20, 36], a gap', 'start at byte 16']],
    ['data not starting at 0', JSON.stringify({ a: f32([4], 4, 20) }), 20, ['tensor "a" has data_offsets [4, 20], a gap', 'start at byte 0']],
    ['trailing bytes no tensor covers', JSON.stringify({ a: f32([4], 0, 16) }), 20, ['the tensors cover 16 of the 20 data bytes; the last 4 bytes belong to no tensor']],
    ['offsets that end before they begin', JSON.stringify({ a: f32([0], 16, 0) }), 16, ['data_offsets [16, 0], which end before they begin']],
    ['a size that disagrees with the shape', JSON.stringify({ a: f32([2, 2], 0, 12) }), 12, ['needs 16 bytes, its data_offsets [0, 12] hold 12']],
    ['a shape product past 2^53', JSON.stringify({ a: f32([2 ** 40, 2 ** 40], 0, 16) }), 16, ['more elements than can be counted']],
    ['a tensor past the end of the file', JSON.stringify({ a: f32([8], 0, 32) }), 16, ['ends at byte 32 of the data, but the file has only 16']],
    ['an unknown dtype', JSON.stringify({ a: { dtype: 'F128', shape: [1], data_offsets: [0, 16] } }), 16, ['unknown dtype F128']],
    ['sub-byte elements that do not fill a byte', JSON.stringify({ a: { dtype: 'F4', shape: [3], data_offsets: [0, 2] } }), 2, ['is 12 bits, expected a whole number of bytes']],
    ['a name with a newline (the message stays one line)', JSON.stringify({ 'a\nb': f32([2], 0, 12) }), 12, ['tensor "a\\nb" F32 (2,) needs 8 bytes']],
    ['a header nested past the JSON limit', `{"__metadata__":${'['.repeat(LIMITS.jsonDepth + 5)}${']'.repeat(LIMITS.jsonDepth + 5)}}`, 0, [`nested more than ${LIMITS.jsonDepth} levels deep`]],
  ];
  for (const [label, header, dataBytes, fragments] of cases) {
    it(`refuses ${label}`, async () => {
      const file = writeTemp('model.safetensors', rawSafetensors(header, dataBytes));
      await assertError(() => openSafetensors(nodeFiles, file), 'badFile', `${file}: `, ...fragments);
    });
  }

  it('accepts offsets listed out of order and empty tensors sharing an offset, as the crate does', async () => {
    const data = new Float32Array([1, 2, 3, 4, 5, 6]);
    const header = JSON.stringify({ b: f32([2], 16, 24), e1: f32([0], 16, 16), a: f32([4], 0, 16), e2: f32([0], 16, 16) });
    const bytes = rawSafetensors(header, 24);
    bytes.set(new Uint8Array(data.buffer), bytes.length - 24);
    const store = await openSafetensors(nodeFiles, writeTemp('ok.safetensors', bytes));
    assert.deepEqual(store.names(), ['b', 'e1', 'a', 'e2']);
    assert.deepEqual([...(await store.get('a')!.readAll())], [1, 2, 3, 4]);
    assert.deepEqual([...(await store.get('b')!.readAll())], [5, 6]);
  });

  it('a header over the cap says it is the cap, not that it does not fit', async () => {
    const bytes = new Uint8Array(64);
    new DataView(bytes.buffer).setUint32(0, LIMITS.safetensorsHeaderBytes + 1, true);
    const file = writeTemp('big-header.safetensors', bytes);
    const msg = await assertError(() => openSafetensors(nodeFiles, file), 'badFile', `header length ${LIMITS.safetensorsHeaderBytes + 1} is over the ${LIMITS.safetensorsHeaderBytes}-byte cap`);
    assert.ok(!msg.includes('does not fit'), msg);
    new DataView(bytes.buffer).setUint32(0, 1000, true);
    const small = writeTemp('short.safetensors', bytes);
    await assertError(() => openSafetensors(nodeFiles, small), 'badFile', 'header length 1000 does not fit in a 64-byte file');
  });

  it('a header that is not UTF-8 is refused', async () => {
    const bytes = rawSafetensors('{"a":1}', 0);
    bytes[9] = 0xff;
    const file = writeTemp('bad-utf8.safetensors', bytes);
    await assertError(() => openSafetensors(nodeFiles, file), 'badFile', 'safetensors header is not valid UTF-8');
  });

  it('the fixtures written by PyTorch still load under the strict rules', async () => {
    const m = await loadModel(ctx, fixture('torch', 'lstm_l1_f32_right_skip'));
    assert.ok(m.encoder, 'the fixture has an encoder');
    const glove = await loadModel(ctx, 'builtin:glove-100d');
    assert.equal(glove.embeddingLabel.shape?.length, 2);
  });
});

describe('file safety: .npy claims', () => {
  /** A .npy 1.0 file with a hand-written header and `dataBytes` zero bytes of data. */
  function npy(header: string, dataBytes: number, major = 1): Uint8Array {
    const prefix = major === 1 ? 10 : 12;
    const text = header + ' '.repeat((64 - ((prefix + header.length + 1) % 64)) % 64) + '\n';
    const out = new Uint8Array(prefix + text.length + dataBytes);
    out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
    const view = new DataView(out.buffer);
    if (major === 1) view.setUint16(8, text.length, true);
    else view.setUint32(8, text.length, true);
    out.set(Buffer.from(text, 'latin1'), prefix);
    return out;
  }

  it('a dtype string with control characters is quoted on one line', async () => {
    const file = writeTemp('ctl.npy', npy("{'descr': '<f4\\n\\x00', 'fortran_order': False, 'shape': (2,), }", 8));
    await assertError(() => openNpy(nodeFiles, file), 'dtype', "dtype '<f4\\x0a\\x00' is not supported");
  });

  it('a shape that needs more bytes than the file has is refused before reading', async () => {
    const file = writeTemp('big.npy', npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000, 1000000), }", 16));
    await assertError(() => openNpy(nodeFiles, file), 'badFile', 'data is 16 bytes, expected 4000000000000 for shape (1000000, 1000000)');
  });

  it('a shape whose product passes 2^53 is refused, not rounded', async () => {
    const file = writeTemp('huge.npy', npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1073741824, 1073741824, 1073741824), }", 16));
    await assertError(() => openNpy(nodeFiles, file), 'badFile', 'needs more than 2^53 bytes');
  });

  it('a header over the size limit names the limit', async () => {
    const header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${'('.repeat(100_000)}1${')'.repeat(100_000)},), }`;
    const file = writeTemp('deep.npy', npy(header, 0, 2));
    await assertError(() => openNpy(nodeFiles, file), 'badFile', `over the ${LIMITS.npyHeaderBytes}-byte limit on .npy headers`);
  });

  it('100k nested parentheses within the size limit give the nesting limit, not a stack overflow', async () => {
    const depth = Math.floor((LIMITS.npyHeaderBytes - 200) / 2);
    const header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${'('.repeat(depth)}1${')'.repeat(depth)}, }`;
    const file = writeTemp('nested.npy', npy(header, 0, 2));
    await assertError(() => openNpy(nodeFiles, file), 'badFile', `more than ${NPY_HEADER_NESTING} levels deep (the nesting limit)`);
  });

  it('numpy reads what we accept: a real np.save file with trailing bytes loads, as np.load does', async function () {
    this.timeout(20_000);
    const dir = fresh('npy-ref');
    const file = path.join(dir, 'a.npy');
    const r = spawnSync(PYTHON, ['-c', `import numpy as np; np.save(${JSON.stringify(file)}, np.arange(6, dtype='<f4').reshape(2, 3)); open(${JSON.stringify(file)}, 'ab').write(b'xx'); print(np.load(${JSON.stringify(file)}).tolist())`], { encoding: 'utf8' });
    if (r.status !== 0) skipBecause(this, `no numpy: ${PYTHON} could not write and read a .npy file (${(r.error?.message ?? r.stderr.trim().split('\n').pop()) || `exit ${r.status}`}); np.load's reading was NOT compared`);
    const store = await openNpy(nodeFiles, file);
    const values = [...(await store.get('a')!.readAll())];
    assert.deepEqual(values, (JSON.parse(r.stdout) as number[][]).flat());
  });
});

describe('file safety: word-vector claims', () => {
  it('a word2vec binary header claiming 10^12 words is a clean error, not "Invalid array length"', async () => {
    const file = writeTemp('claims.bin', Buffer.concat([Buffer.from('1000000000000 100\n'), Buffer.alloc(64)]));
    await assertError(() => openWordVectors(nodeFiles, file), 'badFile', 'the header says 1000000000000 words of 100 float32 values', 'but only 64 follow the header');
    const wide = writeTemp('wide.bin', Buffer.concat([Buffer.from('3 1099511627776\n'), Buffer.alloc(64)]));
    await assertError(() => openWordVectors(nodeFiles, wide), 'badFile', 'the header says 3 words of 1099511627776 float32 values');
  });

  it('an empty word in a word2vec binary is refused', async () => {
    const rec = Buffer.alloc(1 + 8);
    rec[0] = 0x20;
    const file = writeTemp('empty-word.bin', Buffer.concat([Buffer.from('1 2\n'), rec, Buffer.from('\n')]));
    await assertError(() => openWordVectors(nodeFiles, file), 'badFile', 'word 1 of 1 is empty');
  });

  it('a word2vec text header claiming more words than lines is refused before allocating', async () => {
    const file = writeTemp('claims.txt', '1000000000000 3\nthe 1 2 3\n');
    await assertError(() => openWordVectors(nodeFiles, file), 'badFile', 'the header says 1000000000000 words, but only 1 lines of vectors follow it');
  });

  it('a wide first row followed by many blank lines loads one row', async () => {
    const cols = 2000;
    const file = writeTemp('wide.txt', `w ${Array.from({ length: cols }, (_, i) => i % 10).join(' ')}\n${'\n'.repeat(200_000)}`);
    const wv = await openWordVectors(nodeFiles, file);
    assert.deepEqual(wv.vectors.info.shape, [1, cols]);
    assert.ok((await wv.vectors.readAll()).length === cols);
  });
});

describe('file safety: pickled checkpoints are refused', () => {
  const pickleBytes = (protocol: number) => {
    const r = spawnSync(PYTHON, ['-c', `import pickle, sys; sys.stdout.buffer.write(pickle.dumps({'embedding.weight': [[1.0, 2.0]]}, protocol=${protocol}))`]);
    assert.equal(r.status, 0, String(r.stderr));
    return r.stdout;
  };

  for (const protocol of [2, 3, 4, 5]) {
    it(`a protocol-${protocol} pickle named vectors.bin is recognised by its content`, async function () {
      this.timeout(20_000);
      const file = writeTemp('vectors.bin', pickleBytes(protocol));
      await assertError(() => loadModel(ctx, file), 'badFormat', `${file}${PICKLE_MESSAGE}`);
    });
  }

  for (const name of ['model.pt', 'model.pth', 'last.ckpt']) {
    it(`${name} is refused by its name`, async () => {
      const file = writeTemp(name, 'the 1 2 3\n'); // even if it happens to look like word vectors
      await assertError(() => loadModel(ctx, file), 'badFormat', `${file}${PICKLE_MESSAGE}`);
    });
  }

  it('real torch.save files (zip and legacy) are refused, alone and as a folder\'s pytorch_model.bin', async function () {
    this.timeout(60_000);
    if (!hasTorch) skipBecause(this, `no torch: ${PYTHON} cannot import torch (install python3-torch); real torch.save files were NOT tried`);
    const dir = fresh('torch');
    const script = [
      'import torch, sys',
      'sd = {"embedding.weight": torch.arange(6.0).reshape(2, 3)}',
      'torch.save(sd, sys.argv[1] + "/zip.pt")',
      'torch.save(sd, sys.argv[1] + "/legacy.bin", _use_new_zipfile_serialization=False)',
      'torch.save(sd, sys.argv[1] + "/zip.bin")',
    ].join('\n');
    execFileSync(PYTHON, ['-c', script, dir]);
    for (const f of ['zip.pt', 'legacy.bin', 'zip.bin']) {
      await assertError(() => loadModel(ctx, path.join(dir, f)), 'badFormat', `${path.join(dir, f)}${PICKLE_MESSAGE}`);
    }
    const folder = fresh('hf-torch');
    cpSync(path.join(dir, 'zip.bin'), path.join(folder, 'pytorch_model.bin'));
    writeFileSync(path.join(folder, 'vocab.json'), JSON.stringify(VOCAB));
    writeFileSync(path.join(folder, 'config.json'), JSON.stringify({ hidden_size: 3 }));
    await assertError(() => loadModel(ctx, folder), 'badFormat', `${path.join(folder, 'pytorch_model.bin')}${PICKLE_MESSAGE}`);
  });

  it('a hand-made torch zip (PK header, archive/data.pkl) is refused even without torch', async () => {
    const name = Buffer.from('archive/data.pkl');
    const head = Buffer.alloc(30);
    head.writeUInt32LE(0x04034b50, 0);
    head.writeUInt16LE(name.length, 26);
    const file = writeTemp('weights.bin', Buffer.concat([head, name, Buffer.from([0x80, 0x02, 0x7d, 0x71, 0x00, 0x2e])]));
    await assertError(() => loadModel(ctx, file), 'badFormat', `${file}${PICKLE_MESSAGE}`);
  });

  it('a pickle renamed to .safetensors or .npy is named as a pickle, not as a bad header', async function () {
    this.timeout(20_000);
    const bytes = pickleBytes(4);
    const st = writeTemp('model.safetensors', bytes);
    await assertError(() => openSafetensors(nodeFiles, st), 'badFormat', `${st}${PICKLE_MESSAGE}`);
    const npyFile = writeTemp('emb.npy', bytes);
    await assertError(() => openNpy(nodeFiles, npyFile), 'badFormat', `${npyFile}${PICKLE_MESSAGE}`);
  });

  it('a real word2vec binary .bin still loads', async () => {
    const floats = new Float32Array([1, 2, 0.5, -1]);
    const file = writeTemp('w2v.bin', Buffer.concat([Buffer.from('2 2\n'), Buffer.from('hi '), Buffer.from(floats.buffer, 0, 8), Buffer.from('\nyo '), Buffer.from(floats.buffer, 8, 8), Buffer.from('\n')]));
    const m = await loadModel(ctx, file);
    assert.deepEqual([...(await m.embedding.readRows([m.tokenizer.tokenToId('yo')!]))], [0.5, -1]);
  });
});

describe('file safety: messages', () => {
  it('a workspace folder is not read as word vectors, and none of its files is blamed', async () => {
    const dir = fresh('workspace');
    cpSync(fixture('workspace'), dir, { recursive: true });
    await assertError(
      () => loadModel(ctx, dir),
      'badFile',
      `${dir}: no model found in this folder (3 entries, none a model); expected model.safetensors, model.safetensors.index.json, a .npy file or a word-vector file (GloVe/word2vec text, .bin, vectors.tsv)`,
    );
  });

  it('a .txt in a folder is read as word vectors only when its first line looks like them', async () => {
    const dir = fresh('vec-folder');
    writeFileSync(path.join(dir, 'notes.txt'), 'These are my notes about 3 things.\n');
    writeFileSync(path.join(dir, 'glove.txt'), 'cat 0.5 -1e-3\ndog 2 3\n');
    const m = await loadModel(ctx, dir);
    assert.equal(m.id, path.join(dir, 'glove.txt'));
    const w2v = fresh('w2v-folder');
    writeFileSync(path.join(w2v, 'vectors.vec'), '2 2\ncat 1 2\ndog 3 4\n');
    assert.equal((await loadModel(ctx, w2v)).id, path.join(w2v, 'vectors.vec'));
  });

  it('an (N, 0) or (0, E) embedding table names the file and tensor and what was expected', async () => {
    for (const shape of [[4, 0], [0, 3]] as const) {
      const dir = modelFolder(fresh('empty-table'), [{ name: 'embedding.weight', dtype: 'F32', shape: [...shape], data: new Float32Array(0) }]);
      await assertError(
        () => loadModel(ctx, dir),
        'shape',
        `${path.join(dir, 'model.safetensors')}: embedding tensor "embedding.weight" has shape (${shape.join(', ')}), expected (vocab_size, embedding_dim) with at least one row and one column`,
      );
    }
  });

  it('a shard index nested past the JSON limit names the limit', async () => {
    const dir = fresh('deep-index');
    writeFileSync(path.join(dir, 'model.safetensors.index.json'), `{"weight_map":${'['.repeat(200)}${']'.repeat(200)}}`);
    await assertError(() => loadModel(ctx, dir), 'badFile', `model.safetensors.index.json: JSON is nested more than ${LIMITS.jsonDepth} levels deep`);
  });
});
