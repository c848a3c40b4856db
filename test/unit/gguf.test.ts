import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ggufTokenEmbedding, metaNumber, metaString, metaStrings, openGguf, type GgufArray, type GgufValue } from '../../src/core/formats/gguf';
import { DEQUANTIZABLE_NAMES, dequantize, GGML_TYPES } from '../../src/core/formats/ggmlQuants';
import { nodeFiles } from '../../src/core/nodeFiles';
import { createRng } from '../../src/core/prng';
import { fixture, memoryFiles, rejection } from './helpers';

// Reference values come from scripts/fixtures/gguf_quants.py: the ggml authors' `gguf` package
// 0.19.0 (`gguf.quants.dequantize`, `GGUFWriter`, `GGUFReader`). Every float is compared by its
// bits: dequantization must match ggml exactly, not within a tolerance.

interface JsonScalar { utf8hex?: string; hex?: string }
type JsonValue = number | string | boolean | JsonScalar;
interface ExpectedValue { type: string; itemType?: string; value?: JsonValue | JsonValue[]; nested?: unknown[] }
interface ExpectedFile {
  version: number;
  alignment: number;
  dataOffset: number;
  size: number;
  metadata: Record<string, ExpectedValue>;
  tensors: { name: string; type: string; ne: number[]; offset: number; nbytes: number }[];
  tokenEmbdRows: string[];
}
const expected = JSON.parse(readFileSync(fixture('gguf', 'expected.json'), 'utf8')) as { files: Record<string, ExpectedFile> };

function bitsHex(values: Float32Array): string {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('hex');
}

/** Compares float32 bits; a NaN matches any NaN (payloads are not part of the contract). */
function assertSameBits(actual: Float32Array, want: Float32Array, what: string): void {
  assert.equal(actual.length, want.length, `${what}: length`);
  const a = new Uint32Array(actual.buffer, actual.byteOffset, actual.length);
  const b = new Uint32Array(want.buffer, want.byteOffset, want.length);
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i] && !(Number.isNaN(actual[i]) && Number.isNaN(want[i]))) {
      assert.fail(`${what}: value ${i} is ${actual[i]} (0x${a[i]!.toString(16)}), ggml gives ${want[i]} (0x${b[i]!.toString(16)})`);
    }
  }
}


// A small GGUF writer for hostile inputs only (the well-formed fixtures come from GGUFWriter).
const u32 = (v: number): number[] => [v & 255, (v >>> 8) & 255, (v >>> 16) & 255, (v >>> 24) & 255];
const u64 = (v: number | bigint): number[] => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(v));
  return [...b];
};
const str = (s: string): number[] => {
  const b = [...Buffer.from(s, 'utf8')];
  return [...u64(b.length), ...b];
};
interface HandTensor { name: string; ne: number[]; type: number; offset: number }
function handGguf(opts: { version?: number; kvs?: number[][]; tensors?: HandTensor[]; dataBytes?: number; alignment?: number; kvCount?: number; tensorCount?: number }): Uint8Array {
  const kvs = opts.kvs ?? [];
  const tensors = opts.tensors ?? [];
  const head: number[] = [...Buffer.from('GGUF'), ...u32(opts.version ?? 3), ...u64(opts.tensorCount ?? tensors.length), ...u64(opts.kvCount ?? kvs.length)];
  for (const kv of kvs) for (const b of kv) head.push(b);
  for (const t of tensors) head.push(...str(t.name), ...u32(t.ne.length), ...t.ne.flatMap(d => u64(d)), ...u32(t.type), ...u64(t.offset));
  const align = opts.alignment ?? 32;
  while (head.length % align) head.push(0);
  return new Uint8Array([...head, ...new Array<number>(opts.dataBytes ?? 0).fill(0)]);
}
const kvU32 = (key: string, v: number): number[] => [...str(key), ...u32(4), ...u32(v)];

const PATH = '/m/model.gguf';
async function hostile(bytes: Uint8Array, read?: (f: Awaited<ReturnType<typeof openGguf>>) => Promise<unknown>): Promise<Error & { reason?: string }> {
  const e = await rejection(async () => {
    const f = await openGguf(memoryFiles({ [PATH]: bytes }), PATH);
    if (read) await read(f);
  });
  assert.equal(e.name, 'LensError', `expected a LensError, got ${e.stack}`);
  assert.ok(e.message.startsWith(`${PATH}: `), `the message names the file: ${e.message}`);
  assert.ok(!e.message.includes('\n'), `one line: ${e.message}`);
  return e;
}

describe('GGUF: ggml dequantization', () => {
  // Catches any wrong bit layout, scale unpacking, sign or rounding order, per type.
  for (const name of DEQUANTIZABLE_NAMES) {
    it(`${name}: random blocks dequantize bit for bit as gguf.quants.dequantize`, () => {
      const blocks = new Uint8Array(readFileSync(fixture('gguf', 'quants', `${name}.bin`)));
      const wantBytes = readFileSync(fixture('gguf', 'quants', `${name}.f32`));
      const want = new Float32Array(new Uint8Array(wantBytes).buffer);
      const id = [...GGML_TYPES].find(([, t]) => t.name === name)![0];
      const out = new Float32Array(want.length + 3);
      // At an odd byte offset inside a bigger buffer and an output offset, as row reads do.
      const shifted = new Uint8Array(blocks.length + 5);
      shifted.set(blocks, 5);
      dequantize(id, shifted, 5, want.length, out, 3);
      assertSameBits(out.subarray(3), want, name);
      assert.ok(want.some(v => v !== 0), 'the fixture is not all zeros');
    });
  }

  it('refuses a type it does not read by its ggml name', () => {
    // Catches IQ/TQ types silently decoded as garbage.
    assert.throws(() => dequantize(16, new Uint8Array(66), 0, 256, new Float32Array(256)), /IQ2_XXS cannot be dequantized/);
  });
});

function jsonScalar(type: string, v: JsonValue): unknown {
  if (typeof v === 'object') {
    if (v.utf8hex !== undefined) return Buffer.from(v.utf8hex, 'hex').toString('utf8');
    const b = Buffer.from(v.hex!, 'hex');
    return type === 'FLOAT32' ? b.readFloatLE(0) : b.readDoubleLE(0);
  }
  if (type === 'UINT64' || type === 'INT64') return BigInt(v as string);
  return v;
}

function plain(a: GgufArray): unknown[] {
  return Array.from(a.items as ArrayLike<unknown>, x => (typeof x === 'object' && x !== null && 'itemType' in x ? plain(x as GgufArray) : x));
}

function checkValue(key: string, got: GgufValue | undefined, want: ExpectedValue): void {
  assert.ok(got, `metadata ${key} is there`);
  assert.equal(got.type, want.type, `${key}: type`);
  if (want.type !== 'ARRAY') {
    assert.deepEqual(got.value, jsonScalar(want.type, want.value as JsonValue), key);
    return;
  }
  const arr = got.value as GgufArray;
  assert.equal(arr.itemType, want.itemType, `${key}: item type`);
  if (want.nested) {
    assert.deepEqual(plain(arr), want.nested, key);
    return;
  }
  assert.deepEqual(plain(arr), (want.value as JsonValue[]).map(v => jsonScalar(want.itemType!, v)), key);
}

describe('GGUF: files written by gguf.GGUFWriter', () => {
  for (const [name, want] of Object.entries(expected.files)) {
    describe(name, () => {
      const path = fixture('gguf', name);

      it('header, every metadata value and the tensor infos match GGUFReader', async () => {
        // Catches a misread value type, a wrong string/array length, 64-bit values through doubles.
        const f = await openGguf(nodeFiles, path);
        assert.equal(f.version, want.version);
        assert.equal(f.alignment, want.alignment);
        assert.equal(f.dataOffset, want.dataOffset);
        assert.deepEqual([...f.metadata.keys()].sort(), Object.keys(want.metadata).sort());
        for (const [key, v] of Object.entries(want.metadata)) checkValue(key, f.metadata.get(key), v);
        assert.deepEqual(
          f.tensors.map(t => ({ name: t.name, type: t.typeName, ne: t.ne, offset: t.offset, nbytes: t.bytes })),
          want.tensors,
        );
      });

      it('token_embd.weight rows, read lazily, are ggml\'s dequantized rows', async () => {
        // Catches ne read in the wrong order (row i must be the i-th run of E values) and wrong row offsets.
        const f = await openGguf(nodeFiles, path);
        const t = f.store.get('token_embd.weight')!;
        const V = want.tokenEmbdRows.length;
        const E = want.tensors[0]!.ne[0]!;
        assert.deepEqual(t.info.shape, [V, E]);
        assert.equal(t.info.dtype, want.tensors[0]!.type);
        const ids = [V - 1, 0, V - 1, 1];
        const rows = await t.readRows(ids);
        ids.forEach((id, k) => assert.equal(bitsHex(rows.subarray(k * E, (k + 1) * E)), want.tokenEmbdRows[id], `row ${id}`));
        const block = new Float32Array(E * (V - 1) + 1);
        await t.readBlock!(1, V - 1, block, 1);
        assert.equal(bitsHex(block.subarray(1)), want.tokenEmbdRows.slice(1).join(''));
        assert.equal(bitsHex(await t.readAll()), want.tokenEmbdRows.join(''));
        await assert.rejects(t.readRows([V]), (e: Error) => /id \d+ is outside tensor "token_embd.weight"/.test(e.message));
      });
    });
  }

  it('the metadata helpers', async () => {
    const f = await openGguf(nodeFiles, fixture('gguf', 'tiny-q4_k.gguf'));
    assert.equal(metaString(f, 'general.architecture'), 'llama');
    assert.equal(metaString(f, 'test.string'), 'héllo, 世界 🙂');
    assert.equal(metaNumber(f, 'llama.embedding_length'), 256);
    assert.deepEqual(metaStrings(f, 'tokenizer.ggml.tokens'), ['tok0', 'tok1', 'tok2']);
    assert.equal(metaString(f, 'no.such.key'), undefined);
    // 2^64 − 1 does not fit a number: refused, not rounded.
    assert.throws(() => metaNumber(f, 'test.u64'), /"test.u64" is UINT64 18446744073709551615, expected a number/);
    assert.throws(() => metaString(f, 'test.u8'), /"test.u8" is UINT8, expected STRING/);
  });

  it('ggufTokenEmbedding: V, E and the stored type', async () => {
    const f = await openGguf(nodeFiles, fixture('gguf', 'tiny-q4_k.gguf'));
    const e = ggufTokenEmbedding(f);
    assert.deepEqual({ V: e.vocabSize, E: e.embeddingLength, type: e.typeName }, { V: 3, E: 256, type: 'Q4_K' });
    assert.equal(bitsHex(await e.tensor.readRows([2])), expected.files['tiny-q4_k.gguf']!.tokenEmbdRows[2]);
  });

  it('metadata larger than one read chunk (1 MiB) reads across chunk boundaries', async () => {
    // Catches a string, a length or a numeric array split between two reads being misread.
    const n = 120_000;
    const parts: Buffer[] = [Buffer.from([...str('tokenizer.ggml.tokens'), ...u32(9), ...u32(8), ...u64(n)])];
    const tokens: string[] = [];
    for (let i = 0; i < n; i++) {
      const tok = i % 7 === 0 ? `Ġé${i}` : `t${i}`;
      tokens.push(tok);
      parts.push(Buffer.from(str(tok)));
    }
    const scores = new Float32Array(n).map((_, i) => i / 3);
    parts.push(Buffer.from([...str('tokenizer.ggml.scores'), ...u32(9), ...u32(6), ...u64(n)]), Buffer.from(scores.buffer));
    parts.push(Buffer.from([...str('after'), ...u32(8), ...str('the end')]));
    const kvBytes = [...Buffer.concat(parts)];
    const f = await openGguf(memoryFiles({ [PATH]: handGguf({ kvs: [kvBytes], kvCount: 3 }) }), PATH);
    assert.deepEqual(metaStrings(f, 'tokenizer.ggml.tokens'), tokens);
    assert.deepEqual([...((f.metadata.get('tokenizer.ggml.scores')!.value as GgufArray).items as Float32Array)], [...scores]);
    assert.equal(metaString(f, 'after'), 'the end');
  });

  it('reads version 2 as version 3 (same layout, little-endian)', async () => {
    // Catches a reader that only accepts 3.
    const bytes = new Uint8Array(readFileSync(fixture('gguf', 'tiny-f16.gguf')));
    bytes[4] = 2;
    const f = await openGguf(memoryFiles({ [PATH]: bytes }), PATH);
    assert.equal(f.version, 2);
    assert.equal(bitsHex(await f.store.get('token_embd.weight')!.readRows([5])), expected.files['tiny-f16.gguf']!.tokenEmbdRows[5]);
  });
});

describe('GGUF: hostile files, each a one-line error naming the file', () => {
  const good = (): Uint8Array => new Uint8Array(readFileSync(fixture('gguf', 'tiny-q8_0-align64.gguf')));

  it('a truncated header', async () => {
    assert.match((await hostile(good().slice(0, 20))).message, /too short for a GGUF file/);
    assert.match((await hostile(good().slice(0, 300))).message, /(past the end of the 300-byte file|but the file ends at byte 300)/);
  });

  it('not GGUF at all', async () => {
    assert.match((await hostile(new TextEncoder().encode('{"not": "a gguf file at all, just json"}'))).message, /not a GGUF file/);
  });

  it('a big-endian file is refused by name', async () => {
    const bytes = good();
    bytes.set([0, 0, 0, 3], 4);
    const e = await hostile(bytes);
    assert.equal(e.reason, 'badFormat');
    assert.match(e.message, /big-endian GGUF file \(version 3 byte-swapped\)/);
  });

  it('versions other than 2 and 3', async () => {
    assert.match((await hostile(handGguf({ version: 1 }))).message, /version 1 .* expected version 2 or 3/);
    assert.match((await hostile(handGguf({ version: 4 }))).message, /GGUF version 4, expected 2 or 3/);
  });

  it('counts past the end of the file', async () => {
    assert.match((await hostile(handGguf({ kvCount: 2 ** 40 }))).message, /claims 1099511627776 metadata keys and 0 tensors, more than the \d+-byte file can hold/);
    assert.match((await hostile(handGguf({ tensorCount: 1000 }))).message, /claims 0 metadata keys and 1000 tensors/);
    // An array count the file cannot hold is refused before anything is allocated.
    const arr = [...str('tokenizer.ggml.tokens'), ...u32(9), ...u32(8), ...u64(2 ** 50)];
    assert.match((await hostile(handGguf({ kvs: [arr] }))).message, /"tokenizer.ggml.tokens" claims 1125899906842624 STRING items/);
    const u64max = [...str('k'), ...u32(9), ...u32(0), ...u64(2n ** 64n - 1n)];
    assert.match((await hostile(handGguf({ kvs: [u64max] }))).message, /item count of metadata "k" is 18446744073709551615, too large/);
  });

  it('a string length past the end', async () => {
    const bytes = good();
    bytes.set(u64(10 ** 12), 24); // the first key's length
    assert.match((await hostile(bytes)).message, /metadata key 0 at byte 24 has length 1000000000000, past the end of the \d+-byte file/);
    const value = [...str('general.name'), ...u32(8), ...u64(500), ...Buffer.from('short')];
    assert.match((await hostile(handGguf({ kvs: [value] }))).message, /metadata "general.name" at byte \d+ has length 500, past the end/);
  });

  it('bad value and ggml type ids', async () => {
    assert.match((await hostile(handGguf({ kvs: [[...str('k'), ...u32(13), 0]] }))).message, /metadata "k" has value type 13, expected 0–12/);
    assert.match((await hostile(handGguf({ kvs: [[...str('k'), ...u32(9), ...u32(77), ...u64(1), 0]] }))).message, /an item of metadata "k" has value type 77/);
    const t = { name: 'token_embd.weight', ne: [32, 2], type: 99, offset: 0 };
    assert.match((await hostile(handGguf({ tensors: [t], dataBytes: 256 }))).message, /tensor "token_embd.weight" has ggml type id 99, which ggml does not define/);
    assert.match((await hostile(handGguf({ kvs: [[...str('b'), ...u32(7), 2]] }))).message, /"b" is a BOOL with byte 2/);
  });

  it('bad alignment', async () => {
    for (const a of [0, 3, 48, 1 << 30]) {
      assert.match((await hostile(handGguf({ kvs: [kvU32('general.alignment', a)] }))).message, new RegExp(`"general.alignment" is ${a}, expected a power of two`));
    }
    const asString = [...str('general.alignment'), ...u32(8), ...str('32')];
    assert.match((await hostile(handGguf({ kvs: [asString] }))).message, /"general.alignment" is STRING, expected UINT32/);
    const t = { name: 'x', ne: [32], type: 0, offset: 16 };
    assert.match((await hostile(handGguf({ tensors: [t], dataBytes: 256 }))).message, /tensor "x" has data offset 16, not a multiple of the alignment 32/);
  });

  it('tensor infos that do not fit', async () => {
    const past = { name: 'token_embd.weight', ne: [64, 1000], type: 0, offset: 0 };
    assert.match((await hostile(handGguf({ tensors: [past], dataBytes: 64 }))).message, /tensor "token_embd.weight" F32 ne \[64, 1000\] needs bytes \d+…\d+, but the file has \d+ bytes/);
    const dims = { name: 'x', ne: [1, 1, 1, 1, 1], type: 0, offset: 0 };
    assert.match((await hostile(handGguf({ tensors: [dims], dataBytes: 64 }))).message, /tensor "x" has 5 dimensions, expected at most 4/);
    const partial = { name: 'q', ne: [40, 2], type: 8, offset: 0 };
    assert.match((await hostile(handGguf({ tensors: [partial], dataBytes: 256 }))).message, /tensor "q" is Q8_0 with ne\[0\] = 40, not a multiple of its block size 32/);
    const twice = [{ name: 'x', ne: [8], type: 0, offset: 0 }, { name: 'x', ne: [8], type: 0, offset: 32 }];
    assert.match((await hostile(handGguf({ tensors: twice, dataBytes: 64 }))).message, /tensor "x" appears twice/);
    assert.match((await hostile(handGguf({ kvs: [kvU32('a', 1), kvU32('a', 2)] }))).message, /metadata "a" appears twice/);
    // Overlapping or out-of-order data, as ggml refuses it.
    const overlap = [{ name: 'a', ne: [16], type: 0, offset: 0 }, { name: 'b', ne: [8], type: 0, offset: 32 }];
    assert.match((await hostile(handGguf({ tensors: overlap, dataBytes: 128 }))).message, /tensor "b" has data offset 32, expected 64 \(where the previous tensor ends, padded to the alignment 32\)/);
    const long = { name: 'n'.repeat(64), ne: [8], type: 0, offset: 0 };
    assert.match((await hostile(handGguf({ tensors: [long], dataBytes: 32 }))).message, /has a name of 64 bytes, expected fewer than 64/);
    // A file cut inside the tensor data: found at open, before any row is read.
    const cut = good();
    assert.match((await hostile(cut.slice(0, cut.length - 10))).message, /tensor "[^"]+" .* needs bytes \d+…\d+, but the file has \d+ bytes \(truncated file\?\)/);
  });

  it('a tensor type we do not dequantize is refused by its ggml name when read', async () => {
    // Q8_1 (id 9) is a valid ggml type (the file opens), but not one we decode.
    const t = { name: 'token_embd.weight', ne: [32, 2], type: 9, offset: 0 };
    const e = await hostile(handGguf({ tensors: [t], dataBytes: 96 }), f => f.store.get('token_embd.weight')!.readRows([0]));
    assert.equal(e.reason, 'dtype');
    assert.match(e.message, /tensor "token_embd.weight" is ggml type Q8_1, which is not read; expected one of F32, F16, Q4_0/);
  });

  it('arrays nested deeper than the limit', async () => {
    let value = [...u32(0), ...u64(0)];
    for (let i = 0; i < 10; i++) value = [...u32(9), ...u64(1), ...value];
    assert.match((await hostile(handGguf({ kvs: [[...str('deep'), ...u32(9), ...value]] }))).message, /nests arrays deeper than 8 levels/);
  });

  it('random corruptions of real files: open and row reads either succeed or fail with a LensError', async () => {
    // Catches a size read from the file used before it is checked (a RangeError, a huge
    // allocation, a TypeError on a missing value) anywhere in the header, metadata or tensor infos.
    const rng = createRng(11);
    for (const name of Object.keys(expected.files)) {
      const original = new Uint8Array(readFileSync(fixture('gguf', name)));
      const headerEnd = expected.files[name]!.dataOffset;
      for (let trial = 0; trial < 150; trial++) {
        const bytes = original.slice(0, trial % 5 === 0 ? Math.floor(rng.next() * original.length) : original.length);
        const flips = 1 + Math.floor(rng.next() * 4);
        for (let k = 0; k < flips && bytes.length > 0; k++) {
          const at = Math.floor(rng.next() * Math.min(bytes.length, headerEnd));
          bytes[at] = rng.next() < 0.3 ? 0xff : Math.floor(rng.next() * 256);
        }
        try {
          const f = await openGguf(memoryFiles({ [PATH]: bytes }), PATH);
          const t = f.store.get('token_embd.weight');
          if (t) await t.readRows([0]);
        } catch (e) {
          if (!(e instanceof Error) || e.name !== 'LensError') assert.fail(`${name}, trial ${trial}: not a LensError: ${(e as Error).stack}`);
          assert.ok(!e.message.includes('\n') && e.message.startsWith(PATH), `${name}, trial ${trial}: ${e.message}`);
        }
      }
    }
  });
});
